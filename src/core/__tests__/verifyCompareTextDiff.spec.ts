import fc from 'fast-check';

import { sideBySide, type IDiffRow } from '../verify/textDiff';

describe('sideBySide', () => {
  it('shows equal texts as same rows', () => {
    expect(sideBySide('a\nb', 'a\nb\n')).toEqual([
      { kind: 'same', saved: 'a', produced: 'a' },
      { kind: 'same', saved: 'b', produced: 'b' }
    ]);
  });

  it('pairs a changed line with its replacement', () => {
    expect(
      sideBySide('mean 0.512\nstd 1.0\nn 3', 'mean 0.498\nstd 1.0\nn 3')
    ).toEqual([
      { kind: 'changed', saved: 'mean 0.512', produced: 'mean 0.498' },
      { kind: 'same', saved: 'std 1.0', produced: 'std 1.0' },
      { kind: 'same', saved: 'n 3', produced: 'n 3' }
    ]);
  });

  it('shows what is left of an uneven change alone on its side', () => {
    expect(sideBySide('a\nb\nc\nz', 'a\nB\nz')).toEqual([
      { kind: 'same', saved: 'a', produced: 'a' },
      { kind: 'changed', saved: 'b', produced: 'B' },
      { kind: 'removed', saved: 'c', produced: '' },
      { kind: 'same', saved: 'z', produced: 'z' }
    ]);
    expect(sideBySide('a', 'a\nnew')).toEqual([
      { kind: 'same', saved: 'a', produced: 'a' },
      { kind: 'added', saved: '', produced: 'new' }
    ]);
  });

  it('handles empty sides', () => {
    expect(sideBySide('', '')).toEqual([]);
    expect(sideBySide('', 'x')).toEqual([
      { kind: 'added', saved: '', produced: 'x' }
    ]);
    expect(sideBySide('x\n', '')).toEqual([
      { kind: 'removed', saved: 'x', produced: '' }
    ]);
  });

  it('aligns long texts that differ everywhere in reasonable time', () => {
    const saved = Array.from(
      { length: 4000 },
      (_, i) => `row ${i} ${i * 7}`
    ).join('\n');
    const produced = Array.from(
      { length: 4000 },
      (_, i) => `row ${i} ${i * 11}`
    ).join('\n');
    const started = performance.now();
    const rows = sideBySide(saved, produced);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(
      rows.filter(row => row.kind !== 'removed').map(row => row.produced)
    ).toEqual(produced.split('\n'));
  });

  const lines = fc
    .array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 12 })
    .map(parts => parts.join('\n'));

  const side = (rows: IDiffRow[], which: 'saved' | 'produced') =>
    rows
      .filter(row =>
        which === 'saved' ? row.kind !== 'added' : row.kind !== 'removed'
      )
      .map(row => row[which])
      .join('\n');

  it('keeps every line of both sides, in order', () => {
    fc.assert(
      fc.property(lines, lines, (saved, produced) => {
        const rows = sideBySide(saved, produced);
        expect(side(rows, 'saved')).toBe(saved.replace(/\n$/, ''));
        expect(side(rows, 'produced')).toBe(produced.replace(/\n$/, ''));
      })
    );
  });

  it('shows a text against itself as same rows only', () => {
    fc.assert(
      fc.property(lines, text => {
        expect(sideBySide(text, text).every(row => row.kind === 'same')).toBe(
          true
        );
      })
    );
  });
});

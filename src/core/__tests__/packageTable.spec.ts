import fc from 'fast-check';

import { IPreflightPackage } from '../requirements/preflight';
import {
  IPackageRow,
  IRowCheck,
  rowCheck,
  rowNote,
  rowOffsets,
  visibleRows,
  windowSlice,
  windowSliceByOffsets
} from '../environment/packageTable';

function row(name: string, version: string, status = 'pinned'): IPackageRow {
  return {
    name,
    version,
    source: 'index',
    status,
    reason: '',
    line: `${name}==${version}`
  };
}

const rows = [
  row('pandas', '2.2.3'),
  row('numpy', '2.1.0'),
  row('numpy-financial', '1.0.0', 'warning'),
  row('six', '1.10.0'),
  row('six-two', '1.9.0')
];

describe('visibleRows', () => {
  it('sorts by name by default order', () => {
    const names = visibleRows(rows, {
      query: '',
      sortKey: 'name',
      direction: 'ascending'
    }).map(r => r.name);
    expect(names).toEqual([
      'numpy',
      'numpy-financial',
      'pandas',
      'six',
      'six-two'
    ]);
  });

  it('sorts versions numerically, descending', () => {
    const versions = visibleRows(rows, {
      query: 'six',
      sortKey: 'version',
      direction: 'descending'
    }).map(r => r.version);
    expect(versions).toEqual(['1.10.0', '1.9.0']);
  });

  it('matches every word of the query', () => {
    const names = visibleRows(rows, {
      query: 'numpy warning',
      sortKey: 'name',
      direction: 'ascending'
    }).map(r => r.name);
    expect(names).toEqual(['numpy-financial']);
  });

  it('never invents or drops a matching row', () => {
    const arbitraryRow = fc
      .tuple(fc.string(), fc.string())
      .map(([name, version]) => row(name, version));
    fc.assert(
      fc.property(fc.array(arbitraryRow), fc.string(), (some, query) => {
        const shown = visibleRows(some, {
          query,
          sortKey: 'name',
          direction: 'ascending'
        });
        expect(shown.length).toBeLessThanOrEqual(some.length);
        for (const item of shown) {
          expect(some).toContain(item);
        }
        if (!query.trim()) {
          expect(shown.length).toBe(some.length);
        }
      })
    );
  });

  it('filters and sorts 1,000 packages quickly', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      row(`pkg-${i}`, `1.${i}.0`)
    );
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      visibleRows(many, {
        query: 'pkg 1',
        sortKey: 'version',
        direction: 'descending'
      });
    }
    // Generous: catches a quadratic slip, not a timing target (see bench for figures).
    expect((performance.now() - started) / 20).toBeLessThan(100);
  });
});

describe('windowSlice', () => {
  it('covers the viewport plus overscan', () => {
    expect(windowSlice(1000, 240, 480, 24, 4)).toEqual({ start: 6, end: 34 });
  });

  it('stays inside the rows', () => {
    fc.assert(
      fc.property(
        fc.nat(5000),
        fc.integer({ min: -100, max: 200000 }),
        fc.integer({ min: -10, max: 5000 }),
        fc.integer({ min: 1, max: 100 }),
        (total, scrollTop, height, rowHeight) => {
          const { start, end } = windowSlice(
            total,
            scrollTop,
            height,
            rowHeight
          );
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(total);
          expect(start).toBeLessThanOrEqual(end);
        }
      )
    );
  });
});

describe('windowSliceByOffsets', () => {
  it('covers every row that meets the viewport, whatever the heights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 300 }),
        fc.nat(20000),
        fc.nat(1500),
        (heights, scrollTop, height) => {
          const offsets = rowOffsets(heights);
          const { start, end } = windowSliceByOffsets(
            offsets,
            scrollTop,
            height,
            0
          );
          expect(start).toBeLessThanOrEqual(end);
          expect(end).toBeLessThanOrEqual(heights.length);
          heights.forEach((_, index) => {
            const meets =
              offsets[index + 1] > scrollTop &&
              offsets[index] < scrollTop + height;
            if (meets) {
              expect(index).toBeGreaterThanOrEqual(start);
              expect(index).toBeLessThan(end);
            }
          });
        }
      )
    );
  });

  it('finds rows below taller ones', () => {
    // Rows of 38 px, the third one 68 px (it shows a warning).
    const offsets = rowOffsets([38, 38, 68, 38, 38, 38]);
    expect(offsets).toEqual([0, 38, 76, 144, 182, 220, 258]);
    expect(windowSliceByOffsets(offsets, 150, 40, 0)).toEqual({
      start: 3,
      end: 5
    });
  });
});

describe('rowNote', () => {
  const row = (status: string, line: string | null): IPackageRow => ({
    name: 'x',
    version: '1',
    source: 'index',
    status,
    reason: `the ${status} reason`,
    line
  });
  const check = (status: IRowCheck['status']): IRowCheck => ({
    status,
    label: status,
    reason: `pre-flight: ${status}`,
    action: '',
    blocked: status !== 'ok'
  });

  it('shows the pre-flight reason when it did not say ok', () => {
    expect(rowNote(row('pinned', 'x==1'), check('unavailable'))).toBe(
      'pre-flight: unavailable'
    );
    expect(rowNote(row('excluded', null), check('source-only'))).toBe(
      'pre-flight: source-only'
    );
  });

  it('shows the reason of a row in trouble', () => {
    expect(rowNote(row('warning', null), null)).toBe('the warning reason');
    expect(rowNote(row('warning', 'x==1'), check('ok'))).toBe(
      'the warning reason'
    );
    expect(rowNote(row('vendorable', null), null)).toBe(
      'the vendorable reason'
    );
    expect(rowNote(row('vcs', null), null)).toBe('the vcs reason');
  });

  it('says nothing for a row that is fine or left out by choice', () => {
    expect(rowNote(row('pinned', 'x==1'), check('ok'))).toBeNull();
    expect(rowNote(row('rewritten', 'x @ y'), null)).toBeNull();
    expect(rowNote(row('vcs', 'x @ git+https://h/r@c'), null)).toBeNull();
    expect(rowNote(row('excluded', null), null)).toBeNull();
  });
});

describe('rowCheck', () => {
  const verdict = (
    name: string,
    line: string,
    status: IPreflightPackage['status']
  ): IPreflightPackage => ({
    name,
    line,
    status,
    version: null,
    file: null,
    reason: `${name} is ${status}`,
    action: ''
  });
  const row = (name: string, line: string | null): IPackageRow => ({
    name,
    version: '1.0',
    source: 'index',
    status: line ? 'pinned' : 'excluded',
    reason: 'why',
    line
  });
  const verdicts = new Map([
    ['ok', verdict('ok', 'ok==1.0', 'ok')],
    ['gone', verdict('gone', 'gone==1.0', 'unavailable')],
    ['sdist', verdict('sdist', 'sdist==1.0', 'source-only')]
  ]);

  it('shows the verdict on the line the row has', () => {
    expect(rowCheck(row('ok', 'ok==1.0'), verdicts, true)).toEqual({
      status: 'ok',
      label: 'installs',
      reason: 'ok is ok',
      action: '',
      blocked: false
    });
    expect(rowCheck(row('gone', 'gone==1.0'), verdicts, true)).toMatchObject({
      status: 'unavailable',
      blocked: true
    });
    expect(rowCheck(row('gone', 'gone==1.0'), verdicts, true)?.action).not.toBe(
      ''
    );
  });

  it('keeps the reason on a row the check unticked', () => {
    expect(rowCheck(row('gone', null), verdicts, true)?.reason).toBe(
      'gone is unavailable'
    );
    expect(rowCheck(row('ok', null), verdicts, true)).toBeNull();
  });

  it('says nothing of another line or an unchecked package', () => {
    expect(rowCheck(row('gone', 'gone==2.0'), verdicts, true)).toBeNull();
    expect(rowCheck(row('new', 'new==1.0'), verdicts, true)).toBeNull();
  });

  it('blocks an sdist only where the image has no compiler', () => {
    expect(rowCheck(row('sdist', 'sdist==1.0'), verdicts, true)?.blocked).toBe(
      true
    );
    expect(rowCheck(row('sdist', 'sdist==1.0'), verdicts, false)?.blocked).toBe(
      false
    );
  });
});

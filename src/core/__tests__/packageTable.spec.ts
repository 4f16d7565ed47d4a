import fc from 'fast-check';

import { IPreflightPackage } from '../preflight';
import {
  IPackageRow,
  rowCheck,
  visibleRows,
  windowSlice
} from '../packageTable';

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

/**
 * Searching and sorting the package table, and what the pre-flight says of each row:
 * pure, so 1,000 rows are tested in jest.
 */
import {
  cannotInstall,
  IPreflightPackage,
  PreflightStatus,
  preflightStatusLabel,
  verdictAction
} from '../requirements/preflight';
import { ITranslate, plainTranslate } from '../shared/text';

export interface IPackageRow {
  /** Normalized distribution name (the row's key). */
  name: string;
  version: string;
  /** Where it was installed from: index, conda, vcs, editable, local-archive, local-dir. */
  source: string;
  /** The translation's verdict: pinned, rewritten, vcs, warning, excluded, vendorable. */
  status: string;
  /** One sentence: why the row is what it is. */
  reason: string;
  /** The requirements line it produces, or null. */
  line: string | null;
}

export type SortKey = 'name' | 'version' | 'source' | 'status';
export type SortDirection = 'ascending' | 'descending';

export interface ITableView {
  query: string;
  sortKey: SortKey;
  direction: SortDirection;
}

const collator = new Intl.Collator('en', {
  numeric: true,
  sensitivity: 'base'
});

/** Rows matching every word of the query (in name, version, source or status), sorted. */
export function visibleRows(
  rows: readonly IPackageRow[],
  view: ITableView
): IPackageRow[] {
  const words = view.query.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = words.length
    ? rows.filter(row => {
        const haystack =
          `${row.name} ${row.version} ${row.source} ${row.status}`.toLowerCase();
        return words.every(word => haystack.includes(word));
      })
    : [...rows];
  const sign = view.direction === 'ascending' ? 1 : -1;
  return matching.sort(
    (a, b) =>
      sign * collator.compare(a[view.sortKey], b[view.sortKey]) ||
      collator.compare(a.name, b.name)
  );
}

/** The slice of rows a scrolled window of fixed-height rows shows, with overscan. */
export function windowSlice(
  total: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  overscan = 8
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight);
  const start = Math.min(total, Math.max(0, first - overscan));
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/** Top of each row and, last, the total height: offsets[i] to offsets[i + 1] is row i. */
export function rowOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let index = 0; index < heights.length; index++) {
    offsets[index + 1] = offsets[index] + heights[index];
  }
  return offsets;
}

/** The first row whose bottom lies below `y` (binary search over rowOffsets). */
function rowAt(offsets: readonly number[], y: number): number {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle + 1] <= y) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * windowSlice for rows of different heights (a row with a visible warning is taller),
 * given their rowOffsets.
 */
export function windowSliceByOffsets(
  offsets: readonly number[],
  scrollTop: number,
  viewportHeight: number,
  overscan = 8
): { start: number; end: number } {
  const total = offsets.length - 1;
  const top = Math.max(0, scrollTop);
  const first = rowAt(offsets, top);
  const last = rowAt(offsets, top + Math.max(0, viewportHeight));
  const start = Math.min(total, Math.max(0, first - overscan));
  const end = Math.min(total, last + 1 + overscan);
  return { start, end: Math.max(start, end) };
}

/** The pre-flight's word on one row, as the table shows it. */
export interface IRowCheck {
  status: PreflightStatus;
  /** The badge's words. */
  label: string;
  reason: string;
  /** What to do about it ('' for ok). */
  action: string;
  /** The image cannot install it as it stands. */
  blocked: boolean;
}

/**
 * The verdict that speaks for a row: the one on the line the row has now, or, for a row
 * without a line, the verdict that got it unticked (so the reason stays visible).
 */
export function rowCheck(
  row: IPackageRow,
  verdicts: ReadonlyMap<string, IPreflightPackage>,
  binaryOnly: boolean,
  trans: ITranslate = plainTranslate
): IRowCheck | null {
  const verdict = verdicts.get(row.name);
  if (!verdict) {
    return null;
  }
  const blocked = cannotInstall(verdict, binaryOnly);
  if (row.line === null ? !blocked : verdict.line !== row.line) {
    return null;
  }
  return {
    status: verdict.status,
    label: preflightStatusLabel(verdict.status, trans),
    reason: verdict.reason,
    action: verdictAction(verdict, binaryOnly, trans),
    blocked
  };
}

/**
 * The warning a row shows as text in the table, without hovering or clicking (null for a
 * row that is fine as it is): the pre-flight's reason when it did not say ok, else the
 * translation's reason for a row that is in trouble (a warning, or a row that wants in
 * and has no line yet). Rows left out by choice (excluded) say nothing here.
 */
export function rowNote(
  row: IPackageRow,
  check: IRowCheck | null
): string | null {
  if (check && check.status !== 'ok') {
    return check.reason || check.label;
  }
  if (
    row.status === 'warning' ||
    (row.line === null && row.status !== 'excluded')
  ) {
    return row.reason || null;
  }
  return null;
}

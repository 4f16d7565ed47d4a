/**
 * How a cell asks to be checked when its notebook is re-executed: by a cell tag (ours or
 * nbval's and jupyter-book's) or by nbval's marker comments in its source.
 */

/**
 * `compare`: the usual check (ran without error, outputs equal after normalising);
 * `ignore-output`: must run without error, outputs are not compared;
 * `raises`: must raise, outputs are not compared;
 * `skip`: neither compared nor required to run without error.
 */
export type CellCheck = 'compare' | 'ignore-output' | 'raises' | 'skip';

const TAGS: ReadonlyMap<string, CellCheck> = new Map<string, CellCheck>([
  ['dockerize-ignore-output', 'ignore-output'],
  ['dockerize-raises', 'raises'],
  ['dockerize-skip', 'skip'],
  ['nbval-ignore-output', 'ignore-output'],
  ['nbval-raises-exception', 'raises'],
  ['nbval-skip', 'skip'],
  ['raises-exception', 'raises']
]);

/** nbval's marker comments, each a whole comment line of its own. */
const COMMENTS: ReadonlyMap<string, CellCheck> = new Map<string, CellCheck>([
  ['NBVAL_IGNORE_OUTPUT', 'ignore-output'],
  ['NBVAL_RAISES_EXCEPTION', 'raises'],
  ['NBVAL_SKIP', 'skip']
]);

/** When a cell has several markers, the one that asks the least of it wins. */
const PRECEDENCE: readonly CellCheck[] = ['skip', 'raises', 'ignore-output'];

/**
 * The check a cell asks for. Tags are matched exactly (as nbval does); marker comments
 * anywhere in the cell count as nbval reads them (`# NBVAL_SKIP` on a line of its own,
 * usually the first).
 */
export function cellCheck(cell: { tags: string[]; source: string }): CellCheck {
  const found = new Set<CellCheck>();
  for (const tag of cell.tags) {
    const check = TAGS.get(tag);
    if (check) {
      found.add(check);
    }
  }
  for (const line of cell.source.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      const check = COMMENTS.get(trimmed.replace(/^#+/, '').trim());
      if (check) {
        found.add(check);
      }
    }
  }
  return PRECEDENCE.find(check => found.has(check)) ?? 'compare';
}

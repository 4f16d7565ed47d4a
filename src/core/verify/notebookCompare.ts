/**
 * A re-executed notebook judged cell by cell against the outputs saved in it: the
 * verdict per cell (match, differs, ran, tagged, raised as expected, failed), the
 * differences in words, and the notebook's verdict and summary line. Made from the
 * INotebookRun record alone, so the same report comes back after a reload.
 */
import { cellCheck } from './cellTags';
import type { ICellRun, INotebookRun } from './notebookRun';
import {
  compareOutputs,
  producedError,
  type IOutputDifference
} from './outputs';

export type { IOutputDifference } from './outputs';

export const DEFAULT_RELATIVE_TOLERANCE = 1e-6;
export const DEFAULT_ABSOLUTE_TOLERANCE = 1e-12;
export const DEFAULT_PIXEL_TOLERANCE = 0.001;
export const DEFAULT_CHANNEL_TOLERANCE = 8;

export interface ICompareOptions {
  /** Numbers in text: relative difference allowed; default 1e-6. */
  relativeTolerance: number;
  /** For numbers near 0; default 1e-12. */
  absoluteTolerance?: number;
  /** Fraction of pixels allowed to differ; default 0.001. */
  pixelTolerance?: number;
  /** Per-channel difference (0..255) that counts as equal; default 8. */
  channelTolerance?: number;
}

export type CellVerdict =
  | 'match'
  | 'differs'
  | 'ran' // no saved output, executed without error
  | 'skipped' // tag: ignore-output/skip (not compared)
  | 'raised-as-expected'
  | 'did-not-raise'
  | 'error'
  | 'timeout'
  | 'died'
  | 'not-run';

export interface ICellComparison {
  /** Cell index in the notebook (markdown cells counted). */
  index: number;
  /** 1-based position among code cells ("cell 3"). */
  number: number;
  source: string;
  verdict: CellVerdict;
  differences: IOutputDifference[];
  /** The produced error, if any. */
  error: { ename: string; evalue: string } | null;
  seconds: number | null;
}

export type NotebookVerdict =
  'reproduced' | 'differs' | 'failed' | 'timeout' | 'not-run';

export interface INotebookComparison {
  bundlePath: string;
  workspacePath: string;
  verdict: NotebookVerdict;
  /** Every code cell. */
  cells: ICellComparison[];
  /** match = match + ran + raised-as-expected; failed = error + did-not-raise + died + timeout. */
  counts: {
    total: number;
    match: number;
    differs: number;
    skipped: number;
    failed: number;
    notRun: number;
  };
  /** "Notebook differs: 11 of 12 cells match · 1 differs". */
  summary: string;
  /** run.message passed on ('' when none). */
  message: string;
}

function withDefaults(options?: Partial<ICompareOptions>) {
  const positive = (value: number | undefined, fallback: number) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? value
      : fallback;
  return {
    relative: positive(options?.relativeTolerance, DEFAULT_RELATIVE_TOLERANCE),
    absolute: positive(options?.absoluteTolerance, DEFAULT_ABSOLUTE_TOLERANCE),
    pixels: positive(options?.pixelTolerance, DEFAULT_PIXEL_TOLERANCE),
    channel: positive(options?.channelTolerance, DEFAULT_CHANNEL_TOLERANCE)
  };
}

function hasSavedError(cell: ICellRun): boolean {
  return cell.saved.some(output => output?.output_type === 'error');
}

/** The verdict of one code cell and the differences behind it. */
function judgeCell(
  cell: ICellRun,
  tolerances: ReturnType<typeof withDefaults>
): { verdict: CellVerdict; differences: IOutputDifference[] } {
  const none = (verdict: CellVerdict) => ({ verdict, differences: [] });
  const check = cellCheck(cell);
  if (cell.status === 'timeout' || cell.status === 'died') {
    return none(cell.status);
  }
  if (check === 'skip') {
    return none('skipped');
  }
  if (cell.status === 'not-run') {
    return none('not-run');
  }
  if (check === 'raises') {
    return none(
      cell.status === 'error' ? 'raised-as-expected' : 'did-not-raise'
    );
  }
  // A cell whose saved output is an error raised when the author ran it too: the
  // error is its result, compared like any output.
  if (
    cell.status === 'error' &&
    !(check === 'compare' && hasSavedError(cell))
  ) {
    return none('error');
  }
  if (check === 'ignore-output') {
    return none('skipped');
  }
  if (cell.saved.length === 0) {
    return none('ran');
  }
  const differences = compareOutputs(cell.saved, cell.produced, tolerances);
  return { verdict: differences.length ? 'differs' : 'match', differences };
}

const MATCHING: readonly CellVerdict[] = ['match', 'ran', 'raised-as-expected'];
const FAILING: readonly CellVerdict[] = [
  'error',
  'did-not-raise',
  'died',
  'timeout'
];

function countOf(
  cells: readonly ICellComparison[],
  verdicts: readonly CellVerdict[]
) {
  return cells.filter(cell => verdicts.includes(cell.verdict)).length;
}

function notebookVerdict(
  run: INotebookRun,
  cells: readonly ICellComparison[]
): NotebookVerdict {
  const stopped = run.status === 'failed' || run.status === 'cancelled';
  if (stopped && run.cells.every(cell => cell.status === 'not-run')) {
    return 'not-run';
  }
  if (run.status === 'timeout') {
    return 'timeout';
  }
  if (stopped || countOf(cells, [...FAILING, 'not-run']) > 0) {
    return 'failed';
  }
  return countOf(cells, ['differs']) > 0 ? 'differs' : 'reproduced';
}

const HEADLINES: Readonly<Record<NotebookVerdict, string>> = {
  reproduced: 'Notebook reproduced',
  differs: 'Notebook differs',
  failed: 'Notebook failed',
  timeout: 'Notebook timed out',
  'not-run': 'Notebook not run'
};

/** "1 differs", "2 differ", "1 error", "3 errors": one part of the summary line. */
const PARTS: readonly [CellVerdict, (count: number) => string][] = [
  ['differs', n => `${n} ${n === 1 ? 'differs' : 'differ'}`],
  ['error', n => `${n} error${n === 1 ? '' : 's'}`],
  ['did-not-raise', n => `${n} did not raise`],
  ['timeout', n => `${n} timed out`],
  ['died', n => `${n} crashed the kernel`],
  ['not-run', n => `${n} not run`],
  ['skipped', n => `${n} not compared (tagged)`]
];

function summaryLine(
  verdict: NotebookVerdict,
  cells: readonly ICellComparison[],
  matching: number
): string {
  const headline = HEADLINES[verdict];
  if (cells.length === 0) {
    return `${headline}: no code cells`;
  }
  if (verdict === 'not-run') {
    return `${headline}: 0 of ${cells.length} cells ran`;
  }
  const parts = [`${matching} of ${cells.length} cells match`];
  for (const [kind, words] of PARTS) {
    const count = countOf(cells, [kind]);
    if (count > 0) {
      parts.push(words(count));
    }
  }
  return `${headline}: ${parts.join(' · ')}`;
}

/**
 * Compares every code cell of a re-executed notebook with its saved outputs. Text is
 * normalised (normalise.ts) and its numbers compared with the relative tolerance; images
 * by decoded pixels; tags choose what is checked (cellTags.ts).
 */
export function compareNotebookRun(
  run: INotebookRun,
  options?: Partial<ICompareOptions>
): INotebookComparison {
  const tolerances = withDefaults(options);
  const cells: ICellComparison[] = run.cells.map((cell, position) => {
    const { verdict, differences } = judgeCell(cell, tolerances);
    return {
      index: cell.index,
      number: position + 1,
      source: cell.source,
      verdict,
      differences,
      error: producedError(cell.produced),
      seconds: cell.seconds ?? null
    };
  });
  const verdict = notebookVerdict(run, cells);
  const match = countOf(cells, MATCHING);
  return {
    bundlePath: run.bundlePath,
    workspacePath: run.workspacePath,
    verdict,
    cells,
    counts: {
      total: cells.length,
      match,
      differs: countOf(cells, ['differs']),
      skipped: countOf(cells, ['skipped']),
      failed: countOf(cells, FAILING),
      notRun: countOf(cells, ['not-run'])
    },
    summary: summaryLine(verdict, cells, match),
    message: run.message ?? ''
  };
}

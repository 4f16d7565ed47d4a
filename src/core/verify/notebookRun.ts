/**
 * What the server reports after re-executing a bundled notebook inside the built image
 * (`job.verification.notebooks`): for each code cell, the outputs saved in the notebook
 * as bundled and the outputs the image's kernel produced. The comparison and the
 * diagnosis are made from this record alone, so they survive a reload.
 */
import { isRecord } from '../shared/guards';

/** An nbformat v4 output, as saved in a notebook or produced by a kernel. */
export type INotebookOutput =
  | {
      output_type: 'stream';
      name: string;
      text: string | string[];
    }
  | {
      output_type: 'execute_result' | 'display_data';
      data: Record<string, unknown>;
      metadata?: Record<string, unknown>;
      execution_count?: number | null;
    }
  | {
      output_type: 'error';
      ename: string;
      evalue: string;
      traceback: string[];
    };

/**
 * How a cell's execution ended: `ok`; `error` (it raised); `timeout` (the per-cell limit,
 * or the notebook's limit while this cell ran); `died` (the kernel died in it); `not-run`
 * (an earlier cell stopped the run, or the run was cancelled).
 */
export type CellRunStatus = 'ok' | 'error' | 'timeout' | 'died' | 'not-run';

export const CELL_RUN_STATUSES: readonly CellRunStatus[] = [
  'ok',
  'error',
  'timeout',
  'died',
  'not-run'
];

export interface ICellRun {
  /** Index among all the notebook's cells (markdown included), from 0. */
  index: number;
  /** The cell's source as bundled. */
  source: string;
  /** `metadata.tags` of the cell. */
  tags: string[];
  /** Outputs saved in the notebook. */
  saved: INotebookOutput[];
  /** Outputs of the re-execution; [] when it ran silently, and [] when not run. */
  produced: INotebookOutput[];
  status: CellRunStatus;
  /** Seconds the cell took; null when it did not run. */
  seconds: number | null;
}

/**
 * How the notebook's run ended: `completed` (every code cell ran; some may have raised);
 * `timeout` (a cell or the whole notebook passed its limit); `failed` (it could not run,
 * or the kernel died: `message` says why); `cancelled` (by the user).
 */
export type NotebookRunStatus =
  'completed' | 'timeout' | 'failed' | 'cancelled';

export const NOTEBOOK_RUN_STATUSES: readonly NotebookRunStatus[] = [
  'completed',
  'timeout',
  'failed',
  'cancelled'
];

export interface INotebookRun {
  /** Where the notebook is in the bundle ("notebooks/analysis.ipynb"). */
  bundlePath: string;
  /** The workspace path it came from. */
  workspacePath: string;
  status: NotebookRunStatus;
  /** Why it stopped or could not run, in words; '' when completed. */
  message: string;
  /** A short code for `message` (no_nbclient, kernel_died, notebook_timeout, …); ''. */
  code: string;
  /** The kernel that ran it in the image ("python3"). */
  kernel: string;
  /** The limits it ran under, in seconds. */
  cellTimeout: number;
  notebookTimeout: number;
  /** Seconds the whole run took (kernel start included). */
  seconds: number;
  /** The code cells, in order. */
  cells: ICellRun[];
  /** True when outputs were left out to keep the record small (see `message`). */
  truncated: boolean;
}

/** `job.verification.notebooks`; [] when the verification ran no notebook. */
export function notebookRunsOf(
  verification: Record<string, unknown> | null | undefined
): INotebookRun[] {
  const runs = verification?.notebooks;
  if (!Array.isArray(runs)) {
    return [];
  }
  return runs.filter(isNotebookRun);
}

function isNotebookRun(value: unknown): value is INotebookRun {
  return (
    isRecord(value) &&
    typeof value.bundlePath === 'string' &&
    typeof value.workspacePath === 'string' &&
    typeof value.status === 'string' &&
    (NOTEBOOK_RUN_STATUSES as readonly string[]).includes(value.status) &&
    Array.isArray(value.cells) &&
    value.cells.every(isCellRun)
  );
}

function isCellRun(value: unknown): value is ICellRun {
  return (
    isRecord(value) &&
    typeof value.index === 'number' &&
    typeof value.source === 'string' &&
    Array.isArray(value.tags) &&
    Array.isArray(value.saved) &&
    Array.isArray(value.produced) &&
    typeof value.status === 'string' &&
    (CELL_RUN_STATUSES as readonly string[]).includes(value.status)
  );
}

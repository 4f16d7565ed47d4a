/**
 * The panel's shared model types (engine, capture, selection, push target, how notebooks
 * are reached) and how a capture's failure is explained. The models themselves are the
 * notebook sessions of session.ts.
 */
import { DockerizeRequestError, problemOf } from '../core/contract/errors';
import { IImportResolution } from '../core/imports/importResolution';
import { IRequirementsPlan } from '../core/requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../core/environment/snapshot';
import { CaptureAction, EngineStatus, IProblem } from '../tokens';

export type EngineState =
  | { kind: 'checking' }
  | { kind: 'known'; status: EngineStatus }
  | { kind: 'failed'; problem: IProblem };

/** The builder the server runs (EngineStatus.builder: buildkit-cli or engine-api). */
export interface IEngineBuilder {
  name: string;
  /** One line: which CLI and how. */
  detail: string;
}

/** The builder an engine status names; null when the server does not say (older ones). */
export function engineBuilderOf(
  status: EngineStatus | null | undefined
): IEngineBuilder | null {
  if (!status || !status.reachable) {
    return null;
  }
  const builder: unknown = (status as { builder?: unknown }).builder;
  if (
    typeof builder !== 'object' ||
    builder === null ||
    typeof (builder as { name?: unknown }).name !== 'string'
  ) {
    return null;
  }
  const { name, detail } = builder as { name: string; detail?: unknown };
  return { name, detail: typeof detail === 'string' ? detail : '' };
}

/** The Engine API's classic builder: no cache mounts, no other platform. */
export const CLASSIC_ENGINE_BUILDER = 'engine-api';

export type CaptureState =
  | { kind: 'idle' }
  | { kind: 'capturing' }
  | { kind: 'captured'; snapshot: IEnvironmentSnapshot }
  | { kind: 'failed'; problem: IProblem; action: CaptureAction | null };

/** "everything installed" or "only what the notebook imports". */
export type SelectionMode = 'all' | 'imports';

export interface IPushTarget {
  registry: string;
  namespace: string;
}

/**
 * What the capture section and its package table read and call: a notebook session
 * (session.ts) is one.
 */
export interface ICaptureModel {
  readonly notebookPath: string | null;
  readonly capture: CaptureState;
  readonly imports: IImportResolution | null;
  readonly mode: SelectionMode;
  readonly plan: IRequirementsPlan | null;
  captureEnvironment(): Promise<void>;
  act(action: CaptureAction): Promise<void>;
  setMode(mode: SelectionMode): void;
  setIncluded(name: string, included: boolean): void;
}

/** How the panel reaches a notebook and its kernel (JupyterLab's side, see notebookAccess.ts). */
export interface INotebookAccess {
  capture(path: string): Promise<IEnvironmentSnapshot>;
  codeCells(path: string): Promise<string[]>;
  act(path: string, action: CaptureAction): Promise<void>;
}

/** A failure that carries its own problem (and maybe an action). */
export interface IExplainedError {
  problem: IProblem;
  action?: CaptureAction | null;
}

/** A capture's failure as its problem and the action offered (retry unless it says). */
export function explain(error: unknown): {
  problem: IProblem;
  action: CaptureAction | null;
} {
  const explained = error as Partial<IExplainedError> | null;
  if (
    !(error instanceof DockerizeRequestError) &&
    explained &&
    typeof explained === 'object' &&
    explained.problem
  ) {
    return { problem: explained.problem, action: explained.action ?? null };
  }
  return { problem: problemOf(error), action: 'retry' };
}

/** An absolute POSIX or Windows path; undefined for "~/..." or a relative one. */
export function absoluteRoot(root: string | undefined): string | undefined {
  return root && (root.startsWith('/') || /^[A-Za-z]:[\\/]/.test(root))
    ? root
    : undefined;
}

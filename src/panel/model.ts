import { ISignal, Signal } from '@lumino/signaling';

import { DockerizeRequestError, problemOf } from '../core/errors';
import {
  findImports,
  IImportResolution,
  resolveImports
} from '../core/imports';
import { IRequirementsPlan, translateRequirements } from '../core/requirements';
import { IEnvironmentSnapshot } from '../core/snapshot';
import { CaptureAction, EngineStatus, IProblem } from '../tokens';

export type EngineState =
  | { kind: 'checking' }
  | { kind: 'known'; status: EngineStatus }
  | { kind: 'failed'; problem: IProblem };

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

/** State of the "Export environment" panel; the view renders it, commands change it. */
export class ExportPanelModel implements ICaptureModel {
  /**
   * @param jupyterRoot the server's root directory (absolute), so that local projects
   *   inside it can be vendored into the bundle; a root abbreviated with "~" is no root
   *   until setJupyterRoot gives the absolute one.
   */
  constructor(
    private readonly fetchEngine: () => Promise<EngineStatus>,
    private readonly notebooks: INotebookAccess | null = null,
    jupyterRoot: string | undefined = undefined
  ) {
    this._jupyterRoot = absoluteRoot(jupyterRoot);
  }

  get jupyterRoot(): string | undefined {
    return this._jupyterRoot;
  }

  /** The server's absolute root (from the server itself); a relative one is ignored. */
  setJupyterRoot(root: string | undefined): void {
    const absolute = absoluteRoot(root);
    if (absolute !== undefined && absolute !== this._jupyterRoot) {
      this._jupyterRoot = absolute;
      this._invalidate();
    }
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get notebookPath(): string | null {
    return this._notebookPath;
  }

  get engine(): EngineState {
    return this._engine;
  }

  get pushTarget(): IPushTarget {
    return this._pushTarget;
  }

  get capture(): CaptureState {
    return this._capture;
  }

  get mode(): SelectionMode {
    return this._mode;
  }

  /** The notebook's imports resolved against the snapshot (null before a capture). */
  get imports(): IImportResolution | null {
    return this._imports;
  }

  /** The requirements as they stand with the current mode and choices. */
  get plan(): IRequirementsPlan | null {
    if (this._plan === null && this._capture.kind === 'captured') {
      const only =
        this._mode === 'imports' && this._imports
          ? new Set(this._imports.distributions)
          : undefined;
      const include = new Set<string>();
      const exclude = new Set<string>();
      this._overrides.forEach((included, name) =>
        (included ? include : exclude).add(name)
      );
      this._plan = translateRequirements(this._capture.snapshot, {
        include,
        exclude,
        only,
        // Ticking a vendorable project means: copy it into the bundle.
        vendor: include,
        jupyterRoot: this._jupyterRoot,
        wheelhouse: this._wheelhouse
      });
    }
    return this._plan;
  }

  setNotebook(path: string | null): void {
    if (path !== this._notebookPath) {
      this._notebookPath = path;
      this._capture = { kind: 'idle' };
      this._imports = null;
      this._overrides.clear();
      this._invalidate();
    }
  }

  setPushTarget(target: IPushTarget): void {
    this._pushTarget = target;
    this._changed.emit();
  }

  setMode(mode: SelectionMode): void {
    if (mode !== this._mode) {
      this._mode = mode;
      this._invalidate();
    }
  }

  /**
   * Whether the bundle installs from the offline wheelhouse (undefined: no bundle form
   * yet). A git install from a repository inside the Jupyter root gets its line only with
   * the wheelhouse on: the server builds it into a wheel there.
   */
  get wheelhouse(): boolean | undefined {
    return this._wheelhouse;
  }

  setWheelhouse(wheelhouse: boolean | undefined): void {
    if (wheelhouse !== this._wheelhouse) {
      this._wheelhouse = wheelhouse;
      this._invalidate();
    }
  }

  /** Includes or excludes one package, whatever the defaults say. */
  setIncluded(name: string, included: boolean): void {
    this._overrides.set(name, included);
    this._invalidate();
  }

  /** Includes or excludes several packages at once (one change). */
  setIncludedMany(names: readonly string[], included: boolean): void {
    if (names.length) {
      for (const name of names) {
        this._overrides.set(name, included);
      }
      this._invalidate();
    }
  }

  /** Asks the server for the engine status; a later call wins over an earlier one. */
  async refreshEngine(): Promise<void> {
    const request = ++this._engineRequest;
    this._engine = { kind: 'checking' };
    this._changed.emit();
    let next: EngineState;
    try {
      next = { kind: 'known', status: await this.fetchEngine() };
    } catch (error) {
      next = { kind: 'failed', problem: explain(error).problem };
    }
    if (request === this._engineRequest) {
      this._engine = next;
      this._changed.emit();
    }
  }

  /** Captures the live kernel of the current notebook and reads its imports. */
  async captureEnvironment(): Promise<void> {
    const path = this._notebookPath;
    if (!path || !this.notebooks) {
      return;
    }
    const request = ++this._captureRequest;
    this._capture = { kind: 'capturing' };
    this._changed.emit();
    let next: CaptureState;
    let imports: IImportResolution | null = null;
    try {
      const [snapshot, cells] = await Promise.all([
        this.notebooks.capture(path),
        this.notebooks.codeCells(path)
      ]);
      imports = resolveImports(findImports(cells), snapshot);
      next = { kind: 'captured', snapshot };
    } catch (error) {
      next = { kind: 'failed', ...explain(error) };
    }
    if (request === this._captureRequest && path === this._notebookPath) {
      this._capture = next;
      this._imports = imports;
      this._invalidate();
    }
  }

  /** Runs the action a capture problem offers (start the kernel, open the notebook). */
  async act(action: CaptureAction): Promise<void> {
    const path = this._notebookPath;
    if (!path || !this.notebooks) {
      return;
    }
    if (action !== 'retry') {
      try {
        await this.notebooks.act(path, action);
      } catch (error) {
        this._capture = { kind: 'failed', ...explain(error) };
        this._changed.emit();
        return;
      }
    }
    await this.captureEnvironment();
  }

  private _invalidate(): void {
    this._plan = null;
    this._changed.emit();
  }

  private _notebookPath: string | null = null;
  private _engine: EngineState = { kind: 'checking' };
  private _engineRequest = 0;
  private _capture: CaptureState = { kind: 'idle' };
  private _captureRequest = 0;
  private _mode: SelectionMode = 'all';
  private _imports: IImportResolution | null = null;
  private _overrides = new Map<string, boolean>();
  private _wheelhouse: boolean | undefined = undefined;
  private _jupyterRoot: string | undefined;
  private _plan: IRequirementsPlan | null = null;
  private _pushTarget: IPushTarget = { registry: 'docker.io', namespace: '' };
  private _changed = new Signal<this, void>(this);
}

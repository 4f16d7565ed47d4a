import { ISignal, Signal } from '@lumino/signaling';

import { DockerizeRequestError } from '../core/errors';
import { EngineStatus, IProblem } from '../tokens';

export type EngineState =
  | { kind: 'checking' }
  | { kind: 'known'; status: EngineStatus }
  | { kind: 'failed'; problem: IProblem };

export interface IPushTarget {
  registry: string;
  namespace: string;
}

/** State of the "Export environment" panel; the view renders it, commands change it. */
export class ExportPanelModel {
  constructor(private readonly fetchEngine: () => Promise<EngineStatus>) {}

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

  setNotebook(path: string | null): void {
    if (path !== this._notebookPath) {
      this._notebookPath = path;
      this._changed.emit();
    }
  }

  setPushTarget(target: IPushTarget): void {
    this._pushTarget = target;
    this._changed.emit();
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
      next = {
        kind: 'failed',
        problem:
          error instanceof DockerizeRequestError
            ? error.problem
            : {
                code: 'unexpected',
                message: String(error),
                hint: 'Reload the page and try again.'
              }
      };
    }
    if (request === this._engineRequest) {
      this._engine = next;
      this._changed.emit();
    }
  }

  private _notebookPath: string | null = null;
  private _engine: EngineState = { kind: 'checking' };
  private _engineRequest = 0;
  private _pushTarget: IPushTarget = { registry: 'docker.io', namespace: '' };
  private _changed = new Signal<this, void>(this);
}

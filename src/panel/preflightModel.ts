/**
 * The pre-flight's state for one notebook: it follows the requirements the session would
 * download or build (debounced; session.ts schedules it), asks the server once per distinct request (answers are
 * cached), remembers the latest verdict of every package, unticks what cannot install
 * (once per package and line, so the user can tick it back), and lets Download and Build
 * wait for a finished check. A check that fails never blocks: waiters are released and
 * the problem is shown. DOM-free: jest drives it with a fake `check`.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { DockerizeRequestError } from '../core/contract/errors';
import {
  cannotInstall,
  IPreflightPackage,
  IPreflightResponse,
  PREFLIGHT_MAX_REQUIREMENTS,
  preflightKey
} from '../core/requirements/preflight';
import { IPreflightRequest } from '../core/contract/requests';
import { ITranslate, plainTranslate } from '../core/shared/text';
import { IProblem } from '../tokens';

export type PreflightState =
  /** Nothing to check (no capture yet). */
  | { kind: 'idle' }
  /** The check cannot run for this request; `reason` says why. */
  | { kind: 'not-checked'; reason: string }
  /** A check is about to start (the selection is still changing) or running. */
  | { kind: 'checking'; count: number; started: boolean }
  | {
      kind: 'done';
      request: IPreflightRequest;
      response: IPreflightResponse;
    }
  /** `internal`: an unexpected error of this extension, not a verdict on packages. */
  | { kind: 'failed'; problem: IProblem; internal: boolean };

export interface IPreflightModelOptions {
  /** Asks the server (api.checkRequirements in the product). */
  check: (request: IPreflightRequest) => Promise<IPreflightResponse>;
  /** Unticks packages that cannot install (the panel model's exclude). */
  untick: (verdicts: IPreflightPackage[]) => void;
  /** Quiet time after the last change before a check starts. */
  debounceMs?: number;
  /** A check that takes longer fails (and releases whoever waits). */
  timeoutMs?: number;
  /** How many answers are kept. */
  cacheSize?: number;
  trans?: ITranslate;
}

/** The request to check, the reason there is none, or null before a capture. */
export type PreflightInput = IPreflightRequest | { reason: string } | null;

export class PreflightModel {
  constructor(options: IPreflightModelOptions) {
    this._check = options.check;
    this._untick = options.untick;
    this._debounceMs = options.debounceMs ?? 600;
    this._timeoutMs = options.timeoutMs ?? 180000;
    this._cacheSize = options.cacheSize ?? 16;
    this._trans = options.trans ?? plainTranslate;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): PreflightState {
    return this._state;
  }

  /** True while a check is scheduled or running. */
  get pending(): boolean {
    return this._state.kind === 'checking';
  }

  /** Whether the image has no compiler (the last request's). */
  get binaryOnly(): boolean {
    return this._request?.binaryOnly ?? true;
  }

  /**
   * The latest verdict of every package checked for the current Python and platform,
   * including packages unticked since (their verdict says why).
   */
  get verdicts(): ReadonlyMap<string, IPreflightPackage> {
    return this._verdicts;
  }

  /** Follows what the panel would build now; checks it unless it was already. */
  update(input: PreflightInput): void {
    this._update(input, false);
  }

  private _update(input: PreflightInput, fresh: boolean): void {
    if (input === null || 'reason' in input) {
      this._key = null;
      this._request = null;
      this._cancelTimer();
      this._setState(
        input === null
          ? { kind: 'idle' }
          : { kind: 'not-checked', reason: input.reason }
      );
      return;
    }
    const key = preflightKey(input);
    if (key === this._key) {
      return;
    }
    this._key = key;
    this._request = input;
    this._cancelTimer();
    this._run++;
    if (input.requirements.length > PREFLIGHT_MAX_REQUIREMENTS) {
      this._setState({
        kind: 'not-checked',
        reason: this._trans.__(
          '%1 requirements are more than the %2 the server checks at once; they are not checked before the build.',
          input.requirements.length,
          PREFLIGHT_MAX_REQUIREMENTS
        )
      });
      return;
    }
    const known = fresh ? null : this._known(key, input);
    if (known) {
      this._finish(input, known);
      return;
    }
    this._setState({
      kind: 'checking',
      count: input.requirements.length,
      started: false
    });
    this._timer = setTimeout(() => {
      this._timer = null;
      void this._start(key, input);
    }, this._debounceMs);
  }

  /** Checks the current request again, ignoring the cache. */
  recheck(): void {
    const request = this._request;
    if (!request) {
      return;
    }
    const key = preflightKey(request);
    this._cache.delete(key);
    this._key = null;
    this._update(request, true);
  }

  /**
   * Resolves once no check is scheduled or running (at once when none is), also when a
   * finished check unticked packages and so started another one; or when the user
   * chooses to go on without it.
   */
  async settled(): Promise<void> {
    const skips = this._skips;
    while (this.pending && skips === this._skips) {
      await new Promise<void>(resolve => this._waiters.push(resolve));
    }
  }

  /** Lets whoever waits go on without the check (it goes on in the background). */
  continueWithout(): void {
    this._skips++;
    this._release();
  }

  dispose(): void {
    this._cancelTimer();
    this._run++;
    this._skips++;
    this._release();
    Signal.clearData(this);
  }

  /** An answer already known: cached, or the verdicts of a larger request that had it all. */
  private _known(
    key: string,
    request: IPreflightRequest
  ): IPreflightResponse | null {
    const cached = this._cache.get(key);
    if (cached) {
      // Most recently used last.
      this._cache.delete(key);
      this._cache.set(key, cached);
      return cached;
    }
    // Dropping requirements cannot make the others fail, unless they conflicted.
    const last = this._state.kind === 'done' ? this._state : null;
    if (
      !last ||
      last.request.python !== request.python ||
      last.request.platform !== request.platform ||
      last.request.binaryOnly !== request.binaryOnly
    ) {
      return null;
    }
    const before = new Map(
      last.request.requirements.map((item, index) => [
        JSON.stringify([item.name, item.line, item.workspacePath ?? null]),
        last.response.packages[index]
      ])
    );
    const packages: IPreflightPackage[] = [];
    for (const item of request.requirements) {
      const verdict = before.get(
        JSON.stringify([item.name, item.line, item.workspacePath ?? null])
      );
      if (!verdict || verdict.status === 'conflict') {
        return null;
      }
      packages.push(verdict);
    }
    return {
      ...last.response,
      packages,
      cached: packages.length,
      elapsedMs: 0
    };
  }

  private async _start(key: string, request: IPreflightRequest): Promise<void> {
    const run = this._run;
    this._setState({
      kind: 'checking',
      count: request.requirements.length,
      started: true
    });
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PreflightTimeout()), this._timeoutMs);
    });
    try {
      const response = await Promise.race([this._check(request), timeout]);
      this._remember(key, response);
      if (run === this._run) {
        this._finish(request, response);
      }
    } catch (error) {
      if (run === this._run) {
        this._setState(this._failure(error));
      }
    } finally {
      if (timer !== null) {
        clearTimeout(timer);
      }
    }
  }

  private _remember(key: string, response: IPreflightResponse): void {
    this._cache.set(key, response);
    while (this._cache.size > this._cacheSize) {
      this._cache.delete(this._cache.keys().next().value as string);
    }
  }

  private _finish(
    request: IPreflightRequest,
    response: IPreflightResponse
  ): void {
    const target = JSON.stringify([
      request.python,
      request.platform,
      request.binaryOnly
    ]);
    if (target !== this._verdictTarget) {
      this._verdictTarget = target;
      this._verdicts = new Map();
    }
    const verdicts = new Map(this._verdicts);
    for (const verdict of response.packages) {
      verdicts.set(verdict.name, verdict);
    }
    this._verdicts = verdicts;
    const toUntick = response.packages.filter(verdict => {
      const once = `${verdict.name}\n${verdict.line}`;
      if (
        !cannotInstall(verdict, request.binaryOnly) ||
        this._unticked.has(once)
      ) {
        return false;
      }
      this._unticked.add(once);
      return true;
    });
    this._setState({ kind: 'done', request, response });
    if (toUntick.length) {
      // May call update() again (the plan changes); the state is already final here.
      this._untick(toUntick);
    }
  }

  private _failure(error: unknown): PreflightState {
    const trans = this._trans;
    if (error instanceof PreflightTimeout) {
      return {
        kind: 'failed',
        internal: false,
        problem: {
          code: 'preflight_timeout',
          message: trans.__(
            'The package check did not finish within %1 s.',
            Math.round(this._timeoutMs / 1000)
          ),
          hint: trans.__(
            'You can still download and build; pip checks the packages during the build. Check again later.'
          )
        }
      };
    }
    if (error instanceof DockerizeRequestError) {
      return { kind: 'failed', internal: false, problem: error.problem };
    }
    console.error('jupyterlab-dockerize: the package check failed', error);
    return {
      kind: 'failed',
      internal: true,
      problem: {
        code: 'internal_error',
        message: trans.__(
          'The package check failed with an internal error of jupyterlab-dockerize (not a problem of your packages): %1',
          error instanceof Error ? error.message : String(error)
        ),
        hint: trans.__(
          'You can still download and build. The browser console has the details; please report it.'
        )
      }
    };
  }

  private _setState(state: PreflightState): void {
    this._state = state;
    this._changed.emit();
    if (state.kind !== 'checking') {
      this._release();
    }
  }

  private _release(): void {
    const waiters = this._waiters;
    this._waiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  private _cancelTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private readonly _check: IPreflightModelOptions['check'];
  private readonly _untick: IPreflightModelOptions['untick'];
  private readonly _debounceMs: number;
  private readonly _timeoutMs: number;
  private readonly _cacheSize: number;
  private readonly _trans: ITranslate;
  private _state: PreflightState = { kind: 'idle' };
  private _key: string | null = null;
  private _request: IPreflightRequest | null = null;
  private _run = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _cache = new Map<string, IPreflightResponse>();
  private _verdicts: Map<string, IPreflightPackage> = new Map();
  private _verdictTarget = '';
  private _unticked = new Set<string>();
  private _waiters: (() => void)[] = [];
  private _skips = 0;
  private _changed = new Signal<this, void>(this);
}

class PreflightTimeout extends Error {}

/**
 * The pre-flight's state for one notebook: it follows the requirements the session would
 * download or build (debounced; session.ts schedules it) for EACH platform the build is
 * for, asks the server once per distinct request and platform (answers are cached),
 * remembers the latest verdict of every package, unticks what cannot install on any
 * platform (once per package and line, so the user can tick it back), and lets Download
 * and Build wait for a finished check. A package that installs on one chosen platform and
 * not on another is not unticked: `blocked` names the platform, and the build waits for
 * the user's choice. A check that fails never blocks: waiters are released and the
 * problem is shown. `lock` is the pylock.toml input made of every platform's resolution.
 * DOM-free: jest drives it with a `check` function.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { DockerizeRequestError } from '../core/contract/errors';
import {
  failingEverywhere,
  IPlatformCheck,
  IPreflightPackage,
  IPreflightResponse,
  mergedVerdicts,
  platformBlock,
  PREFLIGHT_MAX_REQUIREMENTS,
  preflightKey,
  pylockInputOf
} from '../core/requirements/preflight';
import { PLATFORMS } from '../core/contract/constants';
import { IPylockInput } from '../core/bundle/pylock';
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
      /** The first platform's request. */
      request: IPreflightRequest;
      /** The first platform's answer, with the verdicts of every platform merged in. */
      response: IPreflightResponse;
      /** Each platform's request and answer, in the build's order. */
      checks: IPlatformCheck[];
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

  /** The platforms of the latest request (each one is checked). */
  get platforms(): readonly string[] {
    return this._requests.map(request => request.platform);
  }

  /**
   * Why the build must not start (a package installs on one chosen platform and not on
   * another; the message names the platform), or null.
   */
  get blocked(): string | null {
    const state = this._state;
    return state.kind === 'done'
      ? platformBlock(state.checks, this._trans)
      : null;
  }

  /** The pylock.toml input of the finished check, or why there is none. */
  get lock(): { lock: IPylockInput } | { reason: string } {
    const state = this._state;
    return state.kind === 'done'
      ? pylockInputOf(state.checks, this._trans)
      : { reason: this._trans.__('The packages have not been checked yet.') };
  }

  /**
   * Follows what the panel would build now; checks it unless it was already. With
   * `platforms` (the build's, e.g. linux/amd64 and linux/arm64) the request is checked for
   * each of them; without, for its own platform.
   */
  update(input: PreflightInput, platforms?: readonly string[]): void {
    this._update(input, false, platforms);
  }

  private _update(
    input: PreflightInput,
    fresh: boolean,
    platforms?: readonly string[]
  ): void {
    if (input === null || 'reason' in input) {
      this._key = null;
      this._request = null;
      this._requests = [];
      this._cancelTimer();
      this._setState(
        input === null
          ? { kind: 'idle' }
          : { kind: 'not-checked', reason: input.reason }
      );
      return;
    }
    const requests = perPlatform(input, platforms);
    const key = requests.map(preflightKey).join('\n');
    if (key === this._key) {
      return;
    }
    this._key = key;
    this._request = input;
    this._requests = requests;
    this._platformsAsked = platforms ? [...platforms] : undefined;
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
    const known = fresh ? [] : requests.map(request => this._known(request));
    if (known.length && known.every(response => response !== null)) {
      this._finish(requests, known as IPreflightResponse[]);
      return;
    }
    this._setState({
      kind: 'checking',
      count: input.requirements.length,
      started: false
    });
    this._timer = setTimeout(() => {
      this._timer = null;
      void this._start(requests);
    }, this._debounceMs);
  }

  /** Checks the current request again, ignoring the cache. */
  recheck(): void {
    const request = this._request;
    if (!request) {
      return;
    }
    for (const each of this._requests) {
      this._cache.delete(preflightKey(each));
    }
    this._key = null;
    this._update(request, true, this._platformsAsked);
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
  private _known(request: IPreflightRequest): IPreflightResponse | null {
    const key = preflightKey(request);
    const cached = this._cache.get(key);
    if (cached) {
      // Most recently used last.
      this._cache.delete(key);
      this._cache.set(key, cached);
      return cached;
    }
    // Dropping requirements cannot make the others fail, unless they conflicted. But the
    // resolution (the lock) of the smaller set is another one: a server that sends
    // resolutions is asked again.
    const state = this._state;
    const last =
      state.kind === 'done'
        ? (state.checks.find(
            check => check.request.platform === request.platform
          ) ?? null)
        : null;
    if (
      !last ||
      last.response.resolution?.length ||
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
      resolution: undefined,
      unlocked: undefined,
      cached: packages.length,
      elapsedMs: 0
    };
  }

  private async _start(requests: IPreflightRequest[]): Promise<void> {
    const run = this._run;
    this._setState({
      kind: 'checking',
      count: requests[0].requirements.length,
      started: true
    });
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PreflightTimeout()), this._timeoutMs);
    });
    try {
      const responses = await Promise.race([
        Promise.all(
          requests.map(async request => {
            const cached = this._cache.get(preflightKey(request));
            if (cached) {
              return cached;
            }
            const response = await this._check(request);
            this._remember(preflightKey(request), response);
            return response;
          })
        ),
        timeout
      ]);
      if (run === this._run) {
        this._finish(requests, responses);
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
    requests: IPreflightRequest[],
    responses: IPreflightResponse[]
  ): void {
    const request = requests[0];
    const checks = requests.map((each, index) => ({
      request: each,
      response: responses[index]
    }));
    const target = JSON.stringify([
      request.python,
      requests.map(each => each.platform),
      request.binaryOnly
    ]);
    if (target !== this._verdictTarget) {
      this._verdictTarget = target;
      this._verdicts = new Map();
    }
    const merged = mergedVerdicts(checks, this._trans);
    const verdicts = new Map(this._verdicts);
    for (const verdict of merged) {
      verdicts.set(verdict.name, verdict);
    }
    this._verdicts = verdicts;
    // Only what no platform installs is unticked; the rest is the user's choice.
    const toUntick = failingEverywhere(checks)
      .map(verdict => merged[checks[0].response.packages.indexOf(verdict)])
      .filter(verdict => {
        const once = `${verdict.name}\n${verdict.line}`;
        if (this._unticked.has(once)) {
          return false;
        }
        this._unticked.add(once);
        return true;
      });
    const response =
      checks.length === 1
        ? responses[0]
        : { ...responses[0], packages: merged };
    this._setState({ kind: 'done', request, response, checks });
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
  private _requests: IPreflightRequest[] = [];
  private _platformsAsked: string[] | undefined = undefined;
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

/**
 * The request once per platform: the known ones of `platforms` (unique, in order), or
 * the request's own platform when none is given.
 */
function perPlatform(
  input: IPreflightRequest,
  platforms?: readonly string[]
): IPreflightRequest[] {
  const known = [...new Set(platforms ?? [])].filter(platform =>
    (PLATFORMS as readonly string[]).includes(platform)
  );
  return known.length
    ? known.map(platform => ({ ...input, platform }))
    : [input];
}

/**
 * State of the panel's "Build and push" section: the current job, the view of its events
 * (log and progress), what the user is doing (busy), the last problem, and the comparison
 * of the verified image with the selection. DOM-free: jest drives it with a backend made
 * of plain functions.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  IBuildRequest,
  IPushAuth,
  IRunRequest,
  IVerifyRequest
} from '../core/contract/requests';
import {
  ACTIVE_STATES,
  applyEvents,
  EMPTY_VIEW,
  IBuildJob,
  IMAGE_BUILT,
  IJobEvent,
  IJobView
} from '../core/jobs/buildJob';
import { JobPhase } from '../core/contract/constants';
import { problemOf } from '../core/contract/errors';
import {
  compareSelected,
  IReproduction,
  ISelectedPackage,
  selectedPackages
} from '../core/jobs/reproduction';
import { applyPlatformEvents, IPlatformProgress } from '../core/jobs/platforms';
import { IRequirementsPlan } from '../core/requirements/requirementsPlan';
import { parseSnapshot } from '../core/environment/snapshotParse';
import { ITranslate, plainTranslate } from '../core/shared/text';
import { IProblem } from '../tokens';

/** The server calls the model makes (buildApi.ts in the product). */
export interface IBuildBackend {
  listJobs(): Promise<IBuildJob[]>;
  startBuild(request: IBuildRequest): Promise<IBuildJob>;
  fetchJob(id: string): Promise<IBuildJob>;
  cancelJob(id: string): Promise<IBuildJob>;
  pushJob(
    id: string,
    target: string,
    auth: IPushAuth | null
  ): Promise<IBuildJob>;
  /** `request`: what the verify runs (the notebooks, their limits, a data folder). */
  verifyJob(id: string, request?: IVerifyRequest): Promise<IBuildJob>;
  runJob(id: string, folders: IRunRequest): Promise<IBuildJob>;
  stopRun(id: string): Promise<IBuildJob>;
  /** Starts following a job's events; returns a function that stops. */
  follow(
    id: string,
    callbacks: {
      events(events: IJobEvent[]): void;
      next(): number;
      changed(): void;
    }
  ): () => void;
}

export type BuildAction =
  'build' | 'cancel' | 'push' | 'verify' | 'run' | 'stop';

/** A phase that ended, for notifications. */
export interface IPhaseEnd {
  job: IBuildJob;
  phase: JobPhase;
  ok: boolean;
}

/** What a verification is compared with: a plan, its saved selection, or nothing known. */
export type Baseline = IRequirementsPlan | readonly ISelectedPackage[] | null;

function toSelected(baseline: Baseline): readonly ISelectedPackage[] | null {
  if (baseline === null || Array.isArray(baseline)) {
    return baseline as readonly ISelectedPackage[] | null;
  }
  return selectedPackages(baseline as IRequirementsPlan);
}

export class BuildModel {
  constructor(
    private readonly backend: IBuildBackend,
    private readonly trans: ITranslate = plainTranslate
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when a phase of the job ends (built, pushed, verified, failed, cancelled). */
  get phaseEnded(): ISignal<this, IPhaseEnd> {
    return this._phaseEnded;
  }

  get job(): IBuildJob | null {
    return this._job;
  }

  get view(): IJobView {
    return this._view;
  }

  /** Each platform's build as the events tell it (a multi-platform job's; else []). */
  get platformProgress(): readonly IPlatformProgress[] {
    return this._platformProgress;
  }

  get busy(): BuildAction | null {
    return this._busy;
  }

  get problem(): IProblem | null {
    return this._problem;
  }

  get active(): boolean {
    return this._job !== null && ACTIVE_STATES.has(this._job.state);
  }

  get canPushOrVerify(): boolean {
    return (
      (this._job?.imageId ?? null) !== null &&
      !this.active &&
      this._busy === null
    );
  }

  /**
   * The packages the job's build selected, what a verification is compared with (null when
   * not known: a job found after a reload without its saved selection).
   */
  get selected(): readonly ISelectedPackage[] | null {
    return this._selected;
  }

  /** The verified image against the plan the build was made from; null before a verify. */
  get reproduction(): IReproduction | null {
    const snapshot = this._job?.verification?.snapshot;
    if (!snapshot || !this._selected) {
      return null;
    }
    try {
      return compareSelected(this._selected, parseSnapshot(snapshot));
    } catch {
      return null;
    }
  }

  /**
   * The files of the job's bundle, when this page started the build (null after a
   * reload): whether a download now holds what was built and verified.
   */
  get builtFiles(): Readonly<Record<string, string>> | null {
    return this._builtFiles?.job === this._job?.id
      ? (this._builtFiles?.files ?? null)
      : null;
  }

  /** Builds the bundle; `plan` is what the verification is compared with. */
  async build(request: IBuildRequest, plan: IRequirementsPlan): Promise<void> {
    await this._act('build', async () => {
      this._selected = selectedPackages(plan);
      const job = await this.backend.startBuild(request);
      this._builtFiles = { job: job.id, files: request.files };
      this._setJob(job, true);
    });
  }

  /**
   * After a reload: follows the newest job of this notebook, if the server has one (from
   * `jobs` when the caller has the list already). `baseline` is what its verification is
   * compared with: the plan, or the selection saved with that job (a function of the job
   * found), or null when neither is known.
   */
  async restoreLatest(
    notebook: string,
    baseline: Baseline | ((job: IBuildJob) => Baseline),
    jobs?: readonly IBuildJob[] | null
  ): Promise<void> {
    if (this._job !== null) {
      return;
    }
    const mine = (jobs ?? (await this._listJobs()) ?? []).filter(
      job => job.notebook === notebook
    );
    const latest = mine.length ? mine[mine.length - 1] : null;
    if (latest && this._job === null) {
      await this.restore(
        latest.id,
        typeof baseline === 'function' ? baseline(latest) : baseline
      );
    }
  }

  /** The server's jobs, or null when it does not answer (the section works without). */
  private async _listJobs(): Promise<IBuildJob[] | null> {
    try {
      return await this.backend.listJobs();
    } catch {
      return null;
    }
  }

  /** Follows a job started earlier (after a reload). */
  async restore(id: string, baseline: Baseline): Promise<void> {
    await this._act(null, async () => {
      this._selected = toSelected(baseline);
      this._setJob(await this.backend.fetchJob(id), true);
    });
  }

  /** The comparison's baseline arrives later than the job (a capture after a reload). */
  setBaseline(baseline: Baseline): void {
    const selected = toSelected(baseline);
    if (selected !== null) {
      this._selected = selected;
      this._changed.emit();
    }
  }

  async cancel(): Promise<void> {
    const job = this._job;
    if (job) {
      await this._act('cancel', async () =>
        this._setJob(await this.backend.cancelJob(job.id), false)
      );
    }
  }

  async push(target: string, auth: IPushAuth | null): Promise<void> {
    const job = this._job;
    if (job) {
      await this._act('push', async () =>
        this._setJob(await this.backend.pushJob(job.id, target, auth), false)
      );
    }
  }

  /** Verifies the built image; `request` says what (absent: the server's defaults). */
  async verify(request?: IVerifyRequest): Promise<void> {
    const job = this._job;
    if (job) {
      await this._act('verify', async () =>
        this._setJob(await this.backend.verifyJob(job.id, request), false)
      );
    }
  }

  async run(folders: IRunRequest): Promise<void> {
    const job = this._job;
    if (job) {
      await this._act('run', async () =>
        this._setJob(await this.backend.runJob(job.id, folders), false)
      );
    }
  }

  async stopRun(): Promise<void> {
    const job = this._job;
    if (job) {
      await this._act('stop', async () =>
        this._setJob(await this.backend.stopRun(job.id), false)
      );
    }
  }

  dismissProblem(): void {
    this._problem = null;
    this._changed.emit();
  }

  dispose(): void {
    this._stopFollowing?.();
    this._stopFollowing = null;
    Signal.clearData(this);
  }

  private async _act(
    action: BuildAction | null,
    work: () => Promise<void>
  ): Promise<void> {
    if (this._busy !== null) {
      return;
    }
    this._busy = action;
    this._problem = null;
    this._changed.emit();
    try {
      await work();
    } catch (error) {
      this._problem = problemOf(error, this.trans);
    } finally {
      this._busy = null;
      this._changed.emit();
    }
  }

  private _setJob(job: IBuildJob, fresh: boolean): void {
    if (fresh || this._job?.id !== job.id) {
      this._stopFollowing?.();
      this._view = EMPTY_VIEW;
      this._platformProgress = [];
      this._job = job;
      this._stopFollowing = this.backend.follow(job.id, {
        events: events => {
          const from = this._view.next;
          this._view = applyEvents(this._view, events);
          this._followPlatforms(events, from, this._view.next);
          this._changed.emit();
        },
        next: () => this._view.next,
        changed: () => void this._refresh()
      });
    } else {
      this._job = job;
    }
    this._changed.emit();
  }

  /** The events the view took (offsets from..to, each once) move each platform's build. */
  private _followPlatforms(
    events: readonly IJobEvent[],
    from: number,
    to: number
  ): void {
    const taken: IJobEvent[] = [];
    let expected = from;
    for (const event of events) {
      if (event.offset === expected && expected < to) {
        taken.push(event);
        expected++;
      }
    }
    if (taken.some(event => typeof event.platform === 'string')) {
      this._platformProgress = applyPlatformEvents(
        this._platformProgress,
        taken
      );
    }
  }

  private async _refresh(): Promise<void> {
    const current = this._job;
    if (!current) {
      return;
    }
    let job: IBuildJob;
    try {
      job = await this.backend.fetchJob(current.id);
    } catch (error) {
      this._problem = problemOf(error, this.trans);
      this._changed.emit();
      return;
    }
    if (this._job?.id !== job.id) {
      return;
    }
    const wasActive = ACTIVE_STATES.has(this._job.state);
    this._job = job;
    if (wasActive && !ACTIVE_STATES.has(job.state)) {
      const ok = IMAGE_BUILT.has(job.state);
      this._phaseEnded.emit({ job, phase: job.phase, ok });
    }
    this._changed.emit();
  }

  private _job: IBuildJob | null = null;
  private _view: IJobView = EMPTY_VIEW;
  private _platformProgress: IPlatformProgress[] = [];
  private _busy: BuildAction | null = null;
  private _problem: IProblem | null = null;
  private _selected: readonly ISelectedPackage[] | null = null;
  private _builtFiles: {
    job: string;
    files: Readonly<Record<string, string>>;
  } | null = null;
  private _stopFollowing: (() => void) | null = null;
  private _changed = new Signal<this, void>(this);
  private _phaseEnded = new Signal<this, IPhaseEnd>(this);
}

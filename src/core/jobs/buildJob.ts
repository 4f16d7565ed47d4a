/**
 * Build jobs as the server reports them (GET builds/{id}) and the view the panel draws
 * from their events: the log, and the progress of each phase. Pure and DOM-free.
 *
 * Events carry dense offsets; `applyEvents` ignores what it has seen and refuses gaps, so a
 * client that reconnects and replays from its offset never shows a line twice or skips one.
 */
import {
  ACTIVE_JOB_STATES,
  IMAGE_BUILT_STATES,
  JOB_STATES,
  JobPhase,
  JobState
} from '../contract/constants';
import { ContractError } from '../contract/errors';
import { isRecord } from '../shared/guards';
import { IProblem } from '../../tokens';

export type { JobPhase, JobState } from '../contract/constants';

/** A job in one of these is working (it can be cancelled, and it ends by itself). */
export const ACTIVE_STATES: ReadonlySet<JobState> = new Set(ACTIVE_JOB_STATES);

/** A job in one of these has an image: its phase ended well. */
export const IMAGE_BUILT: ReadonlySet<JobState> = new Set(IMAGE_BUILT_STATES);

const STATES: ReadonlySet<string> = new Set(JOB_STATES);

export interface IJobRun {
  containerId: string;
  port: number;
  url: string;
  token?: string;
  binds: string[];
}

/** One platform's image of a job (`job.platforms`; the first is the job's own image). */
export interface IJobPlatformImage {
  /** linux/amd64 or linux/arm64. */
  platform: string;
  /** The local tag: the job's for the first, `<tag>-<os>-<arch>` for the others. */
  image: string;
  imageId: string | null;
  /** Built (and verified) under emulation: the engine's CPU differs. */
  emulated: boolean;
}

/** What a push put in the registry: one image, or a manifest list of several platforms. */
export interface IJobPushed {
  reference: string;
  /** The image's digest; for several platforms, the manifest list's (OCI image index). */
  digest: string;
  size?: number;
  /** Each platform's image in the list, by digest (absent for a single image). */
  platforms?: { platform: string; digest: string }[];
}

export interface IBuildJob {
  id: string;
  image: string;
  /** Workspace path of the notebook the bundle packaged ('' when not said). */
  notebook: string;
  state: JobState;
  message: string;
  phase: JobPhase;
  timestamps: Record<string, string>;
  imageId: string | null;
  /**
   * One entry a platform built, the first built first (absent from an older server's
   * job, and [] before the build ends).
   */
  platforms?: IJobPlatformImage[];
  pushed: IJobPushed | null;
  verification: Record<string, unknown> | null;
  run: IJobRun | null;
  error: IProblem | null;
  eventCount: number;
}

export interface IJobEvent {
  offset: number;
  time: string;
  /** One of EVENT_KINDS (contract/constants.ts); an unknown kind is passed on. */
  kind: string;
  phase: JobPhase;
  /** The platform a multi-platform job's build, push or verify event is about. */
  platform?: string;
  [key: string]: unknown;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new ContractError(`${what} is not a string`);
  }
  return value;
}

export function parseJob(body: unknown): IBuildJob {
  if (!isRecord(body)) {
    throw new ContractError('a build job is not an object');
  }
  const state = text(body.state, 'job.state');
  if (!STATES.has(state)) {
    throw new ContractError(`unknown job state ${JSON.stringify(state)}`);
  }
  const error = isRecord(body.error)
    ? {
        code: text(body.error.code, 'job.error.code'),
        message: text(body.error.message, 'job.error.message'),
        hint: typeof body.error.hint === 'string' ? body.error.hint : ''
      }
    : null;
  return {
    id: text(body.id, 'job.id'),
    image: text(body.image, 'job.image'),
    notebook: typeof body.notebook === 'string' ? body.notebook : '',
    state: state as JobState,
    message: text(body.message, 'job.message'),
    phase: text(body.phase, 'job.phase') as JobPhase,
    timestamps: isRecord(body.timestamps)
      ? (body.timestamps as Record<string, string>)
      : {},
    imageId: typeof body.imageId === 'string' ? body.imageId : null,
    platforms: Array.isArray(body.platforms)
      ? parsePlatformImages(body.platforms)
      : undefined,
    pushed: isRecord(body.pushed) ? parsePushed(body.pushed) : null,
    verification: isRecord(body.verification) ? body.verification : null,
    run: isRecord(body.run) ? (body.run as unknown as IJobRun) : null,
    error,
    eventCount: typeof body.eventCount === 'number' ? body.eventCount : 0
  };
}

function parsePlatformImages(value: unknown[]): IJobPlatformImage[] {
  return value.filter(isRecord).map((item, index) => ({
    platform: text(item.platform, `job.platforms[${index}].platform`),
    image: text(item.image, `job.platforms[${index}].image`),
    imageId: typeof item.imageId === 'string' ? item.imageId : null,
    emulated: item.emulated === true
  }));
}

function parsePushed(pushed: Record<string, unknown>): IJobPushed {
  const result: IJobPushed = {
    ...(pushed as unknown as IJobPushed),
    reference: text(pushed.reference, 'job.pushed.reference'),
    digest: text(pushed.digest, 'job.pushed.digest')
  };
  if (Array.isArray(pushed.platforms)) {
    result.platforms = pushed.platforms.filter(isRecord).map((item, index) => ({
      platform: text(item.platform, `job.pushed.platforms[${index}].platform`),
      digest: text(item.digest, `job.pushed.platforms[${index}].digest`)
    }));
  } else {
    delete result.platforms;
  }
  return result;
}

export function parseEvent(value: unknown): IJobEvent | null {
  if (
    !isRecord(value) ||
    typeof value.offset !== 'number' ||
    typeof value.kind !== 'string'
  ) {
    return null;
  }
  return value as IJobEvent;
}

export interface ILogLine {
  offset: number;
  phase: JobPhase;
  text: string;
  stderr: boolean;
  /** The platform of a multi-platform job's line (absent otherwise). */
  platform?: string;
}

export interface ILayerProgress {
  status: string;
  current: number;
  total: number;
}

export interface IJobView {
  /** The offset of the next event this view expects. */
  next: number;
  lines: ILogLine[];
  build: { step: number; steps: number; instruction: string } | null;
  push: Record<string, ILayerProgress>;
}

export const EMPTY_VIEW: IJobView = {
  next: 0,
  lines: [],
  build: null,
  push: {}
};

/** Most log lines a view keeps (the oldest go first; the server keeps them all). */
export const MAX_VIEW_LINES = 20000;

/**
 * The view after `events`. Events before `view.next` are ignored (a replay); an event
 * after a gap stops the update there, so the caller fetches from `view.next` again.
 */
export function applyEvents(
  view: IJobView,
  events: readonly IJobEvent[]
): IJobView {
  let { next, build } = view;
  const lines = [...view.lines];
  const push = { ...view.push };
  for (const event of events) {
    if (event.offset < next) {
      continue;
    }
    if (event.offset > next) {
      break;
    }
    next++;
    if (event.kind === 'log' && typeof event.text === 'string') {
      const line: ILogLine = {
        offset: event.offset,
        phase: event.phase,
        text: event.text,
        stderr: event.stream === 'stderr'
      };
      if (typeof event.platform === 'string' && event.platform) {
        line.platform = event.platform;
      }
      lines.push(line);
    } else if (event.kind === 'progress' && event.phase === 'build') {
      build = {
        step: Number(event.step) || 0,
        steps: Number(event.steps) || 0,
        instruction:
          typeof event.instruction === 'string' ? event.instruction : ''
      };
    } else if (event.kind === 'progress' && event.phase === 'push') {
      const layer = String(event.layer ?? '');
      push[layer] = {
        status: String(event.status ?? ''),
        current: Number(event.current) || 0,
        total: Number(event.total) || 0
      };
    } else if (event.kind === 'phase' && event.state === 'pushing') {
      for (const key of Object.keys(push)) {
        delete push[key];
      }
    }
  }
  const kept =
    lines.length > MAX_VIEW_LINES ? lines.slice(-MAX_VIEW_LINES) : lines;
  return { next, lines: kept, build, push };
}

/** Push progress over every layer that reported a size, 0–1; null before any does. */
export function pushFraction(
  push: Record<string, ILayerProgress>
): number | null {
  let current = 0;
  let total = 0;
  for (const layer of Object.values(push)) {
    if (/^(Pushed|Layer already exists|Mounted from)/.test(layer.status)) {
      current += layer.total || 1;
      total += layer.total || 1;
    } else if (layer.total > 0) {
      current += Math.min(layer.current, layer.total);
      total += layer.total;
    }
  }
  return total > 0 ? current / total : null;
}

/** The log as plain text, for "Copy". */
export function logText(lines: readonly ILogLine[]): string {
  return lines.map(line => line.text).join('\n');
}

/**
 * The platforms a job is built for (linux/amd64, linux/arm64 or both under one tag): the
 * setting's choice made into a list, what the job record and its events say per platform
 * (the images, the build's progress, the push's digests, each platform's verify). Pure and
 * DOM-free.
 *
 * Server contract (CONTRACTS.md "platforms"): POST builds takes `platforms`; the job has
 * `platforms: [{platform, image, imageId, emulated}]`; build events of a multi-platform job
 * carry `platform`; `pushed.platforms: [{platform, digest}]` with `pushed.digest` the
 * index's; `verification.byPlatform: {"linux/arm64": <a verification>}` for the others.
 */
import { Platform, PLATFORMS } from '../contract/constants';
import { isRecord } from '../shared/guards';
import {
  IBuildJob,
  IJobEvent,
  IJobPlatformImage,
  IJobPushed
} from './buildJob';

/** The setting `platforms` (schema/plugin.json). */
export type PlatformChoice = 'auto' | Platform | 'both';

export const PLATFORM_CHOICES: readonly PlatformChoice[] = [
  'auto',
  ...PLATFORMS,
  'both'
];

/** The setting's default: the engine's own platform to build, both to push. */
export const DEFAULT_PLATFORM_CHOICE: PlatformChoice = 'auto';

export function isPlatform(value: unknown): value is Platform {
  return (PLATFORMS as readonly unknown[]).includes(value);
}

export function isPlatformChoice(value: unknown): value is PlatformChoice {
  return (PLATFORM_CHOICES as readonly unknown[]).includes(value);
}

const ARCHITECTURES: Readonly<Record<string, Platform>> = {
  amd64: 'linux/amd64',
  x86_64: 'linux/amd64',
  arm64: 'linux/arm64',
  aarch64: 'linux/arm64'
};

/**
 * The platform of an engine (its `os` and `arch` as Docker reports them: linux, amd64) or
 * of a kernel's machine (x86_64, aarch64); null when it is neither of ours.
 */
export function platformOfArch(arch: string, os = 'linux'): Platform | null {
  if (os.trim().toLowerCase() !== 'linux') {
    return null;
  }
  return ARCHITECTURES[arch.trim().toLowerCase()] ?? null;
}

/** What a list of platforms is for: a local build, or a push to a registry. */
export type PlatformPurpose = 'build' | 'push';

/**
 * The platforms the choice means, the engine's own first (its image gets the job's tag and
 * is built natively): "auto" is the engine's own for a build and both for a push.
 */
export function platformsOf(
  choice: PlatformChoice,
  purpose: PlatformPurpose,
  native: Platform
): Platform[] {
  if (choice === 'linux/amd64' || choice === 'linux/arm64') {
    return [choice];
  }
  if (choice === 'auto' && purpose === 'build') {
    return [native];
  }
  return [native, ...PLATFORMS.filter(platform => platform !== native)];
}

/** "linux/amd64 and linux/arm64". */
export function platformList(platforms: readonly string[]): string {
  if (platforms.length < 2) {
    return platforms.join('');
  }
  return `${platforms.slice(0, -1).join(', ')} and ${platforms[platforms.length - 1]}`;
}

/** The parts of a job (parseJob's, already checked) the functions below read. */
type JobParts = Partial<
  Pick<IBuildJob, 'platforms' | 'pushed' | 'verification'>
>;

/** The job's platforms as the server reports them ([] for a job that names none). */
export function jobPlatforms(job: JobParts | null): IJobPlatformImage[] {
  return job?.platforms ?? [];
}

/** The platforms a push put under the index ([] for a single image's push). */
export function pushedPlatforms(
  job: JobParts | null
): NonNullable<IJobPushed['platforms']> {
  return (job?.pushed?.platforms ?? []).filter(item => item.platform !== '');
}

/** The platforms the job has an image for. */
export function builtPlatforms(job: JobParts | null): string[] {
  return jobPlatforms(job)
    .filter(item => item.imageId !== null && item.platform !== '')
    .map(item => item.platform);
}

/**
 * The platforms a push of the job wants that it was not built for: a job built for one
 * platform pushed with "auto" is built again for both first. A job that names no
 * platforms (an older server's) was built for the engine's own.
 */
export function missingForPush(
  job: JobParts | null,
  wanted: readonly Platform[],
  native: Platform
): Platform[] {
  const built = builtPlatforms(job);
  const have = built.length ? built : [native];
  return wanted.filter(platform => !have.includes(platform));
}

/** One platform's build as its events tell it. */
export interface IPlatformProgress {
  platform: string;
  step: number;
  steps: number;
  instruction: string;
}

/**
 * The build's progress per platform after `events` (those the job view took, in order);
 * events without a platform (a single-platform job's) are not counted here.
 */
export function applyPlatformEvents(
  progress: readonly IPlatformProgress[],
  events: readonly IJobEvent[]
): IPlatformProgress[] {
  const next = [...progress];
  for (const event of events) {
    const platform = event.platform;
    if (typeof platform !== 'string' || !platform || event.phase !== 'build') {
      continue;
    }
    let at = next.findIndex(item => item.platform === platform);
    if (at < 0) {
      at = next.push({ platform, step: 0, steps: 0, instruction: '' }) - 1;
    }
    if (event.kind === 'progress') {
      next[at] = {
        platform,
        step: Number(event.step) || 0,
        steps: Number(event.steps) || 0,
        instruction:
          typeof event.instruction === 'string' ? event.instruction : ''
      };
    }
  }
  return next;
}

/** One platform's verification: the first platform's is `verification` itself. */
export interface IPlatformVerification {
  platform: string;
  emulated: boolean;
  verification: Record<string, unknown>;
}

/**
 * Every platform the verify ran for, the first platform's first; [] before a verify, and
 * one entry without a platform name for a single-platform job of an older server.
 */
export function platformVerifications(
  job: JobParts | null
): IPlatformVerification[] {
  const verification = job?.verification ?? null;
  if (!verification) {
    return [];
  }
  const platforms = jobPlatforms(job);
  const emulated = (platform: string) =>
    platforms.some(item => item.platform === platform && item.emulated);
  const first = platforms[0]?.platform ?? '';
  const list: IPlatformVerification[] = [
    { platform: first, emulated: emulated(first), verification }
  ];
  const others = isRecord(verification.byPlatform)
    ? verification.byPlatform
    : {};
  for (const [platform, other] of Object.entries(others)) {
    if (isRecord(other) && platform !== first) {
      list.push({
        platform,
        emulated: emulated(platform),
        verification: other
      });
    }
  }
  return list;
}

/**
 * Every constant the server (Python) and the panel (TypeScript) must agree on, named once
 * here for TypeScript. The shared fixture src/core/__tests__/fixtures/contract-constants.json
 * holds the values; contractConstants.spec.ts holds these equal to it, and the server's
 * test_contract.py holds the Python ones equal to it. Pure: no DOM, no fetch.
 */

/** The server's route namespace, under the server's base URL. */
export const API_NAMESPACE = 'jupyterlab-dockerize';

/** Each route's path under API_NAMESPACE; `{id}` is a job id. */
export const ROUTES = {
  engine: 'engine',
  captureSnippet: 'capture-snippet',
  bundle: 'bundle',
  preflight: 'preflight',
  builds: 'builds',
  job: 'builds/{id}',
  events: 'builds/{id}/events',
  eventsSocket: 'builds/{id}/events/ws',
  push: 'builds/{id}/push',
  verify: 'builds/{id}/verify',
  run: 'builds/{id}/run'
} as const;

export type RouteName = keyof typeof ROUTES;

/** A route's path with the job id put in (encoded). */
export function routePath(route: RouteName, id = ''): string {
  return ROUTES[route].replace('{id}', encodeURIComponent(id));
}

/** Every state of a job, in the order of its life. */
export const JOB_STATES = [
  'queued',
  'building',
  'built',
  'pushing',
  'pushed',
  'verifying',
  'verified',
  'failed',
  'cancelled',
  'interrupted'
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** A job in one of these is working (it can be cancelled, and it ends by itself). */
export const ACTIVE_JOB_STATES = [
  'queued',
  'building',
  'pushing',
  'verifying'
] as const satisfies readonly JobState[];

/** A job in one of these waits for the user (push, verify, run, or a new build). */
export const RESTING_JOB_STATES = [
  'built',
  'pushed',
  'verified',
  'failed',
  'cancelled',
  'interrupted'
] as const satisfies readonly JobState[];

/** A job in one of these has an image (its phase ended well). */
export const IMAGE_BUILT_STATES = [
  'built',
  'pushed',
  'verified'
] as const satisfies readonly JobState[];

export const JOB_PHASES = ['build', 'push', 'verify', 'run'] as const;

export type JobPhase = (typeof JOB_PHASES)[number];

/** The kinds of a job's events (the log, progress, phase changes, the run). */
export const EVENT_KINDS = ['phase', 'log', 'progress', 'run'] as const;

/** The kind of the WebSocket's keep-alive message, which is no event of the job. */
export const HEARTBEAT_KIND = 'heartbeat';

/** The Docker platforms images are made for. */
export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;

export type Platform = (typeof PLATFORMS)[number];

/** The platform when the kernel's machine says nothing known. */
export const DEFAULT_PLATFORM: Platform = 'linux/amd64';

const LABEL_PREFIX = 'io.github.jupyterlab-dockerize';

/** Image and container labels of this extension. */
export const LABELS = {
  prefix: LABEL_PREFIX,
  job: `${LABEL_PREFIX}.job`,
  role: `${LABEL_PREFIX}.role`,
  server: `${LABEL_PREFIX}.server`,
  source: `${LABEL_PREFIX}.source`,
  generator: `${LABEL_PREFIX}.generator`,
  platform: `${LABEL_PREFIX}.platform`
} as const;

/** The offline wheelhouse in a bundle: its folder and the lock that pins every file. */
export const WHEELHOUSE = {
  folder: 'wheelhouse',
  lock: 'requirements.lock',
  lockPath: 'wheelhouse/requirements.lock'
} as const;

/** The line that starts a capture's JSON in the kernel's output. */
export const SNAPSHOT_MARKER = '__DOCKERIZE_SNAPSHOT__';

/** The port Jupyter listens on in the image. */
export const JUPYTER_PORT = 8888;

/** Where "Run" binds the workspace folders in the container. */
export const VOLUMES = {
  notebooks: '/notebooks',
  data: '/data'
} as const;

/**
 * Typed client of the build routes: start, cancel, push, verify, run, and a follower
 * that streams a job's events over the server's WebSocket, reconnecting from its offset,
 * and falls back to long polling when WebSockets do not get through.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { failure, requestAPI } from './api';
import {
  IBuildJob,
  IJobEvent,
  parseEvent,
  parseJob
} from './core/jobs/buildJob';
import {
  IBuildRequest,
  IPushAuth,
  IPushRequest,
  IRunRequest,
  IVerifyRequest
} from './core/contract/requests';
import {
  API_NAMESPACE,
  HEARTBEAT_KIND,
  routePath,
  ROUTES
} from './core/contract/constants';
import { ContractError } from './core/contract/errors';

async function jobCall(
  path: string,
  init: RequestInit,
  expected: number[]
): Promise<IBuildJob> {
  const { status, body } = await requestAPI(path, init);
  if (!expected.includes(status)) {
    throw failure(status, body);
  }
  return parseJob(body);
}

function post(
  body: IBuildRequest | IPushRequest | IVerifyRequest | IRunRequest
): RequestInit {
  return {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

export function startBuild(request: IBuildRequest): Promise<IBuildJob> {
  return jobCall(ROUTES.builds, post(request), [202]);
}

/** Every job the server knows, oldest first. */
export async function listJobs(): Promise<IBuildJob[]> {
  const { status, body } = await requestAPI(ROUTES.builds);
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  if (status !== 200 || !Array.isArray(jobs)) {
    throw failure(status, body);
  }
  return jobs.map(parseJob);
}

export function fetchJob(id: string): Promise<IBuildJob> {
  return jobCall(routePath('job', id), {}, [200]);
}

export function cancelJob(id: string): Promise<IBuildJob> {
  return jobCall(routePath('job', id), { method: 'DELETE' }, [202]);
}

/** Pushes with the token sent once (null: the user's docker login). */
export function pushJob(
  id: string,
  target: string,
  auth: IPushAuth | null
): Promise<IBuildJob> {
  const body: IPushRequest = { target, auth };
  return jobCall(routePath('push', id), post(body), [202]);
}

/** Verifies the built image; `request` says whether and how its notebooks run. */
export function verifyJob(
  id: string,
  request: IVerifyRequest = {}
): Promise<IBuildJob> {
  return jobCall(routePath('verify', id), post(request), [202]);
}

export function runJob(id: string, folders: IRunRequest): Promise<IBuildJob> {
  return jobCall(routePath('run', id), post(folders), [200]);
}

export function stopRun(id: string): Promise<IBuildJob> {
  return jobCall(routePath('run', id), { method: 'DELETE' }, [200]);
}

export async function fetchEvents(
  id: string,
  offset: number,
  wait: number
): Promise<{ events: IJobEvent[]; next: number; job: IBuildJob }> {
  const { status, body } = await requestAPI(
    `${routePath('events', id)}?offset=${offset}&wait=${wait}`
  );
  if (status !== 200) {
    throw failure(status, body);
  }
  const page = body as { events?: unknown; next?: unknown; job?: unknown };
  if (!Array.isArray(page?.events) || typeof page.next !== 'number') {
    throw new ContractError('an events page has no events list');
  }
  const events = page.events
    .map(parseEvent)
    .filter((event): event is IJobEvent => event !== null);
  return { events, next: page.next, job: parseJob(page.job) };
}

export interface IFollowerCallbacks {
  /** New events, in order (the follower asks from the offset `next()` gives). */
  events(events: IJobEvent[]): void;
  /** The offset of the first event not yet applied. */
  next(): number;
  /** The job changed (a phase event came). */
  changed(): void;
}

/**
 * Follows one job: WebSocket first; after two failed attempts, long polling. Reconnects
 * on its own until `stop()`; each reconnection asks from the caller's offset, so nothing
 * is lost or shown twice.
 */
export class JobFollower {
  constructor(
    readonly jobId: string,
    private readonly callbacks: IFollowerCallbacks,
    private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  start(): void {
    this._stopped = false;
    this._connect();
  }

  stop(): void {
    this._stopped = true;
    this._socket?.close();
    this._socket = null;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  get transport(): 'websocket' | 'polling' {
    return this._socketFailures >= 2 ? 'polling' : 'websocket';
  }

  private _connect(): void {
    if (this._stopped) {
      return;
    }
    if (this.transport === 'polling') {
      void this._poll();
      return;
    }
    const base = URLExt.join(
      this.settings.wsUrl,
      API_NAMESPACE,
      routePath('eventsSocket', this.jobId)
    );
    const query: Record<string, string> = {
      offset: String(this.callbacks.next())
    };
    if (this.settings.token && this.settings.appendToken) {
      query.token = this.settings.token;
    }
    const socket = new this.settings.WebSocket(
      base + URLExt.objectToQueryString(query)
    );
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this._socketFailures = 0;
    };
    socket.onmessage = message => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const event = parseEvent(parsed);
      if (!event || event.kind === HEARTBEAT_KIND) {
        return;
      }
      this.callbacks.events([event]);
      if (event.kind === 'phase' || event.kind === 'run') {
        this.callbacks.changed();
      }
    };
    socket.onclose = () => {
      if (this._socket !== socket) {
        return;
      }
      this._socket = null;
      if (!opened) {
        this._socketFailures++;
      }
      this._retry();
    };
    this._socket = socket;
  }

  private async _poll(): Promise<void> {
    while (!this._stopped) {
      try {
        const page = await fetchEvents(this.jobId, this.callbacks.next(), 20);
        if (this._stopped) {
          return;
        }
        if (page.events.length) {
          this.callbacks.events(page.events);
          if (page.events.some(e => e.kind === 'phase' || e.kind === 'run')) {
            this.callbacks.changed();
          }
        }
      } catch {
        this._retry();
        return;
      }
    }
  }

  private _retry(): void {
    if (this._stopped || this._timer !== null) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, 1000);
  }

  private _stopped = true;
  private _socket: WebSocket | null = null;
  private _socketFailures = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}

/** The server as the build model's backend. */
export const serverBuildBackend = {
  listJobs,
  startBuild,
  fetchJob,
  cancelJob,
  pushJob,
  verifyJob,
  runJob,
  stopRun,
  follow(id: string, callbacks: IFollowerCallbacks): () => void {
    const follower = new JobFollower(id, callbacks);
    follower.start();
    return () => follower.stop();
  }
};

import type { IStateDB } from '@jupyterlab/statedb';

import { IBuildJob } from '../../core/jobs/buildJob';
import { DockerizeRequestError } from '../../core/contract/errors';
import { IBuildRequest, IPreflightRequest } from '../../core/contract/requests';
import {
  IPreflightPackage,
  IPreflightResponse,
  PreflightStatus
} from '../../core/requirements/preflight';
import { parseSnapshot } from '../../core/environment/snapshotParse';
import { JUPYTERLAB_VERSION } from '../../core/bundle/dockerfile';
import venvSnapshot from '../../core/__tests__/fixtures/snapshot-venv.json';
import { EngineStatus } from '../../tokens';
import { IBuildBackend, IPhaseEnd } from '../buildModel';
import { INotebookAccess } from '../model';
import {
  ISessionBackends,
  LOG_COALESCE_MS,
  NotebookSession,
  SessionManager
} from '../session';
import { ISessionStore } from '../sessionState';
import { sessionKey } from '../sessionState';

const snapshot = parseSnapshot(venvSnapshot);
const PATH = 'work/analysis.ipynb';

const reachable: EngineStatus = {
  reachable: true,
  host: 'unix:///var/run/docker.sock',
  product: 'Docker Engine',
  version: '28.2.2',
  apiVersion: '1.50',
  minApiVersion: '1.24',
  os: 'linux',
  arch: 'amd64',
  kernelVersion: '6.1.0'
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

/** Lets timers of 0 ms and pending promises run. */
async function settle(rounds = 5): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

function job(patch: Partial<IBuildJob> = {}): IBuildJob {
  return {
    id: 'j1',
    image: 'analysis:latest',
    notebook: PATH,
    state: 'building',
    message: 'Building.',
    phase: 'build',
    timestamps: {},
    imageId: null,
    pushed: null,
    verification: null,
    run: null,
    error: null,
    eventCount: 0,
    ...patch
  };
}

/** The server's build routes as plain state. */
class Builds implements IBuildBackend {
  jobs: IBuildJob[] = [];
  started: IBuildRequest[] = [];
  listCalls = 0;
  async listJobs() {
    this.listCalls++;
    return [...this.jobs];
  }
  async startBuild(request: IBuildRequest) {
    this.started.push(request);
    const started = job({ id: `j${this.jobs.length + 1}`, state: 'queued' });
    this.jobs.push(started);
    return started;
  }
  async fetchJob(id: string) {
    return this.jobs.find(item => item.id === id)!;
  }
  async cancelJob(id: string) {
    return this.fetchJob(id);
  }
  async pushJob(id: string) {
    return this.fetchJob(id);
  }
  async verifyJob(id: string) {
    return this.fetchJob(id);
  }
  async runJob(id: string) {
    return this.fetchJob(id);
  }
  async stopRun(id: string) {
    return this.fetchJob(id);
  }
  followers: Parameters<IBuildBackend['follow']>[1][] = [];
  follow(_id: string, callbacks: Parameters<IBuildBackend['follow']>[1]) {
    this.followers.push(callbacks);
    return () => undefined;
  }
}

/** A key-value store in memory, as JupyterLab's state database behaves. */
class MemoryStore implements ISessionStore {
  values = new Map<string, string>();
  async fetch(id: string) {
    const text = this.values.get(id);
    return text === undefined ? undefined : JSON.parse(text);
  }
  async save(id: string, value: unknown) {
    this.values.set(id, JSON.stringify(value));
  }
}

/** The package check: every line is 'ok' unless `statuses` says otherwise. */
function checker(statuses: Record<string, PreflightStatus> = {}) {
  const requests: IPreflightRequest[] = [];
  const check = async (
    request: IPreflightRequest
  ): Promise<IPreflightResponse> => {
    requests.push(request);
    const packages: IPreflightPackage[] = request.requirements.map(item => ({
      name: item.name,
      line: item.line,
      status: statuses[item.name] ?? 'ok',
      version: null,
      file: null,
      reason: statuses[item.name] ? 'No wheel.' : '',
      action: ''
    }));
    return {
      python: request.python,
      platform: request.platform,
      packages,
      dependencies: [],
      cached: 0,
      elapsedMs: 1
    };
  };
  return { check, requests };
}

interface IHarness {
  builds: Builds;
  store: MemoryStore;
  captures: number;
  requests: IPreflightRequest[];
  manager: SessionManager;
}

function harness(
  options: {
    builds?: Builds;
    store?: MemoryStore;
    statuses?: Record<string, PreflightStatus>;
    notebooks?: Partial<INotebookAccess>;
  } = {}
): IHarness {
  const builds = options.builds ?? new Builds();
  const store = options.store ?? new MemoryStore();
  const { check, requests } = checker(options.statuses);
  const result = { builds, store, captures: 0, requests } as IHarness;
  const backends: ISessionBackends = {
    fetchEngine: async () => reachable,
    notebooks: {
      capture: async () => {
        result.captures++;
        return snapshot;
      },
      codeCells: async () => ['import dateutil.parser\nimport six'],
      act: async () => undefined,
      ...options.notebooks
    },
    checkRequirements: check,
    builds,
    store
  };
  result.manager = new SessionManager({
    ...backends,
    now: () => '2026-12-03T13:00:00Z',
    preflightDebounceMs: 0,
    saveDebounceMs: 0
  });
  return result;
}

const line = (session: NotebookSession, name: string) =>
  session.plan!.entries.find(entry => entry.name === name)!.line;

describe('NotebookSession: capture, plan, check, requests', () => {
  it('says why there is no request before a capture', () => {
    const session = harness().manager.open(PATH);

    expect(session.capture.kind).toBe('idle');
    expect(session.plan).toBeNull();
    expect(session.bundleRequest()).toEqual({
      reason: 'Capture the environment first.'
    });
    expect(session.generated).toBeNull();
    expect(session.bundleSpec).toBeNull();
    expect(session.buildRequest()).toEqual({
      reason: 'Capture the environment first.'
    });
  });

  it('captures, plans, schedules the package check of the plan and assembles both requests', async () => {
    const h = harness();
    const session = h.manager.open(PATH);

    await session.captureEnvironment();
    await session.settled();

    expect(session.capture.kind).toBe('captured');
    expect(line(session, 'six')).toMatch(/^six==/);
    // The check was scheduled by the session, with the plan's lines and the Jupyter the
    // install line adds (so the resolution, and pylock.toml, hold it).
    const checked = h.requests[h.requests.length - 1];
    expect(checked.requirements.map(item => item.line)).toEqual([
      ...session
        .plan!.entries.filter(entry => entry.line !== null)
        .map(entry => entry.line),
      `jupyterlab==${JUPYTERLAB_VERSION}`
    ]);
    expect(checked.python).toBe(snapshot.python.version);
    expect(session.preflight.state.kind).toBe('done');

    const bundle = session.bundleRequest();
    const build = session.buildRequest();
    if (!('request' in bundle) || !('request' in build)) {
      throw new Error('no request');
    }
    expect(bundle.request.name).toBe('analysis');
    expect(bundle.request.files).toEqual(session.bundleSpec!.files);
    session.bundle.setDockerfile('FROM scratch\n');
    expect(session.bundleSpec!.files.Dockerfile).toBe('FROM scratch\n');
    expect(session.generated!.files.Dockerfile).toContain('FROM python');
    session.bundle.reset();
    expect(bundle.request.files.Dockerfile).toContain('FROM ');
    expect(bundle.request.files['requirements.txt']).toMatch(/^six==/m);
    // The build body is the bundle body plus the image and the notebook; no platform.
    expect(build.request).toEqual({
      ...bundle.request,
      image: 'analysis:latest',
      notebook: PATH
    });
    expect('platform' in build.request).toBe(false);
    expect(build.plan).toBe(session.plan);
  });

  it('unticks what the check says cannot install, and the requests follow', async () => {
    const h = harness({ statuses: { six: 'unavailable' } });
    const session = h.manager.open(PATH);

    await session.captureEnvironment();
    await session.settled();
    await settle();

    expect(line(session, 'six')).toBeNull();
    const build = session.buildRequest();
    expect(
      'request' in build && build.request.files['requirements.txt']
    ).not.toMatch(/^six==/m);
  });

  it('checks again when the form changes the target (the Python version)', async () => {
    const h = harness();
    const session = h.manager.open(PATH);
    await session.captureEnvironment();
    await session.settled();
    const before = h.requests.length;

    session.bundle.setField('pythonVersion', '3.12.4');
    await session.settled();

    expect(h.requests.length).toBe(before + 1);
    expect(h.requests[h.requests.length - 1].python).toBe('3.12.4');
  });

  it('says why there is no build without an image name or with a bad field', async () => {
    const session = harness().manager.open(PATH);
    await session.captureEnvironment();

    session.bundle.setField('imageName', '');
    expect(session.buildRequest()).toEqual({
      reason: 'Name the image (Image name above) to build it.'
    });
    expect('request' in session.bundleRequest()).toBe(true);

    session.bundle.setField('imageName', 'analysis');
    session.bundle.setField('pythonVersion', 'three');
    expect(session.buildRequest()).toEqual({
      reason: 'Fix the options marked above first.'
    });
    expect(session.bundleRequest()).toEqual({
      reason: 'Fix the options marked above first.'
    });
  });

  it('builds after the check, with the request of that moment', async () => {
    const h = harness();
    const session = h.manager.open(PATH);
    await session.captureEnvironment();

    expect(await session.startBuild()).toBeNull();

    expect(h.builds.started).toHaveLength(1);
    expect(h.builds.started[0].notebook).toBe(PATH);
    expect(session.builds.job?.id).toBe('j1');
    expect(session.builds.selected?.map(item => item.name)).toContain('six');
  });

  it('downloads the bundle request through the bundle model', async () => {
    const session = harness().manager.open(PATH);
    await session.captureEnvironment();
    const sent: string[] = [];

    await session.download(async request => {
      sent.push(request.name);
      return `${request.name}.zip`;
    });

    expect(sent).toEqual(['analysis']);
    expect(session.bundle.download).toEqual({
      kind: 'done',
      fileName: 'analysis.zip'
    });
  });
});

describe('NotebookSession and a streaming job', () => {
  it('tells log lines at most every LOG_COALESCE_MS, a new state at once', async () => {
    const h = harness();
    const session = h.manager.open(PATH);
    await session.captureEnvironment();
    await session.startBuild();
    let changes = 0;
    session.changed.connect(() => changes++);
    const follower = h.builds.followers[h.builds.followers.length - 1];

    for (let offset = 0; offset < 50; offset++) {
      follower.events([
        {
          offset,
          time: '',
          kind: 'log',
          phase: 'build',
          text: `line ${offset}`
        }
      ]);
    }
    expect(changes).toBe(0);
    expect(session.builds.view.lines).toHaveLength(50);
    await new Promise(resolve => setTimeout(resolve, LOG_COALESCE_MS + 20));
    expect(changes).toBe(1);

    h.builds.jobs[0] = { ...h.builds.jobs[0], state: 'built' };
    follower.changed();
    await settle();
    expect(session.builds.job?.state).toBe('built');
    expect(changes).toBe(2);
  });
});

describe('NotebookSession row actions', () => {
  it('turns on the wheelhouse, switches to pip, includes, excludes, captures again', async () => {
    const h = harness();
    const session = h.manager.open(PATH);
    await session.captureEnvironment();
    const row = session.plan!.entries.find(entry => entry.name === 'six')!;

    session.rowAction(row, { kind: 'exclude', label: '' });
    expect(line(session, 'six')).toBeNull();

    session.rowAction(row, { kind: 'include', label: '' });
    expect(line(session, 'six')).toMatch(/^six==/);

    session.bundle.setField('template', 'conda');
    expect(session.rowContext).toEqual({
      wheelhouse: false,
      wheelhouseAvailable: false
    });
    session.rowAction(row, { kind: 'template', label: '' });
    expect(session.bundle.form.template).toBe('pip');
    expect(session.bundle.form.wheelhouse).toBe(true);
    expect(session.wheelhouse).toBe(true);
    expect(session.rowContext).toEqual({
      wheelhouse: true,
      wheelhouseAvailable: true
    });

    session.bundle.setField('wheelhouse', false);
    session.rowAction(row, { kind: 'wheelhouse', label: '' });
    expect(session.bundle.form.wheelhouse).toBe(true);

    const captures = h.captures;
    session.rowAction(row, { kind: 'capture', label: '' });
    await settle();
    expect(h.captures).toBe(captures + 1);
  });
});

describe('SessionManager', () => {
  it('makes one session per path and makes it current', () => {
    const { manager } = harness();
    const currents: (string | null)[] = [];
    manager.currentChanged.connect((_, session) =>
      currents.push(session?.path ?? null)
    );

    const first = manager.open('a.ipynb');
    const second = manager.open('b.ipynb');

    expect(manager.open('a.ipynb')).toBe(first);
    expect(manager.current).toBe(first);
    expect(manager.get('b.ipynb')).toBe(second);
    expect(currents).toEqual(['a.ipynb', 'b.ipynb', 'a.ipynb']);

    const tab = manager.ensure('c.ipynb');
    expect(manager.current).toBe(first);
    expect(manager.get('c.ipynb')).toBe(tab);
    expect(manager.open('c.ipynb')).toBe(tab);
    manager.open('a.ipynb');

    manager.close('a.ipynb');
    expect(manager.current).toBeNull();
    expect(first.isDisposed).toBe(true);
    expect(manager.get('a.ipynb')).toBeNull();
  });

  it('hands the settings to every session through one setDefaults', () => {
    const { manager } = harness();
    const early = manager.open('work/early.ipynb');
    early.bundle.setField('template', 'conda');

    manager.setDefaults({
      template: 'pip',
      registry: 'ghcr.io',
      namespace: 'jane'
    });
    const late = manager.open('work/late.ipynb');

    // A field the user chose stays; the others follow the settings.
    expect(early.bundle.form.template).toBe('conda');
    expect(early.bundle.form.imageName).toBe('ghcr.io/jane/early');
    expect(late.bundle.form.template).toBe('pip');
    expect(late.bundle.form.imageName).toBe('ghcr.io/jane/late');
    expect(manager.pushTarget).toEqual({
      registry: 'ghcr.io',
      namespace: 'jane'
    });
    expect(late.pushTarget).toEqual(manager.pushTarget);
  });

  it('starts with Docker Hub and no namespace as the push target', () => {
    const { manager } = harness();
    expect(manager.pushTarget).toEqual({
      registry: 'docker.io',
      namespace: ''
    });
  });

  it('shows checking, then the engine status', async () => {
    const { manager } = harness();
    const kinds: string[] = [];
    manager.changed.connect(() => kinds.push(manager.engine.kind));

    await manager.refreshEngine();

    expect(kinds).toEqual(['checking', 'known']);
    expect(manager.engine).toEqual({ kind: 'known', status: reachable });
    expect(manager.engineReachable).toBe(true);
  });

  it('gives every session the server\'s absolute root, never a "~" one', async () => {
    const { manager } = harness();
    const session = manager.open(PATH);
    manager.setJupyterRoot('~/work');
    expect(session.jupyterRoot).toBeUndefined();

    manager.setJupyterRoot('/home/user');

    expect(manager.jupyterRoot).toBe('/home/user');
    expect(session.jupyterRoot).toBe('/home/user');
  });

  it('reopens the notebook of before the reload, and saves the current one', async () => {
    const store = new MemoryStore();
    const before = harness({ store });
    before.manager.open(PATH);
    await settle();

    const after = harness({ store });
    await after.manager.restoreCurrent();

    expect(after.manager.current?.path).toBe(PATH);
  });

  it('passes on the end of a phase of any session (notifications)', async () => {
    const h = harness();
    const session = h.manager.open(PATH);
    const ends: IPhaseEnd[] = [];
    h.manager.phaseEnded.connect((_, end) => ends.push(end));
    const end: IPhaseEnd = { job: job(), phase: 'build', ok: true };

    (
      session.builds.phaseEnded as unknown as {
        emit(value: IPhaseEnd): void;
      }
    ).emit(end);

    expect(ends).toEqual([end]);
  });
});

describe('NotebookSession across a reload', () => {
  it('finds the running job at once from the job list, without a capture', async () => {
    const builds = new Builds();
    builds.jobs = [
      job({ id: 'other', notebook: 'other.ipynb' }),
      job({ id: 'old', state: 'failed' }),
      job({ id: 'running', state: 'building' })
    ];
    const h = harness({ builds });

    const session = h.manager.open(PATH);
    await session.restore();

    expect(builds.listCalls).toBe(1);
    expect(h.captures).toBe(0);
    expect(session.capture.kind).toBe('idle');
    expect(session.builds.job?.id).toBe('running');
    expect(session.builds.active).toBe(true);
  });

  it('keeps the edited Dockerfile, the options, the files and the selection', async () => {
    const store = new MemoryStore();
    const before = harness({ store });
    const first = before.manager.open(PATH);
    await first.restore();
    await first.captureEnvironment();
    first.bundle.setField('imageTag', 'v2');
    first.bundle.setField('aptPackages', 'git');
    first.bundle.setNotebookIncluded('work/other.ipynb', true);
    first.bundle.addDataFiles([{ path: 'work/data.csv', type: 'file' }]);
    first.bundle.setDockerfile('FROM python:3.12-slim\n');
    first.setIncluded('six', false);
    first.setMode('imports');
    await settle();

    const after = harness({ store });
    const session = after.manager.open(PATH);
    await session.restore();

    expect(session.bundle.form.imageTag).toBe('v2');
    expect(session.bundle.form.aptPackages).toBe('git');
    expect(session.bundle.notebooks).toEqual([PATH, 'work/other.ipynb']);
    expect(session.bundle.dataFiles).toEqual(['work/data.csv']);
    expect(session.bundle.editedDockerfile).toBe('FROM python:3.12-slim\n');
    expect(session.bundle.created).toBe(first.bundle.created);
    expect(session.mode).toBe('imports');
    await session.captureEnvironment();
    const build = session.buildRequest();
    if (!('request' in build)) {
      throw new Error(build.reason);
    }
    expect(build.request.image).toBe('analysis:v2');
    expect(build.request.files.Dockerfile).toBe('FROM python:3.12-slim\n');
    expect(build.request.include).toContainEqual({
      workspacePath: 'work/data.csv',
      bundlePath: 'data/data.csv'
    });
    expect(
      session.plan!.entries.find(entry => entry.name === 'six')?.line ?? null
    ).toBeNull();
  });

  it('lets the fields the user never changed follow the settings of after the reload', async () => {
    const store = new MemoryStore();
    const before = harness({ store });
    const first = before.manager.open(PATH);
    await first.restore();
    first.bundle.setField('imageTag', 'v2');
    await settle();

    const after = harness({ store });
    after.manager.setDefaults({
      template: 'pip',
      registry: 'ghcr.io',
      namespace: 'jane'
    });
    const session = after.manager.open(PATH);
    await session.restore();

    expect(session.bundle.form.imageTag).toBe('v2');
    expect(session.bundle.form.imageName).toBe('ghcr.io/jane/analysis');
    expect(session.bundle.form.template).toBe('pip');
  });

  it('compares a verification after a reload with the selection its build had', async () => {
    const store = new MemoryStore();
    const builds = new Builds();
    const before = harness({ store, builds });
    const first = before.manager.open(PATH);
    await first.restore();
    await first.captureEnvironment();
    await first.startBuild();
    await settle();
    builds.jobs = builds.jobs.map(item => ({
      ...item,
      state: 'verified',
      imageId: 'sha256:1',
      verification: { snapshot: venvSnapshot }
    }));

    const after = harness({ store, builds });
    const session = after.manager.open(PATH);
    await session.restore();

    expect(after.captures).toBe(0);
    const reproduction = session.builds.reproduction!;
    expect(reproduction.total).toBe(first.builds.selected!.length);
    expect(reproduction.reproduced).toBe(reproduction.total);
  });

  it('compares a job found without its selection after the next capture', async () => {
    const builds = new Builds();
    builds.jobs = [
      job({
        state: 'verified',
        imageId: 'sha256:1',
        verification: { snapshot: venvSnapshot }
      })
    ];
    const h = harness({ builds });
    const session = h.manager.open(PATH);
    await session.restore();
    expect(session.builds.reproduction).toBeNull();

    await session.captureEnvironment();

    expect(session.builds.reproduction?.total).toBeGreaterThan(0);
  });

  it('does not put a saved state over what the user changed before it arrived', async () => {
    const store = new MemoryStore();
    const before = harness({ store });
    const first = before.manager.open(PATH);
    await first.restore();
    first.bundle.setField('imageTag', 'saved');
    await settle();
    const slow = deferred<void>();
    const fetch = store.fetch.bind(store);
    store.fetch = async (id: string) => {
      await slow.promise;
      return fetch(id);
    };

    const after = harness({ store });
    const session = after.manager.open(PATH);
    session.bundle.setField('imageTag', 'typed');
    slow.resolve();
    await session.restore();

    expect(session.bundle.form.imageTag).toBe('typed');
  });

  it('starts fresh from a saved state it does not understand', async () => {
    const store = new MemoryStore();
    await store.save(sessionKey(PATH), { version: 1, bundle: { form: 3 } });
    const h = harness({ store });

    const session = h.manager.open(PATH);
    await session.restore();

    expect(session.bundle.form.imageTag).toBe('latest');
    expect(session.bundle.editedDockerfile).toBeNull();
  });

  it("takes JupyterLab's state database as its store", () => {
    const asStore = (db: IStateDB): ISessionStore => db;
    expect(asStore).toBeInstanceOf(Function);
  });
});

/*
 * The tests below were ExportPanelModel's (model.spec.ts): the engine moved to the
 * manager, the capture, the selection and the plan to the notebook's session. Their
 * assertions are unchanged unless a comment says why.
 */

function plainManager(
  fetchEngine: () => Promise<EngineStatus>,
  notebooks: INotebookAccess | null = null,
  jupyterRoot?: string
): SessionManager {
  return new SessionManager({
    fetchEngine,
    notebooks,
    checkRequirements: checker().check,
    builds: new Builds(),
    jupyterRoot,
    preflightDebounceMs: 0
  });
}

describe('SessionManager engine (was ExportPanelModel)', () => {
  it('keeps the problem of a failed request', async () => {
    const problem = {
      code: 'server_unreachable',
      message: 'gone',
      hint: 'retry'
    };
    const model = plainManager(async () => {
      throw new DockerizeRequestError(0, problem);
    });

    await model.refreshEngine();

    expect(model.engine).toEqual({ kind: 'failed', problem });
  });

  it('turns an unexpected failure into a problem too', async () => {
    const model = plainManager(async () => {
      throw new TypeError('boom');
    });

    await model.refreshEngine();

    expect(model.engine.kind).toBe('failed');
  });

  it('lets the latest refresh win over a slower earlier one', async () => {
    const first = deferred<EngineStatus>();
    const second = deferred<EngineStatus>();
    const answers = [first.promise, second.promise];
    const model = plainManager(() => answers.shift()!);

    const earlier = model.refreshEngine();
    const later = model.refreshEngine();
    second.resolve({ ...reachable, version: 'new' });
    await later;
    first.resolve({ ...reachable, version: 'old' });
    await earlier;

    expect(model.engine).toEqual({
      kind: 'known',
      status: { ...reachable, version: 'new' }
    });
  });

  it('signals a notebook change once', () => {
    const model = plainManager(async () => reachable);
    let changes = 0;
    model.changed.connect(() => changes++);

    model.open('work/analysis.ipynb');
    model.open('work/analysis.ipynb');

    expect(model.current?.notebookPath).toBe('work/analysis.ipynb');
    expect(changes).toBe(1);
  });
});

describe('NotebookSession capture (was ExportPanelModel)', () => {
  function access(overrides: Partial<INotebookAccess> = {}): INotebookAccess {
    return {
      capture: async () => snapshot,
      codeCells: async () => [
        'import dateutil.parser\nimport dzgit',
        '%pip install six'
      ],
      act: async () => undefined,
      ...overrides
    };
  }

  it('captures, then plans one line per package it keeps', async () => {
    const model = plainManager(async () => reachable, access()).open(
      'analysis.ipynb'
    );

    await model.captureEnvironment();

    expect(model.capture.kind).toBe('captured');
    const lines = model.plan!.entries.filter(entry => entry.line !== null);
    expect(lines.map(entry => entry.name)).toContain('python-dateutil');
    expect(lines.map(entry => entry.name)).not.toContain('ipykernel');
  });

  it('keeps only what the notebook imports, with its dependencies', async () => {
    const model = plainManager(async () => reachable, access()).open(
      'analysis.ipynb'
    );
    await model.captureEnvironment();

    model.setMode('imports');

    const kept = model
      .plan!.entries.filter(entry => entry.line !== null)
      .map(entry => entry.name);
    const dateutil = snapshot.distributions.find(
      d => d.name === 'python-dateutil'
    )!;
    const needs = dateutil.requires.map(r => r.split(/[^A-Za-z0-9._-]/)[0]);
    expect(kept).toEqual(['python-dateutil', ...needs].sort());
    // dzgit is imported too, but a git checkout on the author's disk cannot travel.
    const git = model.plan!.entries.find(entry => entry.name === 'dz-git-pkg')!;
    expect(git.status).toBe('warning');
  });

  it('lets the user include or exclude one package', async () => {
    const model = plainManager(async () => reachable, access()).open(
      'analysis.ipynb'
    );
    await model.captureEnvironment();

    model.setIncluded('six', false);
    model.setIncluded('ipykernel', true);

    const line = (name: string) =>
      model.plan!.entries.find(entry => entry.name === name)!.line;
    expect(line('six')).toBeNull();
    expect(line('ipykernel')).toMatch(/^ipykernel==/);
  });

  it('unticks several packages in one change', async () => {
    const model = plainManager(async () => reachable, access()).open(
      'analysis.ipynb'
    );
    await model.captureEnvironment();
    let changes = 0;
    model.changed.connect(() => changes++);

    model.setIncludedMany(['six', 'python-dateutil'], false);

    expect(changes).toBe(1);
    const line = (name: string) =>
      model.plan!.entries.find(entry => entry.name === name)!.line;
    expect(line('six')).toBeNull();
    expect(line('python-dateutil')).toBeNull();
  });

  it('offers the action a failed capture names', async () => {
    const problem = {
      code: 'kernel_not_running',
      message: 'no kernel',
      hint: 'start it'
    };
    let acted: string | null = null;
    let attempts = 0;
    const model = plainManager(
      async () => reachable,
      access({
        capture: async () => {
          attempts++;
          if (attempts === 1) {
            throw { problem, action: 'start-kernel' };
          }
          return snapshot;
        },
        act: async (_path, action) => {
          acted = action;
        }
      })
    ).open('analysis.ipynb');

    await model.captureEnvironment();
    expect(model.capture).toEqual({
      kind: 'failed',
      problem,
      action: 'start-kernel'
    });

    await model.act('start-kernel');
    expect(acted).toBe('start-kernel');
    expect(model.capture.kind).toBe('captured');
  });

  it('drops a capture that finishes after the notebook changed', async () => {
    const slow = deferred<typeof snapshot>();
    const manager = plainManager(
      async () => reachable,
      access({ capture: () => slow.promise })
    );
    const first = manager.open('first.ipynb');
    const capturing = first.captureEnvironment();
    manager.open('second.ipynb');
    slow.resolve(snapshot);
    await capturing;

    // The panel shows the second notebook, whose session has captured nothing; the
    // first notebook's capture stays with its own session.
    expect(manager.current!.capture.kind).toBe('idle');
    expect(first.capture.kind).toBe('captured');
  });
});

describe('NotebookSession vendoring (was ExportPanelModel)', () => {
  const editable = snapshot.distributions.find(
    d => d.directUrl?.dir_info?.editable
  )!;
  const projectDir = decodeURIComponent(
    new URL(editable.directUrl!.url).pathname
  );
  const root = projectDir.split('/').slice(0, -1).join('/');
  const notebooks: INotebookAccess = {
    capture: async () => snapshot,
    codeCells: async () => [],
    act: async () => undefined
  };

  it('offers a local project inside the Jupyter root, and vendors it when ticked', async () => {
    const model = plainManager(async () => reachable, notebooks, root).open(
      'analysis.ipynb'
    );
    await model.captureEnvironment();
    const entry = () =>
      model.plan!.entries.find(e => e.name === editable.name)!;
    expect(entry().status).toBe('vendorable');
    expect(entry().line).toBeNull();

    model.setIncluded(editable.name, true);

    expect(entry().line).toMatch(/^\.\/vendor\//);
    expect(model.plan!.vendorPaths.map(v => v.name)).toContain(editable.name);
  });

  it('takes the server\'s absolute root when the page abbreviates it with "~"', async () => {
    const manager = plainManager(async () => reachable, notebooks, '~/work');
    const model = manager.open('analysis.ipynb');
    expect(model.jupyterRoot).toBeUndefined();
    await model.captureEnvironment();
    const entry = () =>
      model.plan!.entries.find(e => e.name === editable.name)!;
    expect(entry().status).not.toBe('vendorable');
    let changes = 0;
    model.changed.connect(() => changes++);

    manager.setJupyterRoot('relative/path');
    expect(changes).toBe(0);
    manager.setJupyterRoot(root);

    expect(model.jupyterRoot).toBe(root);
    expect(changes).toBe(1);
    expect(entry().status).toBe('vendorable');
  });

  it('ticks a git install inside the root only with the offline wheelhouse on', async () => {
    const model = plainManager(async () => reachable, notebooks, root).open(
      'analysis.ipynb'
    );
    await model.captureEnvironment();
    const git = () => model.plan!.entries.find(e => e.name === 'dz-git-pkg')!;
    let changes = 0;
    model.changed.connect(() => changes++);

    // The wheelhouse is the bundle form's box, off from the start (the old model had
    // no value until the panel set one: its first setWheelhouse(false) was a change).
    model.bundle.setField('wheelhouse', false);
    model.setIncluded('dz-git-pkg', true);
    expect(git().serverBuild).toBe(true);
    expect(git().line).toBeNull();
    expect(git().status).toBe('warning');

    model.bundle.setField('wheelhouse', true);
    expect(model.wheelhouse).toBe(true);
    expect(git().line).toMatch(
      /^dz-git-pkg @ git\+file:\/\/\/home\/user\/project\/packages\/dz-git-pkg@aa5f8552/
    );

    model.bundle.setField('wheelhouse', true);
    expect(changes).toBe(2);
    model.bundle.setField('wheelhouse', false);
    expect(git().line).toBeNull();
  });
});

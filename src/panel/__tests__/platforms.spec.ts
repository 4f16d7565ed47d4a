/**
 * Platforms in the panel: the settings `platforms` and `bundleBuilder` reach the form, the
 * session says which platforms the next build uses (the pre-flight reads them) and sends
 * them, a push with "auto" of a job built for one platform builds both and then pushes in
 * one click, the build's progress per platform, and a verify line per platform. Driven
 * with plain backends (no DOM), as session.spec.ts does.
 */
import {
  IBuildRequest,
  IPreflightRequest,
  IPushAuth
} from '../../core/contract/requests';
import { IBuildJob, IJobEvent } from '../../core/jobs/buildJob';
import { parseSnapshot } from '../../core/environment/snapshotParse';
import { IPreflightResponse } from '../../core/requirements/preflight';
import venvSnapshot from '../../core/__tests__/fixtures/snapshot-venv.json';
import { plainTranslate } from '../../core/shared/text';
import { EngineStatus } from '../../tokens';
import { IBuildBackend, IPhaseEnd } from '../buildModel';
import { defaultForm, parseSavedBundle } from '../bundleModel';
import { ISessionDefaults, NotebookSession, SessionManager } from '../session';
import { sessionDefaultsOf } from '../settings';
import { platformVerifyLines } from '../verification';

const snapshot = parseSnapshot(venvSnapshot);
const PATH = 'work/analysis.ipynb';

function engine(arch: string, builder?: string): EngineStatus {
  const status = {
    reachable: true as const,
    host: 'unix:///var/run/docker.sock',
    product: 'Docker Engine',
    version: '28.2.2',
    apiVersion: '1.50',
    minApiVersion: '1.24',
    os: 'linux',
    arch,
    kernelVersion: '6.1.0'
  };
  return builder
    ? ({
        ...status,
        builder: { name: builder, detail: builder }
      } as EngineStatus)
    : status;
}

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
    state: 'queued',
    message: '',
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

/** The server's build routes as plain state: what was built and pushed. */
class Builds implements IBuildBackend {
  jobs: IBuildJob[] = [];
  started: IBuildRequest[] = [];
  pushed: { id: string; target: string; auth: IPushAuth | null }[] = [];
  followers = new Map<string, Parameters<IBuildBackend['follow']>[1]>();
  async listJobs() {
    return [...this.jobs];
  }
  async startBuild(request: IBuildRequest) {
    this.started.push(request);
    const started = job({ id: `j${this.jobs.length + 1}` });
    this.jobs.push(started);
    return started;
  }
  async fetchJob(id: string) {
    return this.jobs.find(item => item.id === id)!;
  }
  async cancelJob(id: string) {
    return this.fetchJob(id);
  }
  async pushJob(id: string, target: string, auth: IPushAuth | null) {
    this.pushed.push({ id, target, auth });
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
  follow(id: string, callbacks: Parameters<IBuildBackend['follow']>[1]) {
    this.followers.set(id, callbacks);
    return () => undefined;
  }
  /** The job's build ended with an image for each of `platforms`; the page is told. */
  finish(id: string, platforms: string[]) {
    const at = this.jobs.findIndex(item => item.id === id);
    this.jobs[at] = {
      ...this.jobs[at],
      state: 'built',
      imageId: 'sha256:1',
      platforms: platforms.map((platform, index) => ({
        platform,
        image: index
          ? `analysis:latest-${platform.replace('/', '-')}`
          : 'analysis:latest',
        imageId: `sha256:${index + 1}`,
        emulated: index > 0
      }))
    };
    this.followers.get(id)!.changed();
  }
}

function manager(
  builds: Builds,
  options: {
    engine?: EngineStatus;
    defaults?: ISessionDefaults;
    /** Names that have no wheel for this platform. */
    missing?: Record<string, string[]>;
    /** The check answers with a resolution (each line's wheel): the bundle gets a lock. */
    resolve?: boolean;
  } = {}
) {
  const checked: IPreflightRequest[] = [];
  const sessions = new SessionManager({
    fetchEngine: async () => options.engine ?? engine('amd64', 'buildkit-cli'),
    notebooks: {
      capture: async () => snapshot,
      codeCells: async () => ['import six'],
      act: async () => undefined
    },
    checkRequirements: async (request): Promise<IPreflightResponse> => {
      checked.push(request);
      return {
        python: request.python,
        platform: request.platform,
        packages: request.requirements.map(item => {
          const missing = (options.missing?.[request.platform] ?? []).includes(
            item.name
          );
          return {
            name: item.name,
            line: item.line,
            status: missing ? 'unavailable' : 'ok',
            version: null,
            file: null,
            reason: missing ? `No wheel for ${request.platform}.` : '',
            action: ''
          };
        }),
        dependencies: [],
        resolution: options.resolve
          ? request.requirements.map(item => {
              const version = item.line.split('==')[1] ?? '1.0';
              const arch =
                request.platform === 'linux/arm64' ? 'aarch64' : 'x86_64';
              return {
                name: item.name,
                version,
                url: `https://files.example.org/${item.name}-${version}-py3-none-manylinux_2_17_${arch}.whl`,
                sha256: (item.name.length % 10).toString().repeat(64)
              };
            })
          : undefined,
        cached: 0,
        elapsedMs: 1
      };
    },
    builds,
    defaults: options.defaults,
    now: () => '2026-12-03T13:00:00Z',
    preflightDebounceMs: 0,
    saveDebounceMs: 0
  });
  return { sessions, checked };
}

async function captured(
  sessions: SessionManager,
  withEngine = true
): Promise<NotebookSession> {
  if (withEngine) {
    await sessions.refreshEngine();
  }
  const session = sessions.open(PATH);
  await session.captureEnvironment();
  await session.settled();
  return session;
}

describe('the settings platforms and bundleBuilder', () => {
  it('are read from JupyterLab’s settings and fill the form until the user changes it', async () => {
    const values: Record<string, unknown> = {
      platforms: 'both',
      bundleBuilder: 'classic'
    };
    const defaults = sessionDefaultsOf({
      get: key => ({ composite: values[key] })
    });
    expect(defaults).toMatchObject({
      platforms: 'both',
      bundleBuilder: 'classic'
    });
    const { sessions } = manager(new Builds(), { defaults });
    const session = await captured(sessions);
    expect(session.bundle.form.platforms).toBe('both');
    expect(session.bundle.form.builder).toBe('classic');
    expect(session.generated!.files.Dockerfile).not.toContain('--mount=');

    sessions.setDefaults({
      platforms: 'linux/arm64',
      bundleBuilder: 'buildkit'
    });
    expect(session.bundle.form.platforms).toBe('linux/arm64');
    expect(session.generated!.files.Dockerfile).toContain('--mount=type=cache');

    session.bundle.setField('platforms', 'auto');
    sessions.setDefaults({ platforms: 'both' });
    expect(session.bundle.form.platforms).toBe('auto');
    // Unknown values fall back to the defaults: auto, BuildKit.
    expect(
      defaultForm(PATH, { platforms: 'linux/386', bundleBuilder: 'kaniko' })
    ).toMatchObject({ platforms: 'auto', builder: 'buildkit' });
  });

  it('a form saved by an older version (without them) is read back with the defaults', () => {
    const { platforms, builder, ...older } = defaultForm(PATH);
    expect([platforms, builder]).toEqual(['auto', 'buildkit']);
    const saved = parseSavedBundle({
      created: '2026-12-03T13:00:00Z',
      form: { ...older, template: 'pip' },
      touched: ['template'],
      notebooks: [PATH],
      dataFiles: [],
      dockerfile: null
    });
    expect(saved?.form).toMatchObject({
      template: 'pip',
      platforms: 'auto',
      builder: 'buildkit'
    });
  });
});

describe('the platforms of the next build', () => {
  it('are the engine’s own for "auto" (the kernel’s machine before it answers), native first', async () => {
    const { sessions, checked } = manager(new Builds(), {
      engine: engine('arm64')
    });
    const session = await captured(sessions, false);
    // The venv snapshot's kernel runs on x86_64.
    expect(session.platforms).toEqual(['linux/amd64']);
    await sessions.refreshEngine();
    await session.settled();
    expect(session.nativePlatform).toBe('linux/arm64');
    expect(session.platforms).toEqual(['linux/arm64']);
    expect(session.pushPlatforms).toEqual(['linux/arm64', 'linux/amd64']);
    // The pre-flight follows the platform the build uses.
    expect(checked[checked.length - 1].platform).toBe('linux/arm64');

    session.bundle.setField('platforms', 'both');
    expect(session.platforms).toEqual(['linux/arm64', 'linux/amd64']);
    // The same array while nothing changed (the pre-flight compares it).
    expect(session.platforms).toBe(session.platforms);
    session.bundle.setField('platforms', 'linux/amd64');
    expect(session.platforms).toEqual(['linux/amd64']);
    expect(session.pushPlatforms).toEqual(['linux/amd64']);
  });

  it('are sent with the build: absent for "auto" (the engine’s own), listed otherwise', async () => {
    const { sessions } = manager(new Builds());
    const session = await captured(sessions);
    const auto = session.buildRequest();
    expect('request' in auto && auto.request.platforms).toBeUndefined();
    session.bundle.setField('platforms', 'both');
    const both = session.buildRequest();
    expect('request' in both && both.request.platforms).toEqual([
      'linux/amd64',
      'linux/arm64'
    ]);
    session.bundle.setField('platforms', 'linux/arm64');
    const arm = session.buildRequest();
    expect('request' in arm && arm.request.platforms).toEqual(['linux/arm64']);
  });

  it('are only the engine’s own with the classic Engine API builder, which says what it cannot build', async () => {
    const { sessions } = manager(new Builds(), {
      engine: engine('amd64', 'engine-api')
    });
    const session = await captured(sessions);
    expect(session.pushPlatforms).toEqual(['linux/amd64']);
    expect(session.buildRequest()).toEqual({
      reason: expect.stringContaining('choose Builder “Classic”')
    });
    session.bundle.setField('builder', 'classic');
    expect('request' in session.buildRequest()).toBe(true);
    session.bundle.setField('platforms', 'both');
    expect(session.buildRequest()).toEqual({
      reason: expect.stringContaining('Building for linux/arm64 needs BuildKit')
    });
  });
});

describe('Push with "auto"', () => {
  it('builds a job made for one platform again for both, the same bundle, then pushes it', async () => {
    const builds = new Builds();
    const { sessions } = manager(builds);
    const session = await captured(sessions);
    const ends: IPhaseEnd[] = [];
    session.builds.phaseEnded.connect((_, end) => ends.push(end));
    expect(await session.startBuild()).toBeNull();
    builds.finish('j1', ['linux/amd64']);
    await settle();
    expect(session.builds.job?.state).toBe('built');

    expect(session.pushPlatformsNote).toBe(
      'linux/amd64 and linux/arm64 under one tag: the image is built for linux/arm64 first.'
    );
    const auth = { username: 'jane', token: 'secret' };
    expect(await session.push('127.0.0.1:5000/jane/a:1', auth)).toBeNull();
    expect(builds.pushed).toEqual([]);
    expect(builds.started).toHaveLength(2);
    expect(builds.started[1]).toEqual({
      ...builds.started[0],
      platforms: ['linux/amd64', 'linux/arm64']
    });
    expect(session.builds.job?.id).toBe('j2');
    expect(session.pendingPush).toEqual({
      job: 'j2',
      target: '127.0.0.1:5000/jane/a:1',
      platforms: ['linux/amd64', 'linux/arm64']
    });

    builds.finish('j2', ['linux/amd64', 'linux/arm64']);
    await settle();
    expect(builds.pushed).toEqual([
      { id: 'j2', target: '127.0.0.1:5000/jane/a:1', auth }
    ]);
    expect(session.pendingPush).toBeNull();
    expect(ends.map(end => [end.job.id, end.ok])).toEqual([
      ['j1', true],
      ['j2', true]
    ]);

    // Built for both now: the next push pushes at once.
    expect(session.pushPlatformsNote).toBe(
      'linux/amd64 and linux/arm64 under one tag.'
    );
    await session.push('127.0.0.1:5000/jane/a:2', null);
    expect(builds.started).toHaveLength(2);
    expect(builds.pushed[1]).toEqual({
      id: 'j2',
      target: '127.0.0.1:5000/jane/a:2',
      auth: null
    });
  });

  it('does not push when the build for both fails, and forgets the credentials', async () => {
    const builds = new Builds();
    const { sessions } = manager(builds);
    const session = await captured(sessions);
    await session.startBuild();
    builds.finish('j1', ['linux/amd64']);
    await settle();
    await session.push('r/a:1', { username: 'u', token: 't' });
    builds.jobs[1] = { ...builds.jobs[1], state: 'failed' };
    builds.followers.get('j2')!.changed();
    await settle();
    expect(builds.pushed).toEqual([]);
    expect(session.pendingPush).toBeNull();
  });

  it('checks the packages for every platform first: one without a wheel for arm64 stops it before any build', async () => {
    const builds = new Builds();
    const { sessions, checked } = manager(builds, {
      missing: { 'linux/arm64': ['six'] }
    });
    const session = await captured(sessions);
    expect(checked.map(request => request.platform)).toEqual(['linux/amd64']);
    await session.startBuild();
    builds.finish('j1', ['linux/amd64']);
    await settle();

    const reason = await session.push('r/a:1', null);
    expect(checked.map(request => request.platform)).toEqual([
      'linux/amd64',
      'linux/arm64'
    ]);
    expect(reason).toContain('linux/arm64 cannot install six');
    expect(builds.started).toHaveLength(1);
    expect(builds.pushed).toEqual([]);
    expect(session.pendingPush).toBeNull();
    // The options' platforms again: the engine's own.
    expect(session.platforms).toEqual(['linux/amd64']);
  });

  it('gives the bundle the lock of every platform the build is for', async () => {
    const builds = new Builds();
    const { sessions } = manager(builds, { resolve: true });
    const session = await captured(sessions);
    session.bundle.setField('template', 'uv');
    await session.settled();
    expect(session.bundle.lock?.resolutions.map(item => item.platform)).toEqual(
      ['linux/amd64']
    );
    session.bundle.setField('platforms', 'both');
    await session.settled();
    expect(session.bundle.lock?.resolutions.map(item => item.platform)).toEqual(
      ['linux/amd64', 'linux/arm64']
    );
    const pylock = session.generated!.files['pylock.toml'];
    expect(pylock).toContain('x86_64.whl');
    expect(pylock).toContain('aarch64.whl');
  });

  it('pushes a job at once when the options name its one platform', async () => {
    const builds = new Builds();
    const { sessions } = manager(builds);
    const session = await captured(sessions);
    session.bundle.setField('platforms', 'linux/amd64');
    await session.startBuild();
    builds.finish('j1', ['linux/amd64']);
    await settle();
    expect(session.pushPlatformsNote).toBeNull();
    await session.push('r/a:1', null);
    expect(builds.started).toHaveLength(1);
    expect(builds.pushed).toEqual([{ id: 'j1', target: 'r/a:1', auth: null }]);
  });
});

describe('a multi-platform build in the view', () => {
  it('follows each platform’s step from the events, each event once', async () => {
    const builds = new Builds();
    const { sessions } = manager(builds);
    const session = await captured(sessions);
    session.bundle.setField('platforms', 'both');
    await session.startBuild();
    const events: IJobEvent[] = [
      {
        offset: 0,
        time: '',
        kind: 'log',
        phase: 'build',
        platform: 'linux/amd64',
        text: 'Building for linux/amd64'
      },
      {
        offset: 1,
        time: '',
        kind: 'progress',
        phase: 'build',
        platform: 'linux/amd64',
        step: 4,
        steps: 4,
        instruction: 'USER 1000'
      },
      {
        offset: 2,
        time: '',
        kind: 'progress',
        phase: 'build',
        platform: 'linux/arm64',
        step: 2,
        steps: 4,
        instruction: 'RUN pip install'
      }
    ];
    const follower = builds.followers.get('j1')!;
    follower.events(events.slice(0, 2));
    // A replay (offset 1 again) and a gap (offset 3 before 2) change nothing.
    follower.events([events[1], { ...events[2], offset: 3, step: 3 }]);
    expect(session.builds.platformProgress).toEqual([
      {
        platform: 'linux/amd64',
        step: 4,
        steps: 4,
        instruction: 'USER 1000'
      }
    ]);
    follower.events(events.slice(1));
    expect(
      session.builds.platformProgress.map(item => [
        item.platform,
        item.step,
        item.steps
      ])
    ).toEqual([
      ['linux/amd64', 4, 4],
      ['linux/arm64', 2, 4]
    ]);
  });
});

describe('the verify report per platform', () => {
  it('has a line per platform: packages, Jupyter, the user, the notebooks', () => {
    const verification = {
      ok: true,
      uid: 1000,
      snapshot: venvSnapshot,
      jupyter: { answered: true },
      notebooks: [
        {
          bundlePath: 'notebooks/a.ipynb',
          workspacePath: 'a.ipynb',
          status: 'completed',
          cells: []
        },
        {
          bundlePath: 'notebooks/b.ipynb',
          workspacePath: 'b.ipynb',
          status: 'timeout',
          cells: []
        }
      ],
      byPlatform: {
        'linux/arm64': {
          ok: true,
          uid: 1000,
          snapshot: venvSnapshot,
          jupyter: { answered: true }
        }
      }
    };
    const built = job({
      state: 'verified',
      imageId: 'sha256:1',
      platforms: [
        {
          platform: 'linux/amd64',
          image: 'a:1',
          imageId: 'sha256:1',
          emulated: false
        },
        {
          platform: 'linux/arm64',
          image: 'a:1-linux-arm64',
          imageId: 'sha256:2',
          emulated: true
        }
      ],
      verification
    });
    const selected = snapshot.distributions.slice(0, 3).map(dist => ({
      name: dist.name,
      line: `${dist.name}==${dist.version}`,
      version: dist.version
    }));
    const lines = platformVerifyLines(built, selected, plainTranslate);
    expect(lines).toEqual([
      {
        platform: 'linux/amd64',
        emulated: false,
        ok: false,
        text: 'linux/amd64: packages reproduced 3 of 3, Jupyter answered with its token, uid 1000, notebooks ran to the end: 1 of 2'
      },
      {
        platform: 'linux/arm64',
        emulated: true,
        ok: true,
        text: 'linux/arm64 (emulated): packages reproduced 3 of 3, Jupyter answered with its token, uid 1000'
      }
    ]);
    const failed = platformVerifyLines(
      {
        ...built,
        verification: {
          ...verification,
          byPlatform: {
            'linux/arm64': {
              ok: false,
              error: { message: 'exec format error' }
            }
          }
        }
      },
      null,
      plainTranslate
    );
    expect(failed[1]).toMatchObject({ ok: false, platform: 'linux/arm64' });
    expect(failed[1].text).toContain('verify failed');
    // An older server's job names no platform: no lines.
    expect(
      platformVerifyLines(
        { ...built, platforms: undefined, verification: { ok: true } },
        null,
        plainTranslate
      )
    ).toEqual([]);
  });
});

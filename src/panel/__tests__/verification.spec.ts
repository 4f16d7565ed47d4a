/**
 * Verify with the notebooks: the settings it sends, the report of each notebook (made by
 * the core from the job record, so a reload brings it back), the actions of a diagnosis,
 * and the verdict a download after verifying writes into the README. The session is
 * driven with plain backends (no DOM), the core's compare and diagnose run for real.
 */
import { IBuildRequest, IVerifyRequest } from '../../core/contract/requests';
import { IBuildJob } from '../../core/jobs/buildJob';
import { parseSnapshot } from '../../core/environment/snapshotParse';
import { INotebookRun } from '../../core/verify/notebookRun';
import { IDiffRow } from '../../core/verify/textDiff';
import venvSnapshot from '../../core/__tests__/fixtures/snapshot-venv.json';
import { IBuildBackend } from '../buildModel';
import { ISessionBackends, NotebookSession, SessionManager } from '../session';
import { ISessionStore } from '../sessionState';
import { sessionDefaultsOf } from '../settings';
import {
  DEFAULT_VERIFY_SETTINGS,
  foldRows,
  readmeVerification,
  verifyRequestOf,
  verifySettingsOf
} from '../verification';

const snapshot = parseSnapshot(venvSnapshot);
const PATH = 'work/analysis.ipynb';

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
    state: 'built',
    message: '',
    phase: 'build',
    timestamps: {},
    imageId: 'sha256:1',
    pushed: null,
    verification: null,
    run: null,
    error: null,
    eventCount: 0,
    ...patch
  };
}

/** A notebook run as the server records it: cell 1 prints the same, cell 2 does not. */
function differingRun(): INotebookRun {
  return {
    bundlePath: 'notebooks/analysis.ipynb',
    workspacePath: PATH,
    status: 'completed',
    message: '',
    code: '',
    kernel: 'python3',
    cellTimeout: 120,
    notebookTimeout: 600,
    seconds: 1.5,
    truncated: false,
    cells: [
      {
        index: 0,
        source: 'print("total", 42)',
        tags: [],
        saved: [{ output_type: 'stream', name: 'stdout', text: 'total 42\n' }],
        produced: [
          { output_type: 'stream', name: 'stdout', text: 'total 42\n' }
        ],
        status: 'ok',
        seconds: 0.01
      },
      {
        index: 2,
        source: 'print("sample mean", 0.5123)',
        tags: [],
        saved: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: 'sample mean 0.5123\n'
          }
        ],
        produced: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: 'sample mean 0.4871\n'
          }
        ],
        status: 'ok',
        seconds: 0.02
      }
    ]
  };
}

/** A run whose first cell imports a module the image lacks. */
function missingModuleRun(): INotebookRun {
  return {
    ...differingRun(),
    status: 'completed',
    cells: [
      {
        index: 0,
        source: 'import six\nprint(six.PY3)',
        tags: [],
        saved: [{ output_type: 'stream', name: 'stdout', text: 'True\n' }],
        produced: [
          {
            output_type: 'error',
            ename: 'ModuleNotFoundError',
            evalue: "No module named 'six'",
            traceback: [
              "\u001b[0;31mModuleNotFoundError\u001b[0m: No module named 'six'"
            ]
          }
        ],
        status: 'error',
        seconds: 0.01
      }
    ]
  };
}

/** The server's build routes as plain state, recording what Verify sends. */
class Builds implements IBuildBackend {
  jobs: IBuildJob[] = [];
  started: IBuildRequest[] = [];
  verified: { id: string; request: IVerifyRequest | undefined }[] = [];
  followers: Parameters<IBuildBackend['follow']>[1][] = [];
  async listJobs() {
    return [...this.jobs];
  }
  async startBuild(request: IBuildRequest) {
    this.started.push(request);
    const started = job({
      id: `j${this.jobs.length + 1}`,
      state: 'queued',
      imageId: null
    });
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
  async verifyJob(id: string, request?: IVerifyRequest) {
    this.verified.push({ id, request });
    return this.fetchJob(id);
  }
  async runJob(id: string) {
    return this.fetchJob(id);
  }
  async stopRun(id: string) {
    return this.fetchJob(id);
  }
  follow(_id: string, callbacks: Parameters<IBuildBackend['follow']>[1]) {
    this.followers.push(callbacks);
    return () => undefined;
  }
  /** The server changes a job and tells the follower, as the WebSocket does. */
  async change(id: string, patch: Partial<IBuildJob>): Promise<void> {
    this.jobs = this.jobs.map(item =>
      item.id === id ? { ...item, ...patch } : item
    );
    this.followers[this.followers.length - 1].changed();
    await settle();
  }
}

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

function manager(
  builds: Builds,
  options: { store?: MemoryStore; openSettings?: () => void } = {}
): SessionManager {
  const backends: ISessionBackends = {
    fetchEngine: async () => ({
      reachable: false,
      host: '',
      error: { code: 'engine_unreachable', message: 'none', hint: '' }
    }),
    notebooks: {
      capture: async () => snapshot,
      codeCells: async () => ['import six'],
      act: async () => undefined
    },
    checkRequirements: async request => ({
      python: request.python,
      platform: request.platform,
      packages: [],
      dependencies: [],
      cached: 0,
      elapsedMs: 1
    }),
    builds,
    store: options.store ?? new MemoryStore(),
    openSettings: options.openSettings
  };
  return new SessionManager({
    ...backends,
    defaults: { template: 'pip' },
    now: () => '2026-12-03T13:00:00Z',
    preflightDebounceMs: 0,
    saveDebounceMs: 0
  });
}

/** A session whose build of this page ended built (`prepare` runs before the build). */
async function builtSession(
  builds: Builds,
  sessions = manager(builds),
  prepare: (session: NotebookSession) => void = () => undefined
) {
  const session = sessions.open(PATH);
  await session.restore();
  await session.captureEnvironment();
  prepare(session);
  expect(await session.startBuild()).toBeNull();
  await builds.change(session.builds.job!.id, {
    state: 'built',
    imageId: 'sha256:1'
  });
  return session;
}

describe('Verify settings', () => {
  it('falls back to the schema defaults for a missing or invalid setting', () => {
    expect(verifySettingsOf(undefined)).toEqual(DEFAULT_VERIFY_SETTINGS);
    expect(
      verifySettingsOf({
        notebooks: false,
        cellTimeout: 0,
        notebookTimeout: 90000,
        relativeTolerance: -1
      })
    ).toEqual({ ...DEFAULT_VERIFY_SETTINGS, notebooks: false });
    expect(
      verifySettingsOf({ cellTimeout: 30, relativeTolerance: 1e-3 })
    ).toEqual({
      ...DEFAULT_VERIFY_SETTINGS,
      cellTimeout: 30,
      relativeTolerance: 1e-3
    });
  });

  it('asks for the notebooks with both limits, or for no notebooks at all', () => {
    expect(verifyRequestOf(DEFAULT_VERIFY_SETTINGS)).toEqual({
      notebooks: true,
      cellTimeout: 120,
      notebookTimeout: 600
    });
    expect(
      verifyRequestOf(DEFAULT_VERIFY_SETTINGS, {
        dataDir: 'work/data',
        cellTimeout: 480
      })
    ).toEqual({
      notebooks: true,
      cellTimeout: 480,
      notebookTimeout: 600,
      dataDir: 'work/data'
    });
    expect(
      verifyRequestOf({ ...DEFAULT_VERIFY_SETTINGS, notebooks: false })
    ).toEqual({ notebooks: false });
  });

  it("reads every setting from JupyterLab's settings", () => {
    const values: Record<string, unknown> = {
      defaultTemplate: 'uv',
      defaultRegistry: 'ghcr.io',
      defaultNamespace: 'jane',
      verifyNotebooks: false,
      verifyCellTimeout: 30,
      verifyNotebookTimeout: 300,
      verifyRelativeTolerance: 1e-4
    };
    expect(
      sessionDefaultsOf({ get: key => ({ composite: values[key] }) })
    ).toEqual({
      template: 'uv',
      registry: 'ghcr.io',
      namespace: 'jane',
      verifyNotebooks: false,
      verifyCellTimeout: 30,
      verifyNotebookTimeout: 300,
      verifyRelativeTolerance: 1e-4
    });
  });
});

describe('NotebookSession.verify', () => {
  it('sends the settings, and follows them when they change', async () => {
    const builds = new Builds();
    const sessions = manager(builds);
    const session = await builtSession(builds, sessions);

    await session.verify();
    sessions.setDefaults({
      template: 'pip',
      verifyCellTimeout: 30,
      verifyNotebookTimeout: 90
    });
    await session.verify();
    sessions.setDefaults({ template: 'pip', verifyNotebooks: false });
    await session.verify();

    expect(builds.verified).toEqual([
      {
        id: 'j1',
        request: { notebooks: true, cellTimeout: 120, notebookTimeout: 600 }
      },
      {
        id: 'j1',
        request: { notebooks: true, cellTimeout: 30, notebookTimeout: 90 }
      },
      { id: 'j1', request: { notebooks: false } }
    ]);
  });
});

describe('NotebookSession.notebookReports', () => {
  it('is empty before a verify, then one report per notebook from the job record', async () => {
    const builds = new Builds();
    const session = await builtSession(builds);
    expect(session.notebookReports).toEqual([]);

    await builds.change('j1', {
      state: 'verified',
      verification: { ok: true, notebooks: [differingRun()] }
    });

    const reports = session.notebookReports;
    expect(reports).toHaveLength(1);
    const { comparison } = reports[0];
    expect(comparison.verdict).toBe('differs');
    expect(comparison.summary).toMatch(/^Notebook differs: 1 of 2 cells match/);
    expect(comparison.cells.map(cell => cell.verdict)).toEqual([
      'match',
      'differs'
    ]);
    // Asked again with nothing changed: the same reports, not compared again.
    expect(session.notebookReports).toBe(reports);
  });

  it('compares with the tolerance of the settings', async () => {
    const builds = new Builds();
    const sessions = manager(builds);
    const session = await builtSession(builds, sessions);
    await builds.change('j1', {
      state: 'verified',
      verification: { ok: true, notebooks: [differingRun()] }
    });
    expect(session.notebookReports[0].comparison.verdict).toBe('differs');

    // 0.5123 against 0.4871 is 5 %: a tolerance of 10 % lets it match.
    sessions.setDefaults({ template: 'pip', verifyRelativeTolerance: 0.1 });

    expect(session.notebookReports[0].comparison.verdict).toBe('reproduced');
  });

  it('comes back after a reload from the job record, without a capture', async () => {
    const store = new MemoryStore();
    const builds = new Builds();
    builds.jobs = [
      job({
        state: 'verified',
        verification: { ok: true, notebooks: [differingRun()] }
      })
    ];

    const session = manager(builds, { store }).open(PATH);
    await session.restore();

    expect(session.capture.kind).toBe('idle');
    expect(
      session.notebookReports.map(report => report.comparison.summary)
    ).toEqual([expect.stringMatching(/^Notebook differs: 1 of 2 cells match/)]);
  });
});

describe('NotebookSession.applyDiagnosis', () => {
  it('diagnoses a package left out, includes it in one click, rebuilds and verifies the new image', async () => {
    const builds = new Builds();
    // Built without six, which the notebook imports.
    const session = await builtSession(builds, manager(builds), built =>
      built.setIncluded('six', false)
    );
    expect(builds.started[0].files['requirements.txt']).not.toMatch(/^six==/m);
    await builds.change('j1', {
      state: 'verified',
      verification: { ok: true, notebooks: [missingModuleRun()] }
    });
    const [report] = session.notebookReports;
    expect(report.comparison.verdict).toBe('failed');
    const diagnosis = report.diagnoses.find(
      item => item.kind === 'missing-module'
    )!;
    expect(diagnosis.cellNumber).toBe(1);
    expect(diagnosis.action).toEqual({ kind: 'include-package', name: 'six' });

    expect(await session.applyDiagnosis(diagnosis.action!)).toBeNull();

    expect(builds.started).toHaveLength(2);
    expect(builds.started[1].files['requirements.txt']).toMatch(/^six==/m);
    expect(session.builds.job?.id).toBe('j2');
    expect(builds.verified).toEqual([]);
    // Verified once the new image is built, with the settings.
    await builds.change('j2', { state: 'built', imageId: 'sha256:2' });
    expect(builds.verified).toEqual([
      {
        id: 'j2',
        request: { notebooks: true, cellTimeout: 120, notebookTimeout: 600 }
      }
    ]);
  });

  it('does not verify a rebuild that failed', async () => {
    const builds = new Builds();
    const session = await builtSession(builds);

    await session.applyDiagnosis({
      kind: 'add-system-package',
      name: 'libgomp1'
    });
    await builds.change('j2', { state: 'failed', imageId: null });

    expect(builds.verified).toEqual([]);
  });

  it('adds a Debian package or a data file, then builds again', async () => {
    const builds = new Builds();
    const session = await builtSession(builds);
    session.bundle.setField('aptPackages', 'curl, git');

    await session.applyDiagnosis({
      kind: 'add-system-package',
      name: 'libgomp1'
    });
    await session.applyDiagnosis({ kind: 'add-system-package', name: 'curl' });

    expect(session.bundle.form.aptPackages).toBe('curl git libgomp1');
    expect(builds.started[1].files.Dockerfile).toContain('libgomp1');

    await session.applyDiagnosis({
      kind: 'add-data-file',
      path: 'work/sales.csv'
    });
    expect(session.bundle.dataFiles).toEqual(['work/sales.csv']);
    expect(builds.started[builds.started.length - 1].include).toContainEqual({
      workspacePath: 'work/sales.csv',
      bundlePath: 'data/sales.csv'
    });
  });

  it('verifies again with the data folder bound, or with a time limit raised', async () => {
    const builds = new Builds();
    const session = await builtSession(builds);

    await session.applyDiagnosis({ kind: 'bind-data-folder' });
    await session.applyDiagnosis({
      kind: 'raise-time-limit',
      setting: 'verifyCellTimeout',
      seconds: 480
    });
    await session.applyDiagnosis({
      kind: 'raise-time-limit',
      setting: 'verifyNotebookTimeout',
      seconds: 2400
    });

    expect(session.dataFolder).toBe('work/data');
    expect(builds.verified.map(call => call.request)).toEqual([
      {
        notebooks: true,
        cellTimeout: 120,
        notebookTimeout: 600,
        dataDir: 'work/data'
      },
      { notebooks: true, cellTimeout: 480, notebookTimeout: 600 },
      { notebooks: true, cellTimeout: 120, notebookTimeout: 2400 }
    ]);
    expect(builds.started).toHaveLength(1);
  });

  it('opens the settings when JupyterLab gave the way to', () => {
    let opened = 0;
    const withSettings = manager(new Builds(), {
      openSettings: () => opened++
    }).open(PATH);
    const without = manager(new Builds()).open(PATH);

    withSettings.openSettings();

    expect(withSettings.canOpenSettings).toBe(true);
    expect(without.canOpenSettings).toBe(false);
    expect(opened).toBe(1);
  });
});

describe('Download after verifying', () => {
  async function downloaded(session: NotebookSession): Promise<string> {
    let readme = '';
    await session.download(async request => {
      readme = request.files['README.md'];
      return 'analysis.zip';
    });
    return readme;
  }

  it('writes the verdict into the README of a bundle that is the one verified', async () => {
    const builds = new Builds();
    const session = await builtSession(builds);
    const before = await downloaded(session);
    await builds.change('j1', {
      state: 'verified',
      timestamps: { verified: '2026-12-03T16:00:00Z' },
      verification: {
        ok: true,
        snapshot: venvSnapshot,
        notebooks: [differingRun()]
      }
    });

    const verification = readmeVerification(
      session.builds.job,
      session.builds.reproduction,
      session.notebookReports,
      {
        __: (text, ...args) =>
          text.replace(/%(\d)/g, (_, n) => String(args[n - 1]))
      }
    )!;
    expect(verification.image).toBe('analysis:latest');
    expect(verification.verifiedAt).toBe('2026-12-03T16:00:00Z');
    expect(verification.lines).toEqual([
      expect.stringMatching(/^Packages reproduced: (\d+) of \1$/),
      expect.stringMatching(
        /^analysis\.ipynb: Notebook differs: 1 of 2 cells match/
      )
    ]);
    const after = await downloaded(session);

    expect(after).not.toEqual(before);
    for (const line of verification.lines) {
      expect(after).toContain(line);
    }
    expect(after).toContain('analysis:latest');

    // The bundle changed since the build: its README says nothing of that image.
    session.bundle.setField('aptPackages', 'curl');
    const changed = await downloaded(session);
    expect(changed).not.toContain(verification.lines[1]);
  });
});

describe('foldRows', () => {
  const same = (text: string): IDiffRow => ({
    kind: 'same',
    saved: text,
    produced: text
  });

  it('keeps changed rows with their context and folds long equal runs', () => {
    const rows: IDiffRow[] = [
      ...Array.from({ length: 10 }, (_, at) => same(`a${at}`)),
      { kind: 'changed', saved: 'x 0.51', produced: 'x 0.49' },
      ...Array.from({ length: 10 }, (_, at) => same(`b${at}`))
    ];

    expect(foldRows(rows, 2)).toEqual([
      { kind: 'folded', count: 8 },
      same('a8'),
      same('a9'),
      rows[10],
      same('b0'),
      same('b1'),
      { kind: 'folded', count: 8 }
    ]);
  });

  it('shows a single equal row instead of folding it, and everything when nothing differs nearby', () => {
    const rows: IDiffRow[] = [
      same('a'),
      { kind: 'added', saved: '', produced: 'new' },
      same('b'),
      same('c'),
      { kind: 'removed', saved: 'old', produced: '' }
    ];

    expect(foldRows(rows, 1)).toEqual(rows);
    expect(foldRows([same('a'), same('b')], 2)).toEqual([
      { kind: 'folded', count: 2 }
    ]);
    expect(foldRows([], 2)).toEqual([]);
  });
});

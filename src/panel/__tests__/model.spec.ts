import { DockerizeRequestError } from '../../core/errors';
import { EngineStatus } from '../../tokens';
import { parseSnapshot } from '../../core/snapshotParse';
import { ExportPanelModel, INotebookAccess } from '../model';

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

describe('ExportPanelModel', () => {
  it('shows checking, then the engine status', async () => {
    const model = new ExportPanelModel(async () => reachable);
    const kinds: string[] = [];
    model.changed.connect(() => kinds.push(model.engine.kind));

    await model.refreshEngine();

    expect(kinds).toEqual(['checking', 'known']);
    expect(model.engine).toEqual({ kind: 'known', status: reachable });
  });

  it('keeps the problem of a failed request', async () => {
    const problem = {
      code: 'server_unreachable',
      message: 'gone',
      hint: 'retry'
    };
    const model = new ExportPanelModel(async () => {
      throw new DockerizeRequestError(0, problem);
    });

    await model.refreshEngine();

    expect(model.engine).toEqual({ kind: 'failed', problem });
  });

  it('turns an unexpected failure into a problem too', async () => {
    const model = new ExportPanelModel(async () => {
      throw new TypeError('boom');
    });

    await model.refreshEngine();

    expect(model.engine.kind).toBe('failed');
  });

  it('lets the latest refresh win over a slower earlier one', async () => {
    const first = deferred<EngineStatus>();
    const second = deferred<EngineStatus>();
    const answers = [first.promise, second.promise];
    const model = new ExportPanelModel(() => answers.shift()!);

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
    const model = new ExportPanelModel(async () => reachable);
    let changes = 0;
    model.changed.connect(() => changes++);

    model.setNotebook('work/analysis.ipynb');
    model.setNotebook('work/analysis.ipynb');

    expect(model.notebookPath).toBe('work/analysis.ipynb');
    expect(changes).toBe(1);
  });
});

describe('ExportPanelModel capture', () => {
  // A real capture of a venv (written by test_capture_snippet.py).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const venv = require('../../core/__tests__/fixtures/snapshot-venv.json');
  const snapshot = parseSnapshot(venv);

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
    const model = new ExportPanelModel(async () => reachable, access());
    model.setNotebook('analysis.ipynb');

    await model.captureEnvironment();

    expect(model.capture.kind).toBe('captured');
    const lines = model.plan!.entries.filter(entry => entry.line !== null);
    expect(lines.map(entry => entry.name)).toContain('python-dateutil');
    expect(lines.map(entry => entry.name)).not.toContain('ipykernel');
  });

  it('keeps only what the notebook imports, with its dependencies', async () => {
    const model = new ExportPanelModel(async () => reachable, access());
    model.setNotebook('analysis.ipynb');
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
    const model = new ExportPanelModel(async () => reachable, access());
    model.setNotebook('analysis.ipynb');
    await model.captureEnvironment();

    model.setIncluded('six', false);
    model.setIncluded('ipykernel', true);

    const line = (name: string) =>
      model.plan!.entries.find(entry => entry.name === name)!.line;
    expect(line('six')).toBeNull();
    expect(line('ipykernel')).toMatch(/^ipykernel==/);
  });

  it('unticks several packages in one change', async () => {
    const model = new ExportPanelModel(async () => reachable, access());
    model.setNotebook('analysis.ipynb');
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
    const model = new ExportPanelModel(
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
    );
    model.setNotebook('analysis.ipynb');

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
    const model = new ExportPanelModel(
      async () => reachable,
      access({ capture: () => slow.promise })
    );
    model.setNotebook('first.ipynb');
    const capturing = model.captureEnvironment();
    model.setNotebook('second.ipynb');
    slow.resolve(snapshot);
    await capturing;

    expect(model.capture.kind).toBe('idle');
  });
});

describe('ExportPanelModel vendoring', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const venv = require('../../core/__tests__/fixtures/snapshot-venv.json');
  const snapshot = parseSnapshot(venv);
  const editable = snapshot.distributions.find(
    d => d.directUrl?.dir_info?.editable
  )!;
  const projectDir = decodeURIComponent(
    new URL(editable.directUrl!.url).pathname
  );
  const root = projectDir.split('/').slice(0, -1).join('/');

  it('offers a local project inside the Jupyter root, and vendors it when ticked', async () => {
    const model = new ExportPanelModel(
      async () => reachable,
      {
        capture: async () => snapshot,
        codeCells: async () => [],
        act: async () => undefined
      },
      root
    );
    model.setNotebook('analysis.ipynb');
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
    const model = new ExportPanelModel(
      async () => reachable,
      {
        capture: async () => snapshot,
        codeCells: async () => [],
        act: async () => undefined
      },
      '~/work'
    );
    expect(model.jupyterRoot).toBeUndefined();
    model.setNotebook('analysis.ipynb');
    await model.captureEnvironment();
    const entry = () =>
      model.plan!.entries.find(e => e.name === editable.name)!;
    expect(entry().status).not.toBe('vendorable');
    let changes = 0;
    model.changed.connect(() => changes++);

    model.setJupyterRoot('relative/path');
    expect(changes).toBe(0);
    model.setJupyterRoot(root);

    expect(model.jupyterRoot).toBe(root);
    expect(changes).toBe(1);
    expect(entry().status).toBe('vendorable');
  });

  it('ticks a git install inside the root only with the offline wheelhouse on', async () => {
    const model = new ExportPanelModel(
      async () => reachable,
      {
        capture: async () => snapshot,
        codeCells: async () => [],
        act: async () => undefined
      },
      root
    );
    model.setNotebook('analysis.ipynb');
    await model.captureEnvironment();
    const git = () => model.plan!.entries.find(e => e.name === 'dz-git-pkg')!;
    let changes = 0;
    model.changed.connect(() => changes++);

    model.setWheelhouse(false);
    model.setIncluded('dz-git-pkg', true);
    expect(git().serverBuild).toBe(true);
    expect(git().line).toBeNull();
    expect(git().status).toBe('warning');

    model.setWheelhouse(true);
    expect(model.wheelhouse).toBe(true);
    expect(git().line).toMatch(
      /^dz-git-pkg @ git\+file:\/\/\/home\/user\/project\/packages\/dz-git-pkg@aa5f8552/
    );

    model.setWheelhouse(true);
    expect(changes).toBe(3);
    model.setWheelhouse(false);
    expect(git().line).toBeNull();
  });
});

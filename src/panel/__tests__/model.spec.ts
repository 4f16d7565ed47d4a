import { DockerizeRequestError } from '../../core/errors';
import { EngineStatus } from '../../tokens';
import { ExportPanelModel } from '../model';

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

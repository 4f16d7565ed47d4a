import { DockerizeRequestError } from '../../core/contract/errors';
import {
  IPreflightPackage,
  IPreflightResponse,
  PreflightStatus
} from '../../core/requirements/preflight';
import { IPreflightRequest } from '../../core/contract/requests';
import { PreflightModel } from '../preflightModel';

function request(
  lines: string[],
  python = '3.11.7',
  binaryOnly = true
): IPreflightRequest {
  return {
    python,
    platform: 'linux/amd64',
    binaryOnly,
    requirements: lines.map(line => ({ name: line.split('==')[0], line }))
  };
}

/** A server that answers from a table of statuses (ok when not listed). */
function fakeServer(statuses: Record<string, PreflightStatus> = {}) {
  const calls: IPreflightRequest[] = [];
  const check = async (req: IPreflightRequest): Promise<IPreflightResponse> => {
    calls.push(req);
    return {
      python: req.python,
      platform: req.platform,
      packages: req.requirements.map((r): IPreflightPackage => ({
        name: r.name,
        line: r.line,
        status: statuses[r.name] ?? 'ok',
        version: null,
        file: null,
        reason: `${statuses[r.name] ?? 'ok'}: ${r.name}`,
        action: ''
      })),
      dependencies: [],
      cached: 0,
      elapsedMs: 5
    };
  };
  return { calls, check };
}

const tick = (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));

function make(
  check: (r: IPreflightRequest) => Promise<IPreflightResponse>,
  options: { timeoutMs?: number } = {}
) {
  const unticked: string[][] = [];
  const model = new PreflightModel({
    check,
    untick: verdicts => unticked.push(verdicts.map(v => v.name)),
    debounceMs: 5,
    ...options
  });
  return { model, unticked };
}

describe('PreflightModel', () => {
  it('checks once after the selection stops changing', async () => {
    const server = fakeServer();
    const { model } = make(server.check);
    model.update(request(['a==1']));
    model.update(request(['a==1', 'b==1']));
    model.update(request(['a==1', 'b==1', 'c==1']));
    expect(model.state).toEqual({ kind: 'checking', count: 3, started: false });

    await model.settled();

    expect(server.calls).toHaveLength(1);
    expect(server.calls[0].requirements).toHaveLength(3);
    expect(model.state.kind).toBe('done');
  });

  it('asks the server once per distinct request (cached)', async () => {
    const server = fakeServer();
    const { model } = make(server.check);
    model.update(request(['a==1', 'b==1']));
    await model.settled();
    model.update(request(['a==1', 'b==1'], '3.12.4'));
    await model.settled();
    model.update(request(['a==1', 'b==1']));
    await model.settled();

    expect(server.calls.map(c => c.python)).toEqual(['3.11.7', '3.12.4']);
    expect(model.state.kind).toBe('done');
  });

  it('needs no server for a selection that only drops packages', async () => {
    const server = fakeServer();
    const { model } = make(server.check);
    model.update(request(['a==1', 'b==1', 'c==1']));
    await model.settled();
    model.update(request(['a==1', 'c==1']));

    expect(model.pending).toBe(false);
    expect(server.calls).toHaveLength(1);
    const state = model.state;
    expect(
      state.kind === 'done' && state.response.packages.map(p => p.name)
    ).toEqual(['a', 'c']);
  });

  it('asks again when a dropped package was in a conflict', async () => {
    const server = fakeServer({ a: 'conflict', b: 'conflict' });
    const { model } = make(server.check);
    model.update(request(['a==1', 'b==1']));
    await model.settled();
    model.update(request(['a==1']));
    await model.settled();
    expect(server.calls).toHaveLength(2);
  });

  it('unticks what cannot install, once, and keeps its verdict', async () => {
    const server = fakeServer({
      gone: 'unavailable',
      sdist: 'source-only',
      bad: 'refused',
      pair: 'conflict'
    });
    const { model, unticked } = make(server.check);
    model.update(
      request(['gone==1', 'sdist==1', 'bad==1', 'pair==1', 'fine==1'])
    );
    await model.settled();
    expect(unticked).toEqual([['gone', 'sdist', 'bad']]);

    // The panel unticked them; later the user ticks "gone" back.
    model.update(request(['pair==1', 'fine==1']));
    model.update(request(['gone==1', 'pair==1', 'fine==1']));
    await model.settled();

    expect(unticked).toHaveLength(1);
    expect(model.verdicts.get('sdist')?.status).toBe('source-only');
    expect(model.verdicts.get('gone')?.reason).toBe('unavailable: gone');
  });

  it('keeps an sdist ticked where the image has a compiler', async () => {
    const server = fakeServer({ sdist: 'source-only' });
    const { model, unticked } = make(server.check);
    model.update(request(['sdist==1'], '3.11.7', false));
    await model.settled();
    expect(unticked).toEqual([]);
  });

  it('forgets verdicts made for another Python', async () => {
    const server = fakeServer({ gone: 'unavailable' });
    const { model } = make(server.check);
    model.update(request(['gone==1']));
    await model.settled();
    model.update(request(['fine==1'], '3.12.4'));
    await model.settled();
    expect([...model.verdicts.keys()]).toEqual(['fine']);
  });

  it('waits through the check a finished one started by unticking', async () => {
    const server = fakeServer({ gone: 'unavailable', pair: 'conflict' });
    // The untick makes the panel send the smaller request, which has a conflict.
    const model: PreflightModel = new PreflightModel({
      check: server.check,
      debounceMs: 5,
      untick: () => model.update(request(['pair==1']))
    });
    model.update(request(['gone==1', 'pair==1']));
    await model.settled();
    expect(server.calls).toHaveLength(2);
    const state = model.state;
    expect(state.kind === 'done' && state.request.requirements).toHaveLength(1);
  });

  it('ignores the answer to a request the selection has left', async () => {
    let answer!: () => void;
    const server = fakeServer();
    const { model } = make(async req => {
      if (req.requirements.length === 1) {
        await new Promise<void>(resolve => (answer = resolve));
      }
      return server.check(req);
    });
    model.update(request(['old==1']));
    await tick(20);
    model.update(request(['new==1', 'other==1']));
    await model.settled();
    answer();
    await tick();
    const state = model.state;
    expect(state.kind === 'done' && state.request.requirements).toHaveLength(2);
  });

  it("shows the server's problem and lets the user go on", async () => {
    const problem = {
      code: 'index_unreachable',
      message: 'pip cannot reach the index.',
      hint: 'Check the network.'
    };
    const { model, unticked } = make(async () => {
      throw new DockerizeRequestError(503, problem);
    });
    model.update(request(['a==1']));
    await model.settled();
    expect(model.state).toEqual({ kind: 'failed', problem, internal: false });
    expect(unticked).toEqual([]);
    expect(model.verdicts.size).toBe(0);
  });

  it('calls an unexpected error an internal error, not a package problem', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const { model } = make(async () => {
      throw new TypeError('x is undefined');
    });
    model.update(request(['a==1']));
    await model.settled();
    const state = model.state;
    expect(state.kind === 'failed' && state.internal).toBe(true);
    expect(state.kind === 'failed' && state.problem.message).toMatch(
      /internal error.*not a problem of your packages.*x is undefined/
    );
    error.mockRestore();
  });

  it('gives up on a check that does not answer', async () => {
    const { model } = make(() => new Promise(() => {}), { timeoutMs: 20 });
    model.update(request(['a==1']));
    await model.settled();
    const state = model.state;
    expect(state.kind === 'failed' && state.problem.code).toBe(
      'preflight_timeout'
    );
  });

  it('lets a waiting download go on without the check', async () => {
    const { model } = make(() => new Promise(() => {}));
    model.update(request(['a==1']));
    const waiting = model.settled();
    model.continueWithout();
    await waiting;
    expect(model.pending).toBe(true);
    model.dispose();
  });

  it('does not check without a request, nor more than the server takes', async () => {
    const server = fakeServer();
    const { model } = make(server.check);
    model.update({ reason: 'Write 3.12.X.' });
    expect(model.state).toEqual({
      kind: 'not-checked',
      reason: 'Write 3.12.X.'
    });
    model.update(request(Array.from({ length: 2001 }, (_, i) => `p${i}==1`)));
    expect(model.state.kind).toBe('not-checked');
    model.update(null);
    expect(model.state).toEqual({ kind: 'idle' });
    await model.settled();
    expect(server.calls).toHaveLength(0);
  });

  it('checks again on demand, past the cache', async () => {
    const server = fakeServer();
    const { model } = make(server.check);
    model.update(request(['a==1']));
    await model.settled();
    model.recheck();
    await model.settled();
    expect(server.calls).toHaveLength(2);
  });
});

/**
 * A server whose verdicts depend on the platform (`missing[platform]` cannot install
 * there) and whose answers carry a resolution: every requested pin, as a wheel.
 */
function platformServer(missing: Record<string, string[]>) {
  const calls: IPreflightRequest[] = [];
  const check = async (req: IPreflightRequest): Promise<IPreflightResponse> => {
    calls.push(req);
    const gone = new Set(missing[req.platform] ?? []);
    const machine = req.platform === 'linux/arm64' ? 'aarch64' : 'x86_64';
    return {
      python: req.python,
      platform: req.platform,
      packages: req.requirements.map(r => ({
        name: r.name,
        line: r.line,
        status: gone.has(r.name) ? 'unavailable' : 'ok',
        version: r.line.split('==')[1],
        file: null,
        reason: gone.has(r.name) ? `no ${machine} wheel of ${r.name}` : '',
        action: ''
      })),
      dependencies: [],
      resolution: req.requirements
        .filter(r => !gone.has(r.name))
        .map(r => ({
          name: r.name,
          version: r.line.split('==')[1],
          url: `https://files.example.org/${r.name}-${r.line.split('==')[1]}-cp311-cp311-manylinux_2_17_${machine}.whl`,
          sha256: (machine === 'x86_64' ? 'a' : 'b').repeat(64)
        })),
      unlocked: [],
      cached: 0,
      elapsedMs: 5
    };
  };
  return { calls, check };
}

const BOTH = ['linux/amd64', 'linux/arm64'];

describe('PreflightModel for several platforms', () => {
  it('checks each platform and blocks the build naming the one that fails', async () => {
    const server = platformServer({ 'linux/arm64': ['mkl'] });
    const { model, unticked } = make(server.check);
    model.update(request(['numpy==2.1.0', 'mkl==2024.2.0']), BOTH);
    await model.settled();

    expect(server.calls.map(call => call.platform)).toEqual(BOTH);
    expect(model.platforms).toEqual(BOTH);
    // It installs on linux/amd64: not unticked, the user chooses.
    expect(unticked).toEqual([]);
    expect(model.blocked).toBe(
      'Not built: linux/arm64 cannot install mkl (no aarch64 wheel of mkl). Untick it, or build for linux/amd64 only.'
    );
    const mkl = model.verdicts.get('mkl');
    expect(mkl?.status).toBe('unavailable');
    expect(mkl?.reason).toBe('For linux/arm64: no aarch64 wheel of mkl');
    expect(model.verdicts.get('numpy')?.status).toBe('ok');
    expect(model.lock).toEqual({
      reason: 'mkl does not install on linux/arm64.'
    });
  });

  it('unticks what no platform installs, and does not block for it', async () => {
    const server = platformServer({
      'linux/amd64': ['gone'],
      'linux/arm64': ['gone']
    });
    const { model, unticked } = make(server.check);
    model.update(request(['numpy==2.1.0', 'gone==1']), BOTH);
    await model.settled();
    expect(unticked).toEqual([['gone']]);
    expect(model.blocked).toBeNull();
  });

  it('gives the lock of both resolutions once every platform installs everything', async () => {
    const server = platformServer({ 'linux/arm64': ['mkl'] });
    const { model } = make(server.check);
    model.update(request(['numpy==2.1.0', 'mkl==2024.2.0']), BOTH);
    await model.settled();
    // The user unticks mkl: the smaller set is resolved again for both platforms.
    model.update(request(['numpy==2.1.0']), BOTH);
    await model.settled();

    expect(server.calls).toHaveLength(4);
    expect(model.blocked).toBeNull();
    const lock = model.lock;
    expect('lock' in lock && lock.lock.python).toBe('3.11.7');
    expect(
      'lock' in lock &&
        lock.lock.resolutions.map(r => [r.platform, r.packages.map(p => p.url)])
    ).toEqual([
      [
        'linux/amd64',
        [
          'https://files.example.org/numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl'
        ]
      ],
      [
        'linux/arm64',
        [
          'https://files.example.org/numpy-2.1.0-cp311-cp311-manylinux_2_17_aarch64.whl'
        ]
      ]
    ]);
  });

  it('asks only for the platform added (the other is cached)', async () => {
    const server = platformServer({});
    const { model } = make(server.check);
    model.update(request(['numpy==2.1.0']), ['linux/amd64']);
    await model.settled();
    model.update(request(['numpy==2.1.0']), BOTH);
    await model.settled();
    expect(server.calls.map(call => call.platform)).toEqual(BOTH);
    expect(model.state.kind === 'done' && model.state.checks).toHaveLength(2);
  });

  it('checks the request’s own platform when no platform is given', async () => {
    const server = platformServer({ 'linux/amd64': ['mkl'] });
    const { model, unticked } = make(server.check);
    model.update(request(['mkl==2024.2.0']));
    await model.settled();
    expect(server.calls.map(call => call.platform)).toEqual(['linux/amd64']);
    expect(unticked).toEqual([['mkl']]);
    expect(model.blocked).toBeNull();
    // An unknown platform is not asked for.
    model.update(request(['numpy==2.1.0']), ['windows/amd64']);
    await model.settled();
    expect(server.calls.map(call => call.platform)).toEqual([
      'linux/amd64',
      'linux/amd64'
    ]);
  });
});

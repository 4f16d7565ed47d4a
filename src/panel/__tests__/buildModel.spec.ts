import { IBuildRequest } from '../../core/contract/requests';
import { IBuildJob, IJobEvent } from '../../core/jobs/buildJob';
import { DockerizeRequestError } from '../../core/contract/errors';
import { IRequirementsPlan } from '../../core/requirements/requirementsPlan';
import venvSnapshot from '../../core/__tests__/fixtures/snapshot-venv.json';
import { BuildModel, IBuildBackend, IPhaseEnd } from '../buildModel';

function job(patch: Partial<IBuildJob> = {}): IBuildJob {
  return {
    id: 'j1',
    image: 'jane/analysis:1',
    notebook: 'work/sales.ipynb',
    state: 'queued',
    message: 'Waiting for a build slot.',
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

const plan: IRequirementsPlan = {
  python: '3.11.7',
  platform: 'Linux x86_64',
  entries: [
    {
      name: 'six',
      version: '1.16.0',
      source: 'index',
      status: 'pinned',
      line: 'six==1.16.0',
      reason: ''
    }
  ],
  vendorPaths: []
};

const request: IBuildRequest = {
  name: 'b',
  files: { Dockerfile: 'FROM x\n' },
  include: [],
  image: 'jane/analysis:1'
};

/** A backend whose server state the test sets; events are pushed by the test. */
class Backend implements IBuildBackend {
  current = job();
  callbacks: Parameters<IBuildBackend['follow']>[1] | null = null;
  stopped = 0;
  async listJobs() {
    return [job({ id: 'old', notebook: 'other.ipynb' }), this.current];
  }
  pushes: unknown[] = [];
  async startBuild() {
    return this.current;
  }
  async fetchJob() {
    return this.current;
  }
  async cancelJob(): Promise<IBuildJob> {
    throw new DockerizeRequestError(409, {
      code: 'job_conflict',
      message: 'nothing to cancel',
      hint: ''
    });
  }
  async pushJob(id: string, target: string, auth: unknown) {
    this.pushes.push({ id, target, auth });
    this.current = job({ ...this.current, state: 'pushing', phase: 'push' });
    return this.current;
  }
  async verifyJob() {
    return this.current;
  }
  async runJob() {
    return this.current;
  }
  async stopRun() {
    return this.current;
  }
  follow(_: string, callbacks: Parameters<IBuildBackend['follow']>[1]) {
    this.callbacks = callbacks;
    return () => this.stopped++;
  }
  send(events: IJobEvent[]) {
    this.callbacks!.events(events);
  }
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('BuildModel', () => {
  it('follows the job it builds and tells when the phase ends', async () => {
    const backend = new Backend();
    const model = new BuildModel(backend);
    const ends: IPhaseEnd[] = [];
    model.phaseEnded.connect((_, end) => ends.push(end));
    await model.build(request, plan);
    expect(model.job?.state).toBe('queued');
    expect(model.active).toBe(true);
    expect(model.canPushOrVerify).toBe(false);
    backend.send([
      {
        offset: 0,
        time: '',
        kind: 'log',
        phase: 'build',
        text: 'Step 1/2 : FROM x'
      }
    ]);
    expect(model.view.lines.map(line => line.text)).toEqual([
      'Step 1/2 : FROM x'
    ]);
    expect(backend.callbacks!.next()).toBe(1);
    backend.current = job({
      state: 'built',
      message: 'Built.',
      imageId: 'sha256:1'
    });
    backend.callbacks!.changed();
    await flush();
    expect(ends).toEqual([{ job: backend.current, phase: 'build', ok: true }]);
    expect(model.canPushOrVerify).toBe(true);
    model.dispose();
    expect(backend.stopped).toBe(1);
  });

  it('shows the server problem of a refused action and stays usable', async () => {
    const backend = new Backend();
    const model = new BuildModel(backend);
    await model.build(request, plan);
    await model.cancel();
    expect(model.problem?.code).toBe('job_conflict');
    expect(model.busy).toBeNull();
    model.dismissProblem();
    expect(model.problem).toBeNull();
  });

  it('passes the push target and the token through once, and compares a verified image', async () => {
    const backend = new Backend();
    backend.current = job({ state: 'built', imageId: 'sha256:1' });
    const model = new BuildModel(backend);
    await model.build(request, plan);
    await model.push('localhost:5000/jane/analysis:1', {
      username: 'jane',
      token: 't0k'
    });
    expect(backend.pushes).toEqual([
      {
        id: 'j1',
        target: 'localhost:5000/jane/analysis:1',
        auth: { username: 'jane', token: 't0k' }
      }
    ]);
    expect(JSON.stringify(model.job)).not.toContain('t0k');
    const image = JSON.parse(JSON.stringify(venvSnapshot));
    image.distributions = image.distributions.filter(
      (dist: { name: string }) => dist.name !== 'six'
    );
    backend.current = job({
      state: 'verified',
      imageId: 'sha256:1',
      verification: { snapshot: image }
    });
    await model.restore('j1', plan);
    expect(model.reproduction).toEqual({
      total: 1,
      reproduced: 0,
      mismatches: [{ name: 'six', expected: '1.16.0', found: null }],
      extraInImage: image.distributions.length
    });
  });
});

describe('BuildModel after a reload', () => {
  it('follows the newest job of the same notebook', async () => {
    const backend = new Backend();
    backend.current = job({ state: 'building' });
    const model = new BuildModel(backend);
    await model.restoreLatest('work/sales.ipynb', plan);
    expect(model.job?.id).toBe('j1');
    expect(backend.callbacks).not.toBeNull();
    const other = new BuildModel(new Backend());
    await other.restoreLatest('nothing-built.ipynb', plan);
    expect(other.job).toBeNull();
  });
});

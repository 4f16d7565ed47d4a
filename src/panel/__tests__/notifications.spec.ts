import { IBuildJob } from '../../core/jobs/buildJob';
import { INotificationApi, JobNotifier } from '../notifications';

function job(overrides: Partial<IBuildJob> = {}): IBuildJob {
  return {
    id: 'job-1',
    image: 'user/sales:latest',
    notebook: 'sales.ipynb',
    state: 'built',
    message: 'Built.',
    phase: 'build',
    timestamps: {},
    imageId: 'sha256:1',
    pushed: null,
    verification: null,
    run: null,
    error: null,
    eventCount: 3,
    ...overrides
  };
}

/** A notification centre that keeps what is on screen. */
function fakeCentre() {
  const shown = new Map<string, { message: string; type: string }>();
  let next = 0;
  const api: INotificationApi = {
    emit: (message, type) => {
      const id = `n${++next}`;
      shown.set(id, { message, type });
      return id;
    },
    update: ({ id, message, type }) => {
      if (!shown.has(id)) {
        return false;
      }
      shown.set(id, { message, type });
      return true;
    },
    dismiss: id => {
      shown.delete(id);
    }
  };
  return { api, shown };
}

const failed = (id = 'job-1') =>
  job({
    id,
    state: 'failed',
    message: 'The build failed.',
    error: {
      code: 'build_failed',
      message: 'pip could not install soupsieve.',
      hint: 'See the log.'
    }
  });

describe('JobNotifier', () => {
  it('keeps one notification per job, updated in place as its phases end', () => {
    const { api, shown } = fakeCentre();
    const emit = jest.spyOn(api, 'emit');
    const notifier = new JobNotifier(api, () => undefined);
    notifier.phaseEnded({ job: job(), phase: 'build', ok: true });
    notifier.phaseEnded({
      job: job({
        state: 'pushed',
        phase: 'push',
        pushed: { reference: 'localhost:5000/sales:1', digest: 'sha256:2' }
      }),
      phase: 'push',
      ok: true
    });
    notifier.phaseEnded({
      job: job({ state: 'verified', phase: 'verify' }),
      phase: 'verify',
      ok: true
    });

    expect(emit).toHaveBeenCalledTimes(1);
    expect([...shown.values()]).toEqual([
      { message: 'Image user/sales:latest verified.', type: 'success' }
    ]);
  });

  it("replaces the job's notification when its toast has closed by itself before the next phase ends", () => {
    const { api, shown } = fakeCentre();
    const emit = jest.spyOn(api, 'emit');
    const dismiss = jest.spyOn(api, 'dismiss');
    let clock = 0;
    const notifier = new JobNotifier(
      api,
      () => undefined,
      undefined,
      () => clock
    );
    notifier.phaseEnded({ job: job(), phase: 'build', ok: true });
    clock += 7_999; // a success toast closes after 8 s: still on screen
    notifier.phaseEnded({
      job: job({
        state: 'pushed',
        phase: 'push',
        pushed: { reference: 'localhost:5000/sales:1', digest: 'sha256:2' }
      }),
      phase: 'push',
      ok: true
    });
    expect(emit).toHaveBeenCalledTimes(1);
    clock += 8_000; // a verify that re-ran the notebooks: the toast has closed
    notifier.phaseEnded({
      job: job({ state: 'verified', phase: 'verify' }),
      phase: 'verify',
      ok: true
    });

    expect(dismiss).toHaveBeenCalledWith('n1');
    expect(emit).toHaveBeenCalledTimes(2);
    expect([...shown.entries()]).toEqual([
      ['n2', { message: 'Image user/sales:latest verified.', type: 'success' }]
    ]);
  });

  it('gives each job of a notebook its own notification', () => {
    const { api, shown } = fakeCentre();
    const notifier = new JobNotifier(api, () => undefined);
    notifier.phaseEnded({ job: failed('job-1'), phase: 'build', ok: false });
    notifier.phaseEnded({ job: failed('job-2'), phase: 'build', ok: false });
    notifier.phaseEnded({
      job: job({ id: 'job-3' }),
      phase: 'build',
      ok: true
    });

    // Same notebook, three jobs: a failure is not overwritten by the next build.
    expect([...shown.values()]).toEqual([
      { message: 'pip could not install soupsieve.', type: 'error' },
      { message: 'pip could not install soupsieve.', type: 'error' },
      { message: 'Image user/sales:latest built.', type: 'success' }
    ]);
  });

  it('never tells the same failure of a job twice', () => {
    const { api, shown } = fakeCentre();
    const emit = jest.spyOn(api, 'emit');
    const update = jest.spyOn(api, 'update');
    const notifier = new JobNotifier(api, () => undefined);
    for (let i = 0; i < 5; i++) {
      notifier.phaseEnded({ job: failed(), phase: 'build', ok: false });
    }
    expect(emit).toHaveBeenCalledTimes(1);
    expect(update).not.toHaveBeenCalled();
    expect([...shown.values()]).toEqual([
      { message: 'pip could not install soupsieve.', type: 'error' }
    ]);
  });

  it('shows a new one when the user dismissed the last', () => {
    const { api, shown } = fakeCentre();
    const notifier = new JobNotifier(api, () => undefined);
    notifier.phaseEnded({ job: job(), phase: 'build', ok: true });
    shown.clear();
    notifier.phaseEnded({
      job: job({ state: 'verified', phase: 'verify' }),
      phase: 'verify',
      ok: true
    });
    expect([...shown.values()]).toEqual([
      { message: 'Image user/sales:latest verified.', type: 'success' }
    ]);
  });

  it('keeps notebooks apart and offers the log of that job', () => {
    const { api, shown } = fakeCentre();
    const opened: string[] = [];
    const emit = jest.spyOn(api, 'emit');
    const notifier = new JobNotifier(api, ended => opened.push(ended.id));
    notifier.phaseEnded({ job: job(), phase: 'build', ok: true });
    notifier.phaseEnded({
      job: job({ id: 'job-9', notebook: 'other.ipynb', state: 'cancelled' }),
      phase: 'build',
      ok: false
    });
    expect(shown.size).toBe(2);
    emit.mock.calls[0][2].actions[0].callback();
    emit.mock.calls[1][2].actions[0].callback();
    expect(opened).toEqual(['job-1', 'job-9']);
  });
});

describe('JobNotifier and platforms', () => {
  it('names the platforms of a pushed manifest list', () => {
    const { api, shown } = fakeCentre();
    const notifier = new JobNotifier(api, () => undefined);
    notifier.phaseEnded({
      job: job({
        state: 'pushed',
        phase: 'push',
        pushed: {
          reference: 'localhost:5000/sales:1',
          digest: 'sha256:index',
          platforms: [
            { platform: 'linux/amd64', digest: 'sha256:a' },
            { platform: 'linux/arm64', digest: 'sha256:b' }
          ]
        }
      }),
      phase: 'push',
      ok: true
    });
    expect([...shown.values()]).toEqual([
      {
        message:
          'Image pushed as localhost:5000/sales:1 for linux/amd64 and linux/arm64.',
        type: 'success'
      }
    ]);
  });
});

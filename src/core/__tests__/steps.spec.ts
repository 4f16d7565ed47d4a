import { IBuildJob } from '../jobs/buildJob';
import { IStepInputs, pipelineSteps, StepState } from '../jobs/steps';

type Job = NonNullable<IStepInputs['job']>;

function job(overrides: Partial<IBuildJob> = {}): Job {
  return {
    state: 'queued',
    phase: 'build',
    imageId: null,
    pushed: null,
    verification: null,
    ...overrides
  };
}

const built = { state: 'built' as const, imageId: 'sha256:1' };
const pushed = { reference: 'localhost:5000/a/b:1', digest: 'sha256:2' };

/** The states as one string: capture bundle build push verify. */
function line(inputs: Partial<IStepInputs>): string {
  return pipelineSteps({
    capture: 'captured',
    bundleValid: true,
    job: null,
    ...inputs
  })
    .map(step => step.state)
    .join(' ');
}

describe('pipelineSteps', () => {
  it('lists the five steps in order', () => {
    expect(
      pipelineSteps({ capture: 'idle', bundleValid: null, job: null }).map(
        step => step.id
      )
    ).toEqual(['capture', 'bundle', 'build', 'push', 'verify']);
  });

  it('waits for everything before a capture', () => {
    expect(line({ capture: 'idle', bundleValid: null })).toBe(
      'waiting waiting waiting waiting waiting'
    );
  });

  it('follows the capture', () => {
    expect(line({ capture: 'capturing', bundleValid: null })).toBe(
      'active waiting waiting waiting waiting'
    );
    expect(line({ capture: 'failed', bundleValid: null })).toBe(
      'failed waiting waiting waiting waiting'
    );
    expect(line({})).toBe('done done waiting waiting waiting');
  });

  it('marks invalid bundle options failed', () => {
    expect(line({ bundleValid: false })).toBe(
      'done failed waiting waiting waiting'
    );
  });

  it('follows a build from the queue to the image', () => {
    expect(line({ job: job() })).toBe('done done active waiting waiting');
    expect(line({ job: job({ state: 'building' }) })).toBe(
      'done done active waiting waiting'
    );
    expect(line({ job: job(built) })).toBe('done done done waiting waiting');
  });

  it.each<[IBuildJob['state'], StepState]>([
    ['failed', 'failed'],
    ['cancelled', 'failed'],
    ['interrupted', 'failed']
  ])('a build that ended %s is %s', (state, expected) => {
    expect(
      pipelineSteps({
        capture: 'captured',
        bundleValid: true,
        job: job({ state })
      })[2].state
    ).toBe(expected);
  });

  it('follows push then verify', () => {
    expect(
      line({ job: job({ ...built, state: 'pushing', phase: 'push' }) })
    ).toBe('done done done active waiting');
    expect(
      line({ job: job({ ...built, state: 'pushed', phase: 'push', pushed }) })
    ).toBe('done done done done waiting');
    expect(
      line({
        job: job({ ...built, state: 'verifying', phase: 'verify', pushed })
      })
    ).toBe('done done done done active');
    expect(
      line({
        job: job({
          ...built,
          state: 'verified',
          phase: 'verify',
          pushed,
          verification: { ok: true }
        })
      })
    ).toBe('done done done done done');
  });

  it('keeps a verify done when a later push fails', () => {
    expect(
      line({
        job: job({
          ...built,
          state: 'failed',
          phase: 'push',
          verification: { ok: true }
        })
      })
    ).toBe('done done done failed done');
  });

  it('marks a verify that found the image wrong failed, until the next runs', () => {
    const wrong = job({
      ...built,
      state: 'failed',
      phase: 'verify',
      verification: { ok: false }
    });
    expect(line({ job: wrong })).toBe('done done done waiting failed');
    // A push after it leaves the verify failed.
    expect(
      line({ job: { ...wrong, state: 'pushed', phase: 'push', pushed } })
    ).toBe('done done done done failed');
    expect(
      line({ job: { ...wrong, state: 'verifying', phase: 'verify' } })
    ).toBe('done done done waiting active');
  });

  it('shows a job found after a reload without a capture', () => {
    // The kernel is gone or not asked yet: the build still shows.
    expect(
      line({
        capture: 'idle',
        bundleValid: null,
        job: job({ state: 'building' })
      })
    ).toBe('waiting done active waiting waiting');
    expect(
      line({ capture: 'failed', bundleValid: null, job: job(built) })
    ).toBe('failed done done waiting waiting');
  });
});

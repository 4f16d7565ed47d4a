/**
 * The line of steps the panel and the notebook's tab show: Capture → Bundle → Build →
 * Push → Verify, each done, active, failed or waiting. Derived from plain inputs only, so
 * that a page reload (a job and no capture yet) or a dead kernel (a failed capture and a
 * running build) read the same everywhere.
 */
import { ACTIVE_STATES, IBuildJob } from './buildJob';

export type StepId = 'capture' | 'bundle' | 'build' | 'push' | 'verify';
export type StepState = 'done' | 'active' | 'failed' | 'waiting';

export const STEP_IDS: readonly StepId[] = [
  'capture',
  'bundle',
  'build',
  'push',
  'verify'
];

export interface IStep {
  id: StepId;
  state: StepState;
}

/** What the steps are read from. */
export interface IStepInputs {
  /** The kind of the notebook's capture state. */
  capture: 'idle' | 'capturing' | 'captured' | 'failed';
  /** Whether the bundle options are valid; null while there is no bundle (no capture). */
  bundleValid: boolean | null;
  /** The notebook's latest job, as the server reports it; null before any build. */
  job: Pick<
    IBuildJob,
    'state' | 'phase' | 'imageId' | 'pushed' | 'verification'
  > | null;
}

const ENDED_BADLY: ReadonlySet<string> = new Set([
  'failed',
  'cancelled',
  'interrupted'
]);

function captureStep(capture: IStepInputs['capture']): StepState {
  switch (capture) {
    case 'captured':
      return 'done';
    case 'capturing':
      return 'active';
    case 'failed':
      return 'failed';
    default:
      return 'waiting';
  }
}

function bundleStep({ bundleValid, job }: IStepInputs): StepState {
  if (bundleValid === null) {
    // No capture (after a reload): a job was built from a bundle all the same.
    return job ? 'done' : 'waiting';
  }
  return bundleValid ? 'done' : 'failed';
}

/** The state of one job phase: build, push or verify. */
function phaseStep(
  job: NonNullable<IStepInputs['job']>,
  phase: 'build' | 'push' | 'verify',
  done: boolean
): StepState {
  if (job.phase === phase) {
    if (ACTIVE_STATES.has(job.state)) {
      return 'active';
    }
    if (ENDED_BADLY.has(job.state)) {
      return 'failed';
    }
  }
  return done ? 'done' : 'waiting';
}

function verifyStep(job: NonNullable<IStepInputs['job']>): StepState {
  const verification = job.verification;
  const state = phaseStep(
    job,
    'verify',
    verification !== null && verification.ok !== false
  );
  // A verify that found the image wrong stays failed until the next one runs.
  return state === 'waiting' && verification?.ok === false ? 'failed' : state;
}

/** The five steps, in order, for what the notebook's session holds now. */
export function pipelineSteps(inputs: IStepInputs): IStep[] {
  const { job } = inputs;
  const states: Record<StepId, StepState> = {
    capture: captureStep(inputs.capture),
    bundle: bundleStep(inputs),
    build: job ? phaseStep(job, 'build', job.imageId !== null) : 'waiting',
    push: job ? phaseStep(job, 'push', job.pushed !== null) : 'waiting',
    verify: job ? verifyStep(job) : 'waiting'
  };
  return STEP_IDS.map(id => ({ id, state: states[id] }));
}

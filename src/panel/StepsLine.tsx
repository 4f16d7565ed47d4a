import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IStep, pipelineSteps, StepId, StepState } from '../core/jobs/steps';
import { NotebookSession } from './session';

/** The steps of what the session holds now. */
export function sessionSteps(session: NotebookSession): IStep[] {
  return pipelineSteps({
    capture: session.capture.kind,
    // The options are only checked against a capture.
    bundleValid: session.context ? session.bundle.isValid : null,
    job: session.builds.job
  });
}

function stepLabel(id: StepId, trans: TranslationBundle): string {
  const labels: Record<StepId, string> = {
    capture: trans.__('Capture'),
    bundle: trans.__('Bundle'),
    build: trans.__('Build'),
    push: trans.__('Push'),
    verify: trans.__('Verify')
  };
  return labels[id];
}

function stateLabel(state: StepState, trans: TranslationBundle): string {
  const labels: Record<StepState, string> = {
    done: trans.__('done'),
    active: trans.__('under way'),
    failed: trans.__('failed'),
    waiting: trans.__('waiting')
  };
  return labels[state];
}

/** Capture → Bundle → Build → Push → Verify, each with its state in words and colour. */
export function StepsLine(props: {
  steps: readonly IStep[];
  trans: TranslationBundle;
}): JSX.Element {
  const { steps, trans } = props;
  return (
    <ol
      className="jp-Dockerize-steps"
      data-dockerize="steps"
      aria-label={trans.__('Steps')}
    >
      {steps.map(step => (
        <li
          key={step.id}
          className={`jp-Dockerize-step jp-mod-${step.state}`}
          data-step={step.id}
          data-state={step.state}
        >
          <span className="jp-Dockerize-stepName">
            {stepLabel(step.id, trans)}
          </span>
          <span className="jp-Dockerize-stepState">
            {stateLabel(step.state, trans)}
          </span>
        </li>
      ))}
    </ol>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { pushFraction } from '../core/jobs/buildJob';
import { BuildModel } from './buildModel';

/** The build's step and the push's bytes, as progress bars. */
export function JobProgress(props: {
  model: BuildModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const job = model.job;
  if (!job) {
    return null;
  }
  const { build, push } = model.view;
  const pushed = pushFraction(push);
  return (
    <div className="jp-Dockerize-progress" data-dockerize="build-progress">
      {build && build.steps > 0 && (
        <div>
          <label>
            {trans.__('Build: step %1 of %2', build.step, build.steps)}
            <progress
              max={build.steps}
              value={job.imageId ? build.steps : build.step - 1}
            />
          </label>
          {job.state === 'building' && (
            <code className="jp-Dockerize-instruction">
              {build.instruction}
            </code>
          )}
        </div>
      )}
      {pushed !== null && (
        <label>
          {trans.__('Push: %1%', Math.round(pushed * 100))}
          <progress max={1} value={pushed} />
        </label>
      )}
    </div>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { pushFraction } from '../core/jobs/buildJob';
import { jobPlatforms } from '../core/jobs/platforms';
import { BuildModel } from './buildModel';

/** A multi-platform build: one bar per platform, each with its step. */
function PlatformBars(props: {
  model: BuildModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const job = model.job;
  const platforms = jobPlatforms(job);
  return (
    <ul
      className="jp-Dockerize-platformProgress"
      data-dockerize="build-platforms"
    >
      {model.platformProgress.map(progress => {
        const known = platforms.find(
          item => item.platform === progress.platform
        );
        const built = (known?.imageId ?? null) !== null;
        const steps = Math.max(progress.steps, 1);
        return (
          <li key={progress.platform} data-platform={progress.platform}>
            <label>
              {built
                ? trans.__('%1: built', progress.platform)
                : progress.steps > 0
                  ? trans.__(
                      '%1: step %2 of %3',
                      progress.platform,
                      progress.step,
                      progress.steps
                    )
                  : trans.__('%1: starting', progress.platform)}
              {known?.emulated ? ` ${trans.__('(emulated)')}` : ''}
              <progress
                max={steps}
                value={built ? steps : Math.max(progress.step - 1, 0)}
              />
            </label>
          </li>
        );
      })}
    </ul>
  );
}

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
  // A single platform's build keeps the one bar, whether its events name it or not.
  const perPlatform =
    model.platformProgress.length > 1 || jobPlatforms(job).length > 1;
  return (
    <div className="jp-Dockerize-progress" data-dockerize="build-progress">
      {perPlatform && <PlatformBars model={model} trans={trans} />}
      {!perPlatform && build && build.steps > 0 && (
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

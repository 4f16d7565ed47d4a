import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IBuildJob } from '../core/jobs/buildJob';
import {
  platformList,
  pushedPlatforms as pushedPlatformsOf
} from '../core/jobs/platforms';
import { BuildModel } from './buildModel';
import { ProblemView } from './ProblemView';
import type { IPendingPush } from './session';

export function stateLabel(job: IBuildJob, trans: TranslationBundle): string {
  const labels: Record<string, string> = {
    queued: trans.__('Queued'),
    building: trans.__('Building'),
    built: trans.__('Built'),
    pushing: trans.__('Pushing'),
    pushed: trans.__('Pushed'),
    verifying: trans.__('Verifying'),
    verified: trans.__('Verified'),
    failed: trans.__('Failed'),
    cancelled: trans.__('Cancelled'),
    interrupted: trans.__('Interrupted')
  };
  return labels[job.state] ?? job.state;
}

/**
 * The job's state and image, its problem (shown once: the job's, else the failed action's
 * when it says more), where it was pushed and where it runs.
 */
export function JobStatus(props: {
  model: BuildModel;
  /** A push waiting for the job built for all its platforms (the session's). */
  pendingPush?: IPendingPush | null;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, pendingPush, trans } = props;
  const job = model.job;
  const pushedPlatforms = pushedPlatformsOf(job);
  const jobProblem = job?.error ?? null;
  const actionProblem =
    model.problem &&
    !(jobProblem && model.problem.message === jobProblem.message)
      ? model.problem
      : null;
  return (
    <>
      {actionProblem && <ProblemView problem={actionProblem} />}
      {job && (
        <>
          <p className="jp-Dockerize-jobStatus" data-dockerize="build-status">
            <span
              className={`jp-Dockerize-state jp-mod-${job.state}`}
              data-state={job.state}
            >
              {stateLabel(job, trans)}
            </span>{' '}
            <code>{job.image}</code>
            {job.message && job.message !== jobProblem?.message
              ? ` — ${job.message}`
              : ''}
          </p>
          {jobProblem && <ProblemView problem={jobProblem} />}
          {pendingPush && pendingPush.job === job.id && (
            <p className="jp-Dockerize-hint" data-dockerize="push-pending">
              {trans.__(
                'Building for %1 first, then pushing %2.',
                platformList(pendingPush.platforms),
                pendingPush.target
              )}
            </p>
          )}
          {job.pushed && (
            <div data-dockerize="push-result">
              <p>
                {trans.__('Pushed as')} <code>{job.pushed.reference}</code>{' '}
                {pushedPlatforms.length > 0 && trans.__('index') + ' '}
                <code title={job.pushed.digest}>
                  {job.pushed.digest.slice(0, 19)}
                </code>
              </p>
              {pushedPlatforms.length > 0 && (
                <ul
                  className="jp-Dockerize-pushedPlatforms"
                  data-dockerize="push-platforms"
                >
                  {pushedPlatforms.map(item => (
                    <li key={item.platform} data-platform={item.platform}>
                      {item.platform}{' '}
                      <code title={item.digest}>
                        {item.digest.slice(0, 19)}
                      </code>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {job.run && (
            <p data-dockerize="run-url">
              {trans.__('Running at')}{' '}
              <a
                href={`${job.run.url}?token=${job.run.token ?? ''}`}
                target="_blank"
                rel="noopener noreferrer"
              >
                {job.run.url}
              </a>
            </p>
          )}
        </>
      )}
    </>
  );
}

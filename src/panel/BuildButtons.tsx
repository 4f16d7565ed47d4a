import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { askPushTarget } from './pushDialog';
import { IPushDefaults } from '../core/jobs/pushForm';
import { NotebookSession } from './session';

/**
 * Build (or Cancel), Push…, Verify, Run (or Stop), and why Build is not possible now,
 * in words under the buttons (never only in a tooltip).
 */
export function BuildButtons(props: {
  session: NotebookSession;
  pushDefaults: IPushDefaults;
  engineReachable: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, pushDefaults, engineReachable, trans } = props;
  const model = session.builds;
  const job = model.job;
  const busy = model.busy;
  const [waiting, setWaiting] = React.useState(false);
  const [notBuilt, setNotBuilt] = React.useState<string | null>(null);
  const prepared = session.buildRequest();
  const reason =
    'reason' in prepared
      ? prepared.reason
      : engineReachable
        ? null
        : trans.__('No Docker engine answers: see the engine status below.');
  const startBuild = async () => {
    setWaiting(true);
    setNotBuilt(null);
    try {
      // Waits for the package check, then builds what the session holds at that moment.
      setNotBuilt(await session.startBuild());
    } finally {
      setWaiting(false);
    }
  };
  const push = async () => {
    const answer = await askPushTarget(
      pushDefaults,
      job?.image ?? '',
      trans,
      session.pushPlatformsNote
    );
    if (answer) {
      // With more platforms to push than built, the session builds them first.
      setNotBuilt(await session.push(answer.target, answer.auth));
    }
  };
  const checking = session.checking;
  return (
    <>
      <div className="jp-Dockerize-buttons">
        {model.active ? (
          <button
            className="jp-mod-styled jp-mod-warn"
            onClick={() => void model.cancel()}
            disabled={busy !== null}
            data-dockerize="build-cancel"
          >
            {trans.__('Cancel')}
          </button>
        ) : (
          <button
            className="jp-mod-styled jp-mod-accept"
            onClick={() => void startBuild()}
            disabled={busy !== null || reason !== null || waiting}
            data-dockerize="build-start"
          >
            {waiting && checking !== null
              ? trans.__('Checking %1 packages…', checking)
              : job
                ? trans.__('Build again')
                : trans.__('Build image')}
          </button>
        )}
        {waiting && checking !== null && (
          <button
            className="jp-mod-styled"
            onClick={() => session.continueWithout()}
            data-dockerize="build-skip-check"
          >
            {trans.__('Build without waiting')}
          </button>
        )}
        <button
          className="jp-mod-styled"
          onClick={() => void push()}
          disabled={!model.canPushOrVerify}
          data-dockerize="build-push"
        >
          {trans.__('Push…')}
        </button>
        <button
          className="jp-mod-styled"
          onClick={() => void session.verify()}
          disabled={!model.canPushOrVerify}
          data-dockerize="build-verify"
        >
          {trans.__('Verify')}
        </button>
        {job?.run ? (
          <button
            className="jp-mod-styled"
            onClick={() => void model.stopRun()}
            disabled={busy !== null}
            data-dockerize="build-stop"
          >
            {trans.__('Stop')}
          </button>
        ) : (
          <button
            className="jp-mod-styled"
            onClick={() =>
              void model.run({
                notebooksDir: session.notebookFolder || undefined
              })
            }
            disabled={!model.canPushOrVerify}
            data-dockerize="build-run"
          >
            {busy === 'run' ? trans.__('Starting…') : trans.__('Run')}
          </button>
        )}
      </div>
      {(reason ?? notBuilt) && !model.active && (
        <p className="jp-Dockerize-hint" data-dockerize="build-reason">
          {reason ?? notBuilt}
        </p>
      )}
    </>
  );
}

import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { IBuildRequest } from '../buildApi';
import { ansiClasses, ansiLines, stripAnsiText } from '../core/ansi';
import { IBuildJob, ILogLine, logText, pushFraction } from '../core/buildJob';
import { IRequirementsPlan } from '../core/requirements';
import { BuildModel } from './buildModel';
import { ProblemView } from './ProblemView';
import { askPushTarget, IPushDefaults } from './pushDialog';

/** Lines the log view puts in the page (Copy takes them all). */
const SHOWN_LINES = 2000;

/** What the section needs from the rest of the panel. */
export interface IBuildSource {
  /** Emitted when what request() returns may have changed (the bundle's form). */
  changed: ISignal<unknown, unknown>;
  /** The build request (the bundle as downloaded, plus the image), or why there is none. */
  request():
    { request: IBuildRequest; plan: IRequirementsPlan } | { reason: string };
  /** Workspace folder of the notebook, bound to /notebooks by "Run". */
  notebookFolder(): string;
  pushDefaults(): IPushDefaults;
  engineReachable(): boolean;
  /** Resolves when the package check has finished (Build waits for it). */
  settled?(): Promise<void>;
  /** Lets a waiting build go on without the check. */
  continueWithout?(): void;
  /** How many packages are being checked, or null when no check runs. */
  checking?(): number | null;
}

function stateLabel(job: IBuildJob, trans: TranslationBundle): string {
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

function LogView(props: {
  lines: readonly ILogLine[];
  trans: TranslationBundle;
}): JSX.Element {
  const { lines, trans } = props;
  const [follow, setFollow] = React.useState(true);
  const box = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (follow && box.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  });
  const shown = lines.slice(-SHOWN_LINES);
  // The lines only change when new events come (a new array).
  const styled = React.useMemo(
    () => ansiLines(lines.slice(-SHOWN_LINES).map(line => line.text)),
    [lines]
  );

  return (
    <div className="jp-Dockerize-log">
      <div className="jp-Dockerize-logTools">
        <label>
          <input
            type="checkbox"
            checked={follow}
            onChange={event => setFollow(event.target.checked)}
            data-dockerize="build-follow"
          />{' '}
          {trans.__('Follow')}
        </label>
        <button
          className="jp-mod-styled"
          onClick={() => Clipboard.copyToSystem(stripAnsiText(logText(lines)))}
          disabled={!lines.length}
          data-dockerize="build-copy-log"
        >
          {trans.__('Copy log')}
        </button>
        {lines.length > SHOWN_LINES && (
          <span className="jp-Dockerize-hint">
            {trans.__(
              'Showing the last %1 of %2 lines.',
              SHOWN_LINES,
              lines.length
            )}
          </span>
        )}
      </div>
      <div
        ref={box}
        className="jp-Dockerize-logLines"
        data-dockerize="build-log"
        role="log"
        aria-live="off"
        onWheel={() => setFollow(false)}
      >
        {shown.map((line, index) => {
          const segments = styled[index] ?? [];
          return (
            <div
              key={line.offset}
              className={
                line.stderr
                  ? 'jp-Dockerize-logLine jp-mod-stderr'
                  : 'jp-Dockerize-logLine'
              }
            >
              {segments.length
                ? segments.map((segment, at) => {
                    const classes = ansiClasses(segment.style);
                    return classes ? (
                      <span key={at} className={classes}>
                        {segment.text}
                      </span>
                    ) : (
                      <React.Fragment key={at}>{segment.text}</React.Fragment>
                    );
                  })
                : '\u00a0'}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function Progress(props: {
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

function Verification(props: {
  model: BuildModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const verification = model.job?.verification;
  if (!verification) {
    return null;
  }
  if (verification.ok === false) {
    // The job's problem box says why; the image stays built.
    return (
      <div className="jp-Dockerize-verification" data-dockerize="verify-result">
        <p className="jp-Dockerize-warn" data-dockerize="verify-summary">
          {trans.__(
            'Verify failed: the image is still built and can be pushed.'
          )}
        </p>
      </div>
    );
  }
  const result = model.reproduction;
  const jupyter = (verification.jupyter ?? {}) as Record<string, boolean>;
  const uid = String(verification.uid ?? '');
  return (
    <div className="jp-Dockerize-verification" data-dockerize="verify-result">
      {result && (
        <p
          className={
            result.mismatches.length ? 'jp-Dockerize-warn' : 'jp-Dockerize-ok'
          }
          data-dockerize="verify-summary"
        >
          {trans.__('Reproduced: %1 of %2', result.reproduced, result.total)}
        </p>
      )}
      {result && result.mismatches.length > 0 && (
        <ul className="jp-Dockerize-mismatches">
          {result.mismatches.map(item => (
            <li key={item.name}>
              <code>{item.name}</code>{' '}
              {item.found === null
                ? trans.__('missing (expected %1)', item.expected)
                : trans.__('%1 instead of %2', item.found, item.expected)}
            </li>
          ))}
        </ul>
      )}
      <ul className="jp-Dockerize-checks">
        <li>
          {jupyter.answered
            ? trans.__('Jupyter answered with the token')
            : trans.__('Jupyter did not answer with the token')}
        </li>
        <li>
          {jupyter.refusedWithoutToken && jupyter.refusedWrongToken
            ? trans.__('and refused requests without it or with a wrong one')
            : trans.__('but did NOT refuse requests without the token')}
        </li>
        <li>
          {uid === '0'
            ? trans.__('It runs as root (uid 0).')
            : trans.__('It runs as uid %1, not root.', uid || '?')}
        </li>
      </ul>
    </div>
  );
}

export function BuildView(props: {
  model: BuildModel;
  source: IBuildSource;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, source, trans } = props;
  return (
    <UseSignal signal={source.changed}>
      {() => (
        <UseSignal signal={model.changed}>
          {() => <BuildSection model={model} source={source} trans={trans} />}
        </UseSignal>
      )}
    </UseSignal>
  );
}

function BuildSection(props: {
  model: BuildModel;
  source: IBuildSource;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, source, trans } = props;
  const job = model.job;
  const busy = model.busy;
  const [waiting, setWaiting] = React.useState(false);
  const prepared = source.request();
  const reason =
    'reason' in prepared
      ? prepared.reason
      : source.engineReachable()
        ? null
        : trans.__('No Docker engine answers: see the engine status above.');
  const startBuild = async () => {
    if (source.settled) {
      setWaiting(true);
      try {
        await source.settled();
      } finally {
        setWaiting(false);
      }
    }
    // Read now: the form may have changed, and the check may have unticked packages.
    const current = source.request();
    if ('request' in current) {
      void model.build(current.request, current.plan);
    }
  };
  // One problem is shown once: the job's, else the failed action's if it says more.
  const jobProblem = job?.error ?? null;
  const actionProblem =
    model.problem &&
    !(jobProblem && model.problem.message === jobProblem.message)
      ? model.problem
      : null;
  const push = async () => {
    const answer = await askPushTarget(
      source.pushDefaults(),
      job?.image ?? '',
      trans
    );
    if (answer) {
      await model.push(answer.target, answer.auth);
    }
  };
  return (
    <section className="jp-Dockerize-section" data-dockerize="build">
      <h3>{trans.__('Build and push')}</h3>
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
            title={reason ?? ''}
            data-dockerize="build-start"
          >
            {waiting
              ? trans.__('Checking %1 packages…', source.checking?.() ?? 0)
              : job
                ? trans.__('Build again')
                : trans.__('Build image')}
          </button>
        )}
        {waiting && source.continueWithout && (
          <button
            className="jp-mod-styled"
            onClick={() => source.continueWithout?.()}
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
          onClick={() => void model.verify()}
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
                notebooksDir: source.notebookFolder() || undefined
              })
            }
            disabled={!model.canPushOrVerify}
            data-dockerize="build-run"
          >
            {busy === 'run' ? trans.__('Starting…') : trans.__('Run')}
          </button>
        )}
      </div>
      {reason && !job && <p className="jp-Dockerize-hint">{reason}</p>}
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
          {job.pushed && (
            <p data-dockerize="push-result">
              {trans.__('Pushed as')} <code>{job.pushed.reference}</code>{' '}
              <code title={job.pushed.digest}>
                {job.pushed.digest.slice(0, 19)}
              </code>
            </p>
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
          <Progress model={model} trans={trans} />
          <Verification model={model} trans={trans} />
          <LogView lines={model.view.lines} trans={trans} />
        </>
      )}
    </section>
  );
}

/**
 * The report of one notebook re-executed in the image: its summary line, how it ran, and
 * each cell that did not give its saved result, with the outputs side by side and the
 * diagnosis of a failure with the button that acts on it. Renders a report the session
 * made (session.notebookReports); the buttons call the session.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { DiagnosisAction, IDiagnosis } from '../core/verify/diagnose';
import {
  CellVerdict,
  ICellComparison,
  NotebookVerdict
} from '../core/verify/notebookCompare';
import { OutputDiff } from './CellDiff';
import { NotebookSession } from './session';
import { BreakablePath, RichText } from './text';
import { INotebookReport } from './verification';

/** Cells the report shows: those that did not give their saved result. */
const SHOWN_VERDICTS: ReadonlySet<CellVerdict> = new Set<CellVerdict>([
  'differs',
  'did-not-raise',
  'error',
  'timeout',
  'died'
]);

export function verdictClass(verdict: NotebookVerdict): string {
  switch (verdict) {
    case 'reproduced':
      return 'jp-Dockerize-ok';
    case 'differs':
      return 'jp-Dockerize-warn';
    default:
      return 'jp-Dockerize-failed';
  }
}

function cellVerdictLabel(
  verdict: CellVerdict,
  trans: TranslationBundle
): string {
  switch (verdict) {
    case 'match':
      return trans.__('matches');
    case 'differs':
      return trans.__('differs');
    case 'ran':
      return trans.__('ran (no saved output to compare)');
    case 'skipped':
      return trans.__('not compared (tagged)');
    case 'raised-as-expected':
      return trans.__('raised as expected');
    case 'did-not-raise':
      return trans.__('did not raise the error its tag expects');
    case 'error':
      return trans.__('raised an error');
    case 'timeout':
      return trans.__('passed its time limit');
    case 'died':
      return trans.__('the kernel died');
    case 'not-run':
      return trans.__('not run');
  }
}

function actionLabel(
  action: DiagnosisAction,
  session: NotebookSession,
  trans: TranslationBundle
): string {
  switch (action.kind) {
    case 'include-package':
      return trans.__('Include %1 and rebuild', action.name);
    case 'add-system-package':
      return trans.__('Add the Debian package %1 and rebuild', action.name);
    case 'add-data-file':
      return trans.__('Add %1 as a data file and rebuild', action.path);
    case 'bind-data-folder':
      return trans.__(
        'Verify again with %1 bound read-only at /data',
        session.dataFolder
      );
    case 'raise-time-limit':
      return action.setting === 'verifyCellTimeout'
        ? trans.__('Verify again with %1 s per cell', action.seconds)
        : trans.__('Verify again with %1 s per notebook', action.seconds);
  }
}

/** Whether the action builds again (else it verifies the image again). */
function rebuilds(action: DiagnosisAction): boolean {
  return (
    action.kind === 'include-package' ||
    action.kind === 'add-system-package' ||
    action.kind === 'add-data-file'
  );
}

function DiagnosisView(props: {
  diagnosis: IDiagnosis;
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element {
  const { diagnosis, session, trans } = props;
  const [reason, setReason] = React.useState<string | null>(null);
  const action = diagnosis.action;
  const builds = session.builds;
  const possible =
    action !== null &&
    (rebuilds(action)
      ? !builds.active && builds.busy === null
      : builds.canPushOrVerify);
  const act = async () => {
    if (action) {
      setReason(null);
      setReason(await session.applyDiagnosis(action));
    }
  };
  return (
    <div
      className="jp-Dockerize-diagnosis"
      data-dockerize="verify-diagnosis"
      data-kind={diagnosis.kind}
    >
      <p className="jp-Dockerize-diagnosisTitle">
        <RichText text={diagnosis.title} />
      </p>
      {diagnosis.detail && (
        <p className="jp-Dockerize-diagnosisDetail">
          <RichText text={diagnosis.detail} />
        </p>
      )}
      {action && (
        <div className="jp-Dockerize-buttons">
          <button
            className="jp-mod-styled jp-mod-accept"
            data-dockerize="verify-action"
            data-action={action.kind}
            disabled={!possible}
            onClick={() => void act()}
          >
            {actionLabel(action, session, trans)}
          </button>
          {action.kind === 'raise-time-limit' && session.canOpenSettings && (
            <button
              className="jp-mod-styled"
              data-dockerize="verify-open-settings"
              onClick={() => session.openSettings()}
            >
              {trans.__('Change the limit in the settings')}
            </button>
          )}
        </div>
      )}
      {reason && (
        <p className="jp-Dockerize-hint" data-dockerize="verify-action-reason">
          {reason}
        </p>
      )}
    </div>
  );
}

function CellReport(props: {
  cell: ICellComparison;
  diagnoses: readonly IDiagnosis[];
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element {
  const { cell, diagnoses, session, trans } = props;
  return (
    <section
      className="jp-Dockerize-cellReport"
      data-dockerize="verify-cell"
      data-cell={cell.number}
      data-verdict={cell.verdict}
    >
      <h4>
        {trans.__('Cell %1', cell.number)}{' '}
        <span className="jp-Dockerize-cellVerdict">
          {cellVerdictLabel(cell.verdict, trans)}
        </span>
        {cell.seconds !== null && (
          <span className="jp-Dockerize-hint">
            {' '}
            {trans.__('%1 s', cell.seconds.toFixed(1))}
          </span>
        )}
      </h4>
      <pre className="jp-Dockerize-cellSource">{cell.source}</pre>
      {cell.error && (
        <p className="jp-Dockerize-cellError" data-dockerize="verify-error">
          <code>
            {cell.error.ename}: {cell.error.evalue}
          </code>
        </p>
      )}
      {diagnoses.map((diagnosis, at) => (
        <DiagnosisView
          key={at}
          diagnosis={diagnosis}
          session={session}
          trans={trans}
        />
      ))}
      {cell.differences.map((difference, at) => (
        <OutputDiff key={at} difference={difference} trans={trans} />
      ))}
    </section>
  );
}

export function NotebookReport(props: {
  report: INotebookReport;
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element {
  const { report, session, trans } = props;
  const { run, comparison, diagnoses } = report;
  const byCell = new Map<number | null, IDiagnosis[]>();
  for (const diagnosis of diagnoses) {
    const list = byCell.get(diagnosis.cellNumber) ?? [];
    list.push(diagnosis);
    byCell.set(diagnosis.cellNumber, list);
  }
  const cells = comparison.cells.filter(
    cell => SHOWN_VERDICTS.has(cell.verdict) || byCell.has(cell.number)
  );
  return (
    <article
      className="jp-Dockerize-notebookReport"
      data-dockerize="verify-notebook"
      data-notebook={run.workspacePath}
      data-verdict={comparison.verdict}
    >
      <h3>
        <BreakablePath path={run.workspacePath || run.bundlePath} />
      </h3>
      <p
        className={verdictClass(comparison.verdict)}
        data-dockerize="verify-notebook-summary"
      >
        {comparison.summary}
      </p>
      <p className="jp-Dockerize-hint">
        {trans.__(
          'Ran in the image with the kernel %1 in %2 s (limits: %3 s a cell, %4 s in all).',
          run.kernel || '?',
          run.seconds.toFixed(1),
          run.cellTimeout,
          run.notebookTimeout
        )}
      </p>
      {comparison.message && (
        <p
          className="jp-Dockerize-warn"
          data-dockerize="verify-notebook-message"
        >
          <RichText text={comparison.message} />
        </p>
      )}
      {(byCell.get(null) ?? []).map((diagnosis, at) => (
        <DiagnosisView
          key={at}
          diagnosis={diagnosis}
          session={session}
          trans={trans}
        />
      ))}
      {cells.map(cell => (
        <CellReport
          key={cell.index}
          cell={cell}
          diagnoses={byCell.get(cell.number) ?? []}
          session={session}
          trans={trans}
        />
      ))}
    </article>
  );
}

/** The notebooks part of the Verification view: one report per notebook. */
export function NotebookReports(props: {
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { session, trans } = props;
  const reports = session.notebookReports;
  if (!reports.length) {
    return null;
  }
  return (
    <div
      className="jp-Dockerize-notebookReports"
      data-dockerize="verify-notebooks"
    >
      {reports.map(report => (
        <NotebookReport
          key={report.run.bundlePath}
          report={report}
          session={session}
          trans={trans}
        />
      ))}
    </div>
  );
}

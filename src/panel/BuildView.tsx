import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { BuildButtons } from './BuildButtons';
import { JobProgress } from './JobProgress';
import { JobStatus } from './JobStatus';
import { TabView } from './tabView';
import { IPushDefaults } from '../core/jobs/pushForm';
import { verdictClass } from './NotebookReport';
import { NotebookSession } from './session';
import { reportLine } from './verification';

/**
 * The sidebar's "Build and push" section: the buttons, the job's state and progress in
 * short, and the way to its log and verification report in the notebook's tab.
 */
export function BuildView(props: {
  session: NotebookSession;
  pushDefaults: IPushDefaults;
  engineReachable: boolean;
  openTab: (view: TabView) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, pushDefaults, engineReachable, openTab, trans } = props;
  const model = session.builds;
  const job = model.job;
  const reports = job?.verification ? session.notebookReports : [];
  return (
    <section className="jp-Dockerize-section" data-dockerize="build">
      <h3>{trans.__('Build and push')}</h3>
      <BuildButtons
        session={session}
        pushDefaults={pushDefaults}
        engineReachable={engineReachable}
        trans={trans}
      />
      <JobStatus
        model={model}
        pendingPush={session.pendingPush}
        trans={trans}
      />
      {job && (
        <>
          <JobProgress model={model} trans={trans} />
          {reports.length > 0 && (
            <ul
              className="jp-Dockerize-notebookLines"
              data-dockerize="verify-notebook-lines"
            >
              {reports.map(report => (
                <li
                  key={report.run.bundlePath}
                  className={verdictClass(report.comparison.verdict)}
                  data-verdict={report.comparison.verdict}
                >
                  {reportLine(report)}
                </li>
              ))}
            </ul>
          )}
          <p className="jp-Dockerize-links">
            <button
              className="jp-Dockerize-link"
              onClick={() => openTab('log')}
              data-dockerize="open-log"
            >
              {trans.__('Open the build log')}
            </button>
            {job.verification && (
              <button
                className="jp-Dockerize-link"
                onClick={() => openTab('verify')}
                data-dockerize="open-verify"
              >
                {trans.__('Open the verification report')}
              </button>
            )}
          </p>
        </>
      )}
    </section>
  );
}

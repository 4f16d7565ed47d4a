import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { describeEngine } from '../core/contract/engine';
import { dockerizeIcon } from '../icons';
import { IEngineReachable } from '../tokens';
import { BuildView } from './BuildView';
import { BundleView, DataFilePicker, NotebookLister } from './BundleView';
import { CaptureView } from './CaptureView';
import { magicsByDistribution } from './importMagics';
import { EngineState, engineBuilderOf } from './model';
import { TabView } from './tabView';
import { LeftOutImports } from './PreflightView';
import { ProblemView } from './ProblemView';
import { NotebookSession, SessionManager } from './session';
import { sessionSteps, StepsLine } from './StepsLine';
import { BreakablePath } from './text';

function EngineDetails(props: {
  status: IEngineReachable;
  trans: TranslationBundle;
}) {
  const { status, trans } = props;
  const builder = engineBuilderOf(status);
  return (
    <dl className="jp-Dockerize-engineDetails" title={describeEngine(status)}>
      <dt>{trans.__('Status')}</dt>
      <dd data-dockerize="engine-reachable">{trans.__('reachable')}</dd>
      <dt>{trans.__('Engine')}</dt>
      <dd data-dockerize="engine-product">{status.product}</dd>
      <dt>{trans.__('Version')}</dt>
      <dd data-dockerize="engine-version">{status.version}</dd>
      <dt>{trans.__('API')}</dt>
      <dd>{status.apiVersion}</dd>
      <dt>{trans.__('Platform')}</dt>
      <dd>{[status.os, status.arch].filter(Boolean).join('/')}</dd>
      {builder && (
        <>
          <dt>{trans.__('Builder')}</dt>
          <dd data-dockerize="engine-builder" data-builder={builder.name}>
            {builder.detail || builder.name}
          </dd>
        </>
      )}
      <dt>{trans.__('Address')}</dt>
      <dd data-dockerize="engine-host">
        <BreakablePath path={status.host} />
      </dd>
    </dl>
  );
}

function EngineView(props: {
  state: EngineState;
  trans: TranslationBundle;
  onRefresh: () => void;
}) {
  const { state, trans } = props;
  let body: React.ReactNode;
  if (state.kind === 'checking') {
    body = (
      <p className="jp-Dockerize-engineChecking">
        {trans.__('Checking the Docker engine…')}
      </p>
    );
  } else if (state.kind === 'failed') {
    body = <ProblemView problem={state.problem} />;
  } else if (state.status.reachable) {
    body = <EngineDetails status={state.status} trans={trans} />;
  } else {
    // The problem's message names the address, so it is not repeated here.
    body = (
      <>
        <dl className="jp-Dockerize-engineDetails">
          <dt>{trans.__('Status')}</dt>
          <dd data-dockerize="engine-unreachable">
            {trans.__('not reachable')}
          </dd>
        </dl>
        <ProblemView problem={state.status.error} />
      </>
    );
  }
  return (
    <section
      className="jp-Dockerize-section"
      aria-labelledby="jp-Dockerize-engineTitle"
    >
      <h3 id="jp-Dockerize-engineTitle">{trans.__('Docker engine')}</h3>
      {body}
      <button
        className="jp-mod-styled jp-Dockerize-refresh"
        onClick={props.onRefresh}
        disabled={state.kind === 'checking'}
      >
        {trans.__('Check again')}
      </button>
    </section>
  );
}

function NotebookView(props: {
  path: string | null;
  trans: TranslationBundle;
}) {
  const { path, trans } = props;
  return (
    <section className="jp-Dockerize-section">
      <h3>{trans.__('Notebook')}</h3>
      {path ? (
        <p className="jp-Dockerize-notebookPath" data-dockerize="notebook-path">
          <BreakablePath path={path} />
        </p>
      ) : (
        <p className="jp-Dockerize-empty">
          {trans.__(
            'Open a notebook and click "Package this notebook" in its toolbar, or right-click a notebook in the file browser.'
          )}
        </p>
      )}
    </section>
  );
}

export interface IExportPanelOptions {
  /** Lists the notebooks of a folder, for the bundle's notebook choice. */
  listNotebooks?: NotebookLister;
  /** Opens a file dialog for the bundle's data files (none: no "Add data files…"). */
  pickDataFiles?: DataFilePicker;
  /** Opens the notebook's tab in the main area on one of its views. */
  openTab: (session: NotebookSession, view: TabView) => void;
  /** Called the first time the panel is shown (index.ts gives its sidebar room then). */
  onFirstShow?: () => void;
}

/**
 * What the panel shows of the current notebook: the steps, its capture and package
 * table, the bundle options, the build buttons and status.
 */
function SessionView(props: {
  session: NotebookSession;
  sessions: SessionManager;
  options: IExportPanelOptions;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, sessions, options, trans } = props;
  const openTab = (view: TabView) => options.openTab(session, view);
  const leftOut = session.leftOutImports;
  const imports = session.imports;
  return (
    <>
      <StepsLine steps={sessionSteps(session)} trans={trans} />
      <CaptureView
        model={session}
        extras={
          session.context
            ? {
                preflight: session.preflight,
                rowContext: session.rowContext,
                onRowAction: (row, action) => session.rowAction(row, action)
              }
            : null
        }
        trans={trans}
      />
      <BundleView
        session={session}
        services={{
          listNotebooks: options.listNotebooks ?? null,
          pickDataFiles: options.pickDataFiles ?? null
        }}
        openTab={openTab}
        trans={trans}
      />
      {leftOut && imports && (
        <LeftOutImports
          items={leftOut}
          magics={magicsByDistribution(imports.resolved)}
          trans={trans}
        />
      )}
      <BuildView
        session={session}
        pushDefaults={sessions.pushTarget}
        engineReachable={sessions.engineReachable}
        openTab={openTab}
        trans={trans}
      />
    </>
  );
}

/** The "Export environment" side panel: a view of the current notebook's session. */
export class ExportPanel extends ReactWidget {
  constructor(
    readonly sessions: SessionManager,
    private readonly trans: TranslationBundle,
    private readonly options: IExportPanelOptions
  ) {
    super();
    this.id = 'jp-dockerize-export-panel';
    this.addClass('jp-Dockerize-panel');
    this.title.icon = dockerizeIcon;
    this.title.caption = trans.__('Export environment');
    this._onFirstShow = options.onFirstShow ?? null;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    const first = this._onFirstShow;
    this._onFirstShow = null;
    first?.();
  }

  render(): JSX.Element {
    const { sessions, trans } = this;
    return (
      <UseSignal signal={sessions.changed}>
        {() => {
          const session = sessions.current;
          return (
            <div className="jp-Dockerize-content">
              <header className="jp-Dockerize-header">
                <h2>{trans.__('Export environment')}</h2>
              </header>
              <NotebookView path={session?.path ?? null} trans={trans} />
              {session && (
                <SessionView
                  session={session}
                  sessions={sessions}
                  options={this.options}
                  trans={trans}
                />
              )}
              <EngineView
                state={sessions.engine}
                trans={trans}
                onRefresh={() => void sessions.refreshEngine()}
              />
              <section className="jp-Dockerize-section">
                <h3>{trans.__('Push target')}</h3>
                <p data-dockerize="push-target">
                  {[sessions.pushTarget.registry, sessions.pushTarget.namespace]
                    .filter(Boolean)
                    .join('/')}
                </p>
              </section>
            </div>
          );
        }}
      </UseSignal>
    );
  }

  private _onFirstShow: (() => void) | null;
}

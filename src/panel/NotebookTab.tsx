/**
 * A notebook's tab in the main area: its Dockerfile (preview and edit), the build log
 * and the verification report, each at full width, under the line of steps. One tab per
 * notebook (notebookTabs.ts opens or reactivates it); it renders the notebook's session
 * and calls it, like the sidebar.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { dockerizeIcon } from '../icons';
import { BundlePreview } from './BundlePreview';
import { JobProgress } from './JobProgress';
import { JobStatus } from './JobStatus';
import { LogView } from './LogView';
import { NotebookSession } from './session';
import { sessionSteps, StepsLine } from './StepsLine';
import { notebookTabId, TAB_VIEWS, TabView } from './tabView';
import { BreakablePath } from './text';
import { NotebookReports } from './NotebookReport';
import { VerificationReport } from './VerificationReport';

function viewLabel(view: TabView, trans: TranslationBundle): string {
  switch (view) {
    case 'dockerfile':
      return trans.__('Dockerfile');
    case 'log':
      return trans.__('Build log');
    case 'verify':
      return trans.__('Verification');
  }
}

function DockerfileView(props: {
  session: NotebookSession;
  editorServices: IEditorServices;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, editorServices, trans } = props;
  const spec = session.bundleSpec;
  if (!spec) {
    return (
      <p className="jp-Dockerize-empty">
        {session.bundle.isEdited
          ? trans.__(
              'Capture the environment in the panel to see the files: your edited Dockerfile is kept.'
            )
          : trans.__('Capture the environment in the panel to see the files.')}
      </p>
    );
  }
  return (
    <BundlePreview
      bundle={session.bundle}
      spec={spec}
      editorServices={editorServices}
      trans={trans}
    />
  );
}

function LogPage(props: {
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, trans } = props;
  const model = session.builds;
  if (!model.job) {
    return (
      <p className="jp-Dockerize-empty">
        {trans.__('No build yet: "Build image" in the panel starts one.')}
      </p>
    );
  }
  return (
    <div className="jp-Dockerize-logPage" data-dockerize="build">
      <JobStatus
        model={model}
        pendingPush={session.pendingPush}
        trans={trans}
      />
      <JobProgress model={model} trans={trans} />
      <LogView lines={model.view.lines} trans={trans} />
    </div>
  );
}

function VerifyPage(props: {
  session: NotebookSession;
  trans: TranslationBundle;
}): JSX.Element {
  const { session, trans } = props;
  const model = session.builds;
  if (!model.job?.verification) {
    return (
      <p className="jp-Dockerize-empty">
        {model.job?.state === 'verifying'
          ? trans.__('Verifying: the report comes when the check ends.')
          : trans.__(
              'Not verified yet: "Verify" in the panel runs the image, compares its packages with the selection, and runs the notebooks in it to compare their outputs with the saved ones.'
            )}
      </p>
    );
  }
  return (
    <>
      {model.job.state === 'verifying' && (
        <p className="jp-Dockerize-hint" data-dockerize="verify-again">
          {trans.__(
            'Verifying again: this is the report of the previous verification.'
          )}
        </p>
      )}
      <VerificationReport model={model} trans={trans} />
      <NotebookReports session={session} trans={trans} />
    </>
  );
}

/** The tab's React part: header, view switch, the chosen view. */
export class NotebookTabContent extends ReactWidget {
  constructor(
    readonly session: NotebookSession,
    private readonly editorServices: IEditorServices,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Dockerize-tab');
  }

  get view(): TabView {
    return this._view;
  }

  /** Emitted when the view changes (the layout restorer saves it). */
  get viewChanged(): ISignal<this, TabView> {
    return this._viewChanged;
  }

  setView(view: TabView): void {
    if (view !== this._view) {
      this._view = view;
      this._viewChanged.emit(view);
      this.update();
    }
  }

  render(): JSX.Element {
    const { session, trans } = this;
    return (
      <UseSignal signal={session.changed}>
        {() => (
          <div className="jp-Dockerize-tabContent">
            <header className="jp-Dockerize-tabHeader">
              <h2 data-dockerize="tab-notebook">
                <BreakablePath path={session.path} />
              </h2>
              <StepsLine steps={sessionSteps(session)} trans={trans} />
            </header>
            <div
              className="jp-Dockerize-views"
              role="tablist"
              aria-label={trans.__('Views')}
            >
              {TAB_VIEWS.map(view => (
                <button
                  key={view}
                  role="tab"
                  className="jp-Dockerize-viewButton"
                  aria-selected={view === this._view}
                  data-dockerize={`tab-${view}`}
                  onClick={() => this.setView(view)}
                >
                  {viewLabel(view, trans)}
                </button>
              ))}
            </div>
            <div
              className="jp-Dockerize-viewBody"
              role="tabpanel"
              data-view={this._view}
            >
              {this._view === 'dockerfile' && (
                <DockerfileView
                  session={session}
                  editorServices={this.editorServices}
                  trans={trans}
                />
              )}
              {this._view === 'log' && (
                <LogPage session={session} trans={trans} />
              )}
              {this._view === 'verify' && (
                <VerifyPage session={session} trans={trans} />
              )}
            </div>
          </div>
        )}
      </UseSignal>
    );
  }

  private _view: TabView = 'dockerfile';
  private _viewChanged = new Signal<this, TabView>(this);
}

/** A notebook's tab in the main area. */
export class NotebookTab extends MainAreaWidget<NotebookTabContent> {
  constructor(
    session: NotebookSession,
    editorServices: IEditorServices,
    trans: TranslationBundle
  ) {
    super({
      content: new NotebookTabContent(session, editorServices, trans)
    });
    this.id = notebookTabId(session.path);
    this.addClass('jp-Dockerize-tabWidget');
    const name = session.path.split('/').pop() || session.path;
    this.title.label = trans.__('Docker: %1', name);
    this.title.caption = trans.__(
      'Dockerfile, build log and verification of %1',
      session.path
    );
    this.title.icon = dockerizeIcon;
    this.title.closable = true;
  }

  get path(): string {
    return this.content.session.path;
  }
}

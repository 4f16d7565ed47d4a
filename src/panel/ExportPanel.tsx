import { IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { describeEngine } from '../core/engine';
import { dockerizeIcon } from '../icons';
import { IEngineReachable } from '../tokens';
import { serverBuildBackend } from '../buildApi';
import { BuildModel, IPhaseEnd } from './buildModel';
import { BuildView, IBuildSource } from './BuildView';
import { BundleModel, folderOf, formImageReference } from './bundleModel';
import {
  BundleView,
  DataFilePicker,
  IBundleViewServices,
  NotebookLister
} from './BundleView';
import { CaptureView } from './CaptureView';
import { EngineState, ExportPanelModel } from './model';
import { ProblemView } from './ProblemView';
import { BreakablePath } from './text';

function EngineDetails(props: {
  status: IEngineReachable;
  trans: TranslationBundle;
}) {
  const { status, trans } = props;
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
  /** JupyterLab's editors, for the bundle preview. */
  editorServices: IEditorServices;
  /** Lists the notebooks of a folder, for the bundle's notebook choice. */
  listNotebooks?: NotebookLister;
  /** Opens a file dialog for the bundle's data files (none: no "Add data files…"). */
  pickDataFiles?: DataFilePicker;
  /** Tells the user a build, push or verify ended (a notification with "Open log"). */
  notifyPhaseEnd?: (end: IPhaseEnd) => void;
}

/** An ISO 8601 date without milliseconds: the bundle's `created` label. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The "Export environment" side panel. */
export class ExportPanel extends ReactWidget {
  constructor(
    readonly model: ExportPanelModel,
    private readonly trans: TranslationBundle,
    options: IExportPanelOptions
  ) {
    super();
    this.id = 'jp-dockerize-export-panel';
    this.addClass('jp-Dockerize-panel');
    this.title.icon = dockerizeIcon;
    this.title.caption = trans.__('Export environment');
    this._bundleServices = {
      editorServices: options.editorServices,
      listNotebooks: options.listNotebooks ?? null,
      pickDataFiles: options.pickDataFiles ?? null
    };
    this._notifyPhaseEnd = options.notifyPhaseEnd ?? null;
    // Connected before the view's UseSignal, so the bundle state is ready when it renders.
    model.changed.connect(this._syncBundle, this);
  }

  /** The build section's state for the current notebook (null before a capture). */
  get builds(): BuildModel | null {
    return this._builds;
  }

  /** The Dockerfile section's state for the current notebook (null before a capture). */
  get bundle(): BundleModel | null {
    return this._bundle;
  }

  /** The template the settings choose (the registry and namespace come from the model). */
  setDefaultTemplate(template: string): void {
    this._defaultTemplate = template;
    this._syncBundle();
  }

  /**
   * One bundle state per notebook, made when its environment is first captured: its
   * options, edits and `created` date live as long as the panel shows that notebook.
   */
  private _syncBundle(): void {
    const { model } = this;
    const path = model.notebookPath;
    if (!path) {
      this._bundle = null;
      this._setBuilds(null);
      return;
    }
    const defaults = {
      template: this._defaultTemplate,
      registry: model.pushTarget.registry,
      namespace: model.pushTarget.namespace
    };
    if (this._bundle && this._bundle.notebookPath === path) {
      this._bundle.setDefaults(defaults);
    } else if (this._bundle && this._bundle.notebookPath !== path) {
      this._bundle = null;
      this._setBuilds(null);
    }
    if (!this._bundle && model.capture.kind === 'captured') {
      this._bundle = new BundleModel({
        notebookPath: path,
        created: now(),
        defaults,
        trans: this.trans
      });
      const builds = new BuildModel(serverBuildBackend, this.trans);
      this._setBuilds(builds);
      void builds.restoreLatest(path, model.plan);
    }
  }

  private _setBuilds(builds: BuildModel | null): void {
    if (this._builds === builds) {
      return;
    }
    this._builds?.dispose();
    this._builds = builds;
    if (builds && this._notifyPhaseEnd) {
      const notify = this._notifyPhaseEnd;
      builds.phaseEnded.connect((_, end) => notify(end));
    }
  }

  /** What the build section builds: the bundle exactly as the download would hold it. */
  private _buildSource(): IBuildSource {
    const { model, trans } = this;
    return {
      changed: this._bundle?.changed ?? model.changed,
      request: () => {
        const bundle = this._bundle;
        const capture = model.capture;
        const plan = model.plan;
        if (!bundle || capture.kind !== 'captured' || !plan) {
          return { reason: trans.__('Capture the environment first.') };
        }
        const image = formImageReference(bundle.form);
        if (!image) {
          return {
            reason: trans.__('Name the image (Image name above) to build it.')
          };
        }
        if (!bundle.isValid) {
          return { reason: trans.__('Fix the options marked above first.') };
        }
        const request = bundle.request({ snapshot: capture.snapshot, plan });
        return {
          request: { ...request, image, notebook: model.notebookPath ?? '' },
          plan
        };
      },
      notebookFolder: () =>
        model.notebookPath ? folderOf(model.notebookPath) : '',
      pushDefaults: () => ({ ...model.pushTarget }),
      engineReachable: () =>
        model.engine.kind === 'known' && model.engine.status.reachable
    };
  }

  render(): JSX.Element {
    const { model, trans } = this;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <div className="jp-Dockerize-content">
            <header className="jp-Dockerize-header">
              <h2>{trans.__('Export environment')}</h2>
            </header>
            <NotebookView path={model.notebookPath} trans={trans} />
            <CaptureView model={model} trans={trans} />
            {this._renderBundle()}
            {this._builds && (
              <BuildView
                model={this._builds}
                source={this._buildSource()}
                trans={trans}
              />
            )}
            <EngineView
              state={model.engine}
              trans={trans}
              onRefresh={() => void model.refreshEngine()}
            />
            <section className="jp-Dockerize-section">
              <h3>{trans.__('Push target')}</h3>
              <p data-dockerize="push-target">
                {[model.pushTarget.registry, model.pushTarget.namespace]
                  .filter(Boolean)
                  .join('/')}
              </p>
            </section>
          </div>
        )}
      </UseSignal>
    );
  }

  private _renderBundle(): JSX.Element | null {
    const { model, trans } = this;
    const capture = model.capture;
    const plan = model.plan;
    if (!this._bundle || capture.kind !== 'captured' || !plan) {
      return null;
    }
    return (
      <BundleView
        bundle={this._bundle}
        context={{ snapshot: capture.snapshot, plan }}
        services={this._bundleServices}
        trans={trans}
      />
    );
  }

  private _bundle: BundleModel | null = null;
  private _builds: BuildModel | null = null;
  private readonly _notifyPhaseEnd: ((end: IPhaseEnd) => void) | null;
  private _defaultTemplate = 'uv';
  private readonly _bundleServices: IBundleViewServices;
}

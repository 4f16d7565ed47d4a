import { IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { checkRequirements } from '../api';
import { describeEngine } from '../core/engine';
import {
  leftOutImports,
  IPreflightRequest,
  IPreflightResponse,
  preflightRequest,
  preflightTarget
} from '../core/preflight';
import { IRequirementEntry } from '../core/requirements';
import { dockerizeIcon } from '../icons';
import { IEngineReachable } from '../tokens';
import { serverBuildBackend } from '../buildApi';
import { BuildModel, IPhaseEnd } from './buildModel';
import { BuildView, IBuildSource } from './BuildView';
import {
  BundleModel,
  folderOf,
  formImageReference,
  wheelhouseAvailable,
  wheelhouseOn
} from './bundleModel';
import {
  BundleView,
  DataFilePicker,
  IBundleViewServices,
  NotebookLister
} from './BundleView';
import { CaptureView, ICaptureExtras } from './CaptureView';
import { EngineState, ExportPanelModel } from './model';
import { PreflightModel } from './preflightModel';
import { magicsByDistribution } from './importMagics';
import { LeftOutImports } from './PreflightView';
import { ProblemView } from './ProblemView';
import { IRowAction } from './rowActions';
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
  /** Called the first time the panel is shown (index.ts gives its sidebar room then). */
  onFirstShow?: () => void;
  /** Resolves requirements on the server (api.checkRequirements unless given). */
  checkRequirements?: (
    request: IPreflightRequest
  ) => Promise<IPreflightResponse>;
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
    this._checkRequirements = options.checkRequirements ?? checkRequirements;
    this._onFirstShow = options.onFirstShow ?? null;
    // Connected before the view's UseSignal, so the bundle state is ready when it renders.
    model.changed.connect(this._syncBundle, this);
    model.changed.connect(this._schedulePreflight, this);
  }

  /** The build section's state for the current notebook (null before a capture). */
  get builds(): BuildModel | null {
    return this._builds;
  }

  /** The Dockerfile section's state for the current notebook (null before a capture). */
  get bundle(): BundleModel | null {
    return this._bundle;
  }

  /** The package check for the current notebook (null before a capture). */
  get preflight(): PreflightModel | null {
    return this._preflight;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    const first = this._onFirstShow;
    this._onFirstShow = null;
    first?.();
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
      this._setBundle(null);
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
      this._setBundle(null);
      this._setBuilds(null);
    }
    if (!this._bundle && model.capture.kind === 'captured') {
      this._setBundle(
        new BundleModel({
          notebookPath: path,
          created: now(),
          defaults,
          trans: this.trans
        })
      );
      const builds = new BuildModel(serverBuildBackend, this.trans);
      this._setBuilds(builds);
      void builds.restoreLatest(path, model.plan);
    }
  }

  /** The bundle state and its package check live and go together. */
  private _setBundle(bundle: BundleModel | null): void {
    if (this._bundle === bundle) {
      return;
    }
    this._bundle?.changed.disconnect(this._onBundleChanged, this);
    this._preflight?.dispose();
    this._preflight = null;
    this._bundle = bundle;
    if (bundle) {
      const preflight = new PreflightModel({
        check: this._checkRequirements,
        untick: verdicts =>
          this.model.setIncludedMany(
            verdicts.map(verdict => verdict.name),
            false
          ),
        trans: this.trans
      });
      preflight.changed.connect(() => this.update());
      this._preflight = preflight;
      this._bundleShape = '';
      bundle.changed.connect(this._onBundleChanged, this);
    }
    // The plan follows the wheelhouse box: a git install the server builds needs it.
    this.model.setWheelhouse(bundle ? wheelhouseOn(bundle.form) : undefined);
  }

  /**
   * The form changed: the plan and the table follow the wheelhouse box (a git install the
   * server builds gets its line only with it on); the check may need to run.
   */
  private _onBundleChanged(): void {
    const form = this._bundle?.form;
    if (form) {
      // Changes the plan only when the box does; the model's signal then reschedules.
      this.model.setWheelhouse(wheelhouseOn(form));
    }
    this._schedulePreflight();
    const shape = form ? `${form.template}|${form.wheelhouse}` : '';
    if (shape !== this._bundleShape) {
      this._bundleShape = shape;
      this.update();
    }
  }

  /** Hands the package check what the panel would download or build now. */
  private _schedulePreflight(): void {
    const preflight = this._preflight;
    const bundle = this._bundle;
    if (!preflight || !bundle) {
      return;
    }
    const capture = this.model.capture;
    const plan = this.model.plan;
    if (capture.kind !== 'captured' || !plan) {
      preflight.update(null);
      return;
    }
    const { snapshot } = capture;
    const target = preflightTarget(
      {
        formPython: bundle.form.pythonVersion,
        kernelPython: snapshot.python.version,
        template: bundle.form.template,
        machine: snapshot.platform.machine
      },
      this.trans
    );
    preflight.update(
      'reason' in target ? target : preflightRequest(plan, target.target)
    );
  }

  /** A button of a package row's explanation. */
  private _rowAction(row: IRequirementEntry, action: IRowAction): void {
    switch (action.kind) {
      case 'include':
      case 'vendor':
        this.model.setIncluded(row.name, true);
        break;
      case 'exclude':
        this.model.setIncluded(row.name, false);
        break;
      case 'wheelhouse':
        this._bundle?.setField('wheelhouse', true);
        this.model.setIncluded(row.name, true);
        break;
      case 'template':
        this._bundle?.setField('template', 'pip');
        this._bundle?.setField('wheelhouse', true);
        this.model.setIncluded(row.name, true);
        break;
      case 'capture':
        void this.model.captureEnvironment();
        break;
    }
  }

  private _captureExtras(): ICaptureExtras | null {
    const preflight = this._preflight;
    const bundle = this._bundle;
    if (!preflight || !bundle) {
      return null;
    }
    return {
      preflight,
      rowContext: {
        wheelhouse: wheelhouseOn(bundle.form),
        wheelhouseAvailable: wheelhouseAvailable(bundle.form)
      },
      onRowAction: (row, action) => this._rowAction(row, action)
    };
  }

  /** Imported distributions the image will miss (point 8 of the issue: said before the build). */
  private _renderLeftOut(): JSX.Element | null {
    const plan = this.model.plan;
    const imports = this.model.imports;
    const preflight = this._preflight;
    if (!plan || !imports || !preflight) {
      return null;
    }
    return (
      <LeftOutImports
        items={leftOutImports(
          plan,
          imports.distributions,
          preflight.verdicts,
          preflight.binaryOnly
        )}
        magics={magicsByDistribution(imports.resolved)}
        trans={this.trans}
      />
    );
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
      settled: () => this._preflight?.settled() ?? Promise.resolve(),
      continueWithout: () => this._preflight?.continueWithout(),
      checking: () => {
        const state = this._preflight?.state;
        return state?.kind === 'checking' ? state.count : null;
      },
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
            <CaptureView
              model={model}
              extras={this._captureExtras()}
              trans={trans}
            />
            {this._renderBundle()}
            {this._renderLeftOut()}
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
        preflight={this._preflight}
        currentContext={() => {
          const now = model.capture;
          const current = model.plan;
          return now.kind === 'captured' && current
            ? { snapshot: now.snapshot, plan: current }
            : null;
        }}
        trans={trans}
      />
    );
  }

  private _bundle: BundleModel | null = null;
  private _preflight: PreflightModel | null = null;
  private _bundleShape = '';
  private readonly _checkRequirements: (
    request: IPreflightRequest
  ) => Promise<IPreflightResponse>;
  private _builds: BuildModel | null = null;
  private readonly _notifyPhaseEnd: ((end: IPhaseEnd) => void) | null;
  private _defaultTemplate = 'uv';
  private _onFirstShow: (() => void) | null;
  private readonly _bundleServices: IBundleViewServices;
}

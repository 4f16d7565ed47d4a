/**
 * The panel's models, one per notebook, and the app-level manager of them. Views only
 * render a session and call its methods; nothing here needs a view to stay consistent
 * (jest drives it with plain backends, no DOM).
 *
 * A NotebookSession owns, for one notebook: the capture (state, snapshot, imports, the
 * package selection and the plan made from them), the bundle options (BundleModel), the
 * package check (PreflightModel, scheduled here whenever the plan or the form changes)
 * and the jobs (BuildModel). bundleRequest() and buildRequest() assemble the bodies of
 * POST bundle and POST builds (src/core/contract/requests.ts). `platforms` are those the
 * next build uses (the options' Platforms; "auto" is the engine's own, both for a push),
 * each checked by the pre-flight, whose lock (pylock.toml) the bundle carries; push()
 * builds the platforms a push wants and the job lacks before it pushes. verify() sends the verify
 * settings; notebookReports compares and diagnoses each notebook the verification ran
 * (verification.ts), and applyDiagnosis() runs a diagnosis's action.
 *
 * The SessionManager holds what is not per notebook: the engine state, the settings
 * (setDefaults, the one place they arrive: template, registry, namespace, and what
 * Verify runs the notebooks with), the Jupyter
 * root, and one session per path with the current one.
 *
 * Across a page reload a session keeps its bundle form, chosen notebooks and data files,
 * edited Dockerfile and package selection (sessionState.ts), and finds the notebook's
 * newest job at once from the server's job list, before and without any capture. A job
 * this page started keeps the packages it selected, so its verification is compared as
 * before the reload; a job found without them is compared after the next capture.
 *
 * Wiring in src/index.ts (JupyterLab's IStateDB is an ISessionStore as it is):
 *
 *   const sessions = new SessionManager({
 *     fetchEngine: fetchEngineStatus,                       // api.ts
 *     notebooks: new NotebookAccess(app, notebooks, trans), // notebookAccess.ts
 *     checkRequirements,                                    // api.ts
 *     builds: serverBuildBackend,                           // buildApi.ts
 *     store: state,                                         // IStateDB | null
 *     jupyterRoot: PageConfig.getOption('serverRoot') || undefined,
 *     trans
 *   });
 *   void fetchCaptureRequest().then(r => sessions.setJupyterRoot(r.root)).catch(() => undefined);
 *   // settings, in their `apply` (settings.ts names them all):
 *   sessions.setDefaults(sessionDefaultsOf(settings));
 *   // and in the options above, for a report's "time limit" diagnosis:
 *   openSettings: () => app.commands.execute('settingeditor:open', { query: 'Dockerize' }),
 *   void app.restored.then(() => sessions.restoreCurrent()); // reopens the last notebook
 *   void sessions.refreshEngine();
 *   // "Package this notebook" (commands.ts):
 *   void sessions.open(path).captureEnvironment();
 *   // notifications: sessions.phaseEnded.connect((_, end) => notifier.phaseEnded(end));
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IBundleSpec } from '../core/bundle/bundleTypes';
import {
  IBuildRequest,
  IBundleRequest,
  IPreflightRequest,
  IPushAuth
} from '../core/contract/requests';
import {
  IImportResolution,
  resolveImports
} from '../core/imports/importResolution';
import { findImports } from '../core/imports/importScanner';
import {
  IPreflightResponse,
  ILeftOutImport,
  leftOutImports,
  jupyterExtraPins,
  preflightRequest,
  preflightTarget
} from '../core/requirements/preflight';
import {
  IRequirementEntry,
  IRequirementsPlan
} from '../core/requirements/requirementsPlan';
import { translateRequirements } from '../core/requirements/requirements';
import { IEnvironmentSnapshot } from '../core/environment/snapshot';
import { pipTemplate } from '../core/templates/pip';
import { ITranslate, plainTranslate } from '../core/shared/text';
import { CaptureAction, EngineStatus } from '../tokens';
import { DEFAULT_PLATFORM, Platform } from '../core/contract/constants';
import {
  missingForPush,
  platformList,
  platformOfArch,
  platformsOf
} from '../core/jobs/platforms';
import { ISelectedPackage } from '../core/jobs/reproduction';
import { DiagnosisAction } from '../core/verify/diagnose';
import { BuildModel, IBuildBackend, IPhaseEnd } from './buildModel';
import {
  BundleModel,
  folderOf,
  formImageReference,
  IBundleContext,
  wheelhouseAvailable,
  wheelhouseOn
} from './bundleModel';
import {
  absoluteRoot,
  CaptureState,
  CLASSIC_ENGINE_BUILDER,
  engineBuilderOf,
  EngineState,
  explain,
  ICaptureModel,
  INotebookAccess,
  IPushTarget,
  SelectionMode
} from './model';
import { PreflightModel } from './preflightModel';
import { IRowAction, IRowContext } from './rowActions';
import {
  CURRENT_KEY,
  ISessionStore,
  parseSavedCurrent,
  parseSavedSession,
  SavedSession,
  sessionKey
} from './sessionState';
import {
  INotebookReport,
  IVerifyOverrides,
  IVerifySettings,
  readmeVerification,
  ReportCache,
  verifyRequestOf,
  verifySettingsOf
} from './verification';

/** The settings a session follows (schema/plugin.json; settings.ts reads them). */
export interface ISessionDefaults {
  template?: string;
  /** e.g. docker.io, ghcr.io, localhost:5000 */
  registry?: string;
  /** e.g. a Docker Hub user */
  namespace?: string;
  /** Verify runs the bundle's notebooks in the image (default true). */
  verifyNotebooks?: boolean;
  /** Seconds a cell may run when Verify runs a notebook (default 120). */
  verifyCellTimeout?: number;
  /** Seconds a notebook may run (default 600). */
  verifyNotebookTimeout?: number;
  /** Relative tolerance of numbers when outputs are compared (default 1e-6). */
  verifyRelativeTolerance?: number;
  /** auto | linux/amd64 | linux/arm64 | both (default auto: the engine's own; both to push). */
  platforms?: string;
  /** buildkit | classic: the builder the bundle's Dockerfile is written for. */
  bundleBuilder?: string;
}

/** The server and JupyterLab as the sessions reach them (plain functions in tests). */
export interface ISessionBackends {
  /** The engine status (api.fetchEngineStatus). */
  fetchEngine(): Promise<EngineStatus>;
  /** The notebooks and their kernels (notebookAccess.ts); null: capture does nothing. */
  notebooks: INotebookAccess | null;
  /** The package check (api.checkRequirements). */
  checkRequirements(request: IPreflightRequest): Promise<IPreflightResponse>;
  /** The build routes (buildApi.serverBuildBackend). */
  builds: IBuildBackend;
  /** Where sessions are kept across reloads (IStateDB); null: nothing is kept. */
  store?: ISessionStore | null;
  /** Opens the extension's settings (a report's "time limit" action); absent: no button. */
  openSettings?: () => void;
}

/** Everything a session gets from its manager (or a test). */
export interface INotebookSessionOptions extends ISessionBackends {
  defaults?: ISessionDefaults;
  /** The engine's status when known (the manager's; its platform is "auto"'s). */
  engine?: EngineStatus | null;
  /** The server's root directory, absolute ("~/..." is no root). */
  jupyterRoot?: string;
  trans?: ITranslate;
  /** The bundle's `created` label for a new session (ISO 8601 without milliseconds). */
  now?: () => string;
  /** Quiet time before the package check starts (PreflightModel's debounceMs). */
  preflightDebounceMs?: number;
  /** Quiet time before a change is saved. */
  saveDebounceMs?: number;
}

export type ISessionManagerOptions = INotebookSessionOptions;

/** The bundle's README, the one file a verdict changes. */
const README = 'README.md';

/** The README is written from the verdict: the other files must be the built ones. */
function sameFiles(
  built: Readonly<Record<string, string>>,
  now: Readonly<Record<string, string>>
): boolean {
  const names = (files: Readonly<Record<string, string>>) =>
    Object.keys(files)
      .filter(name => name !== README)
      .sort();
  const builtNames = names(built);
  const nowNames = names(now);
  return (
    builtNames.length === nowNames.length &&
    builtNames.every(
      (name, at) => name === nowNames[at] && built[name] === now[name]
    )
  );
}

/** A push that waits for its job to be built for every platform it wants. */
export interface IPendingPush {
  /** The job being built for them. */
  job: string;
  target: string;
  platforms: readonly Platform[];
}

/** How often at most the job's log lines and progress are told as a `changed`. */
export const LOG_COALESCE_MS = 100;

/** An ISO 8601 date without milliseconds: the bundle's `created` label. */
function isoNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The push dialog's default target from the settings. */
function pushTargetOf(defaults: ISessionDefaults): IPushTarget {
  return {
    registry: defaults.registry ?? 'docker.io',
    namespace: defaults.namespace ?? ''
  };
}

/** What one notebook's panel shows and does. */
export class NotebookSession implements ICaptureModel {
  constructor(
    readonly path: string,
    options: INotebookSessionOptions
  ) {
    this._trans = options.trans ?? plainTranslate;
    this._notebooks = options.notebooks;
    this._listJobs = () => options.builds.listJobs();
    this._store = options.store ?? null;
    this._openSettings = options.openSettings ?? null;
    this._saveDebounceMs = options.saveDebounceMs ?? 300;
    this._defaults = { ...options.defaults };
    this._engine = options.engine ?? null;
    this._jupyterRoot = absoluteRoot(options.jupyterRoot);
    this.bundle = new BundleModel({
      notebookPath: path,
      created: (options.now ?? isoNow)(),
      defaults: this._defaults,
      trans: this._trans
    });
    this.preflight = new PreflightModel({
      check: options.checkRequirements,
      untick: verdicts =>
        this.setIncludedMany(
          verdicts.map(verdict => verdict.name),
          false
        ),
      debounceMs: options.preflightDebounceMs,
      trans: this._trans
    });
    this.builds = new BuildModel(options.builds, this._trans);
    this._wheelhouse = wheelhouseOn(this.bundle.form);
    this.bundle.changed.connect(this._onBundleChanged, this);
    this.preflight.changed.connect(this._onPreflightChanged, this);
    this.builds.changed.connect(this._onBuildsChanged, this);
    this.builds.phaseEnded.connect(this._onPhaseEnded, this);
  }

  /** The options form, the Dockerfile edit and the download. */
  readonly bundle: BundleModel;
  /** The package check of what would be downloaded or built now. */
  readonly preflight: PreflightModel;
  /** The notebook's job: build, push, verify, run. */
  readonly builds: BuildModel;

  /** Anything of the session changed (its own state, the bundle, the check, the job). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The notebook's workspace path (ICaptureModel's name for it). */
  get notebookPath(): string {
    return this.path;
  }

  get capture(): CaptureState {
    return this._capture;
  }

  /** The captured environment (null before a capture). */
  get snapshot(): IEnvironmentSnapshot | null {
    return this._capture.kind === 'captured' ? this._capture.snapshot : null;
  }

  /** The notebook's imports resolved against the snapshot (null before a capture). */
  get imports(): IImportResolution | null {
    return this._imports;
  }

  get mode(): SelectionMode {
    return this._mode;
  }

  get jupyterRoot(): string | undefined {
    return this._jupyterRoot;
  }

  /** Whether the plan is made for the offline wheelhouse (the bundle form's box). */
  get wheelhouse(): boolean {
    return this._wheelhouse;
  }

  /** The requirements as they stand with the mode, the choices and the wheelhouse. */
  get plan(): IRequirementsPlan | null {
    if (this._plan === null && this._capture.kind === 'captured') {
      const only =
        this._mode === 'imports' && this._imports
          ? new Set(this._imports.distributions)
          : undefined;
      const include = new Set<string>();
      const exclude = new Set<string>();
      this._overrides.forEach((included, name) =>
        (included ? include : exclude).add(name)
      );
      this._plan = translateRequirements(this._capture.snapshot, {
        include,
        exclude,
        only,
        // Ticking a vendorable project means: copy it into the bundle.
        vendor: include,
        jupyterRoot: this._jupyterRoot,
        wheelhouse: this._wheelhouse
      });
    }
    return this._plan;
  }

  /** What the preview and the download are made from (null before a capture). */
  get context(): IBundleContext | null {
    const snapshot = this.snapshot;
    const plan = this.plan;
    return snapshot && plan ? { snapshot, plan } : null;
  }

  /** The generated bundle for the current capture and form (null before a capture). */
  get generated(): IBundleSpec | null {
    const context = this.context;
    return context ? this.bundle.generated(context) : null;
  }

  /** The bundle as downloaded and built: with the edited Dockerfile (null before a capture). */
  get bundleSpec(): IBundleSpec | null {
    const context = this.context;
    return context ? this.bundle.bundle(context) : null;
  }

  /** Imported distributions the image will miss (null before a capture). */
  get leftOutImports(): ILeftOutImport[] | null {
    const plan = this.plan;
    if (!plan || !this._imports) {
      return null;
    }
    return leftOutImports(
      plan,
      this._imports.distributions,
      this.preflight.verdicts,
      this.preflight.binaryOnly
    );
  }

  /** What the package table's row explanations depend on. */
  get rowContext(): IRowContext {
    return {
      wheelhouse: wheelhouseOn(this.bundle.form),
      wheelhouseAvailable: wheelhouseAvailable(this.bundle.form)
    };
  }

  /** The push dialog's default registry and namespace (from the settings). */
  get pushTarget(): IPushTarget {
    return pushTargetOf(this._defaults);
  }

  /**
   * The platform images are built for natively: the engine's, else the kernel's machine
   * (before the engine answers), else linux/amd64.
   */
  get nativePlatform(): Platform {
    const engine = this._engine;
    const fromEngine =
      engine && engine.reachable
        ? platformOfArch(engine.arch, engine.os)
        : null;
    const kernel = this.snapshot?.platform.machine;
    return (
      fromEngine ?? (kernel ? platformOfArch(kernel) : null) ?? DEFAULT_PLATFORM
    );
  }

  /**
   * The platforms the next build uses (the options' Platforms, "auto" being the engine's
   * own), the native one first. The pre-flight checks each of them.
   */
  get platforms(): readonly Platform[] {
    return this._pushBuild ?? this._platformsFor('build');
  }

  /** The platforms a push puts under the tag ("auto": both). */
  get pushPlatforms(): readonly Platform[] {
    return this._platformsFor('push');
  }

  /**
   * What Push… puts under the tag when it is several platforms, and which it builds
   * first (null: the job's one image).
   */
  get pushPlatformsNote(): string | null {
    const platforms = this.pushPlatforms;
    if (platforms.length < 2) {
      return null;
    }
    const job = this.builds.job;
    const missing = job
      ? missingForPush(job, platforms, this.nativePlatform)
      : [];
    return missing.length
      ? this._trans.__(
          '%1 under one tag: the image is built for %2 first.',
          platformList(platforms),
          platformList(missing)
        )
      : this._trans.__('%1 under one tag.', platformList(platforms));
  }

  /** A push waiting for its job to be built for every platform it wants; null: none. */
  get pendingPush(): IPendingPush | null {
    const pending = this._pushWhenBuilt;
    return pending
      ? {
          job: pending.job,
          target: pending.target,
          platforms: pending.platforms
        }
      : null;
  }

  /** The engine answered (or not): "auto" follows its platform. */
  setEngine(engine: EngineStatus | null): void {
    if (engine !== this._engine) {
      this._engine = engine;
      this._batch(() => {
        this._schedulePreflight();
        this._emit();
      });
    }
  }

  private _platformsFor(purpose: 'build' | 'push'): Platform[] {
    const choice = this.bundle.form.platforms;
    const native = this.nativePlatform;
    // "auto" asks only for what the server's builder can make: the classic one builds
    // the engine's own platform alone.
    const classic =
      engineBuilderOf(this._engine)?.name === CLASSIC_ENGINE_BUILDER;
    const key = `${purpose} ${choice} ${native} ${classic}`;
    const cached = this._platformLists.get(purpose);
    if (cached?.key === key) {
      return cached.platforms;
    }
    const platforms =
      choice === 'auto' && classic
        ? [native]
        : platformsOf(choice, purpose, native);
    this._platformLists.set(purpose, { key, platforms });
    return platforms;
  }

  /** Workspace folder of the notebook, bound to /notebooks by "Run". */
  get notebookFolder(): string {
    return folderOf(this.path);
  }

  /** How many packages are being checked, or null when no check runs. */
  get checking(): number | null {
    const state = this.preflight.state;
    return state.kind === 'checking' ? state.count : null;
  }

  /** Resolves once the package check has finished (or the user goes on without it). */
  settled(): Promise<void> {
    return this.preflight.settled();
  }

  /** Lets a waiting download or build go on without the check. */
  continueWithout(): void {
    this.preflight.continueWithout();
  }

  /** New settings: the form fields the user did not change follow them. */
  setDefaults(defaults: ISessionDefaults): void {
    this._defaults = { ...defaults };
    this.bundle.setDefaults(this._defaults);
    this._emit();
  }

  /** The server's absolute root; a relative one is ignored. */
  setJupyterRoot(root: string | undefined): void {
    const absolute = absoluteRoot(root);
    if (absolute !== undefined && absolute !== this._jupyterRoot) {
      this._jupyterRoot = absolute;
      this._invalidate();
    }
  }

  setMode(mode: SelectionMode): void {
    if (mode !== this._mode) {
      this._mode = mode;
      this._invalidate(true);
    }
  }

  /** Includes or excludes one package, whatever the defaults say. */
  setIncluded(name: string, included: boolean): void {
    this._overrides.set(name, included);
    this._invalidate(true);
  }

  /** Includes or excludes several packages at once (one change). */
  setIncludedMany(names: readonly string[], included: boolean): void {
    if (names.length) {
      for (const name of names) {
        this._overrides.set(name, included);
      }
      this._invalidate(true);
    }
  }

  /** A button of a package row's explanation (rowActions.ts). */
  rowAction(row: IRequirementEntry, action: IRowAction): void {
    this._batch(() => this._applyRowAction(row, action));
  }

  private _applyRowAction(row: IRequirementEntry, action: IRowAction): void {
    switch (action.kind) {
      case 'include':
      case 'vendor':
        this.setIncluded(row.name, true);
        break;
      case 'exclude':
        this.setIncluded(row.name, false);
        break;
      case 'wheelhouse':
        this.bundle.setField('wheelhouse', true);
        this.setIncluded(row.name, true);
        break;
      case 'template':
        // The row's button says "Use the pip template with the offline wheelhouse".
        this.bundle.setField('template', pipTemplate.id);
        this.bundle.setField('wheelhouse', true);
        this.setIncluded(row.name, true);
        break;
      case 'capture':
        void this.captureEnvironment();
        break;
    }
  }

  /** Captures the notebook's live kernel and reads its imports. */
  async captureEnvironment(): Promise<void> {
    if (!this._notebooks || this._disposed) {
      return;
    }
    const notebooks = this._notebooks;
    const request = ++this._captureRequest;
    this._capture = { kind: 'capturing' };
    this._emit();
    let next: CaptureState;
    let imports: IImportResolution | null = null;
    try {
      const [snapshot, cells] = await Promise.all([
        notebooks.capture(this.path),
        notebooks.codeCells(this.path)
      ]);
      imports = resolveImports(findImports(cells), snapshot);
      next = { kind: 'captured', snapshot };
    } catch (error) {
      next = { kind: 'failed', ...explain(error) };
    }
    if (request === this._captureRequest && !this._disposed) {
      this._capture = next;
      this._imports = imports;
      this._invalidate();
      // A job found after a reload without its selection is compared with this plan.
      if (this.builds.job && this.builds.selected === null && this.plan) {
        this.builds.setBaseline(this.plan);
      }
    }
  }

  /** Runs the action a capture problem offers (start the kernel, open the notebook). */
  async act(action: CaptureAction): Promise<void> {
    if (!this._notebooks || this._disposed) {
      return;
    }
    if (action !== 'retry') {
      try {
        await this._notebooks.act(this.path, action);
      } catch (error) {
        this._capture = { kind: 'failed', ...explain(error) };
        this._emit();
        return;
      }
    }
    await this.captureEnvironment();
  }

  /** The body of POST bundle (the zip), or why there is none yet. */
  bundleRequest(): { request: IBundleRequest } | { reason: string } {
    const context = this.context;
    if (!context) {
      return { reason: this._trans.__('Capture the environment first.') };
    }
    if (!this.bundle.isValid) {
      return { reason: this._trans.__('Fix the options marked above first.') };
    }
    return { request: this.bundle.request(context) };
  }

  /**
   * The body of POST builds: the bundle exactly as the download holds it, the image and
   * the notebook; with the plan its verification is compared with. Or why there is none.
   */
  buildRequest():
    { request: IBuildRequest; plan: IRequirementsPlan } | { reason: string } {
    const context = this.context;
    if (!context) {
      return { reason: this._trans.__('Capture the environment first.') };
    }
    const image = formImageReference(this.bundle.form);
    if (!image) {
      return {
        reason: this._trans.__('Name the image (Image name above) to build it.')
      };
    }
    if (!this.bundle.isValid) {
      return { reason: this._trans.__('Fix the options marked above first.') };
    }
    const classic = this._classicBuilderReason(this.platforms);
    if (classic) {
      return { reason: classic };
    }
    const blocked = this.preflight.blocked;
    if (blocked) {
      return { reason: blocked };
    }
    const request: IBuildRequest = {
      ...this.bundle.request(context),
      image,
      notebook: this.path
    };
    if (this._pushBuild || this.bundle.form.platforms !== 'auto') {
      // "auto" builds for the engine's own, which is what the server does without it.
      request.platforms = [...this.platforms];
    }
    return { request, plan: context.plan };
  }

  /**
   * Why the server's builder cannot build this bundle for `platforms`: the Engine API's
   * classic builder (no docker CLI with BuildKit) neither reads a BuildKit Dockerfile nor
   * builds for another platform. Null when it can, or the server does not say.
   */
  private _classicBuilderReason(platforms: readonly Platform[]): string | null {
    const builder = engineBuilderOf(this._engine);
    if (builder?.name !== CLASSIC_ENGINE_BUILDER) {
      return null;
    }
    if (this.bundle.form.builder === 'buildkit') {
      return this._trans.__(
        'This server builds with the Docker Engine API’s classic builder (it found no docker CLI with BuildKit): choose Builder “Classic” above, or give the server a docker CLI.'
      );
    }
    const foreign = platforms.filter(
      platform => platform !== this.nativePlatform
    );
    if (foreign.length) {
      return this._trans.__(
        'Building for %1 needs BuildKit, and this server builds with the Docker Engine API’s classic builder (it found no docker CLI with BuildKit).',
        platformList(foreign)
      );
    }
    return null;
  }

  /**
   * Push… with the dialog's answer. A push that wants more platforms than the job was
   * built for (the options' "auto" on a job built for the engine's own) first checks the
   * packages for each of them, builds the bundle again for all of them (the native
   * platform's layers mostly from the cache), then pushes that job: one click. Returns
   * why it did not start, or null.
   */
  async push(target: string, auth: IPushAuth | null): Promise<string | null> {
    const job = this.builds.job;
    if (!job) {
      return null;
    }
    const platforms = [...this.pushPlatforms];
    if (!missingForPush(job, platforms, this.nativePlatform).length) {
      await this.builds.push(target, auth);
      return null;
    }
    const classic = this._classicBuilderReason(platforms);
    if (classic) {
      return classic;
    }
    // The pre-flight checks every platform (a package without a wheel for one of them
    // stops here, before any build) and the lock gets each platform's wheels.
    this._setPushBuild(platforms);
    const reason = await this.startBuild();
    const rebuilt = this.builds.job;
    if (reason !== null || !rebuilt || rebuilt.id === job.id) {
      this._setPushBuild(null);
      return (
        reason ??
        this._trans.__(
          'The image could not be built again for %1.',
          platformList(platforms)
        )
      );
    }
    this._pushWhenBuilt = { job: rebuilt.id, target, auth, platforms };
    this._emit();
    return null;
  }

  /** The platforms a build for a push uses instead of the options' (null: the options'). */
  private _setPushBuild(platforms: Platform[] | null): void {
    this._pushBuild = platforms;
    this._batch(() => {
      this._schedulePreflight();
      this._emit();
    });
  }

  /**
   * Build: waits for the package check (which may untick packages), then builds what
   * buildRequest() says at that moment. Returns why it did not build, or null.
   */
  async startBuild(): Promise<string | null> {
    await this.settled();
    const prepared = this.buildRequest();
    if ('reason' in prepared) {
      return prepared.reason;
    }
    await this.builds.build(prepared.request, prepared.plan);
    return null;
  }

  /**
   * Download: waits for the package check, then sends bundleRequest() with `send` (which
   * saves the zip and returns its file name); the bundle model shows the state.
   */
  download(send: (request: IBundleRequest) => Promise<string>): Promise<void> {
    return this.bundle.startDownload(
      () => this._downloadContext(),
      send,
      () => this.settled()
    );
  }

  /** Verify's settings (the notebooks, their limits, the tolerance of numbers). */
  get verifySettings(): IVerifySettings {
    const defaults = this._defaults;
    return verifySettingsOf({
      notebooks: defaults.verifyNotebooks,
      cellTimeout: defaults.verifyCellTimeout,
      notebookTimeout: defaults.verifyNotebookTimeout,
      relativeTolerance: defaults.verifyRelativeTolerance
    });
  }

  /** Verifies the built image as the settings say, changed by `overrides` this once. */
  verify(overrides: IVerifyOverrides = {}): Promise<void> {
    return this.builds.verify(verifyRequestOf(this.verifySettings, overrides));
  }

  /**
   * Each notebook the job's verification ran: the comparison and the diagnosis, made from
   * the job record (so a reload brings the same report back); [] before a verify.
   */
  get notebookReports(): INotebookReport[] {
    return this._reports.get(
      this.builds.job?.verification,
      this.verifySettings.relativeTolerance,
      {
        snapshot: this.snapshot,
        selected: this._selectedNames(),
        dataFiles: this.bundle.dataFiles
      }
    );
  }

  /** The workspace folder "verify again with the data folder" binds at /data. */
  get dataFolder(): string {
    const folder = this.notebookFolder;
    return folder ? `${folder}/data` : 'data';
  }

  /** Whether the settings can be opened from a report. */
  get canOpenSettings(): boolean {
    return this._openSettings !== null;
  }

  openSettings(): void {
    this._openSettings?.();
  }

  /**
   * Runs a diagnosis's action: includes a package, adds a Debian package or a data file,
   * then builds again and verifies the new image once it is built; or verifies again
   * with the data folder bound, or with a time limit raised. Returns why it could not
   * (null when it started).
   */
  async applyDiagnosis(action: DiagnosisAction): Promise<string | null> {
    switch (action.kind) {
      case 'include-package': {
        if (!this.snapshot) {
          // After a reload: the selection is made from a capture.
          await this.captureEnvironment();
          if (!this.snapshot) {
            return this._trans.__(
              'Capture the environment first: %1 is included from the capture.',
              action.name
            );
          }
        }
        this.setIncluded(action.name, true);
        return this._rebuildAndVerify();
      }
      case 'add-system-package': {
        const packages = this.bundle.form.aptPackages
          .split(/[\s,]+/)
          .filter(Boolean);
        if (!packages.includes(action.name)) {
          this.bundle.setField(
            'aptPackages',
            [...packages, action.name].join(' ')
          );
        }
        return this._rebuildAndVerify();
      }
      case 'add-data-file':
        this.bundle.addDataFiles([{ path: action.path, type: 'file' }]);
        return this._rebuildAndVerify();
      case 'bind-data-folder':
        await this.verify({ dataDir: this.dataFolder });
        return null;
      case 'raise-time-limit':
        await this.verify(
          action.setting === 'verifyCellTimeout'
            ? { cellTimeout: action.seconds }
            : { notebookTimeout: action.seconds }
        );
        return null;
    }
  }

  /** Builds what the session holds now; the new image is verified when it is built. */
  private async _rebuildAndVerify(): Promise<string | null> {
    const reason = await this.startBuild();
    if (reason === null && this.builds.job) {
      this._verifyWhenBuilt = this.builds.job.id;
    }
    return reason;
  }

  private _onPhaseEnded(_: BuildModel, end: IPhaseEnd): void {
    const push = this._pushWhenBuilt;
    if (push && end.job.id === push.job) {
      // The credentials were kept in memory for this one push only.
      this._pushWhenBuilt = null;
      this._setPushBuild(null);
      if (end.ok && end.job.state === 'built') {
        void this.builds.push(push.target, push.auth);
      }
    }
    if (end.job.id !== this._verifyWhenBuilt) {
      return;
    }
    this._verifyWhenBuilt = null;
    if (end.ok && end.job.state === 'built') {
      void this.verify();
    }
  }

  /** The selected distributions' names, the same array while the selection is. */
  private _selectedNames(): readonly string[] | null {
    const selected = this.builds.selected;
    if (selected !== this._namesOf.selected) {
      this._namesOf = {
        selected,
        names: selected ? selected.map(item => item.name) : null
      };
    }
    return this._namesOf.names;
  }

  /**
   * The download's context: after a verify, with its verdict for the README, unless the
   * bundle differs from the one this page built and verified.
   */
  private _downloadContext(): IBundleContext | null {
    const context = this.context;
    if (!context) {
      return null;
    }
    const verification = readmeVerification(
      this.builds.job,
      this.builds.reproduction,
      this.notebookReports,
      this._trans
    );
    if (!verification) {
      return context;
    }
    const built = this.builds.builtFiles;
    if (built && !sameFiles(built, this.bundle.bundle(context).files)) {
      return context;
    }
    return { ...context, verification };
  }

  /**
   * After a page reload: reads the saved state and the server's job list together, puts
   * the state back (unless the user changed something meanwhile) and follows the
   * notebook's newest job. No capture is needed. Called once by the manager's open().
   */
  restore(): Promise<void> {
    this._restoring ??= this._restore();
    return this._restoring;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._flushSave();
    if (this._logTimer !== null) {
      clearTimeout(this._logTimer);
      this._logTimer = null;
    }
    this.bundle.changed.disconnect(this._onBundleChanged, this);
    this.preflight.dispose();
    this.builds.dispose();
    Signal.clearData(this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  private async _restore(): Promise<void> {
    const [saved, jobs] = await Promise.all([
      this._fetchSaved(),
      this._listJobs().catch(() => null) // the section works without the old job
    ]);
    if (this._disposed) {
      return;
    }
    if (saved) {
      this._applySaved(saved);
    }
    this._restored = true;
    if (jobs !== null) {
      await this.builds.restoreLatest(
        this.path,
        latest =>
          saved?.build?.job === latest.id ? saved.build.selected : this.plan,
        jobs
      );
    }
  }

  private async _fetchSaved(): Promise<SavedSession | null> {
    if (!this._store) {
      return null;
    }
    try {
      return parseSavedSession(await this._store.fetch(sessionKey(this.path)));
    } catch {
      return null;
    }
  }

  private _applySaved(saved: SavedSession): void {
    if (this.bundle.pristine) {
      this.bundle.restore(saved.bundle);
    }
    if (!this._selectionChanged) {
      this._mode = saved.mode;
      for (const name of saved.include) {
        this._overrides.set(name, true);
      }
      for (const name of saved.exclude) {
        this._overrides.set(name, false);
      }
      this._invalidate();
    }
  }

  private _saved(): SavedSession {
    const include: string[] = [];
    const exclude: string[] = [];
    this._overrides.forEach((included, name) =>
      (included ? include : exclude).push(name)
    );
    const job = this.builds.job;
    const selected = this.builds.selected;
    return {
      version: 1,
      bundle: this.bundle.saved(),
      mode: this._mode,
      include,
      exclude,
      build: job && selected ? { job: job.id, selected: [...selected] } : null
    };
  }

  /** Saves soon (changes come in bursts: typing, a check unticking packages). */
  private _scheduleSave(): void {
    if (!this._store || !this._restored || this._disposed) {
      return;
    }
    if (this._saveTimer !== null) {
      clearTimeout(this._saveTimer);
    }
    this._saveTimer = setTimeout(() => {
      this._saveTimer = null;
      this._save();
    }, this._saveDebounceMs);
  }

  private _flushSave(): void {
    if (this._saveTimer !== null) {
      clearTimeout(this._saveTimer);
      this._saveTimer = null;
      this._save();
    }
  }

  private _save(): void {
    // A failed save loses only the convenience of a restore: say so in the console.
    this._store
      ?.save(sessionKey(this.path), this._saved())
      .catch(reason =>
        console.warn('jupyterlab-dockerize: session not saved', reason)
      );
  }

  /** The check moved: a finished one gives the bundle its lock (pylock.toml). */
  private _onPreflightChanged(): void {
    this._batch(() => {
      const answer =
        this.preflight.state.kind === 'done' ? this.preflight.lock : null;
      const lock = answer && 'lock' in answer ? answer.lock : null;
      const key = lock ? JSON.stringify(lock) : '';
      if (key !== this._lockKey) {
        this._lockKey = key;
        this.bundle.setLock(lock);
      }
      this._emit();
    });
  }

  /** The form changed: the plan follows the wheelhouse box, the check may need to run. */
  private _onBundleChanged(): void {
    this._batch(() => {
      const wheelhouse = wheelhouseOn(this.bundle.form);
      if (wheelhouse !== this._wheelhouse) {
        this._wheelhouse = wheelhouse;
        this._plan = null;
      }
      this._schedulePreflight();
      this._scheduleSave();
      this._emit();
    });
  }

  private _onBuildsChanged(): void {
    const { job, busy, problem, selected } = this.builds;
    const id = job?.id ?? null;
    if (id !== this._savedJob) {
      this._savedJob = id;
      this._scheduleSave();
    }
    const seen = this._seenBuild;
    if (
      seen.job === job &&
      seen.busy === busy &&
      seen.problem === problem &&
      seen.selected === selected
    ) {
      // Only the log or the progress moved: a build writes hundreds of lines a second,
      // and each `changed` re-renders the panel, so these are told at most every
      // LOG_COALESCE_MS.
      this._logTimer ??= setTimeout(() => {
        this._logTimer = null;
        this._emit();
      }, LOG_COALESCE_MS);
      return;
    }
    this._seenBuild = { job, busy, problem, selected };
    this._emit();
  }

  /** Hands the package check what would be downloaded or built now. */
  private _schedulePreflight(): void {
    const snapshot = this.snapshot;
    const plan = this.plan;
    if (!snapshot || !plan) {
      this.preflight.update(null);
      return;
    }
    const target = preflightTarget(
      {
        formPython: this.bundle.form.pythonVersion,
        kernelPython: snapshot.python.version,
        template: this.bundle.form.template,
        machine: snapshot.platform.machine,
        platform: this.platforms[0]
      },
      this._trans
    );
    this.preflight.update(
      'reason' in target
        ? target
        : preflightRequest(
            plan,
            target.target,
            // The Jupyter the install line adds: so pylock.toml holds it too.
            jupyterExtraPins(this.bundle.form.template, this.bundle.form.ui)
          ),
      this.platforms
    );
  }

  /** The plan is stale; `byUser`: the user changed the selection (it is saved). */
  private _invalidate(byUser = false): void {
    this._batch(() => {
      this._plan = null;
      if (byUser) {
        this._selectionChanged = true;
        this._scheduleSave();
      }
      this._schedulePreflight();
      this._emit();
    });
  }

  /**
   * Runs `change` with the signal held back: one change of the user (a tick that makes
   * the check start, a row action that sets two fields) is one `changed`.
   */
  private _batch(change: () => void): void {
    this._holding++;
    try {
      change();
    } finally {
      this._holding--;
    }
    if (this._holding === 0 && this._held) {
      this._held = false;
      this._emit();
    }
  }

  private _emit(): void {
    if (this._disposed) {
      return;
    }
    if (this._holding > 0) {
      this._held = true;
    } else {
      this._changed.emit();
    }
  }

  private readonly _trans: ITranslate;
  private readonly _notebooks: INotebookAccess | null;
  private readonly _listJobs: IBuildBackend['listJobs'];
  private readonly _store: ISessionStore | null;
  private readonly _openSettings: (() => void) | null;
  private readonly _reports = new ReportCache();
  private _namesOf: {
    selected: readonly ISelectedPackage[] | null;
    names: readonly string[] | null;
  } = { selected: null, names: null };
  private _verifyWhenBuilt: string | null = null;
  private _pushWhenBuilt: {
    job: string;
    target: string;
    auth: IPushAuth | null;
    platforms: Platform[];
  } | null = null;
  private _engine: EngineStatus | null;
  private _pushBuild: Platform[] | null = null;
  private _lockKey = '';
  private _platformLists = new Map<
    'build' | 'push',
    { key: string; platforms: Platform[] }
  >();
  private readonly _saveDebounceMs: number;
  private _defaults: ISessionDefaults;
  private _jupyterRoot: string | undefined;
  private _capture: CaptureState = { kind: 'idle' };
  private _captureRequest = 0;
  private _imports: IImportResolution | null = null;
  private _mode: SelectionMode = 'all';
  private _overrides = new Map<string, boolean>();
  private _selectionChanged = false;
  private _wheelhouse: boolean;
  private _plan: IRequirementsPlan | null = null;
  private _restoring: Promise<void> | null = null;
  private _restored = false;
  private _savedJob: string | null = null;
  private _saveTimer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _seenBuild: Pick<
    BuildModel,
    'job' | 'busy' | 'problem' | 'selected'
  > = { job: null, busy: null, problem: null, selected: null };
  private _logTimer: ReturnType<typeof setTimeout> | null = null;
  private _holding = 0;
  private _held = false;
  private _changed = new Signal<this, void>(this);
}

/** The panel's app-level model: the engine, the settings, one session per notebook. */
export class SessionManager {
  constructor(private readonly _options: ISessionManagerOptions) {
    this._defaults = { ...(_options.defaults ?? {}) };
    this._jupyterRoot = absoluteRoot(_options.jupyterRoot);
  }

  /** The manager's state changed, or the current session, or which one is current. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Which session is current changed (null: none). */
  get currentChanged(): ISignal<this, NotebookSession | null> {
    return this._currentChanged;
  }

  /** A phase of any session's job ended (built, pushed, verified, failed…): notifications. */
  get phaseEnded(): ISignal<this, IPhaseEnd> {
    return this._phaseEnded;
  }

  get current(): NotebookSession | null {
    return this._current;
  }

  /** The session of a notebook if one is open. */
  get(path: string): NotebookSession | null {
    return this._sessions.get(path) ?? null;
  }

  /**
   * The notebook's session, made (and restored: saved state, newest job) the first time;
   * it becomes the current one.
   */
  open(path: string): NotebookSession {
    const session = this.ensure(path);
    this._setCurrent(session);
    return session;
  }

  /**
   * The notebook's session, made and restored the first time, without making it the
   * current one (a notebook's main-area tab restored after a reload, say).
   */
  ensure(path: string): NotebookSession {
    let session = this._sessions.get(path);
    if (!session) {
      session = new NotebookSession(path, {
        ...this._options,
        defaults: this._defaults,
        jupyterRoot: this._jupyterRoot,
        engine: this._engine.kind === 'known' ? this._engine.status : null
      });
      this._sessions.set(path, session);
      session.builds.phaseEnded.connect(
        (_, end) => this._phaseEnded.emit(end),
        this
      );
      void session.restore();
    }
    return session;
  }

  /** Closes a notebook's session (its state stays saved for the next open). */
  close(path: string): void {
    const session = this._sessions.get(path);
    if (!session) {
      return;
    }
    this._sessions.delete(path);
    if (this._current === session) {
      this._setCurrent(null);
    }
    session.dispose();
  }

  get defaults(): ISessionDefaults {
    return this._defaults;
  }

  /** The one place the settings arrive; every session follows them. */
  setDefaults(defaults: ISessionDefaults): void {
    this._defaults = { ...defaults };
    for (const session of this._sessions.values()) {
      session.setDefaults(this._defaults);
    }
    this._changed.emit();
  }

  /** The push dialog's default registry and namespace (from the settings). */
  get pushTarget(): IPushTarget {
    return pushTargetOf(this._defaults);
  }

  get jupyterRoot(): string | undefined {
    return this._jupyterRoot;
  }

  /** The server's absolute root (the page's serverRoot may say "~/..."). */
  setJupyterRoot(root: string | undefined): void {
    const absolute = absoluteRoot(root);
    if (absolute !== undefined && absolute !== this._jupyterRoot) {
      this._jupyterRoot = absolute;
      for (const session of this._sessions.values()) {
        session.setJupyterRoot(absolute);
      }
      this._changed.emit();
    }
  }

  get engine(): EngineState {
    return this._engine;
  }

  get engineReachable(): boolean {
    return this._engine.kind === 'known' && this._engine.status.reachable;
  }

  /** Asks the server for the engine status; a later call wins over an earlier one. */
  async refreshEngine(): Promise<void> {
    const request = ++this._engineRequest;
    this._engine = { kind: 'checking' };
    this._changed.emit();
    let next: EngineState;
    try {
      next = { kind: 'known', status: await this._options.fetchEngine() };
    } catch (error) {
      next = { kind: 'failed', problem: explain(error).problem };
    }
    if (request === this._engineRequest) {
      this._engine = next;
      const status = next.kind === 'known' ? next.status : null;
      for (const session of this._sessions.values()) {
        session.setEngine(status);
      }
      this._changed.emit();
    }
  }

  /**
   * After a page reload: opens the notebook the panel showed before (unless one was
   * opened meanwhile). From then on the current notebook is saved when it changes.
   */
  async restoreCurrent(): Promise<void> {
    const store = this._options.store;
    if (!store) {
      return;
    }
    let path: string | null = null;
    try {
      path = parseSavedCurrent(await store.fetch(CURRENT_KEY));
    } catch {
      path = null;
    }
    if (path !== null && this._current === null) {
      this.open(path);
    }
  }

  dispose(): void {
    for (const session of this._sessions.values()) {
      session.dispose();
    }
    this._sessions.clear();
    this._current = null;
    Signal.clearData(this);
  }

  private _setCurrent(session: NotebookSession | null): void {
    if (session === this._current) {
      return;
    }
    this._current?.changed.disconnect(this._onCurrentChanged, this);
    this._current = session;
    session?.changed.connect(this._onCurrentChanged, this);
    const path = session?.path ?? null;
    void this._options.store
      ?.save(CURRENT_KEY, { notebookPath: path })
      .catch(() => undefined);
    this._currentChanged.emit(session);
    this._changed.emit();
  }

  private _onCurrentChanged(): void {
    this._changed.emit();
  }

  private _defaults: ISessionDefaults;
  private _jupyterRoot: string | undefined;
  private _sessions = new Map<string, NotebookSession>();
  private _current: NotebookSession | null = null;
  private _engine: EngineState = { kind: 'checking' };
  private _engineRequest = 0;
  private _changed = new Signal<this, void>(this);
  private _currentChanged = new Signal<this, NotebookSession | null>(this);
  private _phaseEnded = new Signal<this, IPhaseEnd>(this);
}

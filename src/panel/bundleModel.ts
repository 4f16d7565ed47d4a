/**
 * State of the panel's "Dockerfile" section: the options form (as typed), its live
 * validation, the chosen notebooks and data files, the generated bundle (generateBundle),
 * the user's edit of the Dockerfile and the body of the download request. DOM-free, so
 * jest tests it as is.
 *
 * Determinism: the `created` label comes from the `created` option of the constructor,
 * chosen once when the state is made (each notebook's session makes one when it opens,
 * and a reload restores it with the form): the same form gives the same bundle, byte for
 * byte, however often the preview is rendered.
 */
import { ISignal, Signal } from '@lumino/signaling';

import packageJson from '../../package.json';
import {
  BundleTemplateError,
  IBundleInput,
  IBundleOptions,
  IBundleSpec
} from '../core/bundle/bundleTypes';
import { generateBundle } from '../core/bundle/bundle';
import { IPylockInput } from '../core/bundle/pylock';
import { IBundleRequest } from '../core/contract/requests';
import {
  APT_PACKAGE,
  ENV_NAME,
  isCleanAbsolutePath
} from '../core/bundle/dockerfileQuote';
import { hasControls } from '../core/shared/guards';
import { ITranslate, plainTranslate } from '../core/shared/text';
import { problemOf } from '../core/contract/errors';
import {
  isDockerHub,
  parseNormalizedImageReference,
  withTag
} from '../core/contract/imageReference';
import { IRequirementsPlan } from '../core/requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../core/environment/snapshot';
import {
  DEFAULT_TEMPLATE,
  isTemplateId,
  needsBaseImage,
  supportsWheelhouse,
  TEMPLATE_IDS,
  TemplateId
} from '../core/templates';
import {
  DEFAULT_PLATFORM_CHOICE,
  isPlatformChoice,
  PlatformChoice
} from '../core/jobs/platforms';
import { IProblem } from '../tokens';

/** This extension's version (package.json's, read at build time), for the generator label. */
export const GENERATOR_VERSION: string = packageJson.version;

/** A template of the registry (src/core/templates). */
export type TemplateChoice = TemplateId;

/** The form's templates: the registry's, in its order. */
export const TEMPLATE_CHOICES: readonly TemplateChoice[] = TEMPLATE_IDS;

/** The Dockerfile's path in the bundle: the one file the user can edit. */
export const DOCKERFILE = 'Dockerfile';

/** The options form, as typed (lists are raw text: validated and split on the way out). */
export interface IBundleForm {
  template: TemplateChoice;
  /** FROM image of the custom template. */
  baseImage: string;
  /** Empty: the kernel's Python. */
  pythonVersion: string;
  /** Debian packages, separated by commas or white space. */
  aptPackages: string;
  /** Extra volumes (absolute paths), separated by commas or white space. */
  volumes: string;
  /** Environment variables, one KEY=VALUE a line. */
  env: string;
  /** Repository part of the image reference ([registry/]namespace/name); empty: none. */
  imageName: string;
  /** Tag of the image; empty: none (Docker implies latest). */
  imageTag: string;
  ui: 'lab' | 'notebook';
  /** Install offline from wheels the server downloads into the bundle (hashed). */
  wheelhouse: boolean;
  /** The platforms the image is built for ("auto": the engine's own; both to push). */
  platforms: PlatformChoice;
  /** The builder the Dockerfile is written for (BuildKit: cache mounts, no wheel layer). */
  builder: BundleBuilder;
}

export type BundleField = keyof IBundleForm;

/** Field → what is wrong with it (absent when it is valid). */
export type BundleErrors = Partial<Record<BundleField, string>>;

/** Defaults that come from the settings registry. */
export interface IBundleDefaults {
  template?: string;
  /** e.g. docker.io, ghcr.io, localhost:5000 */
  registry?: string;
  /** e.g. a Docker Hub user */
  namespace?: string;
  /** The setting `platforms`. */
  platforms?: string;
  /** The setting `bundleBuilder`. */
  bundleBuilder?: string;
}

/** The builder a bundle's Dockerfile is written for (the bundle option `builder`). */
export type BundleBuilder = 'buildkit' | 'classic';

export const BUNDLE_BUILDERS: readonly BundleBuilder[] = [
  'buildkit',
  'classic'
];

/** The panel's default: BuildKit (the core's default stays classic for older callers). */
export const DEFAULT_BUNDLE_BUILDER: BundleBuilder = 'buildkit';

export function isBundleBuilder(value: unknown): value is BundleBuilder {
  return (BUNDLE_BUILDERS as readonly unknown[]).includes(value);
}

export interface IBundleModelOptions {
  /** Workspace path of the notebook the panel packages. */
  notebookPath: string;
  /** ISO 8601 date for the created label, fixed for the life of the state. */
  created: string;
  generatorVersion?: string;
  defaults?: IBundleDefaults;
  trans?: ITranslate;
}

/** A workspace file or folder, as the file dialog returns it (a Contents.IModel suffices). */
export interface IWorkspaceEntry {
  /** Workspace path, relative to the Jupyter root. */
  path: string;
  /** 'directory', 'file', 'notebook'… */
  type: string;
}

/** What the preview and the download are made from. */
export interface IBundleContext {
  snapshot: IEnvironmentSnapshot;
  plan: IRequirementsPlan;
  /** The verdict of a verify, written into the README (a download after verifying). */
  verification?: IBundleInput['verification'];
}

export type DownloadState =
  | { kind: 'idle' }
  /** Waiting for the package check before the request goes out. */
  | { kind: 'checking' }
  | { kind: 'downloading' }
  | { kind: 'done'; fileName: string }
  | { kind: 'failed'; problem: IProblem };

/** A lower-case name made of [a-z0-9-], usable as an image name and a file name. */
export function slug(text: string, fallback = 'notebook'): string {
  const name = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return name || fallback;
}

/** The notebook's file name without folder and extension. */
export function notebookStem(path: string): string {
  return (path.split('/').pop() ?? '').replace(/\.ipynb$/i, '');
}

/** The folder of a workspace path ('' for the root). */
export function folderOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** [registry/][namespace/]<notebook> — the registry left out for Docker Hub. */
export function defaultImageName(
  notebookPath: string,
  defaults: IBundleDefaults = {}
): string {
  const registry = (defaults.registry ?? '').trim();
  const namespace = (defaults.namespace ?? '').trim();
  return [
    isDockerHub(registry) ? '' : registry,
    namespace,
    slug(notebookStem(notebookPath))
  ]
    .filter(Boolean)
    .join('/');
}

/** The form before the user changes anything. */
export function defaultForm(
  notebookPath: string,
  defaults: IBundleDefaults = {}
): IBundleForm {
  const template = isTemplateId(defaults.template)
    ? defaults.template
    : DEFAULT_TEMPLATE;
  return {
    template,
    baseImage: '',
    pythonVersion: '',
    aptPackages: '',
    volumes: '',
    env: '',
    imageName: defaultImageName(notebookPath, defaults),
    imageTag: 'latest',
    ui: 'lab',
    wheelhouse: false,
    platforms: isPlatformChoice(defaults.platforms)
      ? defaults.platforms
      : DEFAULT_PLATFORM_CHOICE,
    builder: isBundleBuilder(defaults.bundleBuilder)
      ? defaults.bundleBuilder
      : DEFAULT_BUNDLE_BUILDER
  };
}

/** Words separated by commas or white space. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

const PYTHON_VERSION = /^3\.\d{1,2}(\.\d{1,3})?$/;
const RESERVED_ENV = [
  'JUPYTER_TOKEN',
  'JUPYTER_TOKEN_FILE',
  'JUPYTER_PASSWORD'
];

interface IEnvParse {
  env: Record<string, string>;
  error: string | null;
}

/** KEY=VALUE lines (blank lines and # comments skipped); the first bad line is the error. */
export function parseEnv(
  text: string,
  trans: ITranslate = plainTranslate
): IEnvParse {
  const result: IEnvParse = { env: {}, error: null };
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (!line.trim() || line.trim().startsWith('#')) {
      continue;
    }
    // The value is kept as typed (spaces included); the name is trimmed.
    const at = line.indexOf('=');
    const name = at < 0 ? line.trim() : line.slice(0, at).trim();
    const value = at < 0 ? '' : line.slice(at + 1);
    let error: string | null = null;
    if (at < 0) {
      error = trans.__('Line %1: write KEY=VALUE.', index + 1);
    } else if (!ENV_NAME.test(name)) {
      error = trans.__(
        'Line %1: %2 is not a variable name (letters, digits and _, not starting with a digit).',
        index + 1,
        name || '""'
      );
    } else if (RESERVED_ENV.includes(name)) {
      error = trans.__(
        'Line %1: %2 is never baked into the image; pass it when you run it.',
        index + 1,
        name
      );
    } else if (name in result.env) {
      error = trans.__('Line %1: %2 is set twice.', index + 1, name);
    } else if (hasControls(value) || value.length > 4096) {
      error = trans.__(
        'Line %1: the value has a control character or is too long.',
        index + 1
      );
    }
    if (error) {
      result.error ??= error;
    } else {
      result.env[name] = value;
    }
  }
  return result;
}

/** Every field's problem, in plain words (Docker's own for image references). */
export function validateForm(
  form: IBundleForm,
  trans: ITranslate = plainTranslate
): BundleErrors {
  const errors: BundleErrors = {};

  if (needsBaseImage(form.template)) {
    const base = form.baseImage.trim();
    const parsed = parseNormalizedImageReference(base);
    if (!base) {
      errors.baseImage = trans.__(
        'Name the base image, e.g. python:3.12-slim.'
      );
    } else if (!parsed.ok) {
      errors.baseImage = parsed.error;
    }
  }

  const python = form.pythonVersion.trim();
  if (python && !PYTHON_VERSION.test(python)) {
    errors.pythonVersion = trans.__('Write 3.X or 3.X.Y, e.g. 3.12 or 3.12.4.');
  }

  const badApt = splitList(form.aptPackages).filter(
    name => !APT_PACKAGE.test(name)
  );
  if (badApt.length) {
    errors.aptPackages = trans.__(
      'Not a Debian package name: %1 (lower case letters, digits, + . -).',
      badApt.join(', ')
    );
  }

  const badVolumes = splitList(form.volumes).filter(
    path => !isCleanAbsolutePath(path)
  );
  if (badVolumes.length) {
    errors.volumes = trans.__(
      'Not a clean absolute path: %1 (e.g. /results).',
      badVolumes.join(', ')
    );
  }

  const env = parseEnv(form.env, trans);
  if (env.error) {
    errors.env = env.error;
  }

  const name = form.imageName.trim();
  const tag = form.imageTag.trim();
  if (name) {
    const parsed = parseNormalizedImageReference(name);
    if (!parsed.ok) {
      errors.imageName = parsed.error;
    } else if (!parsed.reference.latestImplied) {
      errors.imageName = trans.__(
        'Put the tag in the Tag field, not in the name.'
      );
    } else if (tag) {
      const tagged = parseNormalizedImageReference(`${name}:${tag}`);
      if (!tagged.ok) {
        errors.imageTag = tagged.error;
      }
    }
  } else if (tag && !/^[\w][\w.-]{0,127}$/.test(tag)) {
    errors.imageTag = trans.__(
      'A tag is letters, digits, _ . and -, at most 128, not starting with . or -.'
    );
  }
  return errors;
}

/** The image reference the form names ('' when there is none). */
export function formImageReference(form: IBundleForm): string {
  return withTag(form.imageName, form.imageTag);
}

/** The template can have an offline wheelhouse (the registry says which cannot). */
export function wheelhouseAvailable(form: IBundleForm): boolean {
  return supportsWheelhouse(form.template);
}

/**
 * The bundle installs from the offline wheelhouse: the box is ticked and the template has
 * one (for conda the box is disabled, so it says nothing).
 */
export function wheelhouseOn(form: IBundleForm): boolean {
  return form.wheelhouse && wheelhouseAvailable(form);
}

/** The form as generateBundle options (invalid entries are passed on: it warns). */
export function bundleOptions(
  form: IBundleForm,
  created: string,
  generatorVersion: string = GENERATOR_VERSION,
  lock: IPylockInput | null = null
): IBundleOptions {
  const options: IBundleOptions = {
    template: form.template,
    ui: form.ui,
    created,
    generatorVersion,
    builder: form.builder
  };
  if (needsBaseImage(form.template)) {
    options.baseImage = form.baseImage.trim();
  }
  if (wheelhouseOn(form)) {
    options.wheelhouse = true;
  }
  if (form.pythonVersion.trim()) {
    options.pythonVersion = form.pythonVersion.trim();
  }
  const apt = splitList(form.aptPackages);
  if (apt.length) {
    options.aptPackages = apt;
  }
  const volumes = splitList(form.volumes);
  if (volumes.length) {
    options.volumes = volumes;
  }
  const env = parseEnv(form.env).env;
  if (Object.keys(env).length) {
    options.env = env;
  }
  const image = formImageReference(form);
  if (image) {
    options.imageName = image;
  }
  if (lock) {
    options.lock = lock;
  }
  return options;
}

/** The zip's base name: the image's last path component, or the notebook's name. */
export function bundleName(form: IBundleForm, notebookPath: string): string {
  const parsed = parseNormalizedImageReference(formImageReference(form));
  if (parsed.ok) {
    return slug(parsed.reference.path.split('/').pop() ?? '');
  }
  return slug(notebookStem(notebookPath));
}

/** The form as plain JSON (a type alias, so JupyterLab's state database takes it). */
export type SavedForm = { [K in keyof IBundleForm]: IBundleForm[K] };

/** What BundleModel.saved() returns and restore() takes. */
export type SavedBundle = {
  created: string;
  form: SavedForm;
  /** The fields the user changed (the others follow the settings). */
  touched: BundleField[];
  notebooks: string[];
  dataFiles: string[];
  /** The edited Dockerfile, or null for the generated one. */
  dockerfile: string | null;
};

const FORM_TEXT_FIELDS = [
  'baseImage',
  'pythonVersion',
  'aptPackages',
  'volumes',
  'env',
  'imageName',
  'imageTag'
] as const;

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(item => typeof item === 'string');
}

/**
 * A saved bundle read back (from the browser's state database, which may hold what an
 * older version wrote): null unless every field has its type and the template is known.
 */
export function parseSavedBundle(value: unknown): SavedBundle | null {
  const saved = value as Partial<Record<keyof SavedBundle, unknown>> | null;
  if (!saved || typeof saved !== 'object') {
    return null;
  }
  const form = saved.form as Partial<Record<BundleField, unknown>> | null;
  if (
    typeof saved.created !== 'string' ||
    !form ||
    typeof form !== 'object' ||
    !isTemplateId(form.template) ||
    (form.ui !== 'lab' && form.ui !== 'notebook') ||
    typeof form.wheelhouse !== 'boolean' ||
    FORM_TEXT_FIELDS.some(field => typeof form[field] !== 'string') ||
    !isStringList(saved.touched) ||
    !isStringList(saved.notebooks) ||
    !isStringList(saved.dataFiles) ||
    (saved.dockerfile !== null && typeof saved.dockerfile !== 'string')
  ) {
    return null;
  }
  const fields = new Set<string>(Object.keys(defaultForm('')));
  return {
    created: saved.created,
    form: {
      template: form.template as TemplateChoice,
      baseImage: form.baseImage as string,
      pythonVersion: form.pythonVersion as string,
      aptPackages: form.aptPackages as string,
      volumes: form.volumes as string,
      env: form.env as string,
      imageName: form.imageName as string,
      imageTag: form.imageTag as string,
      ui: form.ui,
      wheelhouse: form.wheelhouse,
      // Absent from what an older version saved: the settings' (not touched, so they follow).
      platforms: isPlatformChoice(form.platforms)
        ? form.platforms
        : DEFAULT_PLATFORM_CHOICE,
      builder: isBundleBuilder(form.builder)
        ? form.builder
        : DEFAULT_BUNDLE_BUILDER
    },
    touched: saved.touched.filter((field): field is BundleField =>
      fields.has(field)
    ),
    notebooks: saved.notebooks,
    dataFiles: saved.dataFiles,
    dockerfile: saved.dockerfile as string | null
  };
}

/** The form's fields that follow the settings until the user changes them. */
const FOLLOW_SETTINGS = [
  'template',
  'imageName',
  'platforms',
  'builder'
] as const;

/** The Dockerfile section's state; the view renders it and calls the setters. */
export class BundleModel {
  constructor(options: IBundleModelOptions) {
    this.notebookPath = options.notebookPath;
    this._created = options.created;
    this.generatorVersion = options.generatorVersion ?? GENERATOR_VERSION;
    this._trans = options.trans ?? plainTranslate;
    this._defaults = { ...options.defaults };
    this._form = defaultForm(this.notebookPath, this._defaults);
    this._notebooks = new Set([this.notebookPath]);
  }

  readonly notebookPath: string;
  readonly generatorVersion: string;

  /** ISO 8601 date of the created label (kept across reloads by a restored state). */
  get created(): string {
    return this._created;
  }

  /** Nothing was changed since the state was made (a saved state may still be restored). */
  get pristine(): boolean {
    return this._pristine;
  }

  /** What a reload keeps: the form, the chosen files, the edited Dockerfile. */
  saved(): SavedBundle {
    return {
      created: this._created,
      form: { ...this._form },
      touched: [...this._touched],
      notebooks: this.notebooks,
      dataFiles: this.dataFiles,
      dockerfile: this._editedDockerfile
    };
  }

  /** Puts back what saved() returned (for this notebook, before a reload). */
  restore(saved: SavedBundle): void {
    this._created = saved.created;
    this._form = { ...saved.form };
    this._touched = new Set(saved.touched);
    this._notebooks = new Set([this.notebookPath, ...saved.notebooks]);
    this._dataFiles = new Set(saved.dataFiles);
    this._editedDockerfile = saved.dockerfile;
    // Fields the user never changed follow today's settings, not the saved ones.
    this.setDefaults(this._defaults);
    this._update();
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get form(): Readonly<IBundleForm> {
    return this._form;
  }

  /** Problems of the form as it stands; an empty object when it is valid. */
  get errors(): BundleErrors {
    this._errors ??= validateForm(this._form, this._trans);
    return this._errors;
  }

  get isValid(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  setField<K extends BundleField>(field: K, value: IBundleForm[K]): void {
    if (this._form[field] !== value) {
      this._form = { ...this._form, [field]: value };
      this._touched.add(field);
      this._update();
    }
  }

  /**
   * New settings: fields the user has not changed follow them (the image name only while
   * it is still the default one).
   */
  setDefaults(defaults: IBundleDefaults): void {
    this._defaults = { ...defaults };
    const fresh = defaultForm(this.notebookPath, this._defaults);
    const next = { ...this._form };
    let changed = false;
    for (const field of FOLLOW_SETTINGS) {
      if (!this._touched.has(field) && next[field] !== fresh[field]) {
        (next as Record<(typeof FOLLOW_SETTINGS)[number], string>)[field] =
          fresh[field];
        changed = true;
      }
    }
    if (changed) {
      this._form = next;
      // Following the settings is no change of the user's: a saved state still applies.
      this._update(false);
    }
  }

  /** The pre-flight's resolution per platform: the bundle then carries pylock.toml. */
  get lock(): IPylockInput | null {
    return this._lock;
  }

  /** A finished pre-flight's lock (null: none); no change of the user's. */
  setLock(lock: IPylockInput | null): void {
    if (lock !== this._lock) {
      this._lock = lock;
      this._update(false);
    }
  }

  /** Notebooks next to the packaged one that the user may add (workspace paths). */
  get availableNotebooks(): string[] {
    return this._available;
  }

  setAvailableNotebooks(paths: readonly string[]): void {
    const all = new Set([this.notebookPath, ...paths]);
    this._available = [...all].sort((a, b) =>
      a === this.notebookPath
        ? -1
        : b === this.notebookPath
          ? 1
          : a < b
            ? -1
            : 1
    );
    this._changed.emit();
  }

  /** The notebooks that go into the bundle, sorted. */
  get notebooks(): string[] {
    return [...this._notebooks].sort();
  }

  isNotebookIncluded(path: string): boolean {
    return this._notebooks.has(path);
  }

  setNotebookIncluded(path: string, included: boolean): void {
    if (included !== this._notebooks.has(path)) {
      if (included) {
        this._notebooks.add(path);
      } else {
        this._notebooks.delete(path);
      }
      this._update();
    }
  }

  /** Workspace files the bundle copies into data/, sorted. */
  get dataFiles(): string[] {
    return [...this._dataFiles].sort();
  }

  /** Why the last chosen entries were not all added (null when they were). */
  get dataFilesNotice(): string | null {
    return this._dataFilesNotice;
  }

  /**
   * Adds the chosen files to data/; folders are refused with a notice (data/ holds the
   * files the user names, nothing found by walking a folder).
   */
  addDataFiles(entries: readonly IWorkspaceEntry[]): void {
    const folders: string[] = [];
    let added = false;
    for (const entry of entries) {
      if (entry.type === 'directory') {
        folders.push(entry.path || '/');
      } else if (!this._dataFiles.has(entry.path)) {
        this._dataFiles.add(entry.path);
        added = true;
      }
    }
    this._dataFilesNotice = folders.length
      ? this._trans.__(
          'Folders cannot be data files: %1. Open the folder in the dialog and select its files.',
          folders.join(', ')
        )
      : null;
    if (added) {
      this._update();
    } else {
      this._changed.emit();
    }
  }

  removeDataFile(path: string): void {
    if (this._dataFiles.delete(path)) {
      this._dataFilesNotice = null;
      this._update();
    }
  }

  /** The generated bundle for a capture, memoized on the form, the files and the plan. */
  generated(context: IBundleContext): IBundleSpec {
    const cached = this._generated;
    if (
      cached &&
      cached.version === this._version &&
      cached.snapshot === context.snapshot &&
      cached.plan === context.plan &&
      cached.verification === context.verification
    ) {
      return cached.spec;
    }
    let spec: IBundleSpec;
    try {
      const input: IBundleInput = {
        snapshot: context.snapshot,
        plan: context.plan,
        notebooks: this.notebooks,
        dataFiles: this.dataFiles,
        // A notebook that reads sales.csv beside itself finds it in the image too.
        dataLinks: true,
        options: bundleOptions(
          this._form,
          this.created,
          this.generatorVersion,
          this._lock
        )
      };
      if (context.verification) {
        input.verification = context.verification;
      }
      spec = generateBundle(input);
    } catch (error) {
      if (!(error instanceof BundleTemplateError)) {
        throw error;
      }
      spec = { files: {}, include: [], warnings: [error.message] };
    }
    this._generated = {
      version: this._version,
      snapshot: context.snapshot,
      plan: context.plan,
      verification: context.verification,
      spec
    };
    return spec;
  }

  /** The bundle as it will be downloaded: the generated files, the edited Dockerfile. */
  bundle(context: IBundleContext): IBundleSpec {
    const spec = this.generated(context);
    if (this._editedDockerfile === null || !(DOCKERFILE in spec.files)) {
      return spec;
    }
    return {
      ...spec,
      files: { ...spec.files, [DOCKERFILE]: this._editedDockerfile }
    };
  }

  /** The body of POST jupyterlab-dockerize/bundle. */
  request(context: IBundleContext): IBundleRequest {
    const spec = this.bundle(context);
    const request: IBundleRequest = {
      name: bundleName(this._form, this.notebookPath),
      files: spec.files,
      include: spec.include
    };
    if (spec.wheelhouse) {
      request.wheelhouse = spec.wheelhouse;
    }
    return request;
  }

  /** The file the preview shows. */
  get selectedFile(): string {
    return this._selected;
  }

  selectFile(path: string): void {
    if (path !== this._selected) {
      this._selected = path;
      this._changed.emit();
    }
  }

  /** True while the Dockerfile is shown in an editor. */
  get editing(): boolean {
    return this._editing;
  }

  /** The user's Dockerfile, or null when the generated one is used. */
  get editedDockerfile(): string | null {
    return this._editedDockerfile;
  }

  get isEdited(): boolean {
    return this._editedDockerfile !== null;
  }

  startEditing(): void {
    this._selected = DOCKERFILE;
    this._editing = true;
    this._changed.emit();
  }

  stopEditing(): void {
    this._editing = false;
    this._changed.emit();
  }

  /** The editor's text: from now on it is what the bundle contains. */
  setDockerfile(text: string): void {
    this._editedDockerfile = text;
    this._pristine = false;
    this._changed.emit();
  }

  /** Back to the generated Dockerfile. */
  reset(): void {
    this._pristine = false;
    this._editedDockerfile = null;
    this._editing = false;
    this._changed.emit();
  }

  get download(): DownloadState {
    return this._download;
  }

  /** True from the click until the zip is saved or the download failed. */
  get downloadBusy(): boolean {
    return (
      this._download.kind === 'checking' ||
      this._download.kind === 'downloading'
    );
  }

  /**
   * Sends the bundle request with `send` (which saves the zip) unless the form is invalid;
   * its failure becomes the download's problem. With `settled`, waits for it first (the
   * package check, which may untick packages) and reads the context after it.
   */
  async startDownload(
    context: IBundleContext | (() => IBundleContext | null),
    send: (request: IBundleRequest) => Promise<string>,
    settled?: () => Promise<void>
  ): Promise<void> {
    if (!this.isValid || this.downloadBusy) {
      return;
    }
    if (settled) {
      this._download = { kind: 'checking' };
      this._changed.emit();
      await settled();
    }
    const current = typeof context === 'function' ? context() : context;
    if (!current || !this.isValid) {
      this._download = { kind: 'idle' };
      this._changed.emit();
      return;
    }
    this._download = { kind: 'downloading' };
    this._changed.emit();
    try {
      const fileName = await send(this.request(current));
      this._download = { kind: 'done', fileName };
    } catch (error) {
      this._download = {
        kind: 'failed',
        problem: problemOf(error, this._trans)
      };
    }
    this._changed.emit();
  }

  private _update(byUser = true): void {
    this._pristine &&= !byUser;
    this._version++;
    this._errors = null;
    if (!this.downloadBusy) {
      this._download = { kind: 'idle' };
    }
    this._changed.emit();
  }

  private _created: string;
  private _pristine = true;
  private _trans: ITranslate;
  private _defaults: IBundleDefaults;
  private _lock: IPylockInput | null = null;
  private _form: IBundleForm;
  private _touched = new Set<BundleField>();
  private _errors: BundleErrors | null = null;
  private _version = 0;
  private _available: string[] = [];
  private _notebooks: Set<string>;
  private _dataFiles = new Set<string>();
  private _dataFilesNotice: string | null = null;
  private _generated: {
    version: number;
    snapshot: IEnvironmentSnapshot;
    plan: IRequirementsPlan;
    verification: IBundleContext['verification'];
    spec: IBundleSpec;
  } | null = null;
  private _selected = DOCKERFILE;
  private _editing = false;
  private _editedDockerfile: string | null = null;
  private _download: DownloadState = { kind: 'idle' };
  private _changed = new Signal<this, void>(this);
}

/**
 * The bundle: snapshot + requirements plan + chosen notebooks + options → the exact text
 * of every generated file, the workspace files to copy in (and where), and warnings.
 *
 * Pure and deterministic: the same input gives byte-identical output (inputs are sorted,
 * the date comes from the caller). Every option and every captured value is untrusted:
 * it is validated against a strict grammar (dropped with a warning when it fails) or
 * quoted for the file it lands in; file names never reach a file unmapped.
 */
import {
  DOCKERFILE_TEMPLATES,
  DockerfileTemplate,
  IDockerfileParts,
  isBundleLocalPath,
  JUPYTER_PORT,
  JUPYTERLAB_VERSION,
  WHEELHOUSE_DIR,
  MICROMAMBA_IMAGE,
  NOTEBOOK_VERSION,
  renderDockerfile
} from './dockerfile';
import {
  APT_PACKAGE,
  ENV_NAME,
  isCleanAbsolutePath,
  shellQuoted
} from './dockerfileQuote';
import { hasControls } from './guards';
import { isValidName } from './pep508';
import { renderEnvironmentYml, yamlScalar } from './environmentYml';
import {
  IImageReference,
  parseNormalizedImageReference
} from './imageReference';
import {
  IRequirementsPlan,
  isSafeLine,
  needsServerBuild,
  renderRequirementsTxt
} from './requirements';
import { IEnvironmentSnapshot } from './snapshot';

/**
 * A valid image reference as `docker` reads it (imageReference.ts), in its familiar form:
 * no domain for Docker Hub, no `library/`, no implied `latest`. Null when invalid.
 */
function parseImageReference(text: string): IImageReference | null {
  const parsed = parseNormalizedImageReference(text);
  if (!parsed.ok) {
    return null;
  }
  const { domain, path, tag, digest, latestImplied } = parsed.reference;
  const hub = domain === 'docker.io';
  return {
    domain: hub ? null : domain,
    path: hub ? path.replace(/^library\//, '') : path,
    tag: latestImplied ? null : tag,
    digest
  };
}

export type BundleTemplate = DockerfileTemplate;

/** The templates generateBundle supports; anything else throws BundleTemplateError. */
export const BUNDLE_TEMPLATES: readonly BundleTemplate[] = DOCKERFILE_TEMPLATES;

export interface IBundleOptions {
  template: BundleTemplate;
  /** For 'custom': the FROM image (untrusted; falls back to python:X.Y.Z-slim). */
  baseImage?: string;
  /** Overrides the kernel's Python version ("3.12" or "3.12.4"). */
  pythonVersion?: string;
  /** Debian packages to install. */
  aptPackages?: string[];
  /** Volumes besides /data and /notebooks (absolute paths). */
  volumes?: string[];
  /** Environment variables baked into the image (never JUPYTER_TOKEN). */
  env?: Record<string, string>;
  ui: 'lab' | 'notebook';
  /** The image reference to tag and push ([registry/]user/name[:tag]). */
  imageName?: string;
  /** ISO 8601 date for the created label, given by the caller. */
  created: string;
  /** This extension's version, for a label. */
  generatorVersion: string;
  /**
   * Install offline from a wheelhouse the server downloads into the bundle (every wheel
   * pinned by hash); not for the conda template.
   */
  wheelhouse?: boolean;
}

export interface IBundleInput {
  snapshot: IEnvironmentSnapshot;
  plan: IRequirementsPlan;
  /** Workspace paths ("/"-separated, relative to the Jupyter root) of the notebooks. */
  notebooks: string[];
  /** Workspace paths of data files to put in data/. */
  dataFiles?: string[];
  options: IBundleOptions;
}

export interface IBundleInclude {
  workspacePath: string;
  bundlePath: string;
}

/** What the server downloads into wheelhouse/ (POST bundle and builds, "wheelhouse"). */
export interface IWheelhouseSpec {
  /**
   * The image's full Python version X.Y.Z (pip reads X.Y as X.Y.0, which refuses
   * packages that require a later patch release).
   */
  python: string;
  /** Docker platform of the image (linux/amd64 when the kernel's is unknown). */
  platform: string;
  /** The bundle file with the requirements. */
  requirements: string;
  /** name==version pins the Dockerfile needs besides them (Jupyter). */
  extra: string[];
}

export interface IBundleSpec {
  /** Path in the bundle → exact text. */
  files: Record<string, string>;
  /** Workspace files and folders to copy into the bundle, sorted by bundlePath. */
  include: IBundleInclude[];
  warnings: string[];
  /** Set when the Dockerfile installs from a wheelhouse the server must add. */
  wheelhouse?: IWheelhouseSpec;
}

/** Thrown for a template name generateBundle does not know. */
export class BundleTemplateError extends Error {
  constructor(template: unknown) {
    super(
      `The ${show(String(template))} template is not available; use one of ${BUNDLE_TEMPLATES.join(', ')}.`
    );
    this.name = 'BundleTemplateError';
  }
}

/** The Python used when neither the option nor the snapshot gives a usable version. */
export const DEFAULT_PYTHON = '3.12';

const LABEL_PREFIX = 'io.github.jupyterlab-dockerize';

// ---------------------------------------------------------------------------------------
// Small helpers

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An untrusted value for a warning: printable ASCII, clipped, in backticks. */
function show(value: string, max = 60): string {
  const chars = [...value];
  let text = '';
  for (const char of chars.slice(0, max)) {
    const code = char.codePointAt(0) ?? 0;
    text +=
      code >= 0x20 && code < 0x7f && char !== '`'
        ? char
        : `\\u{${code.toString(16)}}`;
  }
  return `\`${text}${chars.length > max ? '...' : ''}\``;
}

/** Names for a sentence: the first few, then how many more. */
function clip(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(order);
}

/**
 * A safe file name for a bundle: `[A-Za-z0-9._-]` only, not starting with a dot or dash,
 * the extension kept (alphanumerics), accents folded, at most ~100 characters; `fallback`
 * when nothing is left. `used` (lower-case names) makes it unique with -2, -3, … suffixes
 * and records the result.
 */
export function safeFileName(
  name: string,
  used: Set<string>,
  fallback: string
): string {
  const base = name.split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  const ext = (dot >= 0 ? base.slice(dot + 1) : '')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
  const trim = (text: string) => text.replace(/^[._-]+|[._-]+$/g, '');
  const stem =
    trim(
      trim(
        (dot >= 0 ? base.slice(0, dot) : base)
          .normalize('NFKD')
          .replace(/[\u0300-\u036f]/g, '')
          .replace(/[^A-Za-z0-9._-]+/g, '_')
      ).slice(0, 80)
    ) || fallback;
  const join = (suffix: string) =>
    ext ? `${stem}${suffix}.${ext}` : `${stem}${suffix}`;
  let candidate = join('');
  for (let n = 2; used.has(candidate.toLowerCase()); n++) {
    candidate = join(`-${n}`);
  }
  used.add(candidate.toLowerCase());
  return candidate;
}

/** A workspace path as given, or null when it cannot name a file in the workspace. */
function workspacePath(path: unknown): string | null {
  if (typeof path !== 'string' || !path || path.includes('\u0000')) {
    return null;
  }
  const parts = path.split('/').filter(part => part !== '' && part !== '.');
  return parts.length && !parts.includes('..') ? path : null;
}

interface IPython {
  /** X.Y or X.Y.Z, validated. */
  version: string;
  /** X.Y */
  minor: string;
  /**
   * X.Y.Z the image runs, as far as known: the version itself, or for an X.Y the kernel's
   * X.Y.Z of the same minor (python:X.Y-slim has that or a later patch); null otherwise.
   */
  full: string | null;
}

const PYTHON_OPTION = /^3\.[0-9]{1,2}(?:\.[0-9]{1,3})?$/;

function resolvePython(input: IBundleInput, warnings: string[]): IPython {
  const { pythonVersion } = input.options;
  let version: string | null = null;
  if (pythonVersion !== undefined && pythonVersion !== '') {
    if (
      typeof pythonVersion === 'string' &&
      PYTHON_OPTION.test(pythonVersion)
    ) {
      version = pythonVersion;
    } else {
      warnings.push(
        `The Python version ${show(String(pythonVersion))} is not of the form 3.X or 3.X.Y; the kernel's version is used.`
      );
    }
  }
  if (!version) {
    const captured = input.snapshot?.python?.version;
    if (
      typeof captured === 'string' &&
      /^3\.[0-9]{1,2}\.[0-9]{1,3}$/.test(captured)
    ) {
      version = captured;
    } else {
      warnings.push(
        `The kernel's Python version ${show(String(captured))} has no python image; Python ${DEFAULT_PYTHON} is used.`
      );
      version = DEFAULT_PYTHON;
    }
  }
  const implementation = input.snapshot?.python?.implementation;
  if (implementation !== 'CPython') {
    warnings.push(
      `The kernel runs ${show(String(implementation))}, the image runs CPython; packages built for it may differ.`
    );
  }
  const minor = version.split('.').slice(0, 2).join('.');
  const captured = input.snapshot?.python?.version;
  const full = /^3\.[0-9]{1,2}\.[0-9]{1,3}$/.test(version)
    ? version
    : typeof captured === 'string' &&
        /^3\.[0-9]{1,2}\.[0-9]{1,3}$/.test(captured) &&
        captured.split('.').slice(0, 2).join('.') === minor
      ? captured
      : null;
  return { version, minor, full };
}

interface IPlatform {
  /** What the comment and label say, e.g. "Linux x86_64". */
  text: string;
  /** Docker's platform for it, when it has one. */
  docker: string | null;
}

function resolvePlatform(
  snapshot: IEnvironmentSnapshot,
  warnings: string[]
): IPlatform {
  const word = (value: unknown) =>
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,32}$/.test(value)
      ? value
      : 'unknown';
  const system = word(snapshot?.platform?.system);
  const machine = word(snapshot?.platform?.machine);
  const lower = machine.toLowerCase();
  const docker =
    lower === 'x86_64' || lower === 'amd64'
      ? 'linux/amd64'
      : lower === 'aarch64' || lower === 'arm64'
        ? 'linux/arm64'
        : null;
  if (!docker) {
    warnings.push(
      `The kernel runs on the machine type ${show(String(snapshot?.platform?.machine))}, not x86_64 or aarch64; the image is built for the build machine's platform and packages may differ.`
    );
  }
  if (system !== 'Linux') {
    warnings.push(
      `The kernel runs on ${show(String(snapshot?.platform?.system))}; the image is Linux, where some packages build or behave differently.`
    );
  }
  return { text: `${system} ${machine}`, docker };
}

function resolveBase(
  template: DockerfileTemplate,
  options: IBundleOptions,
  python: IPython,
  warnings: string[]
): string {
  const slim = `python:${python.version}-slim`;
  if (template === 'docker-stacks') {
    return `quay.io/jupyter/base-notebook:python-${python.minor}`;
  }
  if (template === 'conda') {
    return MICROMAMBA_IMAGE;
  }
  if (template !== 'custom') {
    return slim;
  }
  const base = options.baseImage;
  const ref = typeof base === 'string' ? parseImageReference(base) : null;
  if (!ref) {
    warnings.push(
      `The base image ${show(String(base ?? ''))} is not a valid image reference; ${slim} is used instead.`
    );
    return slim;
  }
  if (!ref.tag && !ref.digest) {
    warnings.push(
      `The base image ${show(base!)} has no tag, so every build may get a different image; name a tag.`
    );
  }
  return base!;
}

function resolveApt(options: IBundleOptions, warnings: string[]): string[] {
  const given = Array.isArray(options.aptPackages) ? options.aptPackages : [];
  const valid: string[] = [];
  for (const name of given) {
    if (typeof name === 'string' && APT_PACKAGE.test(name)) {
      valid.push(name);
    } else {
      warnings.push(
        `${show(String(name))} is not a Debian package name; it is left out.`
      );
    }
  }
  return uniqueSorted(valid);
}

function resolveVolumes(options: IBundleOptions, warnings: string[]): string[] {
  const given = Array.isArray(options.volumes) ? options.volumes : [];
  const valid: string[] = [];
  for (const path of given) {
    if (typeof path === 'string' && isCleanAbsolutePath(path)) {
      if (path !== '/data' && path !== '/notebooks') {
        valid.push(path);
      }
    } else {
      warnings.push(
        `The volume ${show(String(path))} is not a clean absolute path (like /results); it is left out.`
      );
    }
  }
  return uniqueSorted(valid);
}

/** Names that would put a fixed secret or login into the image. */
const RESERVED_ENV = new Set([
  'JUPYTER_TOKEN',
  'JUPYTER_TOKEN_FILE',
  'JUPYTER_PASSWORD'
]);

function resolveEnv(
  options: IBundleOptions,
  warnings: string[]
): [string, string][] {
  const env: [string, string][] = [];
  const given =
    options.env && typeof options.env === 'object' ? options.env : {};
  for (const name of Object.keys(given).sort(order)) {
    const value = given[name];
    if (!ENV_NAME.test(name)) {
      warnings.push(
        `${show(name)} is not an environment variable name; it is left out.`
      );
    } else if (RESERVED_ENV.has(name)) {
      warnings.push(
        `${name} is never baked into the image: pass it at run time (docker run -e ${name}).`
      );
    } else if (
      typeof value !== 'string' ||
      hasControls(value) ||
      value.length > 4096
    ) {
      warnings.push(
        `The value of ${name} has a newline or control character (or is too long); it is left out.`
      );
    } else {
      env.push([name, value]);
    }
  }
  return env;
}

function hasLine(plan: IRequirementsPlan, name: string): boolean {
  return (plan?.entries ?? []).some(
    entry =>
      entry.name === name && entry.line !== null && isSafeLine(entry.line)
  );
}

/**
 * The plan without the lines only the server can build (a git repository inside the
 * Jupyter root) when the bundle has no wheelhouse: the image could not install them.
 */
function withoutServerBuilds(
  plan: IRequirementsPlan,
  wheelhouse: boolean,
  warnings: string[]
): IRequirementsPlan {
  const entries = Array.isArray(plan?.entries) ? plan.entries : [];
  if (wheelhouse || !entries.some(e => needsServerBuild(e) && e.line)) {
    return plan;
  }
  const dropped: string[] = [];
  const kept = entries.map(entry => {
    if (!needsServerBuild(entry) || entry.line === null) {
      return entry;
    }
    dropped.push(entry.name);
    return {
      ...entry,
      status: 'warning' as const,
      line: null,
      reason:
        'Installed from a git repository on this machine, which the image cannot reach; only the offline wheelhouse can hold it (the server builds it into a wheel).',
      action:
        'Turn on the offline wheelhouse to build it on the server, then tick it.'
    };
  });
  warnings.push(
    `Left out of requirements.txt, since only the offline wheelhouse can hold them (the server builds them from their git repository): ${clip(dropped.filter(isValidName))}. Turn on the offline wheelhouse to include them.`
  );
  return { ...plan, entries: kept };
}

const ISO_DATE =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

interface IPlaced {
  includes: IBundleInclude[];
  names: string[];
}

function place(
  paths: readonly string[] | undefined,
  folder: string,
  fallback: string,
  reserved: string[],
  warnings: string[]
): IPlaced {
  const used = new Set(reserved);
  const includes: IBundleInclude[] = [];
  const names: string[] = [];
  const given = Array.isArray(paths) ? paths : [];
  for (const path of uniqueSorted(given.map(path => String(path)))) {
    if (workspacePath(path) === null) {
      warnings.push(
        `${show(path)} is not a workspace file path; it is left out.`
      );
      continue;
    }
    const name = safeFileName(path, used, fallback);
    names.push(name);
    includes.push({ workspacePath: path, bundlePath: `${folder}/${name}` });
  }
  return { includes, names };
}

/** A lower-case image name for `docker build -t` made from a file name. */
function localName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return name || 'notebook';
}

// ---------------------------------------------------------------------------------------
// The other files

const PLACEHOLDER = '<user>/<image>:<tag>';

/** vendor/ and wheels/ are let in only when the Dockerfile copies them (not offline). */
function renderDockerignore(
  conda: boolean,
  vendor: string[],
  wheelhouse: boolean
): string {
  return [
    '# Only what the Dockerfile copies goes into the build context.',
    '*',
    conda ? '!environment.yml' : '!requirements.txt',
    ...(wheelhouse ? [`!${WHEELHOUSE_DIR}`] : []),
    '!notebooks',
    '!data',
    ...(wheelhouse ? [] : vendor.map(path => `!${path}`)),
    ''
  ].join('\n');
}

function renderCompose(
  image: IImageReference | null,
  imageName: string
): string {
  return [
    '# Generated by jupyterlab-dockerize. Start with: docker compose up --build',
    '# JUPYTER_TOKEN is passed from your environment; without it Jupyter prints a random one.',
    'services:',
    '  notebook:',
    '    build: .',
    ...(image ? [`    image: ${yamlScalar(imageName)}`] : []),
    '    ports:',
    `      - "${JUPYTER_PORT}:${JUPYTER_PORT}"`,
    '    volumes:',
    '      - ./notebooks:/notebooks',
    '      - ./data:/data',
    '    environment:',
    '      - JUPYTER_TOKEN',
    ''
  ].join('\n');
}

function renderDataReadme(names: string[]): string {
  return [
    '# data',
    '',
    'This folder is copied into the image at `/data` and is the `/data` volume: mount it',
    'with `-v "$PWD/data:/data"` to work on these files from outside the container.',
    '',
    ...(names.length
      ? ['Files:', '', ...names.map(name => `- \`${name}\``)]
      : ['No data files were chosen.']),
    ''
  ].join('\n');
}

interface IReadmeParts {
  title: string;
  template: DockerfileTemplate;
  python: IPython;
  notebooks: string[];
  local: string;
  image: IImageReference | null;
  imageName: string;
  /** The bundle has an environment.yml. */
  conda: boolean;
  apt: boolean;
  binder: IBinderParts;
}

/** What the Binder route carries besides the environment files (issue 11, point 12). */
interface IBinderParts {
  /** Environment variables the Dockerfile sets: binder/start exports them. */
  env: [string, string][];
  ui: 'lab' | 'notebook';
  /** Extra volumes of the image: Binder has none. */
  volumes: string[];
}

/** Binder needs a binder/ folder of its own: there are settings the plain files cannot say. */
function needsBinderFolder(binder: IBinderParts): boolean {
  return binder.env.length > 0 || binder.ui === 'notebook';
}

const BINDER_ENVIRONMENT_FILES = [
  'apt.txt',
  'environment.yml',
  'requirements.txt',
  'runtime.txt'
];

/**
 * binder/start: repo2docker runs it before Jupyter (and any command), so it sets the
 * variables the Dockerfile sets with ENV, then hands over with exec. Each value is one
 * single-quoted shell word (bundle.ts refused control characters), so it stays literal
 * as ENV keeps it literal.
 */
function renderBinderStart(env: [string, string][]): string {
  return [
    '#!/bin/bash',
    '# Generated by jupyterlab-dockerize: Binder and repo2docker run this before Jupyter.',
    '# It sets the environment variables the Dockerfile sets (ENV), then starts the command.',
    ...env.map(([name, value]) => `export ${name}=${shellQuoted(value)}`),
    'exec "$@"',
    ''
  ].join('\n');
}

/** binder/postBuild: Jupyter opens the Notebook interface, as the image does. */
function renderBinderPostBuild(): string {
  return [
    '#!/bin/bash',
    '# Generated by jupyterlab-dockerize: open the Notebook interface (/tree) by default, as',
    '# the image does (a Binder link with ?urlpath=... still wins).',
    'set -euo pipefail',
    'mkdir -p "${HOME}/.jupyter"',
    'printf \'%s\\n\' \'{"ServerApp": {"default_url": "/tree"}}\' > "${HOME}/.jupyter/jupyter_server_config.json"',
    ''
  ].join('\n');
}

function renderBinderSection(parts: IReadmeParts): string[] {
  const binder = parts.binder;
  const files = [
    '`runtime.txt`',
    ...(parts.apt ? ['`apt.txt`'] : []),
    ...(parts.conda ? ['`environment.yml`'] : []),
    '`requirements.txt`'
  ].join(', ');
  const urlpath = binder.ui === 'notebook' ? 'tree' : 'lab';
  const folder = needsBinderFolder(binder);
  const carried = [
    ...(binder.env.length
      ? [
          `\`start\` sets the environment variables of the image (${binder.env.map(([name]) => `\`${name}\``).join(', ')})`
        ]
      : []),
    ...(binder.ui === 'notebook'
      ? ['`postBuild` makes the Notebook interface the default page']
      : [])
  ];
  return [
    '## Binder',
    '',
    ...(folder
      ? [
          `\`binder/\` holds the same environment for repo2docker and mybinder.org (${files});`,
          `${carried.join('; ')}. When \`binder/\` exists, repo2docker reads only it, so the Dockerfile`,
          'is left to `docker build`.'
        ]
      : [
          `${files} describe the same environment for repo2docker and mybinder.org. Move them`,
          'into a `binder/` folder: repo2docker then reads only that folder instead of building',
          'the Dockerfile.'
        ]),
    '',
    `Open it with \`https://mybinder.org/v2/gh/<user>/<repository>/HEAD?urlpath=${urlpath}\`, which opens`,
    `${binder.ui === 'notebook' ? 'the Notebook interface' : 'JupyterLab'} as the image does. On Binder the repository is the home folder:`,
    'the notebooks are in `notebooks/` and the data in `data/`, not in `/notebooks` and `/data`.',
    ...(binder.volumes.length
      ? [
          '',
          `Binder has no volumes: ${binder.volumes.map(path => `\`${path}\``).join(', ')} ${binder.volumes.length === 1 ? 'is a plain folder' : 'are plain folders'} there at best, and what a`,
          'session writes is lost when it ends.'
        ]
      : []),
    ''
  ];
}

function renderReadme(parts: IReadmeParts): string {
  const target = parts.image ? parts.imageName : PLACEHOLDER;
  const login = parts.image?.domain
    ? `docker login ${parts.image.domain}`
    : 'docker login';
  const out = [
    `# ${parts.title}`,
    '',
    'A notebook packaged with its kernel environment by jupyterlab-dockerize',
    `(template \`${parts.template}\`, Python ${parts.python.version}).`,
    '',
    '## Contents',
    '',
    '- `Dockerfile`: the image.',
    ...(parts.template === 'conda'
      ? [
          '- `environment.yml`: the conda environment the image installs with micromamba,',
          '  pinned to the versions the kernel ran; the build downloads from its channels.',
          '- `requirements.txt`: the same Python packages for pip (the image does not use it).'
        ]
      : [
          '- `requirements.txt`: the Python packages, pinned to the versions the kernel ran.'
        ]),
    '- `notebooks/`: the notebooks, copied to `/notebooks`:',
    ...parts.notebooks.map(name => `  - \`${name}\``),
    '- `data/`: data files, copied to `/data`.',
    '- `compose.yaml`: the same image and volumes for `docker compose up --build`.',
    '- `runtime.txt`' +
      (parts.apt ? ', `apt.txt`' : '') +
      (parts.conda ? ', `environment.yml`' : '') +
      ': the same environment for repo2docker and Binder.',
    '',
    '## Build',
    '',
    '```bash',
    `docker build -t ${parts.local} .`,
    '```',
    '',
    '## Run',
    '',
    'Choose a token (or leave out `-e JUPYTER_TOKEN` and read the random one in the log):',
    '',
    '```bash',
    'export JUPYTER_TOKEN="$(python3 -c \'import secrets; print(secrets.token_hex(24))\')"',
    `docker run --rm -v "$PWD/notebooks:/notebooks" -v "$PWD/data:/data" -p ${JUPYTER_PORT}:${JUPYTER_PORT} -e JUPYTER_TOKEN ${parts.local}`,
    '```',
    '',
    `Then open http://127.0.0.1:${JUPYTER_PORT}/?token=YOUR_TOKEN. The container runs as uid 1000:`,
    'mounted folders must be writable by it (or leave out the `-v` options to use the copies',
    'in the image).',
    '',
    '## Push',
    '',
    ...(parts.image
      ? []
      : [
          `Replace \`${PLACEHOLDER}\` with your image name, e.g. your Docker Hub user and a repository.`,
          ''
        ]),
    '```bash',
    ...(parts.local === target ? [] : [`docker tag ${parts.local} ${target}`]),
    login,
    `docker push ${target}`,
    '```',
    '',
    ...renderBinderSection(parts)
  ];
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// generateBundle

/**
 * The bundle for a notebook (or several) and its kernel's environment. Throws
 * BundleTemplateError for a template not in BUNDLE_TEMPLATES; everything else that is
 * wrong in the input becomes a warning and a safe default.
 */
export function generateBundle(input: IBundleInput): IBundleSpec {
  const { options, snapshot } = input;
  const template = options?.template;
  if (!(BUNDLE_TEMPLATES as readonly string[]).includes(template)) {
    throw new BundleTemplateError(template);
  }
  const kind = template as DockerfileTemplate;
  const warnings: string[] = [];
  const wheelhouse = options.wheelhouse === true && kind !== 'conda';
  if (options.wheelhouse === true && kind === 'conda') {
    warnings.push(
      'The offline wheelhouse holds Python wheels only; the conda template installs from its channels.'
    );
  }
  const plan = withoutServerBuilds(input.plan, wheelhouse, warnings);

  const python = resolvePython(input, warnings);
  const platform = resolvePlatform(snapshot, warnings);
  const baseImage = resolveBase(kind, options, python, warnings);
  const aptPackages = resolveApt(options, warnings);
  const volumes = resolveVolumes(options, warnings);
  const env = resolveEnv(options, warnings);
  const ui = options.ui === 'notebook' ? 'notebook' : 'lab';

  const notebooks = place(
    input.notebooks,
    'notebooks',
    'notebook',
    [],
    warnings
  );
  if (!notebooks.includes.length) {
    warnings.push(
      'No notebook was chosen; the image starts with an empty /notebooks.'
    );
  }
  const data = place(input.dataFiles, 'data', 'data', ['readme.md'], warnings);

  const vendor: IBundleInclude[] = [];
  for (const item of plan?.vendorPaths ?? []) {
    if (
      typeof item.bundlePath === 'string' &&
      isBundleLocalPath(item.bundlePath) &&
      workspacePath(item.workspacePath) !== null
    ) {
      vendor.push({
        workspacePath: item.workspacePath,
        bundlePath: item.bundlePath
      });
    } else {
      warnings.push(
        `The vendored project ${show(String(item.name))} has an unusable path; it is left out and its requirement will fail.`
      );
    }
  }
  vendor.sort((a, b) => order(a.bundlePath, b.bundlePath));

  // The Jupyter that serves the notebook, when the environment lacks it: on the install
  // line, or for conda in environment.yml (which checks its own list).
  const jupyter: [string, string] =
    ui === 'notebook'
      ? ['notebook', NOTEBOOK_VERSION]
      : ['jupyterlab', JUPYTERLAB_VERSION];
  let jupyterPin: string | null = null;
  if (
    kind !== 'docker-stacks' &&
    kind !== 'conda' &&
    !hasLine(plan, jupyter[0])
  ) {
    jupyterPin = `${jupyter[0]}==${jupyter[1]}`;
  }
  if (kind !== 'conda') {
    const condaOnly = (plan?.entries ?? [])
      .filter(
        entry =>
          entry.source === 'conda' &&
          entry.status === 'warning' &&
          entry.line === null &&
          isValidName(entry.name)
      )
      .map(entry => entry.name);
    if (condaOnly.length) {
      warnings.push(
        `Installed by conda, with no release on the package index, so pip will not install them (they are left out of requirements.txt): ${clip(condaOnly)}. The conda template installs them from their channels.`
      );
    }
  }

  const imageName =
    typeof options.imageName === 'string' ? options.imageName : '';
  const image = imageName ? parseImageReference(imageName) : null;
  if (imageName && !image) {
    warnings.push(
      `The image name ${show(imageName)} is not a valid image reference; the README uses a placeholder.`
    );
  }
  const firstStem = (notebooks.names[0] ?? 'notebook').replace(/\.[^.]*$/, '');
  // The chosen image name is what `docker build -t` tags (and the build/push target);
  // a digest reference cannot be a tag, and an IPv6 registry's brackets are a shell
  // pattern, so those get a local name like no name does.
  const local =
    image && !image.digest && /^[A-Za-z0-9._:/-]+$/.test(imageName)
      ? imageName
      : localName(image ? image.path.split('/').pop()! : firstStem);
  const title = image ? image.path : firstStem;

  const created = typeof options.created === 'string' ? options.created : '';
  if (!ISO_DATE.test(created)) {
    warnings.push(
      `The creation date ${show(created)} is not an ISO 8601 date and time.`
    );
  }
  const generator =
    typeof options.generatorVersion === 'string' &&
    /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(options.generatorVersion)
      ? options.generatorVersion
      : 'unknown';

  const sources = notebooks.includes.map(item => item.workspacePath);
  const binder: IBinderParts = { env, ui, volumes };
  const parts: IDockerfileParts = {
    template: kind,
    baseImage,
    comments: [
      `Kernel: Python ${python.version} on ${platform.text}${platform.docker ? ` (Docker platform ${platform.docker})` : ''}.`,
      `Template: ${kind}. Build: docker build -t ${local} .`
    ],
    aptPackages,
    volumes,
    env,
    vendor: vendor.map(item => item.bundlePath),
    jupyterPin,
    wheelhouse,
    ui,
    labels: [
      ['org.opencontainers.image.title', title],
      [
        'org.opencontainers.image.description',
        `Jupyter notebook${notebooks.names.length === 1 ? '' : 's'} ${notebooks.names.join(', ') || '(none)'} with the environment of its kernel (Python ${python.version}).`
      ],
      [
        'org.opencontainers.image.created',
        ISO_DATE.test(created) ? created : 'unknown'
      ],
      [`${LABEL_PREFIX}.source`, sources.join(', ')],
      [`${LABEL_PREFIX}.generator`, `jupyterlab-dockerize ${generator}`],
      [`${LABEL_PREFIX}.platform`, platform.text]
    ]
  };

  const files: Record<string, string> = {
    '.dockerignore': renderDockerignore(
      kind === 'conda',
      parts.vendor,
      parts.wheelhouse === true
    ),
    Dockerfile: renderDockerfile(parts),
    'README.md': renderReadme({
      title,
      template: kind,
      python,
      notebooks: notebooks.names,
      local,
      image,
      imageName,
      conda: Boolean(snapshot?.conda) || kind === 'conda',
      apt: aptPackages.length > 0,
      binder
    }),
    'compose.yaml': renderCompose(image, imageName),
    'data/readme.md': renderDataReadme(data.names),
    'requirements.txt': renderRequirementsTxt(plan),
    'runtime.txt': `python-${python.minor}\n`
  };
  if (aptPackages.length) {
    files['apt.txt'] = `${aptPackages.join('\n')}\n`;
  }
  if (kind === 'conda') {
    files['environment.yml'] = renderEnvironmentYml(snapshot, plan, {
      python: python.version,
      ensure: [jupyter],
      fallbackChannel: 'conda-forge'
    });
  } else if (snapshot?.conda) {
    files['environment.yml'] = renderEnvironmentYml(snapshot, plan, {
      python: python.version
    });
  }
  if (!notebooks.includes.length) {
    files['notebooks/.gitkeep'] = '';
  }
  if (needsBinderFolder(binder)) {
    for (const name of BINDER_ENVIRONMENT_FILES) {
      if (files[name] !== undefined) {
        files[`binder/${name}`] = files[name];
      }
    }
    if (env.length) {
      files['binder/start'] = renderBinderStart(env);
    }
    if (ui === 'notebook') {
      files['binder/postBuild'] = renderBinderPostBuild();
    }
  }

  const sorted: Record<string, string> = {};
  for (const key of Object.keys(files).sort(order)) {
    sorted[key] = files[key];
  }
  const include = [...notebooks.includes, ...data.includes, ...vendor].sort(
    (a, b) => order(a.bundlePath, b.bundlePath)
  );
  const spec: IBundleSpec = { files: sorted, include, warnings };
  if (wheelhouse) {
    if (!python.full) {
      warnings.push(
        `The offline wheelhouse needs the image's exact Python version (3.X.Y): give it instead of ${show(python.version)}, or the server refuses to resolve for it.`
      );
    }
    spec.wheelhouse = {
      python: python.full ?? python.version,
      platform: platform.docker ?? 'linux/amd64',
      requirements: 'requirements.txt',
      extra: jupyterPin ? [jupyterPin] : []
    };
  }
  return spec;
}

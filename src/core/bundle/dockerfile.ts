/**
 * The Dockerfile of a bundle, rendered from already validated parts (bundle.ts validates
 * the caller's options and the snapshot and builds an IDockerfileParts).
 *
 * Layer order, for fast rebuilds: OS packages and the non-root user → the package
 * installer → requirements.txt or environment.yml (and vendored projects) → install →
 * environment → metadata → WORKDIR, USER 1000, CMD → notebooks and data → VOLUME.
 * Editing a notebook only rebuilds the last three steps.
 *
 * Two variants, chosen by `builder`. 'classic' works with any builder: no RUN --mount,
 * no heredocs. 'buildkit' needs BuildKit for the install step only: cache mounts for the
 * installer's downloads (the template's installBuildkit) and the offline wheelhouse
 * bind-mounted instead of copied, so the image carries neither; the rest is the same.
 * Neither has a `# syntax=` line (the builder's own Dockerfile frontend parses it, with
 * no image to pull). The first line is a fixed comment, so no value can become a parser
 * directive; every value is a JSON string (exec and JSON forms), a double-quoted word
 * (LABEL, ENV) or matched a strict grammar before it got here.
 */
import { JUPYTER_PORT, WHEELHOUSE } from '../contract/constants';
import {
  APT_PACKAGE,
  dockerComment,
  dockerQuoted,
  ENV_NAME,
  isCleanAbsolutePath,
  jsonArray,
  shellQuoted
} from './dockerfileQuote';
import { hasControls } from '../shared/guards';
import { DATA_DIR, IDataLink, NOTEBOOKS_DIR } from './dataLinks';
import { IInstallStep, ITemplate, NB_UID } from '../templates/template';
import { templateById, TEMPLATE_IDS, TemplateId } from '../templates';

export type DockerfileTemplate = TemplateId;

export const DOCKERFILE_TEMPLATES: readonly DockerfileTemplate[] = TEMPLATE_IDS;

/**
 * Versions installed when the requirements do not pin them: the JupyterLab this project
 * is developed and tested against (requirements-dev.txt) and the Notebook 7 release that
 * goes with it (and uv, templates/uv.ts). Bump them together with requirements-dev.txt.
 */
export const JUPYTERLAB_VERSION = '4.6.6';
export const NOTEBOOK_VERSION = '7.6.5';

/** Which builder the Dockerfile is for: BuildKit (RUN --mount) or any builder. */
export type DockerfileBuilder = 'buildkit' | 'classic';

export interface IDockerfileParts {
  template: DockerfileTemplate;
  /** Absent: 'classic'. */
  builder?: DockerfileBuilder;
  /**
   * Install from pylock.toml instead of requirements.txt (and no Jupyter pin: the lock
   * has it); only for a template whose `pylock` is 'install'.
   */
  pylockInstall?: boolean;
  /** The FROM image, a valid image reference. */
  baseImage: string;
  /** Comment lines after the fixed first line (any text; written as safe comments). */
  comments: string[];
  /** Debian package names (APT_PACKAGE), sorted, unique. */
  aptPackages: string[];
  /** Extra volumes: clean absolute paths, sorted, without /data and /notebooks. */
  volumes: string[];
  /** Environment variables (names match ENV_NAME), sorted by name. */
  env: [string, string][];
  /**
   * What the requirements install from the bundle, copied next to requirements.txt
   * (environment.yml): "vendor/<name>" project folders and "wheels/<file>.whl" files.
   * Not copied with the wheelhouse, which holds them built.
   */
  vendor: string[];
  /**
   * A `name==version` to install with the requirements, or null when they pin it (and
   * always when the template's Jupyter comes from elsewhere, e.g. conda's environment.yml).
   */
  jupyterPin: string | null;
  ui: 'lab' | 'notebook';
  /** LABEL keys (constants) and values (any text; quoted). */
  labels: [string, string][];
  /**
   * Install from wheelhouse/ (its requirements.lock pins every file by hash, the Jupyter
   * pin included) with no index; only for a template that supports it.
   */
  wheelhouse?: boolean;
  /**
   * Links that put data files where the notebooks read them (dataLinks.ts); absent or
   * empty: nothing is written for them.
   */
  dataLinks?: { links: IDataLink[]; folders: string[] };
}

const APT_IGNORE = [
  'Debian packages are not pinned (hadolint DL3008): the archive keeps only the current',
  'version of each, so a pin would break the build as soon as Debian updates it; the base',
  "image's tag fixes the release."
];

/**
 * Build arguments that point pip at a mirror without editing the Dockerfile. pip reads
 * them from the environment, and a RUN sees a declared ARG as an environment variable
 * only when the build passes it: unset by default, so pip uses PyPI. Templates with
 * another installer pass them on (uv: UV_DEFAULT_INDEX).
 */
const MIRROR_ARGS = ['PIP_INDEX_URL', 'PIP_TRUSTED_HOST'];
const MIRROR_COMMENT = [
  '# Optional package mirror, unset by default (PyPI): docker build --build-arg PIP_INDEX_URL=URL',
  '# (and --build-arg PIP_TRUSTED_HOST=HOST for plain http). Build arguments are recorded in',
  '# the image history: never put credentials in them.'
];

/** The HEALTHCHECK probe: Python's urllib against the unauthenticated /api route. */
const HEALTH_PROBE = `import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api' % os.environ.get('JUPYTER_PORT', '${JUPYTER_PORT}'), timeout=4)`;

/** Where the wheelhouse option's files are, and the lock that pins them by hash. */
export const WHEELHOUSE_DIR = WHEELHOUSE.folder;
export const WHEELHOUSE_LOCK = WHEELHOUSE.lockPath;
const WHEELHOUSE_COMMENT = [
  '# Offline: exactly the wheels in wheelhouse/, each pinned by its sha256 in',
  '# wheelhouse/requirements.lock (made by jupyterlab-dockerize); no index is contacted.'
];
const WHEELHOUSE_MOUNT_COMMENT =
  '# BuildKit mounts wheelhouse/ for this step only: the image does not carry the wheels.';

/** A vendored project folder. */
export const VENDOR_PATH = /^vendor\/[a-z0-9][a-z0-9._-]*$/;
/** A wheel file the bundle carries (its name checked against the wheel grammar before). */
export const WHEEL_PATH = /^wheels\/[A-Za-z0-9][A-Za-z0-9._+!-]*\.whl$/;

/** A path the requirements install from the bundle: vendor/<name> or wheels/<file>.whl. */
export function isBundleLocalPath(path: string): boolean {
  return (
    (VENDOR_PATH.test(path) && !path.endsWith('.')) || WHEEL_PATH.test(path)
  );
}

/** A file of the bundle's data/ in the image. */
const DATA_FILE = /^\/data\/[A-Za-z0-9._-]+$/;

/** A link or its folder: under /notebooks or /data, plain parts, no control character. */
function isLinkPath(path: string): boolean {
  const parts = path.split('/');
  return (
    (path.startsWith(`${NOTEBOOKS_DIR}/`) || path.startsWith(`${DATA_DIR}/`)) &&
    parts.length > 2 &&
    parts
      .slice(1)
      .every(part => part !== '' && part !== '.' && part !== '..') &&
    !hasControls(path)
  );
}

/** The RUN that makes the data links (as the image's user, who owns both folders). */
function dataLinkLines(links: IDockerfileParts['dataLinks']): string[] {
  if (!links?.links.length) {
    return [];
  }
  const commands = [
    ...(links.folders.length
      ? [`mkdir -p ${links.folders.map(shellQuoted).join(' ')}`]
      : []),
    ...links.links.map(
      link => `ln -s ${shellQuoted(link.target)} ${shellQuoted(link.path)}`
    )
  ];
  return [
    '# The data files also where the notebooks read them: the same path relative to the',
    '# notebook as in the workspace (links to /data).',
    runLines(commands)
  ];
}

/** A RUN: its --mount options (BuildKit) each on a line, then the commands joined by &&. */
function runLines(commands: string[], mounts: readonly string[] = []): string {
  const options = mounts.map(mount => `${mount} \\\n    `).join('');
  return `RUN ${options}${commands.join(' \\\n    && ')}`;
}

/** A mount option of the template's: BuildKit's cache mount, fixed text and checked words. */
const CACHE_MOUNT =
  /^--mount=type=cache,id=[A-Za-z0-9._${}-]+,target=\/[A-Za-z0-9._/-]+(?:,(?:sharing=(?:shared|locked|private)|uid=[0-9]+|gid=[0-9]+))*$/;

/** Asserts the parts are what bundle.ts promises; a broken promise is a bug, not input. */
function check(parts: IDockerfileParts): ITemplate {
  const bad = (what: string) => {
    throw new Error(`Invalid Dockerfile part: ${what}`);
  };
  const template = templateById(parts.template);
  if (!template) {
    return bad('template');
  }
  if (parts.aptPackages.some(name => !APT_PACKAGE.test(name))) {
    bad('apt package');
  }
  if (parts.volumes.some(path => !isCleanAbsolutePath(path))) {
    bad('volume');
  }
  if (parts.env.some(([name]) => !ENV_NAME.test(name))) {
    bad('environment variable name');
  }
  if (parts.vendor.some(path => !isBundleLocalPath(path))) {
    bad('vendored path');
  }
  if (/[\s"'\\]/.test(parts.baseImage) || !parts.baseImage) {
    bad('base image');
  }
  if (
    parts.jupyterPin !== null &&
    (template.jupyter !== 'install-line' ||
      !/^[a-z]+==[0-9.]+$/.test(parts.jupyterPin))
  ) {
    bad('jupyter pin');
  }
  if (
    parts.builder !== undefined &&
    !['buildkit', 'classic'].includes(parts.builder)
  ) {
    bad('builder');
  }
  if (parts.pylockInstall && template.pylock !== 'install') {
    bad('pylock install');
  }
  if (parts.labels.some(([key]) => !/^[a-z0-9.-]+$/.test(key))) {
    bad('label key');
  }
  const links = parts.dataLinks;
  if (
    links &&
    (links.links.some(
      link => !isLinkPath(link.path) || !DATA_FILE.test(link.target)
    ) ||
      links.folders.some(folder => !isLinkPath(folder)))
  ) {
    bad('data link');
  }
  return template;
}

/** A template's mounts and arguments are its own fixed text; anything else is a bug. */
function checkedMounts(step: IInstallStep): IInstallStep {
  if (
    (step.mounts ?? []).some(mount => !CACHE_MOUNT.test(mount)) ||
    (step.args ?? []).some(name => !ENV_NAME.test(name))
  ) {
    throw new Error('Invalid Dockerfile part: install mount');
  }
  return step;
}

/**
 * The Dockerfile text (LF line endings, final newline): the fixed skeleton, with the
 * template's hooks (templates/template.ts) where ecosystems differ.
 */
export function renderDockerfile(parts: IDockerfileParts): string {
  const template = check(parts);
  const owner = `${NB_UID}:${template.group}`;
  const dirs = ['/data', '/notebooks', ...parts.volumes];
  const out: string[] = [
    '# Dockerfile generated by jupyterlab-dockerize: a notebook and its kernel environment.',
    ...parts.comments.map(dockerComment),
    `FROM ${parts.baseImage}`,
    ''
  ];

  if (template.rootComment !== null) {
    out.push(template.rootComment, 'USER 0', '');
  }

  const system: string[] = [];
  const apt = parts.aptPackages.length > 0;
  if (apt) {
    system.push(
      'apt-get update',
      `apt-get install -y --no-install-recommends ${parts.aptPackages.join(' ')}`,
      'rm -rf /var/lib/apt/lists/*'
    );
  }
  const bundleDir = '/opt/bundle';
  const user = template.userSetup(apt);
  out.push(...user.comments);
  system.push(...user.commands);
  // An installing user (not root) must own /opt/bundle where it runs as uid 1000: micromamba
  // writes its pip requirements file there and pip builds vendored projects in place.
  const installUser = template.installUser;
  const owned = installUser ? [...dirs, bundleDir] : dirs;
  system.push(
    `mkdir -p ${owned.join(' ')}`,
    `chown ${owner} ${owned.join(' ')}`
  );
  if (apt) {
    out.push(...APT_IGNORE.map(dockerComment), '# hadolint ignore=DL3008');
  }
  out.push(runLines(system), '');

  if (installUser) {
    out.push(...installUser.prelude, installUser.why, `USER ${NB_UID}`, '');
  }

  out.push(
    '# Dependencies before content: editing a notebook does not reinstall packages.',
    `WORKDIR ${bundleDir}`
  );
  const offline = parts.wheelhouse === true && template.supportsWheelhouse;
  const buildkit = parts.builder === 'buildkit';
  const chown = installUser ? `--chown=${owner} ` : '';
  const installFrom = parts.pylockInstall
    ? 'pylock.toml'
    : template.installFile;
  out.push(`COPY ${chown}${jsonArray([installFrom, './'])}`);
  if (offline && parts.vendor.length) {
    out.push(
      '# Vendored projects and bundled wheels are installed from the wheelhouse, built.'
    );
  } else {
    for (const path of parts.vendor) {
      const target = WHEEL_PATH.test(path) ? 'wheels/' : `${path}/`;
      out.push(`COPY ${chown}${jsonArray([path, target])}`);
    }
  }
  if (offline) {
    const pipOffline = [
      `pip install --no-cache-dir --no-index --find-links=${WHEELHOUSE_DIR} --require-hashes -r ${WHEELHOUSE_LOCK}`,
      ...template.afterInstall
    ];
    out.push(
      ...WHEELHOUSE_COMMENT,
      ...(buildkit
        ? [
            WHEELHOUSE_MOUNT_COMMENT,
            runLines(pipOffline, [
              `--mount=type=bind,source=${WHEELHOUSE_DIR},target=${bundleDir}/${WHEELHOUSE_DIR}`
            ])
          ]
        : [
            `COPY ${chown}${jsonArray([`${WHEELHOUSE_DIR}/`, `${WHEELHOUSE_DIR}/`])}`,
            runLines(pipOffline)
          ])
    );
  } else {
    const source = {
      file: installFrom === 'pylock.toml' ? installFrom : 'requirements.txt',
      jupyterPin: parts.pylockInstall ? null : parts.jupyterPin
    } as const;
    const install: IInstallStep =
      buildkit && template.installBuildkit
        ? checkedMounts(template.installBuildkit(source))
        : template.install(source);
    out.push(
      ...MIRROR_COMMENT,
      ...MIRROR_ARGS.map(name => `ARG ${name}`),
      ...(install.args ?? []).map(name => `ARG ${name}`),
      ...install.comments,
      runLines([...install.commands, ...template.afterInstall], install.mounts)
    );
  }
  out.push('');

  const env = template.environment?.(parts.ui, parts.env) ?? parts.env;
  for (const [name, value] of env) {
    out.push(`ENV ${name}=${dockerQuoted(value)}`);
  }
  if (env.length) {
    out.push('');
  }

  // Metadata before the content: editing a notebook then rebuilds only the steps below.
  out.push(
    '# Metadata and health check: they do not change when a notebook does. Jupyter and the',
    '# health check read the port from JUPYTER_PORT (docker run -e JUPYTER_PORT=… to move it).',
    `ENV JUPYTER_PORT=${JUPYTER_PORT}`,
    `EXPOSE ${JUPYTER_PORT}`,
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ${jsonArray(['python3', '-c', HEALTH_PROBE])}`
  );
  parts.labels.forEach(([key, value], index) => {
    const lead = index === 0 ? 'LABEL ' : '      ';
    const more = index < parts.labels.length - 1 ? ' \\' : '';
    out.push(`${lead}${key}=${dockerQuoted(value)}${more}`);
  });
  out.push(
    '',
    '# No token here: Jupyter reads JUPYTER_TOKEN from the environment at run time',
    '# (docker run -e JUPYTER_TOKEN) and makes a random one, printed in the log, without it.',
    'WORKDIR /notebooks',
    `USER ${NB_UID}`,
    `CMD ${jsonArray([...template.command(parts.ui), '--ip=0.0.0.0', '--no-browser'])}`,
    '',
    // Last, so that a notebook edit rebuilds these three steps and nothing else.
    '# The content, copied before VOLUME so the volumes start with it.',
    `COPY --chown=${owner} ${jsonArray(['notebooks/', '/notebooks/'])}`,
    `COPY --chown=${owner} ${jsonArray(['data/', '/data/'])}`,
    ...dataLinkLines(parts.dataLinks),
    `VOLUME ${jsonArray(dirs)}`
  );
  return `${out.join('\n')}\n`;
}

/**
 * The Dockerfile of a bundle, rendered from already validated parts (bundle.ts validates
 * the caller's options and the snapshot and builds an IDockerfileParts).
 *
 * Layer order, for fast rebuilds: OS packages and the non-root user → the package
 * installer → requirements.txt or environment.yml (and vendored projects) → install →
 * environment → metadata → WORKDIR, USER 1000, CMD → notebooks and data → VOLUME.
 * Editing a notebook only rebuilds the last three steps.
 *
 * Works with the classic builder: no `# syntax=` line, no RUN --mount, no heredocs. The
 * first line is a fixed comment, so no value can become a parser directive; every value
 * is a JSON string (exec and JSON forms), a double-quoted word (LABEL, ENV) or matched a
 * strict grammar before it got here.
 */
import {
  APT_PACKAGE,
  dockerComment,
  dockerQuoted,
  ENV_NAME,
  isCleanAbsolutePath,
  jsonArray
} from './dockerfileQuote';

export type DockerfileTemplate =
  'pip' | 'uv' | 'conda' | 'docker-stacks' | 'custom';

export const DOCKERFILE_TEMPLATES: readonly DockerfileTemplate[] = [
  'pip',
  'uv',
  'conda',
  'docker-stacks',
  'custom'
];

/**
 * Versions installed when the requirements do not pin them: the JupyterLab this project
 * is developed and tested against (requirements-dev.txt), the Notebook 7 release that
 * goes with it, and uv. Bump them together with requirements-dev.txt.
 */
export const JUPYTERLAB_VERSION = '4.6.6';
export const NOTEBOOK_VERSION = '7.6.5';
export const UV_VERSION = '0.13.9';
/** The conda template's base: micromamba on Debian 12, an empty base environment. */
export const MICROMAMBA_IMAGE = 'mambaorg/micromamba:2.5.0-debian12-slim';

/** The uid of the user that runs Jupyter (docker-stacks' and Binder's NB_UID). */
export const NB_UID = 1000;
/** The port Jupyter listens on in the container. */
export const JUPYTER_PORT = 8888;

export interface IDockerfileParts {
  template: DockerfileTemplate;
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
   * always for conda, whose environment.yml carries the pin).
   */
  jupyterPin: string | null;
  ui: 'lab' | 'notebook';
  /** LABEL keys (constants) and values (any text; quoted). */
  labels: [string, string][];
  /**
   * Install from wheelhouse/ (its requirements.lock pins every file by hash, the Jupyter
   * pin included) with no index; never for conda.
   */
  wheelhouse?: boolean;
}

const APT_IGNORE = [
  'Debian packages are not pinned (hadolint DL3008): the archive keeps only the current',
  'version of each, so a pin would break the build as soon as Debian updates it; the base',
  "image's tag fixes the release."
];

/**
 * Build arguments that point pip at a mirror without editing the Dockerfile. pip reads
 * them from the environment, and a RUN sees a declared ARG as an environment variable
 * only when the build passes it: unset by default, so pip uses PyPI. uv gets the index
 * through UV_DEFAULT_INDEX (plain http needs no trusted host in uv).
 */
const MIRROR_ARGS = ['PIP_INDEX_URL', 'PIP_TRUSTED_HOST'];
const MIRROR_COMMENT = [
  '# Optional package mirror, unset by default (PyPI): docker build --build-arg PIP_INDEX_URL=URL',
  '# (and --build-arg PIP_TRUSTED_HOST=HOST for plain http). Build arguments are recorded in',
  '# the image history: never put credentials in them.'
];
const UV_INDEX = 'UV_DEFAULT_INDEX="${PIP_INDEX_URL:-https://pypi.org/simple}"';

/** The HEALTHCHECK probe: Python's urllib against the unauthenticated /api route. */
const HEALTH_PROBE = `import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api' % os.environ.get('JUPYTER_PORT', '${JUPYTER_PORT}'), timeout=4)`;

/** Where the wheelhouse option's files are, and the lock that pins them by hash. */
export const WHEELHOUSE_DIR = 'wheelhouse';
export const WHEELHOUSE_LOCK = 'wheelhouse/requirements.lock';
const WHEELHOUSE_COMMENT = [
  '# Offline: exactly the wheels in wheelhouse/, each pinned by its sha256 in',
  '# wheelhouse/requirements.lock (made by jupyterlab-dockerize); no index is contacted.'
];

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

function runLines(commands: string[]): string {
  return `RUN ${commands.join(' \\\n    && ')}`;
}

/** Asserts the parts are what bundle.ts promises; a broken promise is a bug, not input. */
function check(parts: IDockerfileParts): void {
  const bad = (what: string) => {
    throw new Error(`Invalid Dockerfile part: ${what}`);
  };
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
    (parts.template === 'conda' || !/^[a-z]+==[0-9.]+$/.test(parts.jupyterPin))
  ) {
    bad('jupyter pin');
  }
  if (parts.labels.some(([key]) => !/^[a-z0-9.-]+$/.test(key))) {
    bad('label key');
  }
}

/** In micromamba's image: its user, and the prefix of its base environment. */
const MAMBA_USER = 'mambauser';
const MAMBA_PREFIX = '/opt/conda';

const CONDA_USER = [
  `# The name stays ${MAMBA_USER}: the image's entrypoint refuses to start when MAMBA_USER`,
  '# differs from the name it recorded in /etc/arg_mamba_user. chown then hands the user',
  `# the base environment (${MAMBA_PREFIX}) and its home under the new ids.`
];

const CONDA_PATH = [
  '# The base environment first on PATH: the image activates it only in its entrypoint, which',
  '# HEALTHCHECK and docker exec do not go through.'
];

const CONDA_INSTALL = [
  '# micromamba installs the conda packages, then runs pip in this folder for the pip:',
  '# section, so its ./vendor paths resolve here; no package cache stays in the layer.'
];

/** The Dockerfile text (LF line endings, final newline). */
export function renderDockerfile(parts: IDockerfileParts): string {
  check(parts);
  const stacks = parts.template === 'docker-stacks';
  const conda = parts.template === 'conda';
  // docker-stacks images give jovyan the group users (100); elsewhere the user's own group.
  const owner = stacks ? `${NB_UID}:100` : `${NB_UID}:${NB_UID}`;
  const dirs = ['/data', '/notebooks', ...parts.volumes];
  const out: string[] = [
    '# Dockerfile generated by jupyterlab-dockerize: a notebook and its kernel environment.',
    ...parts.comments.map(dockerComment),
    `FROM ${parts.baseImage}`,
    ''
  ];

  if (parts.template !== 'pip' && parts.template !== 'uv') {
    out.push(
      stacks
        ? '# Root for the system steps; the image switches back to jovyan below.'
        : conda
          ? `# Root for the system steps; the image switches back to ${MAMBA_USER} below.`
          : '# Root for the system steps, whatever user the base image ends with.',
      'USER 0',
      ''
    );
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
  if (stacks) {
    out.push(
      apt
        ? '# OS packages, then the folders jovyan (already in the image) works in.'
        : '# The folders jovyan (already in the image) works in.'
    );
  } else if (conda) {
    out.push(
      apt
        ? `# OS packages, then micromamba's user on uid ${NB_UID} (as in Jupyter's images) and its folders.`
        : `# micromamba's user on uid ${NB_UID} (as in Jupyter's images) and its folders.`,
      ...CONDA_USER
    );
    system.push(
      `usermod --uid ${NB_UID} ${MAMBA_USER}`,
      `groupmod --gid ${NB_UID} ${MAMBA_USER}`,
      `chown -R ${owner} ${MAMBA_PREFIX} /home/${MAMBA_USER}`
    );
  } else {
    out.push(
      apt
        ? `# OS packages, then a non-root user (uid ${NB_UID}, as in Jupyter's images) and its folders.`
        : `# A non-root user (uid ${NB_UID}, as in Jupyter's images) and its folders.`
    );
    const useradd = `useradd --create-home --uid ${NB_UID} --user-group --shell /bin/bash jovyan`;
    system.push(
      parts.template === 'custom'
        ? `if ! id -u ${NB_UID} >/dev/null 2>&1; then ${useradd}; fi`
        : useradd
    );
  }
  // The installing user (not root) must own /opt/bundle where it runs as uid 1000: micromamba
  // writes its pip requirements file there and pip builds vendored projects in place.
  const owned = stacks || conda ? [...dirs, bundleDir] : dirs;
  system.push(
    `mkdir -p ${owned.join(' ')}`,
    `chown ${owner} ${owned.join(' ')}`
  );
  if (apt) {
    out.push(...APT_IGNORE.map(dockerComment), '# hadolint ignore=DL3008');
  }
  out.push(runLines(system), '');

  if (conda) {
    out.push(
      ...CONDA_PATH,
      `ENV MAMBA_USER_ID=${NB_UID} MAMBA_USER_GID=${NB_UID} PATH=${MAMBA_PREFIX}/bin:$PATH`,
      '',
      `# micromamba runs as ${MAMBA_USER} (uid ${NB_UID}): the environment stays its own, so %pip install works.`,
      `USER ${NB_UID}`,
      ''
    );
  } else if (stacks) {
    out.push(
      '# pip runs as jovyan (NB_UID), so the conda environment keeps its owner.',
      `USER ${NB_UID}`,
      ''
    );
  }

  out.push(
    '# Dependencies before content: editing a notebook does not reinstall packages.',
    `WORKDIR ${bundleDir}`
  );
  const mirror = [...MIRROR_COMMENT, ...MIRROR_ARGS.map(name => `ARG ${name}`)];
  const offline = parts.wheelhouse === true && !conda;
  const chown = stacks || conda ? `--chown=${owner} ` : '';
  out.push(
    `COPY ${chown}${jsonArray([conda ? 'environment.yml' : 'requirements.txt', './'])}`
  );
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
  const extra = parts.jupyterPin ? ` ${parts.jupyterPin}` : '';
  const offlineInstall = `pip install --no-cache-dir --no-index --find-links=${WHEELHOUSE_DIR} --require-hashes -r ${WHEELHOUSE_LOCK}`;
  if (offline) {
    out.push(
      ...WHEELHOUSE_COMMENT,
      `COPY ${chown}${jsonArray([`${WHEELHOUSE_DIR}/`, `${WHEELHOUSE_DIR}/`])}`,
      stacks
        ? runLines([
            offlineInstall,
            'fix-permissions "${CONDA_DIR}"',
            'fix-permissions "/home/${NB_USER}"'
          ])
        : `RUN ${offlineInstall}`
    );
  } else if (parts.template === 'uv') {
    // uv lives in /tmp/uv for this one step, so the image does not carry it. pip compiles
    // bytecode at install, uv only when asked: without it every start recompiles, since
    // uid 1000 cannot write __pycache__ in root's site-packages.
    out.push(
      ...mirror,
      runLines([
        `pip install --no-cache-dir --target /tmp/uv uv==${UV_VERSION}`,
        `${UV_INDEX} /tmp/uv/bin/uv pip install --system --no-cache --compile-bytecode -r requirements.txt${extra}`,
        'rm -rf /tmp/uv'
      ])
    );
  } else if (conda) {
    out.push(
      ...mirror,
      ...CONDA_INSTALL,
      runLines([
        'PIP_NO_CACHE_DIR=1 micromamba install -y -n base -f environment.yml',
        'micromamba clean --all --yes'
      ])
    );
  } else if (stacks) {
    out.push(
      ...mirror,
      runLines([
        `pip install --no-cache-dir -r requirements.txt${extra}`,
        'fix-permissions "${CONDA_DIR}"',
        'fix-permissions "/home/${NB_USER}"'
      ])
    );
  } else {
    out.push(
      ...mirror,
      `RUN pip install --no-cache-dir -r requirements.txt${extra}`
    );
  }
  out.push('');

  const env: [string, string][] = stacks
    ? [
        ['DOCKER_STACKS_JUPYTER_CMD', parts.ui],
        ...parts.env.filter(([name]) => name !== 'DOCKER_STACKS_JUPYTER_CMD')
      ]
    : parts.env;
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
  const command = stacks
    ? ['start-notebook.py']
    : ['jupyter', parts.ui === 'notebook' ? 'notebook' : 'lab'];
  out.push(
    '',
    '# No token here: Jupyter reads JUPYTER_TOKEN from the environment at run time',
    '# (docker run -e JUPYTER_TOKEN) and makes a random one, printed in the log, without it.',
    'WORKDIR /notebooks',
    `USER ${NB_UID}`,
    `CMD ${jsonArray([...command, '--ip=0.0.0.0', '--no-browser'])}`,
    '',
    // Last, so that a notebook edit rebuilds these three steps and nothing else.
    '# The content, copied before VOLUME so the volumes start with it.',
    `COPY --chown=${owner} ${jsonArray(['notebooks/', '/notebooks/'])}`,
    `COPY --chown=${owner} ${jsonArray(['data/', '/data/'])}`,
    `VOLUME ${jsonArray(dirs)}`
  );
  return `${out.join('\n')}\n`;
}

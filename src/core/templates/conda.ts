/**
 * micromamba installs environment.yml (conda packages from their channels, then its pip:
 * section) into the base environment of micromamba's own image, as its user mambauser
 * moved to uid NB_UID.
 */
import { renderEnvironmentYml } from '../bundle/environmentYml';
import { jupyterCommand } from './common';
import { ITemplate, NB_UID } from './template';

/** The base: micromamba on Debian 12, an empty base environment. */
export const MICROMAMBA_IMAGE = 'mambaorg/micromamba:2.5.0-debian12-slim';

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

export const condaTemplate: ITemplate<'conda'> = {
  id: 'conda',
  label: trans => trans.__('conda (environment.yml)'),
  installFile: 'environment.yml',
  jupyter: 'install-file',
  installsCondaPackages: true,
  // The file the image installs from: it brings Jupyter, and names a channel for a venv
  // kernel's packages (micromamba has no default channel).
  renderInstallFile: ({ snapshot, plan, python, jupyter }) =>
    renderEnvironmentYml(snapshot, plan, {
      python: python.version,
      ensure: [jupyter],
      fallbackChannel: 'conda-forge'
    }),
  supportsWheelhouse: false,
  noWheelhouse: {
    warning:
      'The offline wheelhouse holds Python wheels only; the conda template installs from its channels.',
    hint: trans => trans.__('The conda template installs from its channels.')
  },
  needsBaseImage: false,
  mayHaveCompiler: false,
  baseImage: () => MICROMAMBA_IMAGE,
  group: NB_UID,
  rootComment: `# Root for the system steps; the image switches back to ${MAMBA_USER} below.`,
  userSetup: apt => ({
    comments: [
      apt
        ? `# OS packages, then micromamba's user on uid ${NB_UID} (as in Jupyter's images) and its folders.`
        : `# micromamba's user on uid ${NB_UID} (as in Jupyter's images) and its folders.`,
      ...CONDA_USER
    ],
    commands: [
      `usermod --uid ${NB_UID} ${MAMBA_USER}`,
      `groupmod --gid ${NB_UID} ${MAMBA_USER}`,
      `chown -R ${NB_UID}:${NB_UID} ${MAMBA_PREFIX} /home/${MAMBA_USER}`
    ]
  }),
  installUser: {
    prelude: [
      ...CONDA_PATH,
      `ENV MAMBA_USER_ID=${NB_UID} MAMBA_USER_GID=${NB_UID} PATH=${MAMBA_PREFIX}/bin:$PATH`,
      ''
    ],
    why: `# micromamba runs as ${MAMBA_USER} (uid ${NB_UID}): the environment stays its own, so %pip install works.`
  },
  // environment.yml carries the Jupyter pin (jupyter: 'install-file'). No BuildKit
  // variant: micromamba links its package cache into the environment, which a cache mount
  // (another file system) would turn into copies, and the channels cannot be reached here
  // to test one.
  install: () => ({
    comments: CONDA_INSTALL,
    commands: [
      'PIP_NO_CACHE_DIR=1 micromamba install -y -n base -f environment.yml',
      'micromamba clean --all --yes'
    ]
  }),
  pylock: null,
  afterInstall: [],
  command: jupyterCommand,
  readmeContents: [
    '- `environment.yml`: the conda environment the image installs with micromamba,',
    '  pinned to the versions the kernel ran; the build downloads from its channels.',
    '- `requirements.txt`: the same Python packages for pip (the image does not use it).'
  ]
};

/**
 * pip on the Jupyter Docker Stacks base-notebook image: its user jovyan (NB_UID, group
 * users), its conda environment, its start-notebook.py and its fix-permissions.
 */
import { pipInstall, pipInstallCached, REQUIREMENTS_CONTENTS } from './common';
import { ITemplate, NB_UID } from './template';

/** docker-stacks' own group of its users (users, gid 100). */
const USERS_GID = 100;

/** start-notebook.py reads the interface from here; the user's value would lose to the form. */
const JUPYTER_CMD = 'DOCKER_STACKS_JUPYTER_CMD';

const FIX_PERMISSIONS = [
  'fix-permissions "${CONDA_DIR}"',
  'fix-permissions "/home/${NB_USER}"'
];

export const dockerStacksTemplate: ITemplate<'docker-stacks'> = {
  id: 'docker-stacks',
  label: trans => trans.__('Jupyter Docker Stacks'),
  installFile: 'requirements.txt',
  jupyter: 'base-image',
  installsCondaPackages: false,
  supportsWheelhouse: true,
  needsBaseImage: false,
  mayHaveCompiler: false,
  baseImage: ({ python }) =>
    `quay.io/jupyter/base-notebook:python-${python.minor}`,
  group: USERS_GID,
  rootComment:
    '# Root for the system steps; the image switches back to jovyan below.',
  userSetup: apt => ({
    comments: [
      apt
        ? '# OS packages, then the folders jovyan (already in the image) works in.'
        : '# The folders jovyan (already in the image) works in.'
    ],
    commands: []
  }),
  installUser: {
    prelude: [],
    why: '# pip runs as jovyan (NB_UID), so the conda environment keeps its owner.'
  },
  install: pipInstall,
  // pip runs as jovyan: its cache is jovyan's, and the mount is made with its ids.
  installBuildkit: pipInstallCached({
    id: `dockerize-pip-${NB_UID}-${USERS_GID}`,
    target: '/home/jovyan/.cache/pip',
    owner: { uid: NB_UID, gid: USERS_GID }
  }),
  pylock: 'beside',
  afterInstall: FIX_PERMISSIONS,
  environment: (ui, env) => [
    [JUPYTER_CMD, ui],
    ...env.filter(([name]) => name !== JUPYTER_CMD)
  ],
  command: () => ['start-notebook.py'],
  readmeContents: REQUIREMENTS_CONTENTS
};

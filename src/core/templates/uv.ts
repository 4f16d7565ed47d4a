/** uv on the official python:X.Y-slim image (uv itself is not left in the image). */
import {
  cacheMount,
  createJovyan,
  jupyterCommand,
  pinSuffix,
  pythonSlim,
  REQUIREMENTS_CONTENTS
} from './common';
import { IInstallSource, ITemplate, NB_UID } from './template';

/** The uv installed for the install step. Bump it with requirements-dev.txt's pins. */
export const UV_VERSION = '0.13.9';

/** uv reads the mirror build argument pip reads (plain http needs no trusted host in uv). */
const UV_INDEX = 'UV_DEFAULT_INDEX="${PIP_INDEX_URL:-https://pypi.org/simple}"';

/** Where BuildKit keeps uv itself (one cache mount per uv version and platform). */
const UV_HOME = '/opt/uv';

/**
 * What uv installs: the file, then the Jupyter pin (none with a lock, which has it). uv
 * 0.13 calls reading pylock.toml a preview feature and warns unless it is named.
 */
function installArgs({ file, jupyterPin }: IInstallSource): string {
  if (file === 'pylock.toml') {
    return '--preview-features pylock -r pylock.toml';
  }
  return `-r ${file}${pinSuffix(jupyterPin)}`;
}

export const uvTemplate: ITemplate<'uv'> = {
  id: 'uv',
  label: trans => trans.__('uv on python-slim'),
  installFile: 'requirements.txt',
  jupyter: 'install-line',
  installsCondaPackages: false,
  supportsWheelhouse: true,
  needsBaseImage: false,
  mayHaveCompiler: false,
  baseImage: ({ python }) => pythonSlim(python),
  group: NB_UID,
  rootComment: null,
  userSetup: apt => createJovyan(apt, false),
  installUser: null,
  // uv lives in /tmp/uv for this one step, so the image does not carry it. pip compiles
  // bytecode at install, uv only when asked: without it every start recompiles, since
  // uid 1000 cannot write __pycache__ in root's site-packages.
  install: source => ({
    comments: [],
    commands: [
      `pip install --no-cache-dir --target /tmp/uv uv==${UV_VERSION}`,
      `${UV_INDEX} /tmp/uv/bin/uv pip install --system --no-cache --compile-bytecode ${installArgs(source)}`,
      'rm -rf /tmp/uv'
    ]
  }),
  // uv itself sits in a cache mount keyed by its version and the target's architecture
  // (installed there on the first build only, checked by running it), and its downloads
  // in another: neither ends up in the image. A cache mount is another file system, so uv
  // copies from its cache instead of trying hard links.
  installBuildkit: source => ({
    comments: [
      '# BuildKit keeps uv itself (per uv version and platform) and its downloads in cache',
      '# mounts, never in the image: after a requirement changes, only what changed is',
      '# downloaded again.'
    ],
    args: ['TARGETARCH'],
    mounts: [
      cacheMount(`dockerize-uv-${UV_VERSION}-\${TARGETARCH}`, UV_HOME, [
        'sharing=locked'
      ]),
      cacheMount('dockerize-uv-cache', '/root/.cache/uv')
    ],
    commands: [
      `if ! ${UV_HOME}/bin/uv --version >/dev/null 2>&1; then pip install --no-cache-dir --upgrade --target ${UV_HOME} uv==${UV_VERSION}; fi`,
      `UV_LINK_MODE=copy ${UV_INDEX} ${UV_HOME}/bin/uv pip install --system --compile-bytecode ${installArgs(source)}`
    ]
  }),
  pylock: 'install',
  afterInstall: [],
  command: jupyterCommand,
  readmeContents: REQUIREMENTS_CONTENTS
};

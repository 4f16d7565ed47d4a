/** uv on the official python:X.Y-slim image (uv itself is not left in the image). */
import {
  createJovyan,
  jupyterCommand,
  pythonSlim,
  REQUIREMENTS_CONTENTS
} from './common';
import { ITemplate, NB_UID } from './template';

/** The uv installed for the install step. Bump it with requirements-dev.txt's pins. */
export const UV_VERSION = '0.13.9';

/** uv reads the mirror build argument pip reads (plain http needs no trusted host in uv). */
const UV_INDEX = 'UV_DEFAULT_INDEX="${PIP_INDEX_URL:-https://pypi.org/simple}"';

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
  install: jupyterPin => ({
    comments: [],
    commands: [
      `pip install --no-cache-dir --target /tmp/uv uv==${UV_VERSION}`,
      `${UV_INDEX} /tmp/uv/bin/uv pip install --system --no-cache --compile-bytecode -r requirements.txt${jupyterPin ? ` ${jupyterPin}` : ''}`,
      'rm -rf /tmp/uv'
    ]
  }),
  afterInstall: [],
  command: jupyterCommand,
  readmeContents: REQUIREMENTS_CONTENTS
};

/** pip on the official python:X.Y-slim image. */
import {
  createJovyan,
  jupyterCommand,
  pipInstall,
  pipInstallCached,
  pythonSlim,
  ROOT_PIP_CACHE,
  REQUIREMENTS_CONTENTS
} from './common';
import { ITemplate, NB_UID } from './template';

export const pipTemplate: ITemplate<'pip'> = {
  id: 'pip',
  label: trans => trans.__('pip on python-slim'),
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
  install: pipInstall,
  installBuildkit: pipInstallCached(ROOT_PIP_CACHE),
  pylock: 'beside',
  afterInstall: [],
  command: jupyterCommand,
  readmeContents: REQUIREMENTS_CONTENTS
};

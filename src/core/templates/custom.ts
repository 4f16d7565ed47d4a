/** pip on a base image the user names (it must have python3 and pip). */
import { parseImageReference } from '../bundle/bundleImageName';
import { showUntrusted } from '../shared/text';
import {
  createJovyan,
  jupyterCommand,
  pipInstall,
  pipInstallCached,
  pythonSlim,
  ROOT_PIP_CACHE,
  REQUIREMENTS_CONTENTS
} from './common';
import { IBaseImageRequest, ITemplate, NB_UID } from './template';

/** The requested image when it is a valid reference (warned when untagged), else python-slim. */
function requestedImage({
  python,
  requested,
  warnings
}: IBaseImageRequest): string {
  const slim = pythonSlim(python);
  const ref =
    typeof requested === 'string' ? parseImageReference(requested) : null;
  if (typeof requested !== 'string' || !ref) {
    warnings.push(
      `The base image ${showUntrusted(requested ?? '')} is not a valid image reference; ${slim} is used instead.`
    );
    return slim;
  }
  if (!ref.tag && !ref.digest) {
    warnings.push(
      `The base image ${showUntrusted(requested)} has no tag, so every build may get a different image; name a tag.`
    );
  }
  return requested;
}

export const customTemplate: ITemplate<'custom'> = {
  id: 'custom',
  label: trans => trans.__('Custom base image'),
  installFile: 'requirements.txt',
  jupyter: 'install-line',
  installsCondaPackages: false,
  supportsWheelhouse: true,
  needsBaseImage: true,
  mayHaveCompiler: true,
  baseImage: requestedImage,
  group: NB_UID,
  rootComment:
    '# Root for the system steps, whatever user the base image ends with.',
  userSetup: apt => createJovyan(apt, true),
  installUser: null,
  install: pipInstall,
  // The step runs as root (USER 0 above), so pip's cache is root's.
  installBuildkit: pipInstallCached(ROOT_PIP_CACHE),
  pylock: 'beside',
  afterInstall: [],
  command: jupyterCommand,
  readmeContents: REQUIREMENTS_CONTENTS
};

/** micromamba installs environment.yml into the base environment of its own image. */
import { ITemplate } from './template';

export const condaTemplate: ITemplate<'conda'> = {
  id: 'conda',
  label: trans => trans.__('conda (environment.yml)'),
  installFile: 'environment.yml',
  supportsWheelhouse: false,
  needsBaseImage: false
};

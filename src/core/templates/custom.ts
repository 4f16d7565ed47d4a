/** pip on a base image the user names (it must have python3 and pip). */
import { ITemplate } from './template';

export const customTemplate: ITemplate<'custom'> = {
  id: 'custom',
  label: trans => trans.__('Custom base image'),
  installFile: 'requirements.txt',
  supportsWheelhouse: true,
  needsBaseImage: true
};

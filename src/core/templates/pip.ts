/** pip on the official python:X.Y-slim image. */
import { ITemplate } from './template';

export const pipTemplate: ITemplate<'pip'> = {
  id: 'pip',
  label: trans => trans.__('pip on python-slim'),
  installFile: 'requirements.txt',
  supportsWheelhouse: true,
  needsBaseImage: false
};

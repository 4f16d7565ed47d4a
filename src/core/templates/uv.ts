/** uv on the official python:X.Y-slim image (uv itself is not left in the image). */
import { ITemplate } from './template';

export const uvTemplate: ITemplate<'uv'> = {
  id: 'uv',
  label: trans => trans.__('uv on python-slim'),
  installFile: 'requirements.txt',
  supportsWheelhouse: true,
  needsBaseImage: false
};

/** pip on the Jupyter Docker Stacks base-notebook image (jovyan, start-notebook.py). */
import { ITemplate } from './template';

export const dockerStacksTemplate: ITemplate<'docker-stacks'> = {
  id: 'docker-stacks',
  label: trans => trans.__('Jupyter Docker Stacks'),
  installFile: 'requirements.txt',
  supportsWheelhouse: true,
  needsBaseImage: false
};

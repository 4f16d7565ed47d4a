/**
 * What a Dockerfile template is: one object per ecosystem (pip, uv, conda, …), registered
 * in index.ts. The fields say what the rest of the extension needs to know about it (its
 * label in the panel, the file its packages are listed in, whether it can install from
 * the offline wheelhouse, whether the user names its base image).
 */
import { ITranslate } from '../text';

export type InstallFile = 'requirements.txt' | 'environment.yml';

export interface ITemplate<Id extends string = string> {
  /** The name in the settings (schema/plugin.json's enum) and in requests. */
  readonly id: Id;
  /** What the panel calls it (a literal trans.__ call, so it can be translated). */
  label(trans: ITranslate): string;
  /** The file the image installs the Python packages from. */
  readonly installFile: InstallFile;
  /** The offline wheelhouse (pip wheels pinned by hash) can replace the index. */
  readonly supportsWheelhouse: boolean;
  /** The user names the FROM image (the form asks for it). */
  readonly needsBaseImage: boolean;
}

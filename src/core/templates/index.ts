/**
 * The registry of Dockerfile templates: the one list the generator, the panel and the
 * settings schema (schema/plugin.json, held equal by a test) take their templates from.
 * Adding a template: docs/adding-a-template.md.
 */
import { ITranslate, plainTranslate } from '../shared/text';
import { condaTemplate } from './conda';
import { customTemplate } from './custom';
import { dockerStacksTemplate } from './docker-stacks';
import { pipTemplate } from './pip';
import { InstallFile, ITemplate } from './template';
import { uvTemplate } from './uv';

export {
  IBaseImageRequest,
  IInstallFileInput,
  IInstallSource,
  IInstallStep,
  IInstallUser,
  InstallFile,
  IPythonVersion,
  ITemplate,
  IUserSetup,
  NB_UID
} from './template';

/** In the order the settings and the panel list them. */
const REGISTERED = [
  pipTemplate,
  uvTemplate,
  condaTemplate,
  dockerStacksTemplate,
  customTemplate
] as const;

export type TemplateId = (typeof REGISTERED)[number]['id'];

export const TEMPLATES: readonly ITemplate<TemplateId>[] = REGISTERED;

export const TEMPLATE_IDS: readonly TemplateId[] = TEMPLATES.map(
  template => template.id
);

/** The template a new bundle starts with when the settings name none. */
export const DEFAULT_TEMPLATE: TemplateId = 'uv';

const BY_ID = new Map<string, ITemplate<TemplateId>>(
  TEMPLATES.map(template => [template.id, template])
);

export function isTemplateId(id: unknown): id is TemplateId {
  return typeof id === 'string' && BY_ID.has(id);
}

export function templateById(id: string): ITemplate<TemplateId> | undefined {
  return BY_ID.get(id);
}

/** The panel's label of a template; an unknown one shows its own name. */
export function templateLabel(
  id: string,
  trans: ITranslate = plainTranslate
): string {
  return BY_ID.get(id)?.label(trans) ?? id;
}

/** Whether the template can install from the offline wheelhouse (false when unknown). */
export function supportsWheelhouse(id: string): boolean {
  return BY_ID.get(id)?.supportsWheelhouse ?? false;
}

/** Whether the user names the template's base image (false when unknown). */
export function needsBaseImage(id: string): boolean {
  return BY_ID.get(id)?.needsBaseImage ?? false;
}

/** The file the template installs from (requirements.txt when unknown). */
export function installFile(id: string): InstallFile {
  return BY_ID.get(id)?.installFile ?? 'requirements.txt';
}

/** Whether the template's image may have a C compiler, so source distributions build. */
export function mayHaveCompiler(id: string): boolean {
  return BY_ID.get(id)?.mayHaveCompiler ?? false;
}

/** Why the template has no offline wheelhouse, for the panel; '' when it has one. */
export function wheelhouseHint(
  id: string,
  trans: ITranslate = plainTranslate
): string {
  return BY_ID.get(id)?.noWheelhouse?.hint(trans) ?? '';
}

/**
 * The template to switch to when a package needs the offline wheelhouse and the chosen
 * template has none: the first listed that has one and asks for nothing more (pip).
 */
export function wheelhouseFallback(): TemplateId {
  const found = TEMPLATES.find(
    template => template.supportsWheelhouse && !template.needsBaseImage
  );
  return found ? found.id : DEFAULT_TEMPLATE;
}

/**
 * The extension's settings (schema/plugin.json) as the sessions take them: one place that
 * names every setting, so adding one is this file and the schema.
 *
 *   const apply = () => sessions.setDefaults(sessionDefaultsOf(settings));
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import { ISessionDefaults } from './session';

/** The settings' values by name (ISettingRegistry.ISettings in the product). */
export interface ISettingsSource {
  get(key: string): { composite: unknown };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Every setting the sessions follow; a missing or mistyped one is left to its default. */
export function sessionDefaultsOf(
  settings: ISettingsSource | ISettingRegistry.ISettings
): ISessionDefaults {
  const value = (key: string) => settings.get(key).composite;
  const notebooks = value('verifyNotebooks');
  return {
    template: textOf(value('defaultTemplate')),
    registry: textOf(value('defaultRegistry')),
    namespace: textOf(value('defaultNamespace')),
    verifyNotebooks: typeof notebooks === 'boolean' ? notebooks : undefined,
    verifyCellTimeout: numberOf(value('verifyCellTimeout')),
    verifyNotebookTimeout: numberOf(value('verifyNotebookTimeout')),
    verifyRelativeTolerance: numberOf(value('verifyRelativeTolerance')),
    platforms: textOf(value('platforms')),
    bundleBuilder: textOf(value('bundleBuilder'))
  };
}

/** JupyterLab's command that opens the settings editor, and its search for ours. */
export const OPEN_SETTINGS_COMMAND = 'settingeditor:open';
export const SETTINGS_QUERY = 'Dockerize';

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { fetchEngineStatus } from './api';
import { registerCommands } from './commands';
import { ExportPanel } from './panel/ExportPanel';
import { ExportPanelModel } from './panel/model';
import { PLUGIN_ID } from './tokens';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Package a notebook and its live environment as a Docker image.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    INotebookTracker,
    IDefaultFileBrowser,
    ISettingRegistry,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    fileBrowser: IDefaultFileBrowser | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_dockerize');
    const model = new ExportPanelModel(fetchEngineStatus);
    const panel = new ExportPanel(model, trans);
    app.shell.add(panel, 'right', { rank: 900 });
    restorer?.add(panel, 'jupyterlab-dockerize-panel');

    registerCommands({ app, panel, trans, notebooks, fileBrowser, palette });

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () =>
            model.setPushTarget({
              registry: settings.get('defaultRegistry').composite as string,
              namespace: settings.get('defaultNamespace').composite as string
            });
          apply();
          settings.changed.connect(apply);
        },
        reason =>
          console.error('jupyterlab-dockerize: settings not loaded', reason)
      );
    }
    void model.refreshEngine();
  }
};

export default plugin;

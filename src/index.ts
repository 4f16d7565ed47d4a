import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { PageConfig } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog, IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { fetchCaptureRequest, fetchEngineStatus } from './api';
import { registerCommands } from './commands';
import { NotebookAccess } from './notebookAccess';
import { IPhaseEnd } from './panel/buildModel';
import { ExportPanel } from './panel/ExportPanel';
import { ExportPanelModel } from './panel/model';
import { JobNotifier } from './panel/notifications';
import { widenSidebar } from './panel/sidebarWidth';
import { PLUGIN_ID } from './tokens';

/** Where the panel keeps the notebook it was opened for, across reloads. */
const STATE_KEY = 'jupyterlab-dockerize:panel';
/** Whether the panel's sidebar was given its room once (then the user's width stays). */
const SIDEBAR_KEY = 'jupyterlab-dockerize:sidebar';
/** The width the panel opens at: room for the package table, the form and the buttons. */
const PANEL_WIDTH = 440;

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Package a notebook and its live environment as a Docker image.',
  autoStart: true,
  requires: [IEditorServices],
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    INotebookTracker,
    IDefaultFileBrowser,
    ISettingRegistry,
    ITranslator,
    IStateDB,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    editorServices: IEditorServices,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    fileBrowser: IDefaultFileBrowser | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    state: IStateDB | null,
    documentManager: IDocumentManager | null
  ) => {
    const anyTranslator = translator ?? nullTranslator;
    const trans = anyTranslator.load('jupyterlab_dockerize');
    const model = new ExportPanelModel(
      fetchEngineStatus,
      new NotebookAccess(app, notebooks, trans),
      PageConfig.getOption('serverRoot') || undefined
    );
    // The page says "~/..." for a root under the home folder: the server knows it whole.
    void fetchCaptureRequest()
      .then(request => model.setJupyterRoot(request.root))
      .catch(() => undefined); // capture itself reports a server that does not answer
    const contents = app.serviceManager.contents;
    // One notification per notebook, updated in place; the same failure never twice.
    const notifier = new JobNotifier(
      {
        emit: (message, type, options) =>
          Notification.emit(message, type, options),
        update: args => Notification.update(args)
      },
      () => app.shell.activateById(panel.id),
      trans
    );
    const notifyPhaseEnd = (end: IPhaseEnd) => notifier.phaseEnded(end);
    const panel: ExportPanel = new ExportPanel(model, trans, {
      notifyPhaseEnd,
      onFirstShow: () => void openAtReadableWidth(panel, state),
      editorServices,
      listNotebooks: async folder => {
        const listing = await contents.get(folder, { content: true });
        return (listing.content as { path: string; type: string }[])
          .filter(item => item.type === 'notebook')
          .map(item => item.path);
      },
      pickDataFiles: documentManager
        ? async folder => {
            const result = await FileDialog.getOpenFiles({
              manager: documentManager,
              translator: anyTranslator,
              title: trans.__('Add data files'),
              label: trans.__(
                'Select the files to copy into the bundle’s data/ folder.'
              ),
              defaultPath: folder
            });
            return result.button.accept ? result.value : null;
          }
        : undefined
    });
    app.shell.add(panel, 'right', { rank: 900 });
    restorer?.add(panel, 'jupyterlab-dockerize-panel');

    registerCommands({ app, panel, trans, notebooks, fileBrowser, palette });

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () => {
            model.setPushTarget({
              registry: settings.get('defaultRegistry').composite as string,
              namespace: settings.get('defaultNamespace').composite as string
            });
            panel.setDefaultTemplate(
              settings.get('defaultTemplate').composite as string
            );
          };
          apply();
          settings.changed.connect(apply);
        },
        reason =>
          console.error('jupyterlab-dockerize: settings not loaded', reason)
      );
    }
    if (state) {
      void restoreNotebookPath(app, model, state);
    }
    void model.refreshEngine();
  }
};

/**
 * The first time the panel shows in a workspace, its sidebar gets PANEL_WIDTH (JupyterLab
 * opens sidebars far narrower); the layout restorer keeps that width, or the one the user
 * drags it to afterwards, across reloads.
 */
async function openAtReadableWidth(
  panel: ExportPanel,
  state: IStateDB | null
): Promise<void> {
  const saved = await state?.fetch(SIDEBAR_KEY);
  if ((saved as { widened?: unknown } | undefined)?.widened === true) {
    return;
  }
  // After the shell has laid the sidebar out.
  await new Promise(resolve => requestAnimationFrame(resolve));
  if (!panel.isVisible) {
    return;
  }
  widenSidebar(panel, PANEL_WIDTH);
  await state?.save(SIDEBAR_KEY, { widened: true });
}

async function restoreNotebookPath(
  app: JupyterFrontEnd,
  model: ExportPanelModel,
  state: IStateDB
): Promise<void> {
  await app.restored;
  const saved = await state.fetch(STATE_KEY);
  const path = (saved as { notebookPath?: unknown } | undefined)?.notebookPath;
  if (typeof path === 'string' && model.notebookPath === null) {
    model.setNotebook(path);
  }
  let savedPath = model.notebookPath;
  model.changed.connect(() => {
    if (model.notebookPath !== savedPath) {
      savedPath = model.notebookPath;
      void state.save(STATE_KEY, { notebookPath: savedPath });
    }
  });
}

export default plugin;

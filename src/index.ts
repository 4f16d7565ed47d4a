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

import {
  checkRequirements,
  fetchCaptureRequest,
  fetchEngineStatus
} from './api';
import { serverBuildBackend } from './buildApi';
import { CommandIDs, registerCommands } from './commands';
import { NotebookAccess } from './notebookAccess';
import { ExportPanel } from './panel/ExportPanel';
import { TabView } from './panel/tabView';
import { NotebookTabs } from './panel/notebookTabs';
import { JobNotifier } from './panel/notifications';
import { SessionManager } from './panel/session';
import {
  OPEN_SETTINGS_COMMAND,
  sessionDefaultsOf,
  SETTINGS_QUERY
} from './panel/settings';
import { widenSidebar } from './panel/sidebarWidth';
import { PLUGIN_ID } from './tokens';

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
    const sessions = new SessionManager({
      fetchEngine: fetchEngineStatus,
      notebooks: new NotebookAccess(app, notebooks, trans),
      checkRequirements,
      builds: serverBuildBackend,
      // JupyterLab's state database keeps each notebook's session across reloads.
      store: state,
      // A report's "time limit" diagnosis opens the extension's settings.
      openSettings: settingRegistry
        ? () =>
            void app.commands.execute(OPEN_SETTINGS_COMMAND, {
              query: SETTINGS_QUERY
            })
        : undefined,
      jupyterRoot: PageConfig.getOption('serverRoot') || undefined,
      trans
    });
    // The page says "~/..." for a root under the home folder: the server knows it whole.
    void fetchCaptureRequest()
      .then(request => sessions.setJupyterRoot(request.root))
      .catch(() => undefined); // capture itself reports a server that does not answer
    const contents = app.serviceManager.contents;
    const tabs = new NotebookTabs(app.shell, editorServices, trans);
    const openTab = (path: string, view: TabView) =>
      app.commands.execute(CommandIDs.openTab, { path, view });

    // One notification per job, updated in place; the same failure never twice.
    const notifier = new JobNotifier(
      {
        emit: (message, type, options) =>
          Notification.emit(message, type, options),
        update: args => Notification.update(args),
        dismiss: id => Notification.dismiss(id)
      },
      job =>
        job.notebook
          ? void openTab(job.notebook, 'log')
          : app.shell.activateById(panel.id),
      trans
    );
    sessions.phaseEnded.connect((_, end) => notifier.phaseEnded(end));

    const panel: ExportPanel = new ExportPanel(sessions, trans, {
      openTab: (session, view) => void openTab(session.path, view),
      onFirstShow: () => void openAtReadableWidth(panel, state),
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

    registerCommands({
      app,
      panel,
      sessions,
      tabs,
      trans,
      notebooks,
      fileBrowser,
      palette
    });
    void restorer?.restore(tabs.tracker, {
      command: CommandIDs.openTab,
      args: tab => ({ path: tab.path, view: tab.content.view }),
      name: tab => tab.path
    });

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () => sessions.setDefaults(sessionDefaultsOf(settings));
          apply();
          settings.changed.connect(apply);
        },
        reason =>
          console.error('jupyterlab-dockerize: settings not loaded', reason)
      );
    }
    // The notebook the panel showed before the reload, with its options and newest job.
    void app.restored.then(() => sessions.restoreCurrent());
    void sessions.refreshEngine();
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

export default plugin;

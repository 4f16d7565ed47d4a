import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { dockerizeIcon } from './icons';
import { ExportPanel } from './panel/ExportPanel';
import { isTabView } from './panel/tabView';
import { NotebookTabs } from './panel/notebookTabs';
import { SessionManager } from './panel/session';

export namespace CommandIDs {
  /** Package the current notebook (notebook toolbar and command palette). */
  export const packageNotebook = 'dockerize:package-notebook';
  /** Package the notebook selected in the file browser (its context menu). */
  export const packageSelected = 'dockerize:package-selected-notebook';
  export const openPanel = 'dockerize:open-panel';
  /** A notebook's tab: Dockerfile, build log, verification (args: path?, view?). */
  export const openTab = 'dockerize:open-notebook-tab';
}

const PALETTE_CATEGORY = 'Dockerize';

export interface ICommandContext {
  app: JupyterFrontEnd;
  panel: ExportPanel;
  sessions: SessionManager;
  tabs: NotebookTabs;
  trans: TranslationBundle;
  notebooks: INotebookTracker | null;
  fileBrowser: IDefaultFileBrowser | null;
  palette: ICommandPalette | null;
}

function openPanelFor(context: ICommandContext, path: string | null): void {
  const { app, panel, sessions } = context;
  app.shell.activateById(panel.id);
  void sessions.refreshEngine();
  if (path) {
    // Every "Package this notebook" reads the kernel afresh (a %pip install since counts).
    void sessions.open(path).captureEnvironment();
  }
}

function selectedNotebook(
  fileBrowser: IDefaultFileBrowser | null
): string | null {
  const item = fileBrowser?.selectedItems().next();
  if (!item || item.done || item.value.type !== 'notebook') {
    return null;
  }
  return item.value.path;
}

export function registerCommands(context: ICommandContext): void {
  const { app, trans, notebooks, fileBrowser, palette } = context;

  app.commands.addCommand(CommandIDs.packageNotebook, {
    label: trans.__('Package this notebook'),
    caption: trans.__(
      'Export this notebook and its environment as a Docker image'
    ),
    icon: dockerizeIcon,
    isEnabled: () => !!notebooks?.currentWidget,
    execute: () => {
      const path = notebooks?.currentWidget?.context.path ?? null;
      openPanelFor(context, path);
    }
  });

  app.commands.addCommand(CommandIDs.packageSelected, {
    label: trans.__('Package this notebook'),
    caption: trans.__(
      'Export this notebook and its environment as a Docker image'
    ),
    icon: dockerizeIcon,
    isVisible: () => selectedNotebook(fileBrowser) !== null,
    execute: () => openPanelFor(context, selectedNotebook(fileBrowser))
  });

  app.commands.addCommand(CommandIDs.openPanel, {
    label: trans.__('Open the Export Environment panel'),
    execute: () => openPanelFor(context, null)
  });

  app.commands.addCommand(CommandIDs.openTab, {
    label: trans.__('Open the Dockerfile and build log'),
    caption: trans.__(
      'The notebook’s Dockerfile, build log and verification report in a tab'
    ),
    icon: dockerizeIcon,
    isEnabled: args =>
      typeof args.path === 'string' || context.sessions.current !== null,
    execute: args => {
      const { sessions, tabs } = context;
      const path =
        typeof args.path === 'string' ? args.path : sessions.current?.path;
      if (!path) {
        return;
      }
      // A tab (restored after a reload, say) never takes the panel's notebook.
      const session = sessions.ensure(path);
      return tabs.open(session, isTabView(args.view) ? args.view : undefined);
    }
  });

  if (palette) {
    for (const command of [
      CommandIDs.packageNotebook,
      CommandIDs.openPanel,
      CommandIDs.openTab
    ]) {
      palette.addItem({ command, category: PALETTE_CATEGORY });
    }
  }
  // The notebook toolbar button and the file browser context-menu entry are declared
  // in schema/plugin.json ("jupyter.lab.toolbars" and "jupyter.lab.menus").
}

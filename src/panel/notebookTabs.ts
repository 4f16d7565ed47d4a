/**
 * Opens a notebook's tab in the main area, or brings back the one it has: one tab per
 * notebook path, tracked so that the layout restorer reopens it after a reload.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookTab } from './NotebookTab';
import { TabView } from './tabView';
import { NotebookSession } from './session';

export class NotebookTabs {
  constructor(
    private readonly shell: JupyterFrontEnd.IShell,
    private readonly editorServices: IEditorServices,
    private readonly trans: TranslationBundle
  ) {}

  /** Every open tab (the layout restorer saves them). */
  readonly tracker = new WidgetTracker<NotebookTab>({
    namespace: 'jupyterlab-dockerize-notebook'
  });

  /** The session's tab, opened or brought to the front, showing `view` (if given). */
  open(session: NotebookSession, view?: TabView, activate = true): NotebookTab {
    let tab = this.tracker.find(
      widget => widget.content.session === session && !widget.isDisposed
    );
    if (tab) {
      if (view) {
        tab.content.setView(view);
      }
    } else {
      tab = new NotebookTab(session, this.editorServices, this.trans);
      if (view) {
        tab.content.setView(view);
      }
      const made = tab;
      // Its view is part of what the restorer saves.
      made.content.viewChanged.connect(() => void this.tracker.save(made));
      this.shell.add(tab, 'main', { activate });
      void this.tracker.add(tab);
    }
    if (activate) {
      this.shell.activateById(tab.id);
    }
    return tab;
  }
}

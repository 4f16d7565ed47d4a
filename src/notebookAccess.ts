import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { fetchCaptureRequest } from './api';
import { IEnvironmentSnapshot } from './core/environment/snapshot';
import { ITranslate, plainTranslate } from './core/shared/text';
import { CaptureError, captureEnvironment, markCapture } from './kernelCapture';
import { INotebookAccess } from './panel/model';
import { CaptureAction } from './tokens';

interface INotebookFile {
  cells?: { cell_type?: string; source?: string | string[] }[];
}

function openPanel(
  tracker: INotebookTracker | null,
  path: string
): NotebookPanel | null {
  return tracker?.find(panel => panel.context.path === path) ?? null;
}

function sourceText(source: string | string[] | undefined): string {
  return Array.isArray(source) ? source.join('') : (source ?? '');
}

/** Reaches notebooks and their kernels through JupyterLab's own services. */
export class NotebookAccess implements INotebookAccess {
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly tracker: INotebookTracker | null,
    private readonly trans: ITranslate = plainTranslate
  ) {}

  async capture(path: string): Promise<IEnvironmentSnapshot> {
    markCapture('start');
    const panel = openPanel(this.tracker, path);
    if (!panel) {
      throw new CaptureError(
        {
          code: 'notebook_not_open',
          message: this.trans.__(
            '%1 is not open, so it has no running kernel to read.',
            path
          ),
          hint: this.trans.__(
            'Open the notebook and start its kernel; the environment is read from the live kernel.'
          )
        },
        'open-notebook'
      );
    }
    const session = panel.sessionContext;
    // "No Kernel" chosen: the session context never becomes ready for a kernel.
    if (!session.hasNoKernel) {
      await session.ready;
    }
    const { code } = await fetchCaptureRequest();
    markCapture('ready');
    return captureEnvironment(session.session?.kernel, code, this.trans);
  }

  /** Code cell sources: from the open notebook's model, else from the saved file. */
  async codeCells(path: string): Promise<string[]> {
    const panel = openPanel(this.tracker, path);
    const model = panel?.content.model;
    if (model) {
      const sources: string[] = [];
      for (let i = 0; i < model.cells.length; i++) {
        const cell = model.cells.get(i);
        sources.push(cell.type === 'code' ? cell.sharedModel.getSource() : '');
      }
      return sources;
    }
    const file = await this.app.serviceManager.contents.get(path, {
      content: true,
      type: 'notebook'
    });
    const notebook = file.content as INotebookFile;
    return (notebook.cells ?? []).map(cell =>
      cell.cell_type === 'code' ? sourceText(cell.source) : ''
    );
  }

  /** The notebook's own kernel (its metadata), else the server's default. */
  private kernelName(panel: NotebookPanel): string | undefined {
    const spec = panel.context.model.getMetadata('kernelspec') as
      { name?: unknown } | undefined;
    if (typeof spec?.name === 'string') {
      return spec.name;
    }
    return this.app.serviceManager.kernelspecs.specs?.default;
  }

  async act(path: string, action: CaptureAction): Promise<void> {
    if (action === 'open-notebook') {
      await this.app.commands.execute('docmanager:open', { path });
    }
    const panel = openPanel(this.tracker, path);
    if (!panel) {
      return;
    }
    const session = panel.sessionContext;
    if (!session.hasNoKernel) {
      await session.ready;
    }
    if (!session.session?.kernel) {
      await session.changeKernel({ name: this.kernelName(panel) });
    }
  }
}

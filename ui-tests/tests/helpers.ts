import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Locator } from '@playwright/test';

export const PLUGIN_ID = 'jupyterlab-dockerize:plugin';
export const PANEL_ID = 'jp-dockerize-export-panel';
/** The name the panel is saved under by the layout restorer. */
export const RESTORER_NAME = 'jupyterlab-dockerize-panel';
export const PACKAGE_LABEL = 'Package this notebook';
export const TOOLBAR_ITEM = 'dockerize-package-notebook';
/**
 * The first build step in the log, whichever builder built: BuildKit's plain progress
 * (`#4 [stage-0 1/9] FROM …`, or `[1/9]` with buildx) or the classic builder's `Step 1/9`.
 */
export const BUILD_STEP_ONE = /\[(stage-0 )?1\/\d+\] FROM|Step 1\//;

/** What GET {baseUrl}jupyterlab-dockerize/engine answers. */
export interface IEngineRoute {
  status: number;
  body: {
    reachable: boolean;
    host: string;
    version?: string;
    product?: string;
    apiVersion?: string;
    error?: { code: string; message: string; hint?: string };
  };
}

/** Asks the server extension, from the test itself, which engine it sees. */
export async function getEngineRoute(
  request: APIRequestContext,
  baseURL: string
): Promise<IEngineRoute> {
  // The Galata server configuration disables the token and the XSRF check.
  const url = new URL('jupyterlab-dockerize/engine', baseURL + '/').href;
  const response = await request.get(url);
  return { status: response.status(), body: await response.json() };
}

/** The Export environment panel, in the right sidebar. */
export function exportPanel(page: IJupyterLabPageFixture): Locator {
  return page.locator(`#jp-right-stack #${PANEL_ID}`);
}

/** The notebook's tab in the main area (Dockerfile, build log, verification), when shown. */
export function notebookTab(page: IJupyterLabPageFixture): Locator {
  return page.locator(
    '#jp-main-dock-panel .jp-Dockerize-tabWidget:not(.lm-mod-hidden) .jp-Dockerize-tab'
  );
}

export type TabView = 'dockerfile' | 'log' | 'verify';

/**
 * Opens the notebook's tab on `view` with the panel's own link ("Open the Dockerfile",
 * "Open the build log", "Open the verification report") and returns the tab.
 */
export async function openNotebookTab(
  page: IJupyterLabPageFixture,
  panel: Locator,
  view: TabView
): Promise<Locator> {
  const link = {
    dockerfile: 'open-dockerfile',
    log: 'open-log',
    verify: 'open-verify'
  }[view];
  await panel.locator(`[data-dockerize="${link}"]`).click();
  const tab = notebookTab(page);
  await expect(tab).toBeVisible();
  await expect(tab.locator(`[data-dockerize="tab-${view}"]`)).toHaveAttribute(
    'aria-selected',
    'true'
  );
  return tab;
}

/** The state of one step (capture, bundle, build, push, verify) of a steps line. */
export function step(scope: Locator, id: string): Locator {
  return scope.locator(`[data-dockerize="steps"] [data-step="${id}"]`);
}

/** The panel's tab in the right sidebar tab bar. */
export function panelTab(page: IJupyterLabPageFixture): Locator {
  return page.locator(
    `.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="${PANEL_ID}"]`
  );
}

/** Expects the panel to be the open, visible widget of the right sidebar. */
export async function expectPanelOpen(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  const panel = exportPanel(page);
  await expect(panel).toBeVisible();
  await expect(panelTab(page)).toHaveClass(/lm-mod-current/);
  return panel;
}

/** Clicks "Package this notebook" in the visible notebook's toolbar; the panel opens. */
export async function packageVisibleNotebook(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
    .locator(`.jp-NotebookPanel-toolbar [data-jp-item-name="${TOOLBAR_ITEM}"]`)
    .getByRole('button')
    .click();
  return expectPanelOpen(page);
}

/**
 * The whole text of the CodeMirror editor inside `host`, read from its EditorView:
 * CodeMirror only renders the lines near the viewport, so the DOM may hold part of it.
 */
export async function editorText(host: Locator): Promise<string> {
  return host.evaluate(element => {
    // @codemirror/view keeps its tree on the content node: `cmTile` (the root tile knows
    // the view) in recent releases, `cmView` in older ones.
    const content = element.querySelector('.cm-content') as
      | (Element & {
          cmTile?: { root?: { view?: unknown } };
          cmView?: { rootView?: { view?: unknown } };
        })
      | null;
    const view = (content?.cmTile?.root?.view ??
      content?.cmView?.rootView?.view) as
      { state: { doc: { toString(): string } } } | undefined;
    if (!view) {
      throw new Error('no CodeMirror view in this element');
    }
    return view.state.doc.toString();
  });
}

/**
 * Waits until the build section's job reaches `expected`, and fails at once with the job's
 * own message when it ends failed, cancelled or interrupted instead.
 */
export async function expectJobState(
  build: Locator,
  expected: 'built' | 'pushed' | 'verified',
  timeout: number
): Promise<void> {
  const status = build.locator('[data-dockerize="build-status"] [data-state]');
  await expect(status).toHaveAttribute(
    'data-state',
    new RegExp(`^(${expected}|failed|cancelled|interrupted)$`),
    { timeout }
  );
  const state = await status.getAttribute('data-state');
  if (state !== expected) {
    // The status line and the job's problem (shown once, below it).
    const text = [
      await build.locator('[data-dockerize="build-status"]').textContent(),
      ...(await build.locator('.jp-Dockerize-problem').allTextContents())
    ].join(' ');
    throw new Error(`the job ended ${state} instead of ${expected}: ${text}`);
  }
}

import { expect, test } from '@jupyterlab/galata';

import {
  exportPanel,
  expectPanelOpen,
  getEngineRoute,
  PACKAGE_LABEL,
  panelTab,
  RESTORER_NAME,
  packageVisibleNotebook,
  TOOLBAR_ITEM
} from './helpers';

test.describe('Package this notebook', () => {
  test('the toolbar button opens the panel with the notebook and the engine the server reports', async ({
    page,
    request,
    baseURL,
    tmpPath
  }, testInfo) => {
    // What the server extension itself reports, asked by the test.
    const engine = await getEngineRoute(request, baseURL!);
    if (!engine.body.reachable) {
      // Locally a missing engine is a skip; under CI it is a failure.
      test.skip(
        !process.env.CI,
        `Docker engine unreachable at ${engine.body.host}: ${engine.body.error?.message}`
      );
      expect(
        engine.body,
        `the Docker engine must be reachable under CI (DOCKER_HOST=${process.env.DOCKER_HOST})`
      ).toMatchObject({ reachable: true });
    }
    expect(engine.status).toBe(200);
    expect(engine.body.version).toBeTruthy();

    const name = await page.notebook.createNew('packaged.ipynb', {
      kernel: 'python3'
    });
    expect(name).toBe('packaged.ipynb');

    const button = page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
      .locator(
        `.jp-NotebookPanel-toolbar [data-jp-item-name="${TOOLBAR_ITEM}"]`
      )
      .getByRole('button', {
        name: 'Export this notebook and its environment as a Docker image'
      });
    await expect(button).toBeVisible();
    await button.click();

    const panel = await expectPanelOpen(page);
    await expect(panelTab(page)).toHaveAttribute('title', 'Export environment');
    await expect(
      panel.getByRole('heading', { name: 'Export environment' })
    ).toBeVisible();
    await expect(panel.locator('[data-dockerize="notebook-path"]')).toHaveText(
      `${tmpPath}/packaged.ipynb`
    );
    await expect(
      panel.locator('[data-dockerize="engine-reachable"]')
    ).toHaveText('reachable');
    await expect(panel.locator('[data-dockerize="engine-version"]')).toHaveText(
      engine.body.version!
    );
    await expect(panel.locator('[data-dockerize="engine-host"]')).toHaveText(
      engine.body.host
    );
    await expect(
      panel
        .locator('section[aria-labelledby="jp-Dockerize-engineTitle"]')
        .locator('.jp-Dockerize-problem')
    ).toHaveCount(0);

    // For a human to look at: the whole window and the panel alone.
    await testInfo.attach('export-panel', {
      body: await page.screenshot({
        path: testInfo.outputPath('lab-with-export-panel.png')
      }),
      contentType: 'image/png'
    });
    await panel.screenshot({ path: testInfo.outputPath('export-panel.png') });
  });

  test('the command palette offers "Package this notebook"', async ({
    page,
    tmpPath
  }) => {
    await page.notebook.createNew('from-palette.ipynb', { kernel: 'python3' });

    await page.menu.clickMenuItem('View>Activate Command Palette');
    const palette = page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill(PACKAGE_LABEL);
    const item = palette.locator('.lm-CommandPalette-item', {
      hasText: PACKAGE_LABEL
    });
    await expect(item).toHaveCount(1);
    await expect(item).toHaveAttribute(
      'data-command',
      'dockerize:package-notebook'
    );
    await item.click();

    const panel = await expectPanelOpen(page);
    await expect(panel.locator('[data-dockerize="notebook-path"]')).toHaveText(
      `${tmpPath}/from-palette.ipynb`
    );
  });

  test('the file browser context menu on a notebook opens the panel for that file', async ({
    page,
    tmpPath
  }) => {
    const notebook = {
      cells: [],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      `${tmpPath}/context-menu.ipynb`
    );
    await page.contents.uploadContent(
      'not a notebook',
      'text',
      `${tmpPath}/notes.txt`
    );
    await page.filebrowser.refresh();

    // Not offered on a file that is not a notebook.
    await page
      .locator('.jp-DirListing-item', { hasText: 'notes.txt' })
      .click({ button: 'right' });
    await expect(page.locator('.lm-Menu').first()).toBeVisible();
    await expect(
      page.getByRole('menuitem', { name: PACKAGE_LABEL })
    ).toHaveCount(0);
    await page.keyboard.press('Escape');

    await page
      .locator('.jp-DirListing-item', { hasText: 'context-menu.ipynb' })
      .click({ button: 'right' });
    const entry = page.getByRole('menuitem', { name: PACKAGE_LABEL });
    await expect(entry).toBeVisible();
    await entry.click();

    const panel = await expectPanelOpen(page);
    await expect(panel.locator('[data-dockerize="notebook-path"]')).toHaveText(
      `${tmpPath}/context-menu.ipynb`
    );
    // The notebook was packaged from the file browser, not opened.
    await expect(page.locator('.jp-NotebookPanel')).toHaveCount(0);
  });

  test('the panel and its notebook are restored after a page reload', async ({
    page,
    tmpPath
  }) => {
    await expect(exportPanel(page)).toBeHidden();
    await page.notebook.createNew('restored.ipynb', { kernel: 'python3' });
    await packageVisibleNotebook(page);

    // The layout restorer saves the layout asynchronously (to the workspace,
    // held in memory by Galata): wait until it names the panel as the current
    // widget of the right area, and the state database holds the notebook.
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          const workspace = await response.json();
          return [
            workspace?.data?.['layout-restorer:data']?.right?.current,
            workspace?.data?.['jupyterlab-dockerize:panel']?.notebookPath
          ];
        })
      )
      .toEqual([RESTORER_NAME, `${tmpPath}/restored.ipynb`]);

    // Galata's reload waits for the Launcher, which a restored notebook would hide:
    // close the notebook (the panel keeps its path in the state database anyway).
    await page.notebook.close(true);
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          const workspace = await response.json();
          const main = workspace?.data?.['layout-restorer:data']?.main;
          return JSON.stringify(main ?? {}).includes('restored.ipynb');
        })
      )
      .toBe(false);

    await page.reload();
    const panel = await expectPanelOpen(page);
    await expect(panel.locator('[data-dockerize="notebook-path"]')).toHaveText(
      `${tmpPath}/restored.ipynb`
    );
  });

  test('the panel opens at a readable width, and a width the user drags to stays', async ({
    page
  }) => {
    test.setTimeout(120_000);
    // A common laptop window: the notebook keeps 400 px or more beside the panel.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.notebook.createNew('wide.ipynb', { kernel: 'python3' });
    const panel = await packageVisibleNotebook(page);
    const stack = page.locator('#jp-right-stack');
    // No setWidth here: the width is the product's own.
    const width = async (target: typeof panel) =>
      (await target.boundingBox())?.width ?? 0;
    await expect.poll(() => width(panel)).toBeGreaterThanOrEqual(400);
    expect(await width(panel)).toBeLessThanOrEqual(470);
    // The whole sidebar is that wide, so nothing of the panel is cut off.
    expect(Math.abs((await width(stack)) - (await width(panel)))).toBeLessThan(
      4
    );

    // Narrower by hand: closing and opening the sidebar, or a reload, keeps it.
    await page.sidebar.setWidth(300, 'right');
    await expect.poll(() => width(panel)).toBeLessThan(320);
    await panelTab(page).click();
    await expect(panel).toBeHidden();
    await panelTab(page).click();
    await expect(panel).toBeVisible();
    await expect.poll(() => width(panel)).toBeLessThan(320);
    // Galata's reload waits for the Launcher, which a restored notebook would hide.
    await page.notebook.close(true);
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          const workspace = await response.json();
          const layout = workspace?.data?.['layout-restorer:data'];
          const sizes = layout?.relativeSizes as number[] | undefined;
          return [
            JSON.stringify(layout?.main ?? {}).includes('wide.ipynb'),
            sizes ? sizes[sizes.length - 1] * window.innerWidth < 330 : false
          ];
        })
      )
      .toEqual([false, true]);
    await page.reload();
    const restored = await expectPanelOpen(page);
    // Give a (wrong) re-widening the time to happen.
    await page.waitForTimeout(500);
    expect(await width(restored)).toBeLessThan(320);
  });
});

import { expect, test } from '@jupyterlab/galata';

import {
  BUILD_STEP_ONE,
  expectJobState,
  notebookTab,
  openNotebookTab,
  packageVisibleNotebook,
  step
} from './helpers';

const REGISTRY = process.env.DOCKERIZE_TEST_REGISTRY ?? '';
const USER = process.env.DOCKERIZE_TEST_REGISTRY_USER ?? '';
const PASSWORD = process.env.DOCKERIZE_TEST_REGISTRY_PASSWORD ?? '';

test.describe('Build, push and verify', () => {
  test.beforeAll(() => {
    if (!REGISTRY && process.env.CI) {
      throw new Error(
        'CI=true and no test registry: run the suite with `make test`.'
      );
    }
  });

  test('builds with live log in the notebook tab, pushes with a token typed in the dialog, verifies; the steps follow; a reload shows the job without a capture', async ({
    page,
    request
  }) => {
    test.skip(
      !REGISTRY,
      'no test registry (DOCKERIZE_TEST_REGISTRY): run `make test`'
    );
    test.setTimeout(600_000);
    // A desktop window with the file browser closed: the main area has the room.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.sidebar.close('left');
    await page.notebook.createNew('shipped.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import six\nsix.PY3');
    await page.notebook.runCell(0);

    const panel = await packageVisibleNotebook(page);
    const bundle = panel.locator('[data-dockerize="bundle"]');
    await expect(bundle).toBeVisible({ timeout: 60_000 });
    await panel
      .getByRole('button', { name: 'Only what the notebook imports' })
      .click();
    await bundle.getByLabel('Template', { exact: true }).selectOption('pip');
    await bundle.locator('[data-dockerize="bundle-wheelhouse"]').check();
    // One platform: the harness has python:3.11.7-slim (the kernel's) for amd64 only;
    // multiplatform.spec.ts pushes both with the default choice.
    await bundle
      .locator('[data-dockerize="bundle-platforms"]')
      .selectOption('linux/amd64');
    await bundle
      .getByLabel('Image name', { exact: true })
      .fill('dockerize-ui/shipped');
    await bundle.getByLabel('Tag', { exact: true }).fill('1');

    const build = panel.locator('[data-dockerize="build"]');
    // Captured, the options valid, nothing built yet.
    for (const [id, state] of [
      ['capture', 'done'],
      ['bundle', 'done'],
      ['build', 'waiting'],
      ['push', 'waiting'],
      ['verify', 'waiting']
    ]) {
      await expect(step(panel, id)).toHaveAttribute('data-state', state);
    }
    await build.locator('[data-dockerize="build-start"]').click();
    await expect(step(panel, 'build')).toHaveAttribute('data-state', 'active', {
      timeout: 60_000
    });
    // The log opens from the panel in the notebook's tab and follows the build there,
    // as wide as the main area.
    const tab = await openNotebookTab(page, build, 'log');
    const log = tab.locator('[data-dockerize="build-log"]');
    await expect(log).toContainText('Downloading wheels', { timeout: 120_000 });
    await expect(
      tab.locator('[data-dockerize="build-status"] [data-state]')
    ).toHaveAttribute('data-state', /queued|building/);
    await expect(step(tab, 'build')).toHaveAttribute('data-state', 'active');
    const main = (await page.locator('#jp-main-dock-panel').boundingBox())!;
    const logBox = (await log.boundingBox())!;
    expect(logBox.width).toBeGreaterThan(main.width - 80);
    expect(logBox.width).toBeGreaterThan(
      (await panel.boundingBox())!.width + 100
    );
    expect(logBox.height).toBeGreaterThan(200);
    await tab.screenshot({
      path: test.info().outputPath('build-log-tab.png')
    });
    await expectJobState(build, 'built', 400_000);
    await expect(log).toContainText(BUILD_STEP_ONE);
    await expect(
      build.locator('[data-dockerize="build-progress"]')
    ).toContainText('Build: step');
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'built' })
    ).toBeVisible();
    await expect(step(panel, 'build')).toHaveAttribute('data-state', 'done');
    await expect(step(panel, 'push')).toHaveAttribute('data-state', 'waiting');
    await expect(step(tab, 'build')).toHaveAttribute('data-state', 'done');

    // Push to the local registry with the credentials typed in the dialog.
    await build.locator('[data-dockerize="build-push"]').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('[data-dockerize="push-registry"]').fill(REGISTRY);
    await dialog
      .locator('[data-dockerize="push-repository"]')
      .fill('dockerize/ui-shipped');
    await dialog.locator('[data-dockerize="push-tag"]').fill('1');
    await dialog.locator('[data-dockerize="push-username"]').fill(USER);
    const token = dialog.locator('[data-dockerize="push-token"]');
    await expect(token).toHaveAttribute('type', 'password');
    await expect(token).toHaveAttribute('autocomplete', 'new-password');
    await token.fill(PASSWORD);
    await expect(
      dialog.locator('[data-dockerize="push-target"]')
    ).toContainText(`${REGISTRY}/dockerize/ui-shipped:1`);
    await dialog.getByRole('button', { name: 'Push' }).click();
    await expectJobState(build, 'pushed', 120_000);
    await expect(build.locator('[data-dockerize="push-result"]')).toContainText(
      `${REGISTRY}/dockerize/ui-shipped:1`
    );
    await expect(step(panel, 'push')).toHaveAttribute('data-state', 'done');
    await expect(step(panel, 'verify')).toHaveAttribute(
      'data-state',
      'waiting'
    );
    // One notification for the job, told in place: built, then pushed.
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'pushed as' })
    ).toBeVisible();
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'built' })
    ).toHaveCount(0);
    const tags = await request.get(
      `http://${REGISTRY}/v2/dockerize/ui-shipped/tags/list`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
        }
      }
    );
    expect((await tags.json()).tags).toContain('1');
    // The token is not in the page once the dialog is gone.
    expect(await page.content()).not.toContain(PASSWORD);

    // Verify: the image reproduces the selection, answers with its token only, not root.
    await build.locator('[data-dockerize="build-verify"]').click();
    await expect(step(panel, 'verify')).toHaveAttribute(
      'data-state',
      'active',
      { timeout: 60_000 }
    );
    await expectJobState(build, 'verified', 180_000);
    for (const id of ['capture', 'bundle', 'build', 'push', 'verify']) {
      await expect(step(panel, id)).toHaveAttribute('data-state', 'done');
      await expect(step(tab, id)).toHaveAttribute('data-state', 'done');
    }
    // The job's one notification now says verified; its "Open log" opens the tab's log.
    const toast = page
      .locator('.Toastify__toast')
      .filter({ hasText: 'verified' });
    await expect(toast).toHaveCount(1);
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: /shipped/ })
    ).toHaveCount(1);
    await tab.locator('[data-dockerize="tab-dockerfile"]').click();
    await toast.getByRole('button', { name: 'Open log' }).click();
    await expect(tab.locator('[data-dockerize="tab-log"]')).toHaveAttribute(
      'aria-selected',
      'true'
    );
    const report = await openNotebookTab(page, build, 'verify');
    await expect(
      report.locator('[data-dockerize="verify-summary"]')
    ).toHaveText('Reproduced: 1 of 1');
    await expect(
      report.locator('[data-dockerize="verify-result"]')
    ).toContainText('It runs as uid 1000, not root.');
    await build.screenshot({
      path: test.info().outputPath('build-section.png')
    });

    // After a reload the panel shows the notebook's job at once, with no new capture,
    // and the tab comes back on its report. (The restored tab hides the Launcher Galata
    // waits for.)
    // The notebook is closed first: once restored, its kernel may ask which kernel to
    // use, a dialog that is not this test's business. The panel needs no notebook.
    // (Galata's notebook.activate would also match the tab "Docker: shipped.ipynb".)
    await page
      .getByRole('main')
      .getByRole('tab', { name: 'shipped.ipynb', exact: true })
      .click();
    expect(await page.notebook.close(true)).toBe(true);
    await openNotebookTab(page, build, 'verify');
    // The workspace keeps the tab and its view (saved a moment after the click).
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          const data = (await response.json())?.data ?? {};
          const main = data['layout-restorer:data']?.main ?? {};
          return [
            JSON.stringify(main).includes('"notebook:'),
            ...Object.keys(data)
              .filter(key => key.startsWith('jupyterlab-dockerize-notebook:'))
              .map(key => data[key]?.data?.view)
          ];
        })
      )
      .toEqual([false, 'verify']);
    // Galata's JupyterLabPage.reload takes waitForIsReady; its fixture type omits it.
    await (
      page as unknown as {
        reload(options: { waitForIsReady: boolean }): Promise<unknown>;
      }
    ).reload({ waitForIsReady: false });
    const reloaded = notebookTab(page);
    await expect(reloaded).toBeVisible({ timeout: 30_000 });
    const panelAgain = page.locator('#jp-dockerize-export-panel');
    const buildAgain = panelAgain.locator('[data-dockerize="build"]');
    await expect(
      buildAgain.locator('[data-dockerize="build-status"] [data-state]')
    ).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });
    await expect(step(panelAgain, 'capture')).toHaveAttribute(
      'data-state',
      'waiting'
    );
    await expect(
      panelAgain.locator('[data-dockerize="package-table"]')
    ).toHaveCount(0);
    for (const id of ['build', 'push', 'verify']) {
      await expect(step(panelAgain, id)).toHaveAttribute('data-state', 'done');
    }
    await expect(
      reloaded.locator('[data-dockerize="tab-verify"]')
    ).toHaveAttribute('aria-selected', 'true');
    await expect(
      reloaded.locator('[data-dockerize="verify-summary"]')
    ).toHaveText('Reproduced: 1 of 1');
    await reloaded.locator('[data-dockerize="tab-log"]').click();
    await expect(
      reloaded.locator('[data-dockerize="build-log"]')
    ).toContainText(BUILD_STEP_ONE);
  });
});

/**
 * A real user's first build, in the browser, on a server started from the settings file
 * `make lab` uses (scripts/lab_server_config.py, loaded by jupyter_server_test_config.py):
 * a notebook on a kernel named realworld-env with 80+ real PyPI distributions, a local
 * wheel, a git install and an editable project (jupyterlab_dockerize/tests/realworld.py,
 * made by scripts/ui-tests.sh). With the default choices it must build, verify and run.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  BUILD_STEP_ONE,
  editorText,
  expectJobState,
  openNotebookTab,
  packageVisibleNotebook
} from './helpers';

const ROOT = process.env.DOCKERIZE_REALWORLD_ROOT ?? '';

test.describe('A real-world environment with the default choices', () => {
  test.beforeAll(() => {
    if (!ROOT && process.env.CI) {
      throw new Error(
        'CI=true and no real-world environment: run the suite with `make test`.'
      );
    }
  });

  test('captures, checks, builds, verifies and runs', async ({ page }) => {
    test.skip(
      !ROOT,
      'no real-world environment (DOCKERIZE_REALWORLD_ROOT): run `make test`'
    );
    test.setTimeout(1_500_000);
    // Galata opens a per-test folder; the notebooks are at the root.
    await page.filebrowser.openHomeDirectory();
    await page.notebook.open('analysis.ipynb');
    await page.notebook.activate('analysis.ipynb');
    // The notebook asks for its author's kernel, which this server has.
    await expect(
      page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) [data-jp-item-name="kernelName"]'
      )
    ).toContainText('realworld-env', { timeout: 60_000 });
    await page.notebook.run();

    const panel = await packageVisibleNotebook(page);
    const bundle = panel.locator('[data-dockerize="bundle"]');
    await expect(bundle).toBeVisible({ timeout: 120_000 });
    await expect(
      panel.locator('[data-dockerize="requirement-count"]')
    ).toBeVisible();

    // One pre-flight for the selection, its verdict per package in the table.
    const preflight = panel.locator('[data-dockerize="preflight"]');
    await expect(preflight).toHaveAttribute('data-state', 'done', {
      timeout: 300_000
    });
    // The local wheel is not pinned to an index that does not have it.
    await panel
      .getByRole('searchbox', { name: 'Search packages' })
      .fill('localwheel');
    const localWheel = panel.locator(
      '[data-dockerize="package-table"] [data-package="localwheel"]'
    );
    await expect(localWheel).toBeVisible();
    await expect(
      localWheel.locator('[data-dockerize="package-status"]')
    ).toHaveText('vendorable');
    await expect(localWheel.getByRole('checkbox')).not.toBeChecked();
    await localWheel.click();
    await expect(
      panel.locator('[data-dockerize="package-detail"]')
    ).toContainText(/wheel/i);

    await bundle
      .getByLabel('Image name', { exact: true })
      .fill('dockerize-ui/realworld');
    await bundle.getByLabel('Tag', { exact: true }).fill('1');
    // The Dockerfile (in the notebook's tab) names the image it builds.
    const tab = await openNotebookTab(page, bundle, 'dockerfile');
    await expect
      .poll(
        () => editorText(tab.locator('[data-dockerize="bundle-file-text"]')),
        {
          timeout: 30_000
        }
      )
      .toContain('dockerize-ui/realworld:1');

    const build = panel.locator('[data-dockerize="build"]');
    await build.locator('[data-dockerize="build-start"]').click();
    await expectJobState(build, 'built', 1_200_000);
    await openNotebookTab(page, build, 'log');
    const log = tab.locator('[data-dockerize="build-log"]');
    await expect(log).toContainText(BUILD_STEP_ONE);
    await expect(log).not.toContainText('\u001b[');

    await build.locator('[data-dockerize="build-verify"]').click();
    await expectJobState(build, 'verified', 300_000);
    await openNotebookTab(page, build, 'verify');
    const summary = await tab
      .locator('[data-dockerize="verify-summary"]')
      .textContent();
    const match = /Reproduced: (\d+) of (\d+)/.exec(summary ?? '');
    expect(match, summary ?? '').not.toBeNull();
    expect(match![1]).toBe(match![2]);
    expect(Number(match![2])).toBeGreaterThanOrEqual(40);

    await build.locator('[data-dockerize="build-run"]').click();
    await expect(build.locator('[data-dockerize="run-url"]')).toBeVisible({
      timeout: 180_000
    });
    await build.locator('[data-dockerize="build-stop"]').click();
    await expect(build.locator('[data-dockerize="run-url"]')).toHaveCount(0, {
      timeout: 60_000
    });
  });
});

import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  expectJobState,
  notebookTab,
  openNotebookTab,
  packageVisibleNotebook
} from './helpers';

const NOTEBOOK = 'verify-random.ipynb';

/**
 * Packages the visible notebook with what it imports, the pip template and the offline
 * wheelhouse (the harness's wheel index), as `image`:1; returns the panel.
 */
async function packageForBuild(
  page: IJupyterLabPageFixture,
  image: string
): Promise<Locator> {
  const panel = await packageVisibleNotebook(page);
  const bundle = panel.locator('[data-dockerize="bundle"]');
  await expect(bundle).toBeVisible({ timeout: 60_000 });
  await panel
    .getByRole('button', { name: 'Only what the notebook imports' })
    .click();
  await bundle.getByLabel('Template', { exact: true }).selectOption('pip');
  await bundle.locator('[data-dockerize="bundle-wheelhouse"]').check();
  await bundle.getByLabel('Image name', { exact: true }).fill(image);
  await bundle.getByLabel('Tag', { exact: true }).fill('1');
  return panel;
}

test.describe('Verify runs the notebook in the image', () => {
  test.beforeAll(() => {
    if (!process.env.DOCKERIZE_TEST_REGISTRY && process.env.CI) {
      throw new Error(
        'CI=true and no test harness: run the suite with `make test`.'
      );
    }
  });

  test('builds, verifies a notebook with one unseeded random number, and reads that cell side by side in the report; the report comes back after a reload', async ({
    page
  }) => {
    test.skip(
      !process.env.DOCKERIZE_TEST_REGISTRY,
      'no test harness (DOCKERIZE_TEST_REGISTRY): run `make test`'
    );
    test.setTimeout(600_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.sidebar.close('left');
    await page.notebook.createNew(NOTEBOOK, { kernel: 'python3' });
    // Cell 1 gives the same output in the image; cell 2 an unseeded random number.
    await page.notebook.setCell(0, 'code', 'print("total", 6 * 7)');
    await page.notebook.addCell(
      'code',
      'import random\nprint("sample", random.random())'
    );
    // In place: running the last cell and advancing would add an empty third cell.
    await page.notebook.runCell(0, { inplace: true });
    await page.notebook.runCell(1, { inplace: true });
    expect(await page.notebook.getCellCount()).toBe(2);
    const savedSample = ((await page.notebook.getCellTextOutput(1)) ?? [])
      .join('')
      .trim();
    expect(savedSample).toMatch(/^sample 0\.\d+$/);
    // The bundle copies the notebook as it is on disk: with these outputs.
    await page.notebook.save();

    const panel = await packageForBuild(page, 'dockerize-ui/verify-random');
    const build = panel.locator('[data-dockerize="build"]');
    await build.locator('[data-dockerize="build-start"]').click();
    await expectJobState(build, 'built', 400_000);

    await build.locator('[data-dockerize="build-verify"]').click();
    await expectJobState(build, 'verified', 300_000);

    // The sidebar: one line for the notebook.
    const lines = build.locator('[data-dockerize="verify-notebook-lines"] li');
    await expect(lines).toHaveCount(1);
    await expect(lines).toHaveText(
      `${NOTEBOOK}: Notebook differs: 1 of 2 cells match · 1 differs`
    );
    await expect(lines).toHaveAttribute('data-verdict', 'differs');

    // The tab's report: the summary, and cell 2 alone, saved against produced.
    const tab = await openNotebookTab(page, build, 'verify');
    const report = tab.locator('[data-dockerize="verify-notebook"]');
    await expect(report).toHaveAttribute('data-verdict', 'differs');
    await expect(
      report.locator('[data-dockerize="verify-notebook-summary"]')
    ).toHaveText('Notebook differs: 1 of 2 cells match · 1 differs');
    const cells = report.locator('[data-dockerize="verify-cell"]');
    await expect(cells).toHaveCount(1);
    const cell = cells.first();
    await expect(cell).toHaveAttribute('data-cell', '2');
    await expect(cell).toHaveAttribute('data-verdict', 'differs');
    await expect(cell.locator('.jp-Dockerize-cellSource')).toHaveText(
      'import random\nprint("sample", random.random())'
    );
    const diff = cell.locator('[data-dockerize="verify-diff"]');
    await expect(diff).toBeVisible();
    const saved = diff.locator('[data-dockerize="verify-diff-saved"]');
    const produced = diff.locator('[data-dockerize="verify-diff-produced"]');
    await expect(saved.first()).toHaveText(savedSample);
    const producedSample = (
      (await produced.first().textContent()) ?? ''
    ).trim();
    expect(producedSample).toMatch(/^sample 0\.\d+$/);
    expect(producedSample).not.toBe(savedSample);
    await expect(diff.locator('tr.jp-Dockerize-diff-changed')).toHaveCount(1);
    // Side by side: the produced column right of the saved one, on the same row.
    const savedBox = (await saved.first().boundingBox())!;
    const producedBox = (await produced.first().boundingBox())!;
    expect(producedBox.x).toBeGreaterThan(savedBox.x + savedBox.width - 1);
    expect(Math.abs(producedBox.y - savedBox.y)).toBeLessThan(2);
    await tab.screenshot({
      path: test.info().outputPath('verify-notebook-report.png')
    });

    // After a reload the report comes back from the job record, without a capture.
    await page
      .getByRole('main')
      .getByRole('tab', { name: NOTEBOOK, exact: true })
      .click();
    expect(await page.notebook.close(true)).toBe(true);
    await openNotebookTab(page, build, 'verify');
    // The workspace keeps the tab and its view, and no longer the closed notebook
    // (saved a moment after the click).
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
    await expect(
      reloaded.locator('[data-dockerize="verify-notebook-summary"]')
    ).toHaveText('Notebook differs: 1 of 2 cells match · 1 differs', {
      timeout: 15_000
    });
    await expect(
      reloaded
        .locator(
          '[data-dockerize="verify-cell"] [data-dockerize="verify-diff-produced"]'
        )
        .first()
    ).toHaveText(producedSample);
  });

  test('diagnoses a package left out of the image, includes it and rebuilds in one click, and the new image reproduces the notebook', async ({
    page
  }) => {
    test.skip(
      !process.env.DOCKERIZE_TEST_REGISTRY,
      'no test harness (DOCKERIZE_TEST_REGISTRY): run `make test`'
    );
    test.setTimeout(600_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.sidebar.close('left');
    const name = 'verify-left-out.ipynb';
    await page.notebook.createNew(name, { kernel: 'python3' });
    // filetype: in the kernel, and no dependency of Jupyter's in the image.
    await page.notebook.setCell(
      0,
      'code',
      'import filetype\nprint("png", filetype.is_extension_supported("png"))'
    );
    await page.notebook.runCell(0, { inplace: true });
    await page.notebook.save();

    const panel = await packageForBuild(page, 'dockerize-ui/verify-left-out');
    // The user leaves filetype out, though the notebook imports it (the table is
    // virtualised: the search brings its row).
    await panel.getByLabel('Search packages').fill('filetype');
    await panel.getByLabel('Include filetype', { exact: true }).uncheck();
    const build = panel.locator('[data-dockerize="build"]');
    await build.locator('[data-dockerize="build-start"]').click();
    await expectJobState(build, 'built', 400_000);
    await build.locator('[data-dockerize="build-verify"]').click();
    await expectJobState(build, 'verified', 300_000);

    const tab = await openNotebookTab(page, build, 'verify');
    const report = tab.locator('[data-dockerize="verify-notebook"]');
    await expect(report).toHaveAttribute('data-verdict', 'failed');
    const cell = report.locator('[data-dockerize="verify-cell"]');
    await expect(cell).toHaveAttribute('data-verdict', 'error');
    await expect(cell.locator('[data-dockerize="verify-error"]')).toHaveText(
      "ModuleNotFoundError: No module named 'filetype'"
    );
    const diagnosis = cell.locator('[data-dockerize="verify-diagnosis"]');
    await expect(diagnosis).toHaveAttribute('data-kind', 'missing-module');
    await expect(diagnosis).toContainText('filetype');
    const action = diagnosis.locator('[data-dockerize="verify-action"]');
    await expect(action).toHaveAttribute('data-action', 'include-package');
    await expect(action).toHaveText('Include filetype and rebuild');
    await tab.screenshot({
      path: test.info().outputPath('verify-left-out-report.png')
    });

    // One click: filetype is included, a new image is built, then verified.
    await action.click();
    await expect(
      panel.getByLabel('Include filetype', { exact: true })
    ).toBeChecked();
    await expect(
      build.locator('[data-dockerize="build-status"] [data-state]')
    ).toHaveAttribute('data-state', /^(queued|building|built|verifying)$/, {
      timeout: 30_000
    });
    await expectJobState(build, 'verified', 600_000);
    await expect(
      build.locator('[data-dockerize="verify-notebook-lines"] li')
    ).toHaveText(`${name}: Notebook reproduced: 1 of 1 cells match`);
    await expect(
      tab.locator('[data-dockerize="verify-notebook-summary"]')
    ).toHaveText('Notebook reproduced: 1 of 1 cells match');
    await expect(tab.locator('[data-dockerize="verify-cell"]')).toHaveCount(0);
  });
});

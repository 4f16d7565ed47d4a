import { expect, test } from '@jupyterlab/galata';

import {
  expectJobState,
  notebookTab,
  openNotebookTab,
  packageVisibleNotebook
} from './helpers';

const NOTEBOOK = 'verify-random.ipynb';

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

    const panel = await packageVisibleNotebook(page);
    const bundle = panel.locator('[data-dockerize="bundle"]');
    await expect(bundle).toBeVisible({ timeout: 60_000 });
    await panel
      .getByRole('button', { name: 'Only what the notebook imports' })
      .click();
    await bundle.getByLabel('Template', { exact: true }).selectOption('pip');
    await bundle.locator('[data-dockerize="bundle-wheelhouse"]').check();
    await bundle
      .getByLabel('Image name', { exact: true })
      .fill('dockerize-ui/verify-random');
    await bundle.getByLabel('Tag', { exact: true }).fill('1');

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
    // The workspace keeps the tab and its view (saved a moment after the click).
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          const data = (await response.json())?.data ?? {};
          return Object.keys(data)
            .filter(key => key.startsWith('jupyterlab-dockerize-notebook:'))
            .map(key => data[key]?.data?.view);
        })
      )
      .toEqual(['verify']);
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
});

import { expect, test } from '@jupyterlab/galata';

import { packageVisibleNotebook } from './helpers';

test.describe('Capture asks for what it needs', () => {
  // Every test names its kernel: JupyterLab remembers the last one chosen (bash, below).
  test('a notebook without a running kernel offers to start it, then captures', async ({
    page
  }) => {
    await page.notebook.createNew('no-kernel.ipynb', { kernel: null });

    const panel = await packageVisibleNotebook(page);
    const capture = panel.locator('[data-dockerize="capture"]');
    await expect(capture.locator('.jp-Dockerize-problemMessage')).toHaveText(
      "The notebook's kernel is not running."
    );
    const action = capture.locator('[data-dockerize="capture-action"]');
    await expect(action).toHaveText('Start kernel');

    await action.click();

    await expect(
      capture.locator('[data-dockerize="kernel-python"]')
    ).toHaveText(/^CPython 3\.\d+\.\d+$/, { timeout: 60_000 });
    await expect(
      capture.locator('[data-dockerize="package-count"]')
    ).toContainText('packages shown');
  });

  test('a non-Python kernel gets a clear message and no crash', async ({
    page
  }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', error => pageErrors.push(error.message));
    await page.notebook.createNew('shell.ipynb', { kernel: 'bash' });

    const panel = await packageVisibleNotebook(page);
    const message = panel.locator(
      '[data-dockerize="capture"] .jp-Dockerize-problemMessage'
    );
    await expect(message).toHaveText(
      "This notebook's kernel runs bash, and capture reads Python environments only.",
      { timeout: 60_000 }
    );
    await expect(
      panel.locator('[data-dockerize="capture-action"]')
    ).toHaveCount(0);
    expect(pageErrors).toEqual([]);
  });
});

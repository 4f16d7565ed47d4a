import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { packageVisibleNotebook } from './helpers';

const WHEEL = 'dockerize_ui_demo-0.1.0-py3-none-any.whl';

test.describe('Capture the live kernel', () => {
  test('the panel lists a package installed with %pip in the same session', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.resolve(__dirname, '..', 'fixtures', WHEEL),
      `${tmpPath}/${WHEEL}`
    );
    await page.notebook.createNew('captured.ipynb', { kernel: 'python3' });
    // The kernel's cwd is the notebook's folder, where the wheel was uploaded.
    await page.notebook.setCell(0, 'code', `%pip install --no-deps ./${WHEEL}`);
    await page.notebook.addCell(
      'code',
      'import platform, dockerize_ui_demo\nprint(platform.python_version())'
    );
    try {
      await page.notebook.runCell(0);
      await page.notebook.runCell(1);
      const kernelPython = (await page.notebook.getCellTextOutput(
        1
      ))![0].trim();

      const panel = await packageVisibleNotebook(page);

      await expect(
        panel.locator('[data-dockerize="kernel-python"]')
      ).toHaveText(`CPython ${kernelPython}`);
      await expect(panel.locator('[data-dockerize="kernel-kind"]')).toHaveText(
        /virtual environment|system Python|conda environment/
      );
      await panel
        .getByRole('searchbox', { name: 'Search packages' })
        .fill('dockerize-ui');
      const row = panel.locator(
        '[data-dockerize="package-table"] [data-package="dockerize-ui-demo"]'
      );
      await expect(row).toBeVisible();
      await expect(row).toContainText('0.1.0');
      // A wheel file inside the root: offered to travel in the bundle, never pinned to an
      // index that does not have it; until then the panel says the import will be missing.
      await expect(row.locator('[data-dockerize="package-status"]')).toHaveText(
        'vendorable'
      );
      await expect(row).toHaveAttribute('title', /wheels\//);
      await expect(row.getByRole('checkbox')).not.toBeChecked();
      await expect(
        panel.locator('[data-dockerize="left-out-imports"]')
      ).toContainText('dockerize-ui-demo');
      await row.getByRole('checkbox').check();
      await expect(row.getByRole('checkbox')).toBeChecked();
      await expect(
        panel.locator('[data-dockerize="left-out-imports"]')
      ).toHaveCount(0);

      // Only what the notebook imports: the demo package (and no kernel machinery).
      await panel
        .getByRole('button', { name: 'Only what the notebook imports' })
        .click();
      await expect(row.getByRole('checkbox')).toBeChecked();
      await panel
        .getByRole('searchbox', { name: 'Search packages' })
        .fill('ipykernel');
      await expect(
        panel.locator('[data-package="ipykernel"] input[type="checkbox"]')
      ).not.toBeChecked();

      await panel.screenshot({
        path: test.info().outputPath('export-panel-captured.png')
      });
    } finally {
      // The kernel runs in the project's own environment: leave it as it was.
      await page.notebook.setCell(
        0,
        'code',
        '%pip uninstall -y dockerize-ui-demo'
      );
      await page.notebook.runCell(0);
    }
  });
});

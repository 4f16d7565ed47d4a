import { expect, test } from '@jupyterlab/galata';

import { packageVisibleNotebook, expectJobState } from './helpers';

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

  test('builds with live log, pushes with a token typed in the dialog, verifies', async ({
    page,
    request
  }) => {
    test.skip(
      !REGISTRY,
      'no test registry (DOCKERIZE_TEST_REGISTRY): run `make test`'
    );
    test.setTimeout(600_000);
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
    await bundle
      .getByLabel('Image name', { exact: true })
      .fill('dockerize-ui/shipped');
    await bundle.getByLabel('Tag', { exact: true }).fill('1');

    const build = panel.locator('[data-dockerize="build"]');
    await build.locator('[data-dockerize="build-start"]').click();
    // The log follows the build as it happens.
    await expect(build.locator('[data-dockerize="build-log"]')).toContainText(
      'Downloading wheels',
      { timeout: 120_000 }
    );
    await expectJobState(build, 'built', 400_000);
    await expect(build.locator('[data-dockerize="build-log"]')).toContainText(
      'Step 1/'
    );
    await expect(
      build.locator('[data-dockerize="build-progress"]')
    ).toContainText('Build: step');
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'built' })
    ).toBeVisible();

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
    await expectJobState(build, 'verified', 180_000);
    await expect(build.locator('[data-dockerize="verify-summary"]')).toHaveText(
      'Reproduced: 1 of 1'
    );
    await expect(
      build.locator('[data-dockerize="verify-result"]')
    ).toContainText('It runs as uid 1000, not root.');
    await build.screenshot({
      path: test.info().outputPath('build-section.png')
    });
  });
});

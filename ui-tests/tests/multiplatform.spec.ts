import { expect, test } from '@jupyterlab/galata';

import {
  expectJobState,
  openNotebookTab,
  packageVisibleNotebook
} from './helpers';

const REGISTRY = process.env.DOCKERIZE_TEST_REGISTRY ?? '';
const USER = process.env.DOCKERIZE_TEST_REGISTRY_USER ?? '';
const PASSWORD = process.env.DOCKERIZE_TEST_REGISTRY_PASSWORD ?? '';
/** The harness's hub mirror holds python:3.11-slim for linux/arm64 too. */
const ARM64 = process.env.DOCKERIZE_TEST_ARM64 === '1';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];

/** The media types of a manifest list (OCI image index, Docker's manifest list). */
const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
];

test.describe('Both platforms under one tag', () => {
  test.beforeAll(() => {
    if ((!REGISTRY || !ARM64) && process.env.CI) {
      throw new Error(
        'CI=true and no test registry or no arm64 base: run the suite with `make test`.'
      );
    }
  });

  test('Push with "auto" builds a one-platform job again for linux/amd64 and linux/arm64 and pushes one index; the engine names its builder; verify has a line per platform', async ({
    page,
    request
  }) => {
    test.skip(
      !REGISTRY || !ARM64,
      'no test registry or arm64 base (DOCKERIZE_TEST_REGISTRY, DOCKERIZE_TEST_ARM64): run `make test`'
    );
    // An emulated build and an emulated verify (QEMU) come on top of the native ones.
    test.setTimeout(1_500_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.sidebar.close('left');
    await page.notebook.createNew('everywhere.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import six\nsix.PY3');
    await page.notebook.runCell(0);

    const panel = await packageVisibleNotebook(page);
    // The engine line says which builder runs: BuildKit through the docker CLI here.
    await expect(
      panel.locator('[data-dockerize="engine-builder"]')
    ).toHaveAttribute('data-builder', 'buildkit-cli', { timeout: 30_000 });
    const bundle = panel.locator('[data-dockerize="bundle"]');
    await expect(bundle).toBeVisible({ timeout: 60_000 });
    await panel
      .getByRole('button', { name: 'Only what the notebook imports' })
      .click();
    await bundle.getByLabel('Template', { exact: true }).selectOption('pip');
    // Only python:3.11-slim exists for arm64 on the harness (its Python is Debian's
    // 3.11.2, older than the kernel's: pip in the image resolves for it, so no offline
    // wheelhouse, which is resolved for the kernel's 3.11.X).
    await bundle.getByLabel('Python version', { exact: true }).fill('3.11');
    await bundle
      .getByLabel('Image name', { exact: true })
      .fill('dockerize-ui/everywhere');
    await bundle.getByLabel('Tag', { exact: true }).fill('1');
    // The settings' defaults: "auto" (the engine's own to build, both to push), BuildKit.
    await expect(
      bundle.locator('[data-dockerize="bundle-platforms"]')
    ).toHaveValue('auto');
    await expect(
      bundle.locator('[data-dockerize="bundle-builder"]')
    ).toHaveValue('buildkit');

    const build = panel.locator('[data-dockerize="build"]');
    await build.locator('[data-dockerize="build-start"]').click();
    await expectJobState(build, 'built', 600_000);
    // Built for the engine's own platform only: no per-platform bars.
    await expect(
      build.locator('[data-dockerize="build-platforms"]')
    ).toHaveCount(0);

    // Push…: one click builds both platforms (the native one from the cache), then
    // pushes them under the one tag.
    await build.locator('[data-dockerize="build-push"]').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('[data-dockerize="push-registry"]').fill(REGISTRY);
    await dialog
      .locator('[data-dockerize="push-repository"]')
      .fill('dockerize/ui-everywhere');
    await dialog.locator('[data-dockerize="push-tag"]').fill('1');
    await dialog.locator('[data-dockerize="push-username"]').fill(USER);
    await dialog.locator('[data-dockerize="push-token"]').fill(PASSWORD);
    await expect(
      dialog.locator('[data-dockerize="push-platforms-note"]')
    ).toHaveText(
      'linux/amd64 and linux/arm64 under one tag: the image is built for linux/arm64 first.'
    );
    await dialog.getByRole('button', { name: 'Push' }).click();
    await expect(
      build.locator('[data-dockerize="push-pending"]')
    ).toContainText('Building for linux/amd64 and linux/arm64 first', {
      timeout: 120_000
    });
    // Each platform's build has its own progress line.
    const bars = build.locator('[data-dockerize="build-platforms"] li');
    await expect(bars).toHaveCount(2, { timeout: 300_000 });
    for (const [at, platform] of PLATFORMS.entries()) {
      await expect(bars.nth(at)).toHaveAttribute('data-platform', platform);
    }
    const log = (await openNotebookTab(page, build, 'log')).locator(
      '[data-dockerize="build-log"]'
    );
    await expect(log).toContainText('Building for linux/arm64', {
      timeout: 300_000
    });
    await expectJobState(build, 'pushed', 1_200_000);
    await expect(build.locator('[data-dockerize="push-pending"]')).toHaveCount(
      0
    );

    // The result names the index and both platforms with their digests.
    const result = build.locator('[data-dockerize="push-result"]');
    await expect(result).toContainText(`${REGISTRY}/dockerize/ui-everywhere:1`);
    await expect(result).toContainText('index sha256:');
    const pushed = result.locator('[data-dockerize="push-platforms"] li');
    await expect(pushed).toHaveCount(2);
    for (const [at, platform] of PLATFORMS.entries()) {
      await expect(pushed.nth(at)).toHaveAttribute('data-platform', platform);
      await expect(pushed.nth(at)).toContainText(`${platform} sha256:`);
    }

    // The registry holds one manifest list under the tag naming both platforms.
    const manifest = await request.get(
      `http://${REGISTRY}/v2/dockerize/ui-everywhere/manifests/1`,
      {
        headers: {
          Accept: INDEX_TYPES.join(', '),
          Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
        }
      }
    );
    expect(manifest.ok()).toBe(true);
    const index = await manifest.json();
    expect(INDEX_TYPES).toContain(index.mediaType);
    expect(
      index.manifests
        .map(
          (item: { platform: { os: string; architecture: string } }) =>
            `${item.platform.os}/${item.platform.architecture}`
        )
        .sort()
    ).toEqual(PLATFORMS);
    const indexDigest = manifest.headers()['docker-content-digest'];
    expect(indexDigest).toMatch(/^sha256:/);
    await expect(result.locator('code').nth(1)).toHaveAttribute(
      'title',
      indexDigest
    );
    expect(await page.content()).not.toContain(PASSWORD);

    // Verify runs the image of each platform (arm64 under emulation): a line each.
    await build.locator('[data-dockerize="build-verify"]').click();
    await expectJobState(build, 'verified', 900_000);
    const report = await openNotebookTab(page, build, 'verify');
    const lines = report.locator('[data-dockerize="verify-platforms"] li');
    await expect(lines).toHaveCount(2);
    await expect(lines.nth(0)).toHaveAttribute('data-platform', 'linux/amd64');
    await expect(lines.nth(1)).toHaveAttribute('data-platform', 'linux/arm64');
    await expect(lines.nth(1)).toContainText('linux/arm64 (emulated)');
    for (const at of [0, 1]) {
      await expect(lines.nth(at)).toContainText(
        'Jupyter answered with its token'
      );
      await expect(lines.nth(at)).toContainText('packages reproduced 1 of 1');
    }
    await report.screenshot({
      path: test.info().outputPath('multiplatform-verify.png')
    });
  });
});

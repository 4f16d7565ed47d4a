/**
 * The screenshots of the user guide (docs/user-guide.md, README.md), taken along the
 * whole flow: capture, bundle options in the panel, the Dockerfile edited in the
 * notebook's tab, the build log in that tab, push, the verification report, run, and the
 * panel in the dark theme. Every step is asserted like in build.spec.ts.
 *
 * The PNGs go to docs/images/ only with DOCKERIZE_SCREENSHOTS=1; otherwise they are
 * written to the test's output folder, so `make test` never changes the tree:
 *
 *   DOCKERIZE_SCREENSHOTS=1 scripts/ui-tests.sh tests/screenshots.spec.ts
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

import {
  BUILD_STEP_ONE,
  editorText,
  expectJobState,
  openNotebookTab,
  packageVisibleNotebook,
  PANEL_ID,
  step
} from './helpers';

const REGISTRY = process.env.DOCKERIZE_TEST_REGISTRY ?? '';
const USER = process.env.DOCKERIZE_TEST_REGISTRY_USER ?? '';
const PASSWORD = process.env.DOCKERIZE_TEST_REGISTRY_PASSWORD ?? '';
const WRITE_DOCS = process.env.DOCKERIZE_SCREENSHOTS === '1';
const DOCS_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');
/** What the push dialog shows in the picture: an example account and a fake token. */
const SHOWN_USER = 'jane';
const FAKE_TOKEN = 'dckr_pat_example-not-a-real-token';

/** Where a screenshot goes: docs/images with DOCKERIZE_SCREENSHOTS=1, else test output. */
function shotPath(name: string): string {
  return WRITE_DOCS
    ? path.join(DOCS_IMAGES, name)
    : test.info().outputPath(name);
}

async function shot(target: Locator, name: string): Promise<void> {
  await target.scrollIntoViewIfNeeded();
  await target.screenshot({ path: shotPath(name), animations: 'disabled' });
}

/** A viewport tall enough for a whole section, with the panel at a readable width. */
async function frame(
  page: IJupyterLabPageFixture,
  height: number
): Promise<void> {
  await page.setViewportSize({ width: 1280, height });
  await page.sidebar.setWidth(460, 'right');
}

test.describe('User guide screenshots', () => {
  test.beforeAll(() => {
    if (!REGISTRY && process.env.CI) {
      throw new Error(
        'CI=true and no test registry: run the suite with `make test`.'
      );
    }
  });

  test('capture, bundle, edit, build, push, verify, run; the panel in the dark theme', async ({
    page
  }) => {
    test.skip(
      !REGISTRY,
      'no test registry (DOCKERIZE_TEST_REGISTRY): run `make test`'
    );
    test.setTimeout(900_000);
    await frame(page, 800);
    await page.theme.setLightTheme();

    // 1. Capture: the notebook's toolbar button opens the panel on its live kernel.
    await page.notebook.createNew('analysis.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import six\nprint(six.PY3)');
    // An unseeded random number: Verify's re-run shows it side by side.
    await page.notebook.addCell(
      'code',
      'import random\nprint("sample", random.random())'
    );
    await page.notebook.runCell(0, { inplace: true });
    await page.notebook.runCell(1, { inplace: true });
    await page.notebook.save();
    const panel = await packageVisibleNotebook(page);
    await frame(page, 800);
    const capture = panel.locator('[data-dockerize="capture"]');
    await expect(
      capture.locator('[data-dockerize="package-table"]')
    ).toBeVisible({ timeout: 60_000 });
    await panel
      .getByRole('button', { name: 'Only what the notebook imports' })
      .click();
    // six alone: the table lists every distribution, the others excluded.
    await expect(
      capture.locator('[data-dockerize="requirement-count"]')
    ).toHaveText(/^1 of \d+ packages go into requirements\.txt$/);
    // Status, descending: what goes into requirements.txt comes first.
    const statusSort = capture.locator('.jp-Dockerize-col-status');
    await statusSort.click();
    if ((await statusSort.getAttribute('aria-sort')) !== 'descending') {
      await statusSort.click();
    }
    await expect(statusSort).toHaveAttribute('aria-sort', 'descending');
    await expect(
      capture.getByLabel('Include six', { exact: true })
    ).toBeVisible();
    await expect(
      capture.getByLabel('Include six', { exact: true })
    ).toBeChecked();
    // The whole window for the README, then the section.
    await page.screenshot({ path: shotPath('overview.png') });
    await frame(page, 1400);
    await shot(capture, 'capture.png');

    // 2. Bundle options in the panel; the Dockerfile in the notebook's tab.
    const bundle = panel.locator('[data-dockerize="bundle"]');
    await expect(bundle).toBeVisible();
    await bundle.getByLabel('Template', { exact: true }).selectOption('pip');
    await bundle.locator('[data-dockerize="bundle-wheelhouse"]').check();
    // One platform: the harness has python:3.11.7-slim (the kernel's) for amd64 only.
    await bundle
      .locator('[data-dockerize="bundle-platforms"]')
      .selectOption('linux/amd64');
    await bundle
      .getByLabel('Image name', { exact: true })
      .fill(`${SHOWN_USER}/analysis`);
    await bundle.getByLabel('Tag', { exact: true }).fill('1.0');
    await expect(
      bundle.locator('[data-dockerize="bundle-notebooks"]')
    ).toContainText('analysis.ipynb');
    await frame(page, 1400);
    await shot(bundle, 'bundle.png');
    // The file browser closed: the tab gets the width it is made for.
    await page.sidebar.close('left');
    await frame(page, 800);
    const tab = await openNotebookTab(page, bundle, 'dockerfile');
    const preview = tab.locator('[data-dockerize="bundle-file-text"]');
    await expect(preview).toHaveAttribute('data-file', 'Dockerfile');
    await expect.poll(() => editorText(preview)).toContain('FROM python:');
    await expect
      .poll(() => editorText(preview))
      .toContain('RUN --mount=type=bind,source=wheelhouse');

    // 3. Edit mode: the Dockerfile becomes editable; Done keeps the edit.
    await tab.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect(preview.locator('.cm-editor')).not.toHaveClass(
      /jp-mod-readOnly/
    );
    const generated = await editorText(preview);
    await preview.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# a note of mine');
    await expect
      .poll(() => editorText(preview))
      .toBe(`${generated}# a note of mine`);
    await expect(tab.locator('[data-dockerize="bundle-edited"]')).toHaveText(
      'edited'
    );
    await expect(
      tab.locator('[data-dockerize="bundle-edited-note"]')
    ).toBeVisible();
    // The tab at full width: the files, the editor, the steps above them.
    await shot(tab, 'edit.png');
    // Back to the generated Dockerfile for the build.
    await tab.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => editorText(preview)).toBe(generated);
    await expect(tab.locator('[data-dockerize="bundle-edited"]')).toHaveCount(
      0
    );

    // 4. Build: the log follows the build in the tab; then the built state.
    const build = panel.locator('[data-dockerize="build"]');
    const status = build.locator(
      '[data-dockerize="build-status"] [data-state]'
    );
    await frame(page, 900);
    await build.locator('[data-dockerize="build-start"]').click();
    await openNotebookTab(page, build, 'log');
    const log = tab.locator('[data-dockerize="build-log"]');
    await expect(log).toContainText('Downloading wheels', { timeout: 120_000 });
    await expect(status).toHaveAttribute('data-state', /queued|building/);
    await expect(step(tab, 'build')).toHaveAttribute('data-state', 'active');
    await shot(tab, 'build-running.png');
    await expectJobState(build, 'built', 400_000);
    await expect(log).toContainText(BUILD_STEP_ONE);
    await expect(
      build.locator('[data-dockerize="build-progress"]')
    ).toContainText('Build: step');
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'built' })
    ).toBeVisible();
    await expect(step(panel, 'build')).toHaveAttribute('data-state', 'done');
    // The whole window: the panel's buttons and status beside the tab's log.
    await page.screenshot({ path: shotPath('build-done.png') });

    // 5. Push: the dialog, pictured with an example account and a fake token (the field
    // shows dots only), then filled with the test registry's real credentials.
    await build.locator('[data-dockerize="build-push"]').click();
    const dialog = page.locator('.jp-Dialog');
    const field = (name: string) =>
      dialog.locator(`[data-dockerize="push-${name}"]`);
    await field('registry').fill('docker.io');
    await field('repository').fill(`${SHOWN_USER}/analysis`);
    await field('tag').fill('1.0');
    await field('username').fill(SHOWN_USER);
    await expect(field('token')).toHaveAttribute('type', 'password');
    await field('token').fill(FAKE_TOKEN);
    await expect(field('target')).toContainText(`${SHOWN_USER}/analysis:1.0`);
    await expect(field('problem')).toHaveCount(0);
    await shot(dialog.locator('.jp-Dialog-content'), 'push-dialog.png');
    await field('registry').fill(REGISTRY);
    await field('repository').fill('dockerize/ui-screenshots');
    await field('tag').fill('1');
    await field('username').fill(USER);
    await field('token').fill(PASSWORD);
    await expect(field('target')).toContainText(
      `${REGISTRY}/dockerize/ui-screenshots:1`
    );
    await dialog.getByRole('button', { name: 'Push' }).click();
    await expectJobState(build, 'pushed', 120_000);
    await expect(build.locator('[data-dockerize="push-result"]')).toContainText(
      `${REGISTRY}/dockerize/ui-screenshots:1`
    );
    expect(await page.content()).not.toContain(PASSWORD);
    expect(await page.content()).not.toContain(FAKE_TOKEN);

    // 6. Verify: the image reproduces the selection and answers with its token only.
    await build.locator('[data-dockerize="build-verify"]').click();
    await expectJobState(build, 'verified', 180_000);
    for (const id of ['capture', 'bundle', 'build', 'push', 'verify']) {
      await expect(step(panel, id)).toHaveAttribute('data-state', 'done');
    }
    const report = await openNotebookTab(page, build, 'verify');
    await expect(
      report.locator('[data-dockerize="verify-summary"]')
    ).toHaveText(/^Reproduced: (\d+) of \1$/);
    await expect(
      report.locator('[data-dockerize="verify-result"]')
    ).toContainText('It runs as uid 1000, not root.');
    await expect(
      report.locator('[data-dockerize="verify-notebook-summary"]')
    ).toHaveText('Notebook differs: 1 of 2 cells match · 1 differs');
    await shot(report, 'verify.png');

    // 7. Run: the image's Jupyter on this machine, with a link carrying its token.
    await build.locator('[data-dockerize="build-run"]').click();
    const runUrl = build.locator('[data-dockerize="run-url"]');
    await expect(runUrl).toBeVisible({ timeout: 180_000 });
    await expect(runUrl.locator('a')).toHaveAttribute(
      'href',
      /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+$/
    );
    await shot(build, 'run.png');
    await build.locator('[data-dockerize="build-stop"]').click();
    await expect(runUrl).toHaveCount(0, { timeout: 60_000 });

    // 8. The panel in the dark theme.
    await page.theme.setDarkTheme();
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-theme-light',
      'false'
    );
    await frame(page, 900);
    await panel.evaluate(element => element.scrollTo(0, 0));
    await shot(page.locator(`#${PANEL_ID}`), 'panel-dark.png');
    await page.theme.setLightTheme();
  });
});

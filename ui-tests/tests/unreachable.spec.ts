import { expect, test } from '@jupyterlab/galata';

import { expectPanelOpen, getEngineRoute, TOOLBAR_ITEM } from './helpers';

/**
 * Runs in the "unreachable" project: a real JupyterLab whose DOCKER_HOST names
 * a socket that does not exist (see playwright.config.js).
 */
test('with the engine unreachable the panel shows the problem, not a crash', async ({
  page,
  request,
  baseURL,
  tmpPath
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));

  const engine = await getEngineRoute(request, baseURL!);
  expect(engine.status).toBe(503);
  expect(engine.body.reachable).toBe(false);
  expect(engine.body.host).toBe('unix:///nonexistent/dockerize-ui-tests.sock');
  const problem = engine.body.error!;
  expect(problem.code).toBeTruthy();
  expect(problem.message).toBeTruthy();
  expect(problem.hint).toBeTruthy();

  await page.notebook.createNew('offline.ipynb', { kernel: 'python3' });
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
    .locator(`.jp-NotebookPanel-toolbar [data-jp-item-name="${TOOLBAR_ITEM}"]`)
    .getByRole('button', {
      name: 'Export this notebook and its environment as a Docker image'
    })
    .click();

  const panel = await expectPanelOpen(page);
  await expect(panel.locator('[data-dockerize="notebook-path"]')).toHaveText(
    `${tmpPath}/offline.ipynb`
  );
  await expect(
    panel.locator('[data-dockerize="engine-unreachable"]')
  ).toHaveText('not reachable');
  expect(problem.message).toContain(engine.body.host);
  // The engine's problem (the package check, run after the capture, has its own section).
  const shown = panel
    .locator('section[aria-labelledby="jp-Dockerize-engineTitle"]')
    .locator('.jp-Dockerize-problem');
  await expect(shown).toBeVisible();
  await expect(shown.locator('.jp-Dockerize-problemMessage')).toHaveText(
    problem.message
  );
  // `backticked` commands in the hint are shown as code, without the backticks.
  await expect(shown.locator('.jp-Dockerize-problemHint')).toHaveText(
    problem.hint!.replace(/`/g, '')
  );
  await expect(
    shown.locator('.jp-Dockerize-problemHint code').first()
  ).toHaveText('sudo systemctl start docker');
  await expect(
    panel.locator('[data-dockerize="engine-reachable"]')
  ).toHaveCount(0);
  await expect(panel.locator('[data-dockerize="engine-version"]')).toHaveCount(
    0
  );

  // "Check again" asks again and still shows the problem.
  await panel.getByRole('button', { name: 'Check again' }).click();
  await expect(shown.locator('.jp-Dockerize-problemMessage')).toHaveText(
    problem.message
  );

  await panel.screenshot({
    path: test.info().outputPath('export-panel-unreachable.png')
  });
  expect(pageErrors).toEqual([]);
});

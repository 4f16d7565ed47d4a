import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

import { PLUGIN_ID } from './helpers';

/**
 * Don't load JupyterLab before the test starts, so that every console
 * message of the start-up is captured.
 */
test.use({ autoGoto: false });

/** The JupyterLab the webServer runs: the `jupyter` on PATH. */
function installedJupyterLabVersion(): string {
  return execFileSync('jupyter', ['lab', '--version'], { encoding: 'utf-8' })
    .trim()
    .split('\n')
    .pop()!
    .trim();
}

test('the extension loads and activates in the installed JupyterLab', async ({
  page
}, testInfo) => {
  const errors: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  page.on('pageerror', error => {
    errors.push(`${error.name}: ${error.message}\n${error.stack ?? ''}`);
  });

  await page.goto();

  const app = await page.evaluate(async pluginId => {
    const jupyterapp = window.jupyterapp;
    await jupyterapp.restored;
    const configData = document.getElementById('jupyter-config-data');
    const pageConfig = JSON.parse(configData?.textContent ?? '{}');
    return {
      version: jupyterapp.version,
      appVersion: pageConfig.appVersion as string,
      federated: (
        (pageConfig.federated_extensions ?? []) as Array<{ name: string }>
      ).map(extension => extension.name),
      hasPlugin: jupyterapp.hasPlugin(pluginId),
      activated: jupyterapp.isPluginActivated(pluginId)
    };
  }, PLUGIN_ID);

  const installed = installedJupyterLabVersion();
  const summary = `JupyterLab in the browser: ${app.version} (PageConfig appVersion ${app.appVersion}); installed: ${installed}`;
  console.log(summary);
  testInfo.annotations.push({ type: 'JupyterLab', description: summary });

  expect(app.version).toBe(installed);
  expect(app.appVersion).toBe(installed);
  expect(app.federated).toContain('jupyterlab-dockerize');
  expect(app.hasPlugin).toBe(true);
  expect(app.activated).toBe(true);

  const ours = errors.filter(text => /dockerize/i.test(text));
  expect(ours, `console errors mentioning jupyterlab-dockerize`).toEqual([]);
  if (errors.length) {
    // Other extensions' errors are not this test's business, but show them.
    console.log(`Other console errors at start-up:\n${errors.join('\n')}`);
  }
});

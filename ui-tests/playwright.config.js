/**
 * Playwright configuration for the jupyterlab-dockerize UI tests (Galata).
 *
 * Three JupyterLab servers are started from jupyter_server_test_config.py, which loads
 * the settings file `make lab` uses:
 *  - "reachable" on DOCKERIZE_UI_PORT (default 8899), inheriting DOCKER_HOST
 *    from the environment: the engine the tests expect to reach;
 *  - "unreachable" on DOCKERIZE_UI_PORT_UNREACHABLE (default 8898), with
 *    DOCKER_HOST pointing at a socket that does not exist;
 *  - "realworld" on DOCKERIZE_UI_PORT_REALWORLD (default 8897), rooted in the real-world
 *    environment scripts/ui-tests.sh makes (DOCKERIZE_REALWORLD_ROOT), with its kernel
 *    on JUPYTER_PATH; realworld.spec.ts and capture-speed.spec.ts run there.
 *
 * The browser is Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium):
 * Playwright's own browsers cannot be downloaded here.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const PORT = process.env.DOCKERIZE_UI_PORT || '8899';
const UNREACHABLE_PORT = process.env.DOCKERIZE_UI_PORT_UNREACHABLE || '8898';
const REALWORLD_PORT = process.env.DOCKERIZE_UI_PORT_REALWORLD || '8897';
const UNREACHABLE_DOCKER_HOST = 'unix:///nonexistent/dockerize-ui-tests.sock';

const baseURL = `http://localhost:${PORT}`;
const unreachableURL = `http://localhost:${UNREACHABLE_PORT}`;
const realworldURL = `http://localhost:${REALWORLD_PORT}`;

module.exports = {
  ...baseConfig,
  reporter: [
    ['list'],
    ['html', { open: 'never' }],
    // Read by scripts/test-digest.py: the failures again, last in `make test`'s output.
    ['json', { outputFile: 'test-results/report.json' }]
  ],
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  use: {
    ...baseConfig.use,
    baseURL,
    trace: 'retain-on-failure',
    video: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox', // the tests run as root
        '--disable-gpu',
        // Keep Chromium from calling home on a closed network.
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  projects: [
    {
      name: 'reachable',
      testIgnore: /(unreachable|realworld|capture-speed)\.spec\.ts$/,
      use: { baseURL }
    },
    {
      name: 'realworld',
      testMatch: /(realworld|capture-speed)\.spec\.ts$/,
      use: { baseURL: realworldURL }
    },
    {
      name: 'unreachable',
      testMatch: /unreachable\.spec\.ts$/,
      use: { baseURL: unreachableURL }
    }
  ],
  webServer: [
    {
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `${baseURL}/lab`,
      // The server inherits the whole environment, DOCKER_HOST included.
      env: { DOCKERIZE_UI_PORT: PORT },
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
      stderr: 'pipe'
    },
    {
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `${unreachableURL}/lab`,
      env: {
        DOCKERIZE_UI_PORT: UNREACHABLE_PORT,
        DOCKER_HOST: UNREACHABLE_DOCKER_HOST,
        // Every engine request answers 503 here, which Jupyter Server logs as
        // an error with the request headers: expected, so keep it quiet.
        DOCKERIZE_UI_LOG_LEVEL:
          process.env.DOCKERIZE_UI_LOG_LEVEL_UNREACHABLE || 'CRITICAL'
      },
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
      stderr: 'pipe'
    },
    {
      command: 'jupyter lab --config jupyter_server_test_config.py',
      url: `${realworldURL}/lab`,
      env: {
        DOCKERIZE_UI_PORT: REALWORLD_PORT,
        DOCKERIZE_UI_ROOT: process.env.DOCKERIZE_REALWORLD_ROOT || '',
        JUPYTER_PATH: [
          process.env.DOCKERIZE_REALWORLD_JUPYTER_PATH,
          process.env.JUPYTER_PATH
        ]
          .filter(Boolean)
          .join(':')
      },
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
      stderr: 'pipe'
    }
  ]
};

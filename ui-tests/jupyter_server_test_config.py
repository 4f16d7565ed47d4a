"""Jupyter Server configuration for the jupyterlab-dockerize UI tests.

Started by Playwright (see playwright.config.js) as
``jupyter lab --config jupyter_server_test_config.py``.

Never use this configuration for a real server: it disables the token, the
password and the XSRF check.
"""

import os
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is provided by the config loader)

# Fixed, unusual port so the suite does not clash with a JupyterLab on 8888.
c.ServerApp.port = int(os.environ.get("DOCKERIZE_UI_PORT", "8899"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
# The test machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
# Playwright shows the server's stderr: keep it to errors (DEBUG, INFO, WARN...
# through DOCKERIZE_UI_LOG_LEVEL).
c.Application.log_level = os.environ.get("DOCKERIZE_UI_LOG_LEVEL", "ERROR")  # noqa: F821
# A fresh, empty root directory for every server.
c.ServerApp.root_dir = mkdtemp(prefix="dockerize-ui-tests-")  # noqa: F821
# Lab's "news" and update checks would try to reach the internet.
c.LabApp.news_url = None  # noqa: F821
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
# The Docker engine is the one named by DOCKER_HOST in the environment,
# which the server inherits from Playwright (and Playwright from the shell).
# The harness's engine has no bridge network: builds, verification and runs use the host's
# network (everything stays on loopback). Jobs keep their records in a fresh folder.
c.Dockerize.build_network_mode = os.environ.get("DOCKERIZE_UI_BUILD_NETWORK", "host")  # noqa: F821
c.Dockerize.run_network_mode = os.environ.get("DOCKERIZE_UI_RUN_NETWORK", "host")  # noqa: F821
c.Dockerize.state_dir = mkdtemp(prefix="dockerize-ui-state-")  # noqa: F821

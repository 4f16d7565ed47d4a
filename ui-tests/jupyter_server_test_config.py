"""Jupyter Server configuration for the jupyterlab-dockerize UI tests.

Started by Playwright (see playwright.config.js) as
``jupyter lab --config jupyter_server_test_config.py``.

Never use this configuration for a real server: it disables the token, the
password and the XSRF check.
"""

import os
from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

# The settings `make lab` starts JupyterLab with: the tests check the product as users run it.
LAB_CONFIG = Path(__file__).resolve().parents[1] / "scripts" / "lab_server_config.py"
load_subconfig(str(LAB_CONFIG))  # noqa: F821 (provided by the config loader)
configure_jupyter_server(c)  # noqa: F821 (c is provided by the config loader)

# Fixed, unusual port so the suite does not clash with a JupyterLab on 8888.
c.ServerApp.port = int(os.environ.get("DOCKERIZE_UI_PORT", "8899"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
# The test machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
# Playwright shows the server's stderr: keep it to errors (DEBUG, INFO, WARN...
# through DOCKERIZE_UI_LOG_LEVEL).
c.Application.log_level = os.environ.get("DOCKERIZE_UI_LOG_LEVEL", "ERROR")  # noqa: F821
# A fresh, empty root directory for every server, or the real-world environment's root.
ROOT = os.environ.get("DOCKERIZE_UI_ROOT") or mkdtemp(prefix="dockerize-ui-tests-")
c.ServerApp.root_dir = ROOT  # noqa: F821
# The Docker engine is the one named by DOCKER_HOST in the environment, which the server
# inherits from Playwright (and Playwright from the shell). No network setting: like
# `make lab`, the extension finds out that the harness's engine has no bridge. Jobs keep
# their records in a fresh folder.
c.Dockerize.state_dir = mkdtemp(prefix="dockerize-ui-state-")  # noqa: F821

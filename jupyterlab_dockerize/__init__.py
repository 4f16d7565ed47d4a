"""jupyterlab-dockerize: package a notebook and its live environment as a Docker image."""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # an editable checkout before its first build
    import warnings

    warnings.warn("Importing 'jupyterlab_dockerize' outside a proper installation.", stacklevel=2)
    __version__ = "dev"

from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

from .builds import BuildService
from .config import Dockerize
from .routes import BUILDS_KEY, setup_route_handlers


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-dockerize"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyterlab_dockerize"}]


def _load_jupyter_server_extension(server_app) -> None:
    """Register the routes; called by jupyter_server when the extension is enabled."""
    dockerize = Dockerize(parent=server_app)
    state_dir = Path(dockerize.state_dir or Path(jupyter_runtime_dir()) / "jupyterlab-dockerize")
    builds = BuildService(dockerize, server_app.root_dir, state_dir)
    setup_route_handlers(server_app.web_app, dockerize, builds)
    _stop_with_server(server_app, builds)
    server_app.log.info("Registered jupyterlab-dockerize server extension")


def _stop_with_server(server_app, builds: BuildService) -> None:
    """Stops the build service when the server shuts down.

    jupyter_server calls stop hooks only for ExtensionApp subclasses, and this extension
    is a plain module: its shutdown joins the server's own cleanup of extensions instead.
    """
    cleanup_extensions = server_app.cleanup_extensions

    async def cleanup_with_builds() -> None:
        try:
            await builds.shutdown()
        except Exception:  # the rest of the server's cleanup must still run
            server_app.log.exception("jupyterlab-dockerize: the build service did not stop cleanly")
        await cleanup_extensions()

    server_app.cleanup_extensions = cleanup_with_builds


async def _start_jupyter_server_extension(server_app) -> None:
    """Marks jobs a previous server left running as interrupted and cleans their leftovers."""
    await server_app.web_app.settings[BUILDS_KEY].ready()

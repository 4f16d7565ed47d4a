"""jupyterlab-dockerize: package a notebook and its live environment as a Docker image."""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # an editable checkout before its first build
    import warnings

    warnings.warn("Importing 'jupyterlab_dockerize' outside a proper installation.", stacklevel=2)
    __version__ = "dev"

from .config import Dockerize
from .routes import setup_route_handlers


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-dockerize"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyterlab_dockerize"}]


def _load_jupyter_server_extension(server_app) -> None:
    """Register the routes; called by jupyter_server when the extension is enabled."""
    dockerize = Dockerize(parent=server_app)
    setup_route_handlers(server_app.web_app, dockerize)
    server_app.log.info("Registered jupyterlab-dockerize server extension")

"""Server-side settings, set like any Jupyter option (``c.Dockerize.docker_host = ...``)."""

from __future__ import annotations

from traitlets import Bool, Float, Int, Unicode
from traitlets.config import Configurable

from .engine import EngineSettings


class Dockerize(Configurable):
    """Options of the jupyterlab-dockerize server extension."""

    docker_host = Unicode(
        "",
        config=True,
        help=(
            "Docker engine to use, in DOCKER_HOST form: unix:///var/run/docker.sock, "
            "tcp://host:2376 (TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), ssh://user@host, "
            "or a podman socket such as unix:///run/user/1000/podman/podman.sock. "
            "Empty means the DOCKER_HOST environment variable, else the platform default."
        ),
    )
    engine_timeout = Float(
        10.0,
        config=True,
        help="Seconds to wait for the Docker engine to answer a status request.",
    )
    use_ssh_client = Bool(
        False,
        config=True,
        help="Reach ssh:// engines through the system ssh client instead of paramiko.",
    )

    bundle_max_bytes = Int(
        512 * 1024 * 1024,
        config=True,
        help=(
            "Largest total size, in bytes, of the files in a downloaded bundle (generated texts "
            "plus included workspace files, before compression). Bigger bundles get a 413."
        ),
    )
    bundle_max_request_bytes = Int(
        8 * 1024 * 1024,
        config=True,
        help="Largest JSON body, in bytes, of a bundle request. Bigger requests get a 413.",
    )

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(
            docker_host=self.docker_host or None,
            timeout=self.engine_timeout,
            use_ssh_client=self.use_ssh_client,
        )

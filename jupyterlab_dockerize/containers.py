"""Starting the built image's Jupyter in a container, reachable on a loopback port.

Two network modes, chosen by the server's configuration:
- ``bridge`` (Docker's default): the container's 8888 is published on 127.0.0.1 at a port
  the engine picks;
- ``host`` (engines without a bridge network): the container shares the host's network,
  so Jupyter gets a free port through ``JUPYTER_PORT`` (and any ``--port=`` in the image's
  command is replaced), listening on loopback only.
"""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .build import JOB_LABEL
from .cancellation import Cancellation, JobAPIClient
from .errors import DockerizeError

JUPYTER_PORT = 8888
ROLE_LABEL = "io.github.jupyterlab-dockerize.role"


class ContainerFailed(DockerizeError):
    status = 422
    default_code = "container_failed"


@dataclass(frozen=True)
class JupyterContainer:
    id: str
    port: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_jupyter(
    client: JobAPIClient,
    image_id: str,
    *,
    job_id: str,
    role: str,
    token: str,
    network_mode: str,
    binds: dict[str, str] | None = None,
) -> JupyterContainer:
    """Starts the image's own command with a token; returns the container and its port."""
    config = client.inspect_image(image_id).get("Config") or {}
    env = [f"JUPYTER_TOKEN={token}"]
    labels = {JOB_LABEL: job_id, ROLE_LABEL: role}
    volumes = sorted(binds.values()) if binds else None
    bind_config = {
        source: {"bind": target, "mode": "rw"} for source, target in (binds or {}).items()
    }
    if network_mode == "host":
        port = free_port()
        env.append(f"JUPYTER_PORT={port}")
        command = [
            f"--port={port}" if str(arg).startswith("--port=") else arg
            for arg in (config.get("Cmd") or [])
        ]
        host_config = client.create_host_config(network_mode="host", binds=bind_config or None)
        container = client.create_container(
            image_id,
            command=command or None,
            environment=env,
            labels=labels,
            volumes=volumes,
            host_config=host_config,
        )
    else:
        host_config = client.create_host_config(
            network_mode=network_mode or None,
            port_bindings={JUPYTER_PORT: ("127.0.0.1", None)},
            binds=bind_config or None,
        )
        container = client.create_container(
            image_id,
            environment=env,
            labels=labels,
            ports=[JUPYTER_PORT],
            volumes=volumes,
            host_config=host_config,
        )
    container_id = container["Id"]
    try:
        client.start(container_id)
        if network_mode != "host":
            mapped = client.port(container_id, JUPYTER_PORT) or []
            port = int(mapped[0]["HostPort"])
    except Exception:
        remove_container(client, container_id)
        raise
    return JupyterContainer(id=container_id, port=port)


def wait_for_jupyter(
    client: JobAPIClient,
    container: JupyterContainer,
    token: str,
    cancellation: Cancellation,
    timeout: float,
) -> None:
    """Until /api/status answers 200 with the token; ContainerFailed if it never does."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{container.port}/api/status"
    while True:
        cancellation.check()
        status = http_status(url, token)
        if status == 200:
            return
        state = client.inspect_container(container.id).get("State") or {}
        if not state.get("Running"):
            tail = container_log_tail(client, container.id)
            raise ContainerFailed(
                f"Jupyter in the image exited (code {state.get('ExitCode')}) before it "
                f"answered: {tail}",
                "See the container's log lines above; the image may lack jupyterlab, or its "
                "command may be wrong after an edit of the Dockerfile.",
                code="jupyter_exited",
            )
        if time.monotonic() > deadline:
            raise ContainerFailed(
                f"Jupyter in the image did not answer within {timeout:.0f} s.",
                "The image may be slow to start on this machine; verify again.",
                code="jupyter_timeout",
            )
        time.sleep(0.5)


def http_status(url: str, token: str | None) -> int | None:
    request = urllib.request.Request(url)  # noqa: S310 - always http://127.0.0.1:<port>/...
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def container_log_tail(client: JobAPIClient, container_id: str, lines: int = 5) -> str:
    try:
        raw = client.logs(container_id, stdout=True, stderr=True, tail=lines)
    except Exception:  # noqa: BLE001 - only for the message
        return "(no log)"
    text = raw.decode("utf-8", "replace").strip() if isinstance(raw, bytes) else str(raw)
    return " | ".join(text.splitlines()[-lines:]) or "(no log)"


def remove_container(client: Any, container_id: str) -> None:
    # Already gone, or the engine is: nothing more to do.
    with contextlib.suppress(Exception):
        client.remove_container(container_id, force=True, v=True)


def remove_labelled_containers(client: Any, role: str | None = None) -> int:
    """Removes every container this extension made (of one role, or all); returns how many."""
    label = f"{ROLE_LABEL}={role}" if role else JOB_LABEL
    removed = 0
    for container in client.containers(all=True, filters={"label": label}):
        remove_container(client, container["Id"])
        removed += 1
    return removed

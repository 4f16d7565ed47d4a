"""Starting the built image's Jupyter in a container, reachable on a loopback port.

Two network modes:
- ``bridge`` (Docker's default): the container's 8888 is published on 127.0.0.1 at a port
  the engine picks;
- ``host``: the container shares the host's network, so Jupyter gets a free port through
  ``JUPYTER_PORT`` (and any ``--port=`` in the image's command is replaced), listening on
  loopback only.

``auto`` (the default setting) takes ``bridge`` where the engine has a bridge network and
falls back to ``host`` when the engine has none or publishes no port (an engine started
with ``--bridge=none``, or limited to host networking), saying so in the job's log.
"""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docker.errors import APIError

from .cancellation import Cancellation, JobAPIClient
from .errors import DockerizeError

JUPYTER_PORT = 8888
#: Where a local run mounts the workspace folders it is given (the image's volumes).
NOTEBOOKS_VOLUME = "/notebooks"
DATA_VOLUME = "/data"

#: Every label of this extension starts so (the generated Dockerfile's LABELs too).
LABEL_PREFIX = "io.github.jupyterlab-dockerize"
#: The label every image, container and job leftover of this extension carries.
JOB_LABEL = f"{LABEL_PREFIX}.job"
#: What a container is for: verify or run.
ROLE_LABEL = f"{LABEL_PREFIX}.role"
#: The server instance (instances.py) that made the container: only it, or a server that
#: finds it gone, removes the container.
SERVER_LABEL = f"{LABEL_PREFIX}.server"


NO_PORT_HINT = (
    "Set c.Dockerize.run_network_mode = 'auto' (the default: it falls back to the host's "
    "network) or 'host' for a local engine without a bridge network, then try again."
)


class ContainerFailed(DockerizeError):
    status = 422
    default_code = "container_failed"


@dataclass(frozen=True)
class JupyterContainer:
    id: str
    port: int
    network_mode: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def engine_has_bridge(client: Any) -> bool:
    """True when the engine has a bridge network (Docker's "bridge", podman's "podman")."""
    try:
        networks = client.networks()
    except APIError:
        return True  # not allowed to list: assume the default, the fallback still applies
    return any(str(network.get("Driver") or "") == "bridge" for network in networks or [])


def build_network(setting: str, client: Any) -> str | None:
    """The ``--network`` of a build for the configured setting ('auto' asks the engine)."""
    if setting == "auto":
        return None if engine_has_bridge(client) else "host"
    return setting or None


def start_jupyter(
    client: JobAPIClient,
    image_id: str,
    *,
    job_id: str,
    role: str,
    token: str,
    network_mode: str,
    server_id: str = "",
    binds: dict[str, str] | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> JupyterContainer:
    """Starts the image's own command with a token; returns the container and its port."""
    config = client.inspect_image(image_id).get("Config") or {}
    env = [f"JUPYTER_TOKEN={token}"]
    labels = {JOB_LABEL: job_id, ROLE_LABEL: role}
    if server_id:
        labels[SERVER_LABEL] = server_id
    volumes = sorted(binds.values()) if binds else None
    bind_config = {
        source: {"bind": target, "mode": "rw"} for source, target in (binds or {}).items()
    }
    mode = network_mode
    if mode == "auto" and not engine_has_bridge(client):
        mode = "host"
        log(
            "The engine has no bridge network, so it cannot publish the container's port: "
            "the container shares the host's network on a free loopback port instead."
        )
    if mode != "host":
        published = _start_published(
            client, image_id, env, labels, volumes, bind_config, None if mode == "auto" else mode
        )
        if published is not None:
            return published
        if mode != "auto":
            raise ContainerFailed(
                "The engine published no port for the container, so Jupyter in it cannot "
                f"be reached (network mode '{mode}').",
                NO_PORT_HINT,
                code="no_published_port",
            )
        log(
            "The engine published no port for the container: running it on the host's "
            "network on a free loopback port instead."
        )
    port = free_port()
    command = [
        f"--port={port}" if str(arg).startswith("--port=") else arg
        for arg in (config.get("Cmd") or [])
    ]
    host_config = client.create_host_config(network_mode="host", binds=bind_config or None)
    container = client.create_container(
        image_id,
        command=command or None,
        environment=[*env, f"JUPYTER_PORT={port}"],
        labels=labels,
        volumes=volumes,
        host_config=host_config,
    )
    _start_or_remove(client, container["Id"])
    return JupyterContainer(id=container["Id"], port=port, network_mode="host")


def _start_published(
    client: JobAPIClient,
    image_id: str,
    env: list[str],
    labels: dict[str, str],
    volumes: list[str] | None,
    bind_config: dict[str, Any],
    network_mode: str | None,
) -> JupyterContainer | None:
    """Starts with 8888 published on 127.0.0.1; None when the engine publishes no port."""
    host_config = client.create_host_config(
        network_mode=network_mode,
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
        mapped = client.port(container_id, JUPYTER_PORT) or []
    except APIError as error:
        remove_container(client, container_id)
        explanation = str(error.explanation or error)
        if "network" not in explanation.lower():
            raise
        if network_mode is None:
            return None  # "network bridge not found": the engine has no bridge after all
        raise ContainerFailed(
            f"The engine cannot start the container on the network '{network_mode}': "
            f"{explanation.strip()[:300]}",
            NO_PORT_HINT,
            code="no_published_port",
        ) from None
    except BaseException:
        remove_container(client, container_id)
        raise
    ports = [entry.get("HostPort") for entry in mapped if isinstance(entry, dict)]
    port = next((int(value) for value in ports if str(value or "").isdigit()), None)
    if port is None:
        remove_container(client, container_id)
        return None
    return JupyterContainer(id=container_id, port=port, network_mode=network_mode or "bridge")


def _start_or_remove(client: JobAPIClient, container_id: str) -> None:
    try:
        client.start(container_id)
    except BaseException:
        remove_container(client, container_id)
        raise


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


def remove_containers_of(client: Any, servers: set[str], jobs: set[str] = frozenset()) -> int:
    """Removes this extension's containers made by the given (gone) server instances, or,
    for containers of older versions without a server label, by the given jobs."""
    removed = 0
    for container in client.containers(all=True, filters={"label": JOB_LABEL}):
        labels = container.get("Labels") or {}
        owner = labels.get(SERVER_LABEL)
        if (owner in servers) if owner else (labels.get(JOB_LABEL) in jobs):
            remove_container(client, container["Id"])
            removed += 1
    return removed


def remove_labelled_containers(client: Any, server_id: str, role: str | None = None) -> int:
    """Removes the containers one server instance made (of one role, or all)."""
    filters = [f"{SERVER_LABEL}={server_id}"]
    if role:
        filters.append(f"{ROLE_LABEL}={role}")
    removed = 0
    for container in client.containers(all=True, filters={"label": filters}):
        remove_container(client, container["Id"])
        removed += 1
    return removed

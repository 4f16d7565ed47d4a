"""Running the built image locally: its Jupyter with a fresh token, folders bound as volumes."""

from __future__ import annotations

import secrets
from typing import Any

from .cancellation import Cancellation, JobAPIClient
from .containers import remove_container, start_jupyter, wait_for_jupyter
from .jobs import Job


def run_locally(
    client: JobAPIClient,
    job: Job,
    cancellation: Cancellation,
    *,
    network_mode: str,
    binds: dict[str, str],
    timeout: float,
    server_id: str = "",
) -> dict[str, Any]:
    """Starts the image and waits for Jupyter; returns the container, its URL and token."""
    assert job.image_id is not None
    token = secrets.token_hex(24)
    container = start_jupyter(
        client,
        job.image_id,
        job_id=job.id,
        role="run",
        token=token,
        network_mode=network_mode,
        server_id=server_id,
        binds=binds,
        log=lambda text: job.emit("log", phase="run", text=text),
    )
    try:
        wait_for_jupyter(client, container, token, cancellation, timeout)
    except BaseException:
        remove_container(client, container.id)
        raise
    base = f"http://127.0.0.1:{container.port}/"
    return {
        "containerId": container.id,
        "port": container.port,
        "networkMode": container.network_mode,
        "url": base,
        "token": token,
        "binds": sorted(binds.values()),
    }


def stop_locally(client: JobAPIClient, container_id: str) -> None:
    remove_container(client, container_id)

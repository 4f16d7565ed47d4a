"""Verifying a built image: what it installed, who it runs as, that its Jupyter answers,
and that its notebooks run.

The distributions come from the same capture snippet the kernel ran, executed in the image
with no network; the frontend's core compares them with the captured snapshot. Then the
image's own command starts with a fresh token, and Jupyter must answer with the token and
refuse without it. Last, each bundled notebook is re-executed in the image
(notebook_run.py); the frontend's core compares its outputs with the saved ones.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .cancellation import Cancellation, JobAPIClient
from .capture import SNAPSHOT_MARKER, capture_code
from .containers import (
    JOB_LABEL,
    ROLE_LABEL,
    SERVER_LABEL,
    ContainerFailed,
    container_log_tail,
    http_status,
    remove_container,
    start_jupyter,
    wait_for_jupyter,
)
from .jobs import Job
from .notebook_run import NotebookInImage, NotebookLimits, run_notebooks


def run_verify(
    client: JobAPIClient,
    job: Job,
    cancellation: Cancellation,
    *,
    network_mode: str,
    timeout: float,
    server_id: str = "",
    notebooks: list[NotebookInImage] | None = None,
    limits: NotebookLimits | None = None,
    data_dir: str | None = None,
    image_id: str | None = None,
) -> dict[str, Any]:
    """The checks, then each of ``notebooks`` run under ``limits`` (none: no notebook run),
    with the workspace folder ``data_dir`` bound read-only at /data when given. ``image_id``
    is one platform's image of the job (None: the job's own)."""
    image_id = image_id or job.image_id
    assert image_id is not None
    config = client.inspect_image(image_id).get("Config") or {}
    job.emit("log", phase="verify", text="Listing the distributions installed in the image.")
    snapshot = _image_snapshot(client, job, image_id, cancellation, timeout, server_id)
    count = len(snapshot.get("distributions") or [])
    job.emit("log", phase="verify", text=f"The image has {count} distributions.")

    job.emit("log", phase="verify", text="Starting the image's Jupyter with a fresh token.")
    token = secrets.token_hex(24)
    container = start_jupyter(
        client,
        image_id,
        job_id=job.id,
        role="verify",
        token=token,
        network_mode=network_mode,
        server_id=server_id,
        log=lambda text: job.emit("log", phase="verify", text=text),
    )
    try:
        wait_for_jupyter(client, container, token, cancellation, timeout)
        url = f"http://127.0.0.1:{container.port}/api/contents"
        without = http_status(url, None)
        wrong = http_status(url, secrets.token_hex(24))
        with_token = http_status(url, token)
        uid = _exec_text(client, container.id, ["id", "-u"])
    finally:
        remove_container(client, container.id)
    jupyter = {
        "answered": with_token == 200,
        "refusedWithoutToken": without in (401, 403),
        "refusedWrongToken": wrong in (401, 403),
    }
    job.emit(
        "log",
        phase="verify",
        text=(
            f"Jupyter answered with the token ({with_token}), without it ({without}), with a "
            f"wrong one ({wrong}); it runs as uid {uid or '?'}."
        ),
    )
    runs = []
    if notebooks and limits is not None:
        runs = _run_notebooks(
            client, job, image_id, cancellation, notebooks, limits, data_dir, server_id
        )
    return {
        "ok": True,
        "snapshot": snapshot,
        "networkMode": container.network_mode,
        "user": str(config.get("User") or ""),
        "uid": uid,
        "exposedPorts": sorted(config.get("ExposedPorts") or {}),
        "volumes": sorted(config.get("Volumes") or {}),
        "jupyter": jupyter,
        "notebooks": runs,
    }


def _run_notebooks(
    client: JobAPIClient,
    job: Job,
    image_id: str,
    cancellation: Cancellation,
    notebooks: list[NotebookInImage],
    limits: NotebookLimits,
    data_dir: str | None,
    server_id: str,
) -> list[dict[str, Any]]:
    count = len(notebooks)
    job.emit(
        "log",
        phase="verify",
        text=(
            f"Running the {count} bundled notebook{'s' if count != 1 else ''} in the image, "
            "each in its own container with no network"
            + (", the workspace's data folder read-only at /data." if data_dir else ".")
        ),
    )
    labels = {JOB_LABEL: job.id, ROLE_LABEL: "verify"}
    if server_id:
        labels[SERVER_LABEL] = server_id
    runs = run_notebooks(
        client,
        image_id,
        notebooks,
        limits,
        cancellation,
        labels=labels,
        data_dir=data_dir,
        log=lambda text: job.emit("log", phase="verify", text=text),
    )
    cancellation.check()
    return runs


def _image_snapshot(
    client: JobAPIClient,
    job: Job,
    image_id: str,
    cancellation: Cancellation,
    timeout: float,
    server_id: str,
) -> dict[str, Any]:
    labels = {JOB_LABEL: job.id, ROLE_LABEL: "verify"}
    if server_id:
        labels[SERVER_LABEL] = server_id
    container = client.create_container(
        image_id,
        command=["python3", "-c", capture_code()],
        labels=labels,
        host_config=client.create_host_config(network_mode="none"),
    )
    container_id = container["Id"]
    try:
        client.start(container_id)
        deadline = time.monotonic() + timeout
        while True:
            cancellation.check()
            state = client.inspect_container(container_id).get("State") or {}
            if not state.get("Running"):
                break
            if time.monotonic() > deadline:
                raise ContainerFailed(
                    f"Listing the image's packages took longer than {timeout:.0f} s.",
                    "Verify again; the engine may be busy.",
                    code="verify_timeout",
                )
            time.sleep(0.2)
        output = client.logs(container_id, stdout=True, stderr=False).decode("utf-8", "replace")
        for line in output.splitlines():
            if line.startswith(SNAPSHOT_MARKER):
                return json.loads(line[len(SNAPSHOT_MARKER) :])
        raise ContainerFailed(
            "The image did not report its packages (exit code "
            f"{state.get('ExitCode')}): {container_log_tail(client, container_id)}",
            "The image needs python3 on its PATH; a custom base image may not have it.",
            code="verify_no_python",
        )
    finally:
        remove_container(client, container_id)


def _exec_text(client: JobAPIClient, container_id: str, command: list[str]) -> str:
    try:
        exec_id = client.exec_create(container_id, command)["Id"]
        return client.exec_start(exec_id).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - only informative
        return ""

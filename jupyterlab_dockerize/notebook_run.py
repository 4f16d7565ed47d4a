"""Re-executing the bundled notebooks inside the built image, one container each.

Each notebook runs in a container of the image with no network, as the image's own user,
in /notebooks, with the image's Python kernel (notebook_runner_snippet.py, which uses the
nbclient the image's jupyter_server brings). The workspace's data folder may be bound
read-only at /data. The runner prints one marked JSON line per event; the server follows
them for the job's log ("analysis.ipynb: cell 3 of 12, 0.4 s") and, when the container has
ended (or was killed at the notebook's time limit, or on cancel), reads its whole output
once more to make the record: an INotebookRun of src/core/verify/notebookRun.ts, the cells
done kept whatever stopped the run.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.errors import APIError

from .cancellation import Cancellation
from .containers import DATA_VOLUME, NOTEBOOKS_VOLUME, container_log_tail, remove_container

RUNNER_PATH = Path(__file__).with_name("notebook_runner_snippet.py")
#: Every protocol line of the runner starts so.
NOTEBOOK_MARKER = "__DOCKERIZE_NOTEBOOK__"
#: Outputs (saved and produced) kept per notebook, in bytes of JSON; past it, cells lose
#: their outputs and the run says so (``truncated``).
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
#: Seconds between the runner's "alive" lines: well under any engine read timeout.
HEARTBEAT_SECONDS = 10
#: How often the server looks at the deadline and the cancellation, in seconds.
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class NotebookLimits:
    cell_timeout: float
    notebook_timeout: float
    max_output_bytes: int = MAX_OUTPUT_BYTES


@dataclass(frozen=True)
class NotebookInImage:
    """A bundled notebook: where it came from, and where the bundle (and image) has it."""

    workspace_path: str
    bundle_path: str

    @property
    def name(self) -> str:
        return self.bundle_path.rsplit("/", 1)[-1]

    @property
    def image_path(self) -> str:
        return f"{NOTEBOOKS_VOLUME}/{self.name}"


def runner_code() -> str:
    return RUNNER_PATH.read_text(encoding="utf-8")


def notebooks_of(entries: Iterable[dict[str, str]]) -> list[NotebookInImage]:
    return [NotebookInImage(entry["workspacePath"], entry["bundlePath"]) for entry in entries]


def run_notebooks(
    client: Any,
    image_id: str,
    notebooks: list[NotebookInImage],
    limits: NotebookLimits,
    cancellation: Cancellation,
    *,
    labels: dict[str, str],
    data_dir: str | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> list[dict[str, Any]]:
    """One INotebookRun per notebook, in order; stops after a cancelled one."""
    runs = []
    for notebook in notebooks:
        run = run_notebook(
            client,
            image_id,
            notebook,
            limits,
            cancellation,
            labels=labels,
            data_dir=data_dir,
            log=log,
        )
        runs.append(run)
        if run["status"] == "cancelled":
            break
    return runs


def run_notebook(
    client: Any,
    image_id: str,
    notebook: NotebookInImage,
    limits: NotebookLimits,
    cancellation: Cancellation,
    *,
    labels: dict[str, str],
    data_dir: str | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Runs one notebook in its own container of ``image_id``; its INotebookRun.

    Blocking (engine calls and waits): call it from a worker thread.
    """
    options = {
        "path": notebook.image_path,
        "cwd": NOTEBOOKS_VOLUME,
        "cellTimeout": limits.cell_timeout,
        "maxOutputBytes": limits.max_output_bytes,
        "heartbeat": HEARTBEAT_SECONDS,
    }
    binds = {data_dir: {"bind": DATA_VOLUME, "mode": "ro"}} if data_dir else None
    container_id = client.create_container(
        image_id,
        command=["python3", "-u", "-c", runner_code(), json.dumps(options)],
        working_dir=NOTEBOOKS_VOLUME,
        labels=labels,
        volumes=[DATA_VOLUME] if data_dir else None,
        host_config=client.create_host_config(network_mode="none", binds=binds),
    )["Id"]
    progress = RunRecord(notebook, limits)
    record = RunRecord(notebook, limits)
    started = time.monotonic()
    try:
        try:
            client.start(container_id)
        except APIError as error:  # no python3 in the image: the engine finds no executable
            record.no_report(str(error.explanation or error).strip()[:500])
            ended = "exited"
        else:
            ended = _follow(client, container_id, started, limits, cancellation, progress, log)
            output = client.logs(container_id, stdout=True, stderr=False)
            for line in output.decode("utf-8", "replace").splitlines():
                record.feed(line)
            if not record.started and not record.error:
                record.no_report(_stderr_tail(client, container_id))
        seconds, stopped_at = time.monotonic() - started, time.time()
    finally:
        remove_container(client, container_id)
    run = record.finish(ended, seconds, stopped_at)
    log(_summary(notebook, run))
    return run


def _follow(
    client: Any,
    container_id: str,
    started: float,
    limits: NotebookLimits,
    cancellation: Cancellation,
    progress: RunRecord,
    log: Callable[[str], None],
) -> str:
    """Logs the runner's progress until its container ends; kills it at the notebook's
    deadline or on cancel. How it ended: 'exited', 'notebook_timeout' or 'cancelled'."""
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(client, container_id, lines), daemon=True)
    reader.start()
    deadline = started + limits.notebook_timeout
    streaming = True
    while True:
        if cancellation.cancelled:
            ended = "cancelled"
            break
        if time.monotonic() > deadline:
            ended = "notebook_timeout"
            break
        if streaming:
            try:
                line = lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if line is None:
                streaming = False  # the stream ended: the container did, or the stream broke
                continue
            message = progress.feed(line)
            if message:
                log(message)
        else:
            state = client.inspect_container(container_id).get("State") or {}
            if not state.get("Running"):
                return "exited"
            time.sleep(POLL_SECONDS)
    # It may have ended on its own in the meantime; the record reads what it printed.
    with contextlib.suppress(Exception):
        client.kill(container_id)
    with contextlib.suppress(Exception):
        client.wait(container_id, timeout=30)
    return ended


def _read_lines(client: Any, container_id: str, lines: queue.Queue[str | None]) -> None:
    """Puts each whole line of the container's stdout on ``lines``, then None."""
    parts: list[bytes] = []  # of the line under way (a long one comes in many chunks)
    try:
        for chunk in client.logs(container_id, stdout=True, stderr=False, stream=True, follow=True):
            while b"\n" in chunk:
                end, _, chunk = chunk.partition(b"\n")
                lines.put(b"".join([*parts, end]).decode("utf-8", "replace"))
                parts = []
            if chunk:
                parts.append(chunk)
    except Exception:  # noqa: BLE001, S110 - the record reads the whole output afterwards
        pass
    finally:
        lines.put(None)


def _stderr_tail(client: Any, container_id: str) -> str:
    try:
        raw = client.logs(container_id, stdout=False, stderr=True, tail=5)
    except Exception:  # noqa: BLE001 - only for the message
        return container_log_tail(client, container_id)
    text = raw.decode("utf-8", "replace").strip()
    return " | ".join(text.splitlines()[-5:]) or "(no output)"


class RunRecord:
    """Builds an INotebookRun from the runner's protocol lines, in the order they came."""

    def __init__(self, notebook: NotebookInImage, limits: NotebookLimits) -> None:
        self.notebook = notebook
        self.limits = limits
        self.started = False
        self.kernel = ""
        self.cells: list[dict[str, Any]] = []
        self.by_index: dict[int, dict[str, Any]] = {}
        self.running: int | None = None
        #: When the running cell started (the container's clock, seconds since the epoch).
        self.running_since: float | None = None
        self.dropped: set[int] = set()
        self.end: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None

    def feed(self, line: str) -> str:
        """Takes one line of the runner's output; a progress message for the log, or ''."""
        if not line.startswith(NOTEBOOK_MARKER):
            return ""
        try:
            event = json.loads(line[len(NOTEBOOK_MARKER) :])
        except ValueError:
            return ""  # cut short by a kill
        if not isinstance(event, dict):
            return ""
        kind = event.get("event")
        if kind == "start":
            return self._start(event)
        if kind == "running" and event.get("index") in self.by_index:
            self.running = event["index"]
            at = event.get("at")
            self.running_since = float(at) if isinstance(at, (int, float)) else None
        elif kind == "cell" and event.get("index") in self.by_index:
            return self._cell(event)
        elif kind == "end":
            self.end = event
        elif kind == "error":
            self.error = event
            return f"{self.notebook.name}: {event.get('message', '')}"
        return ""

    def _start(self, event: dict[str, Any]) -> str:
        self.started = True
        self.kernel = str(event.get("kernel") or "")
        for raw in event.get("cells") or []:
            cell = {
                "index": int(raw["index"]),
                "source": str(raw.get("source") or ""),
                "tags": [str(tag) for tag in raw.get("tags") or []],
                "saved": list(raw.get("saved") or []),
                "produced": [],
                "status": "not-run",
                "seconds": None,
            }
            if raw.get("dropped"):
                self.dropped.add(cell["index"])
            self.cells.append(cell)
            self.by_index[cell["index"]] = cell
        if not self.kernel:
            return ""
        note = str(event.get("kernelNote") or "")
        return (
            f"{self.notebook.name}: running {len(self.cells)} code cells with the image's "
            f"kernel {self.kernel} (cell limit {self.limits.cell_timeout:g} s, notebook limit "
            f"{self.limits.notebook_timeout:g} s, no network)." + (f" {note}" if note else "")
        )

    def _cell(self, event: dict[str, Any]) -> str:
        cell = self.by_index[event["index"]]
        cell["status"] = str(event.get("status") or "ok")
        cell["produced"] = list(event.get("produced") or [])
        seconds = event.get("seconds")
        cell["seconds"] = float(seconds) if isinstance(seconds, (int, float)) else None
        if event.get("dropped"):
            self.dropped.add(cell["index"])
        if self.running == cell["index"]:
            self.running = None
        number = self.cells.index(cell) + 1
        how = "" if cell["status"] == "ok" else f" ({cell['status']})"
        return (
            f"{self.notebook.name}: cell {number} of {len(self.cells)}, "
            f"{cell['seconds'] or 0:.1f} s{how}"
        )

    def no_report(self, stderr: str) -> None:
        """The runner never reported: no python3 in the image, or it died at once."""
        self.error = {
            "code": "runner_failed",
            "message": (
                "The notebook runner did not start in the image (it needs python3 on the "
                f"image's PATH): {stderr}"
            ),
        }

    def _ending(self, ended: str, stopped_at: float) -> tuple[str, str, str]:
        """(status, code, message) of the run; marks the cell a stop left unfinished."""
        if ended == "cancelled":
            return ("cancelled", "cancelled", "Cancelled by the user.")
        if ended == "notebook_timeout":
            limit = self.limits.notebook_timeout
            message = f"The notebook ran longer than its limit of {limit:g} s and was stopped."
            if self.running is not None:
                cell = self.by_index[self.running]
                cell["status"] = "timeout"
                if self.running_since is not None:
                    cell["seconds"] = round(max(0.0, stopped_at - self.running_since), 3)
                message += f" Cell {self.cells.index(cell) + 1} was running."
            return ("timeout", "notebook_timeout", message)
        if self.error is not None:
            return (
                "failed",
                str(self.error.get("code") or "runner_failed"),
                str(self.error.get("message") or ""),
            )
        if self.end is not None:
            return (
                str(self.end.get("status") or "completed"),
                str(self.end.get("code") or ""),
                str(self.end.get("message") or ""),
            )
        if self.running is not None:
            self.by_index[self.running]["status"] = "died"
        return (
            "failed",
            "runner_failed",
            "The notebook runner stopped before it finished (out of memory?).",
        )

    def finish(self, ended: str, seconds: float, stopped_at: float) -> dict[str, Any]:
        """The INotebookRun, given how the container ended (and when it was stopped)."""
        status, code, message = self._ending(ended, stopped_at)
        if status not in ("completed", "timeout", "failed", "cancelled"):
            status = "failed"
        truncated = bool(self.dropped)
        for index in self.dropped:
            self.by_index[index]["saved"] = []
            self.by_index[index]["produced"] = []
        if truncated:
            numbers = ", ".join(
                str(number)
                for number, cell in enumerate(self.cells, 1)
                if cell["index"] in self.dropped
            )
            megabytes = self.limits.max_output_bytes / (1024 * 1024)
            note = (
                f"The outputs of cell {numbers} were left out: the notebook's outputs pass "
                f"{megabytes:g} MB."
            )
            message = f"{message} {note}".strip()
        return {
            "bundlePath": self.notebook.bundle_path,
            "workspacePath": self.notebook.workspace_path,
            "status": status,
            "message": message,
            "code": code,
            "kernel": self.kernel,
            "cellTimeout": self.limits.cell_timeout,
            "notebookTimeout": self.limits.notebook_timeout,
            "seconds": round(seconds, 3),
            "cells": self.cells,
            "truncated": truncated,
        }


def notebook_runs_in_words(runs: list[dict[str, Any]]) -> str:
    """ " 2 notebooks re-executed: 1 ran to the end, 1 stopped at a time limit." ('' for none)."""
    if not runs:
        return ""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["status"]] = counts.get(run["status"], 0) + 1
    parts = ", ".join(f"{count} {_ENDINGS[status]}" for status, count in counts.items())
    plural = "s" if len(runs) != 1 else ""
    return f" {len(runs)} notebook{plural} re-executed: {parts}."


_ENDINGS = {
    "completed": "ran to the end",
    "timeout": "stopped at a time limit",
    "failed": "failed",
    "cancelled": "was cancelled",
}


def _summary(notebook: NotebookInImage, run: dict[str, Any]) -> str:
    cells = run["cells"]
    counts: dict[str, int] = {}
    for cell in cells:
        counts[cell["status"]] = counts.get(cell["status"], 0) + 1
    parts = [f"{count} {status}" for status, count in counts.items()]
    what = _ENDINGS[run["status"]]
    text = f"{notebook.name} {what} in {run['seconds']:.1f} s"
    if parts:
        text += f" ({', '.join(parts)} of {len(cells)} cells)"
    return text + (f": {run['message']}" if run["message"] else ".")

"""Build jobs: explicit states with timestamps, and an append-only event log with offsets.

No Docker and no Tornado here. Engine work runs in worker threads and reports through
``Job.emit``; the server's event loop reads through ``Job.wait_events``, which replays from
any offset, so a client that reconnects misses nothing. ``JobStore`` keeps each job's
record (never a credential) on disk, and its events in a bounded log beside it
(``joblog.py``), so that a restarted server shows the jobs it was running as interrupted,
with their logs.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from .joblog import EventFile, read_events, remove_events


class JobState(str, Enum):
    QUEUED = "queued"
    BUILDING = "building"
    BUILT = "built"
    PUSHING = "pushing"
    PUSHED = "pushed"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


#: States in which work is under way (or waiting for a slot): cancel applies, nothing else starts.
ACTIVE_STATES = frozenset(
    {JobState.QUEUED, JobState.BUILDING, JobState.PUSHING, JobState.VERIFYING}
)

#: States in which nothing runs: the job waits for the user (or is over).
RESTING_STATES = frozenset(JobState) - ACTIVE_STATES

#: The state a phase moves to when it starts, and when it succeeds.
PHASES = {
    "build": (JobState.BUILDING, JobState.BUILT),
    "push": (JobState.PUSHING, JobState.PUSHED),
    "verify": (JobState.VERIFYING, JobState.VERIFIED),
}
#: The phase of a local run's events: it has no states of its own.
RUN_PHASE = "run"
#: Every phase an event names.
EVENT_PHASES = (*PHASES, RUN_PHASE)
#: Every kind of job event (the events socket adds a heartbeat of its own).
EVENT_KINDS = ("phase", "log", "progress", "run")

#: A job keeps at most this many events; later log lines are dropped (phases never are).
MAX_EVENTS = 100_000
#: Phases after which a failure leaves the image as it was: still built, still pushable.
KEEPS_IMAGE = frozenset({"verify"})
#: States a job may rest in with its image built.
IMAGE_STATES = frozenset({JobState.BUILT, JobState.PUSHED, JobState.VERIFIED})
#: Longest log line kept, in characters.
MAX_LINE = 4000


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_job_id() -> str:
    return secrets.token_hex(8)


class JobStateError(Exception):
    """A request that the job's current state does not allow (mapped to 409)."""


@dataclass
class Job:
    id: str
    image: str
    #: Workspace path of the notebook the bundle packages (for the panel after a reload).
    notebook: str = ""
    #: The bundle's notebooks and data files, each {workspacePath, bundlePath}: what
    #: Verify re-executes, and where the image has the files the notebooks read.
    notebooks: list[dict[str, str]] = field(default_factory=list)
    data_files: list[dict[str, str]] = field(default_factory=list)
    #: The server instance that owns the job (instances.py); another live server leaves it be.
    server: str = ""
    created: str = field(default_factory=utc_now)
    state: JobState = JobState.QUEUED
    message: str = "Waiting for a build slot."
    #: The phase under way or last run: build, push or verify.
    phase: str = "build"
    #: State → when the job entered it (the last time).
    timestamps: dict[str, str] = field(default_factory=dict)
    #: Phase → its progress (build: step/steps; push: per-layer bytes).
    progress: dict[str, Any] = field(default_factory=dict)
    image_id: str | None = None
    #: One image a platform, the first built first: {platform, image, imageId, emulated}
    #: (``image``/``imageId`` of the first are the job's own).
    platforms: list[dict[str, Any]] = field(default_factory=list)
    pushed: dict[str, Any] | None = None
    verification: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    wheelhouse: list[dict[str, Any]] | None = None
    error: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.timestamps.setdefault(self.state.value, self.created)
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        #: The offset of ``_events[0]`` (a log read back after a rotation starts later).
        self._base = 0
        self._dropped = 0
        self._event_file: EventFile | None = None
        #: The state to return to when a phase in KEEPS_IMAGE fails or is cancelled.
        self._resting: JobState | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None

    # --- events ----------------------------------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop whose coroutines wait for events (set before any worker thread emits)."""
        self._loop = loop
        self._changed = asyncio.Event()

    def emit(self, kind: str, **fields: Any) -> None:
        """Appends an event; safe from any thread."""
        if kind not in EVENT_KINDS or fields.get("phase", RUN_PHASE) not in EVENT_PHASES:
            raise ValueError(f"not a job event the clients know: {kind} {fields.get('phase')}")
        with self._lock:
            if kind == "log" and len(self._events) >= MAX_EVENTS:
                self._dropped += 1
                return
            if kind == "log":
                text = str(fields.get("text", ""))
                fields["text"] = text if len(text) <= MAX_LINE else text[:MAX_LINE] + " …"
            offset = self._base + len(self._events)
            event = {"offset": offset, "time": utc_now(), "kind": kind, **fields}
            self._events.append(event)
            if self._event_file is not None:
                self._event_file.append(event)
        self._wake()

    def keep_events_in(self, event_file: EventFile) -> None:
        """Writes every event from now on to ``event_file`` as well."""
        with self._lock:
            self._event_file = event_file

    def restore_events(self, events: list[dict[str, Any]]) -> None:
        """The events a previous server wrote (consecutive offsets, oldest first)."""
        with self._lock:
            self._events = list(events[-MAX_EVENTS:])
            self._base = self._events[0]["offset"] if self._events else 0

    def close_events(self) -> None:
        with self._lock:
            if self._event_file is not None:
                self._event_file.close()
                self._event_file = None

    def _wake(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._notify)
        except RuntimeError:  # the loop stopped between the check and the call
            pass

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    @property
    def event_count(self) -> int:
        """The offset the next event gets (events before the first kept one included)."""
        with self._lock:
            return self._base + len(self._events)

    def events_since(self, offset: int, limit: int = 5000) -> list[dict[str, Any]]:
        with self._lock:
            start = max(0, offset - self._base)
            return self._events[start : start + limit]

    async def wait_events(
        self, offset: int, timeout: float, limit: int = 5000
    ) -> list[dict[str, Any]]:
        """Events from ``offset`` on; waits up to ``timeout`` seconds for the first one."""
        events = self.events_since(offset, limit)
        if events or timeout <= 0 or self._changed is None:
            return events
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except asyncio.TimeoutError:
            return []
        return self.events_since(offset, limit)

    # --- states ----------------------------------------------------------------------

    def set_state(self, state: JobState, message: str) -> None:
        """Moves to ``state`` and records it as a phase event."""
        with self._lock:
            self.state = state
            self.message = message
            self.timestamps[state.value] = utc_now()
        self.emit("phase", phase=self.phase, state=state.value, message=message)

    def begin(self, phase: str) -> None:
        """Starts a phase (build, push, verify) of a job that is not active."""
        start, _ = PHASES[phase]
        if self.state in ACTIVE_STATES and not (phase == "build" and self.state is JobState.QUEUED):
            raise JobStateError(f"The job is {self.state.value}; wait for it or cancel it.")
        if phase != "build" and self.image_id is None:
            raise JobStateError("The image was not built; build it first.")
        self._resting = self.state if self.state in IMAGE_STATES else JobState.BUILT
        self.phase = phase
        self.error = None
        self.set_state(start, _START_MESSAGES[phase])

    def succeed(self, message: str) -> None:
        _, done = PHASES[self.phase]
        self.set_state(done, message)

    def fail(self, message: str, hint: str = "", code: str = "job_failed") -> None:
        self.error = {"code": code, "message": message, "hint": hint}
        if self._keeps_image():
            # The image is as it was: the failure belongs to the verification, not the job.
            self.verification = {"ok": False, "error": dict(self.error), "finished": utc_now()}
            self.set_state(
                self._rest_state(), f"Verify failed: {message} The image is still built."
            )
            return
        self.set_state(JobState.FAILED, message)

    def cancel(self, message: str = "Cancelled.") -> None:
        if self._keeps_image():
            self.set_state(self._rest_state(), f"{message} The image is still built.")
            return
        self.set_state(JobState.CANCELLED, message)

    def interrupt(self, message: str, hint: str) -> None:
        """A server stopped during the job's phase (at shutdown, or found so at start)."""
        self.error = {"code": "interrupted", "message": message, "hint": hint}
        if self._keeps_image():
            self.set_state(self._rest_state(), f"{message} The image is still built.")
            return
        self.set_state(JobState.INTERRUPTED, message)

    def _keeps_image(self) -> bool:
        return self.phase in KEEPS_IMAGE and self.image_id is not None

    def _rest_state(self) -> JobState:
        if self._resting is not None:
            return self._resting
        # A record read back: the last image state it reached.
        reached = [state for state in IMAGE_STATES if state.value in self.timestamps]
        return max(reached, key=lambda state: self.timestamps[state.value], default=JobState.BUILT)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    # --- JSON ------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """What is kept on disk and sent to clients: no events, no credentials."""
        with self._lock:
            return {
                "id": self.id,
                "image": self.image,
                "notebook": self.notebook,
                "notebooks": [dict(entry) for entry in self.notebooks],
                "dataFiles": [dict(entry) for entry in self.data_files],
                "server": self.server,
                "created": self.created,
                "state": self.state.value,
                "message": self.message,
                "phase": self.phase,
                "timestamps": dict(self.timestamps),
                "progress": json.loads(json.dumps(self.progress)),
                "imageId": self.image_id,
                "platforms": [dict(entry) for entry in self.platforms],
                "pushed": self.pushed,
                "verification": self.verification,
                "run": _public_run(self.run),
                "wheelhouse": self.wheelhouse,
                "error": self.error,
            }

    def to_json(self) -> dict[str, Any]:
        """The record for the API: with the local run's URL token, which the disk never gets."""
        body = self.record()
        if self.run is not None and "token" in self.run:
            body["run"] = {**body["run"], "token": self.run["token"]}
        body["eventCount"] = self.event_count
        body["eventsDropped"] = self._dropped
        return body

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Job:
        job = cls(
            id=str(data["id"]),
            image=str(data.get("image", "")),
            notebook=str(data.get("notebook") or ""),
            notebooks=_bundle_entries(data.get("notebooks")),
            data_files=_bundle_entries(data.get("dataFiles")),
            server=str(data.get("server") or ""),
            created=str(data.get("created") or utc_now()),
            state=JobState(data.get("state", JobState.FAILED.value)),
            message=str(data.get("message", "")),
            phase=str(data.get("phase", "build")),
            timestamps=dict(data.get("timestamps") or {}),
            progress=dict(data.get("progress") or {}),
            image_id=data.get("imageId"),
            platforms=_platform_entries(data.get("platforms")),
            pushed=data.get("pushed"),
            verification=data.get("verification"),
            run=data.get("run"),
            wheelhouse=data.get("wheelhouse"),
            error=data.get("error"),
        )
        return job


_START_MESSAGES = {
    "build": "Building the image.",
    "push": "Pushing the image.",
    "verify": "Verifying the image.",
}


def _bundle_entries(raw: Any) -> list[dict[str, str]]:
    """The {workspacePath, bundlePath} entries of a record read back (others dropped)."""
    if not isinstance(raw, list):
        return []
    return [
        {"workspacePath": item["workspacePath"], "bundlePath": item["bundlePath"]}
        for item in raw
        if isinstance(item, dict)
        and isinstance(item.get("workspacePath"), str)
        and isinstance(item.get("bundlePath"), str)
    ]


def _platform_entries(raw: Any) -> list[dict[str, Any]]:
    """The platforms of a record read back (entries of another shape dropped)."""
    if not isinstance(raw, list):
        return []
    return [
        dict(item)
        for item in raw
        if isinstance(item, dict)
        and isinstance(item.get("platform"), str)
        and isinstance(item.get("imageId"), str)
    ]


def _public_run(run: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if run is None else {key: value for key, value in run.items() if key != "token"}


class JobStore:
    """One JSON record a job under ``directory``, written atomically (temp file + rename),
    and its events in a bounded log beside it."""

    def __init__(
        self, directory: str | os.PathLike[str], log_max_bytes: int = 16 * 1024 * 1024
    ) -> None:
        self.directory = Path(directory)
        self.log_max_bytes = log_max_bytes

    def keep_events(self, job: Job) -> None:
        """Writes the job's events, from now on, to its log file."""
        job.keep_events_in(EventFile(self.directory, job.id, self.log_max_bytes))

    def load_events(self, job: Job) -> None:
        job.restore_events(read_events(self.directory, job.id))

    def save(self, job: Job) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.directory / f"{job.id}.json"
        fd, temp = tempfile.mkstemp(prefix=".job-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(job.record(), handle)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def load(self) -> Iterable[Job]:
        """Every readable record, oldest first; broken or partial files are removed."""
        if not self.directory.is_dir():
            return []
        jobs = []
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith(".job-"):
                path.unlink(missing_ok=True)  # a write that never finished
                continue
            if path.suffix != ".json" or path.name.endswith(".jsonl"):
                continue
            try:
                jobs.append(Job.from_record(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)
        return sorted(jobs, key=lambda job: job.created)

    def remove(self, job_id: str) -> None:
        (self.directory / f"{job_id}.json").unlink(missing_ok=True)
        remove_events(self.directory, job_id)

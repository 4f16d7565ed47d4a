"""A job's events on disk, beside its record, so a restarted server still shows its log.

One JSON object a line in ``<job>.events.jsonl``. The file is bounded: past half of the
limit it becomes ``<job>.events.1.jsonl`` (replacing the older half) and a new file starts,
so at most ``max_bytes`` stay on disk and the newest events are always kept. Events carry
their offsets, so a log read back after a rotation starts at the first offset it kept.
Credentials never reach an event (push and run keep them out of every log line).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import IO, Any

CURRENT_SUFFIX = ".events.jsonl"
ROTATED_SUFFIX = ".events.1.jsonl"


def event_paths(directory: Path, job_id: str) -> tuple[Path, Path]:
    """(the current file, the rotated older half)."""
    return directory / f"{job_id}{CURRENT_SUFFIX}", directory / f"{job_id}{ROTATED_SUFFIX}"


class EventFile:
    """Appends events to one job's log file; safe to call under the job's lock only."""

    def __init__(self, directory: Path, job_id: str, max_bytes: int) -> None:
        self.current, self.rotated = event_paths(directory, job_id)
        self.half = max(4096, max_bytes // 2)
        self._handle: IO[str] | None = None
        self._size = 0
        self.failed = False

    def append(self, event: dict[str, Any]) -> None:
        if self.failed:
            return
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            if self._handle is None:
                self._open()
            elif self._size + len(line) > self.half:
                self._rotate()
            assert self._handle is not None
            self._handle.write(line)
            self._handle.flush()
            self._size += len(line.encode("utf-8"))
        except OSError:
            # A full disk must not stop the build: the log stays in memory.
            self.failed = True
            self.close()

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def _open(self) -> None:
        self.current.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.current, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._handle = os.fdopen(fd, "a", encoding="utf-8")
        self._size = self.current.stat().st_size

    def _rotate(self) -> None:
        self.close()
        os.replace(self.current, self.rotated)
        self._open()


def read_events(directory: Path, job_id: str) -> list[dict[str, Any]]:
    """The events kept on disk, oldest first; a torn last line (a crash mid-write) is skipped."""
    events: list[dict[str, Any]] = []
    for path in reversed(event_paths(directory, job_id)):
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(event, dict) and isinstance(event.get("offset"), int):
                        events.append(event)
        except FileNotFoundError:
            continue
    events.sort(key=lambda event: event["offset"])
    # Only a run of consecutive offsets can be replayed; keep the newest one.
    start = 0
    for index in range(1, len(events)):
        if events[index]["offset"] != events[index - 1]["offset"] + 1:
            start = index
    return events[start:]


def remove_events(directory: Path, job_id: str) -> None:
    for path in event_paths(directory, job_id):
        path.unlink(missing_ok=True)

"""Which Jupyter server owns what: several servers of one user share one state folder.

Each server holds an exclusive lock on ``instances/<id>.lock`` for as long as it runs; the
lock goes with the process, however it ends. A server cleans up only after instances whose
lock it can take (they are gone): their temporary folders, their jobs (shown as
interrupted, then its own) and their containers. What a live server owns is left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

INSTANCE_ID = re.compile(r"^[0-9a-f]{12}$")


class ServerInstance:
    """This server's claim on the state folder; ``release`` (or the process ending) ends it."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.id = secrets.token_hex(6)
        self.folder = state_dir / "instances"
        self.temp_root = state_dir / "tmp" / self.id
        self._lock: IO[str] | None = None

    def claim(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = _open_lock(self.folder / f"{self.id}.lock")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock = handle

    def release(self) -> None:
        """Removes this server's temporary files and its claim."""
        shutil.rmtree(self.temp_root, ignore_errors=True)
        if self._lock is not None:
            (self.folder / f"{self.id}.lock").unlink(missing_ok=True)
            self._lock.close()
            self._lock = None

    @contextlib.contextmanager
    def dead_instances(self) -> Iterator[set[str]]:
        """The ids of servers that held a claim here and are gone (their locks held while
        the caller cleans up after them, so two starting servers do not both clean)."""
        held: dict[str, IO[str]] = {}
        try:
            for other, path in self._other_claims(skip=set()):
                handle = _lock_if_free(path)
                if handle is not None:
                    held[other] = handle
            yield set(held)
        finally:
            for other, handle in held.items():
                shutil.rmtree(self.state_dir / "tmp" / other, ignore_errors=True)
                (self.folder / f"{other}.lock").unlink(missing_ok=True)
                handle.close()

    def live_instances(self, dead: set[str]) -> set[str]:
        """Ids of other servers whose claim is held (they run), ``dead`` (whose locks this
        server holds while it cleans up after them) aside."""
        live = set()
        for other, path in self._other_claims(skip=dead):
            handle = _lock_if_free(path)
            if handle is None:
                live.add(other)
            else:
                handle.close()  # closing releases the lock at once
        return live

    def _other_claims(self, skip: set[str]) -> Iterator[tuple[str, Path]]:
        for path in sorted(self.folder.glob("*.lock")):
            other = path.stem
            if other != self.id and other not in skip and INSTANCE_ID.match(other):
                yield other, path


def _lock_if_free(path: Path) -> IO[str] | None:
    """The claim's file, locked by this process; None while its server holds it, or when
    it cannot be opened (then it is taken as alive: its things are left alone)."""
    try:
        handle = _open_lock(path)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _open_lock(path: Path) -> IO[str]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return os.fdopen(fd, "r+", encoding="utf-8")

"""Stopping engine work that blocks a worker thread in a socket read.

A build that prints nothing for minutes, or a push waiting on a slow registry, leaves the
worker thread inside ``recv``. ``Cancellation.cancel`` shuts down the socket of every
streaming response it watches, which ends that read at once; the engine sees its client
go away and stops the build (the classic builder cancels on disconnect and removes its
intermediate container, because builds run with ``forcerm``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any

from .engine import _EngineAPIClient


class Cancelled(Exception):
    """The job was cancelled (or timed out) while engine work was under way."""

    def __init__(self, reason: str, failure: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: True for a timeout: the job fails instead of ending cancelled.
        self.failure = failure


class Cancellation:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._failure = False
        self._responses: list[Any] = []
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._reason is not None

    @property
    def reason(self) -> str:
        return self._reason or ""

    def check(self) -> None:
        if self._reason is not None:
            raise Cancelled(self._reason, self._failure)

    def cancel(self, reason: str = "Cancelled.", *, failure: bool = False) -> None:
        with self._lock:
            if self._reason is None:
                self._reason = reason
                self._failure = failure
            responses = list(self._responses)
            callbacks = list(self._callbacks)
        for response in responses:
            _shutdown(response)
        for callback in callbacks:
            _call(callback)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Calls ``callback`` when the work is cancelled (at once if it already is), from the
        cancelling thread: how a builder that runs a process stops it (``process.kill``)."""
        with self._lock:
            self._callbacks.append(callback)
            cancelled = self._reason is not None
        if cancelled:
            _call(callback)

    def watch(self, response: Any) -> None:
        with self._lock:
            self._responses.append(response)
            cancelled = self._reason is not None
        if cancelled:
            _shutdown(response)


def _call(callback: Callable[[], None]) -> None:
    with contextlib.suppress(Exception):  # the process may have ended on its own
        callback()


def _response_socket(response: Any) -> socket.socket | None:
    raw = getattr(response, "raw", None)
    connection = getattr(raw, "_connection", None) or getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    # http.client keeps the socket behind the response's buffered reader.
    try:
        return response.raw._fp.fp.raw._sock
    except AttributeError:
        return None


def _shutdown(response: Any) -> None:
    sock = _response_socket(response)
    if sock is None:
        with contextlib.suppress(Exception):  # best effort on an already broken stream
            response.close()
        return
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class JobAPIClient(_EngineAPIClient):
    """An engine client whose streaming responses a Cancellation can cut."""

    cancellation: Cancellation | None = None

    def post(self, url, *args, **kwargs):  # type: ignore[override]
        response = super().post(url, *args, **kwargs)
        if kwargs.get("stream") and self.cancellation is not None:
            self.cancellation.watch(response)
        return response

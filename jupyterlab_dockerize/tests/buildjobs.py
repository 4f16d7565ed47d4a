"""Helpers for the build-job tests: requests, polling, events, and an engine proxy."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from tornado.httpclient import HTTPClientError

from .conftest import skip_unless_ci

BUILDS = ("jupyterlab-dockerize", "builds")


def engine_server_config(state_dir: Path, **dockerize: Any) -> dict:
    """A Jupyter server with the extension, configured as `make lab` configures it: no
    network setting at all (the harness's engine has no bridge network; the extension must
    find that out by itself). Only the state folder is the test's own."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_dockerize": True}},
        "Dockerize": {"state_dir": str(state_dir), **dockerize},
    }


TERMINAL = {"built", "pushed", "verified", "failed", "cancelled", "interrupted"}


async def call(jp_fetch, *parts: str, method: str = "GET", body: Any = None, **params: Any):
    """(status, JSON) of a builds route, errors included."""
    kwargs: dict[str, Any] = {"method": method}
    if body is not None:
        kwargs["body"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
    elif method in {"POST", "PUT", "PATCH"}:
        kwargs["body"] = b"{}"
    if method == "DELETE":
        kwargs["allow_nonstandard_methods"] = True
    if params:
        kwargs["params"] = params
    try:
        response = await jp_fetch(*BUILDS, *parts, **kwargs)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def start_build(jp_fetch, dockerfile: str, image: str, **extra: Any) -> dict:
    files = {"Dockerfile": dockerfile, **extra.pop("files", {})}
    status, job = await call(
        jp_fetch, method="POST", body={"name": "t", "files": files, "image": image, **extra}
    )
    assert status == 202, job
    return job


async def wait_for(jp_fetch, job_id: str, states: set[str], timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, job = await call(jp_fetch, job_id)
        assert status == 200, job
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job still {job['state']}: {job['message']}"
        await asyncio.sleep(0.2)


async def all_events(jp_fetch, job_id: str, offset: int = 0) -> list[dict]:
    events: list[dict] = []
    while True:
        status, page = await call(jp_fetch, job_id, "events", offset=str(offset + len(events)))
        assert status == 200, page
        if not page["events"]:
            return events
        events.extend(page["events"])


def log_text(events: list[dict], phase: str | None = None) -> str:
    return "\n".join(
        e["text"] for e in events if e["kind"] == "log" and (phase is None or e["phase"] == phase)
    )


STANDIN = "python:3.11-slim"


def default_builder_name() -> str:
    """The builder a server with the default settings runs (``c.Dockerize.builder`` 'auto':
    BuildKit through the docker CLI where one runs it, as on the harness; else the Engine
    API's classic builder), for the assertions on a build's own words."""
    from jupyterlab_dockerize.builders import make_builder
    from jupyterlab_dockerize.config import Dockerize

    return make_builder(Dockerize()).name


def exit_code_words(code: int) -> str:
    """How the default builder says that a RUN step exited with ``code``: the classic
    builder's "returned a non-zero code: 3", BuildKit's "… exit code: 3"."""
    if default_builder_name() == "engine-api":
        return f"returned a non-zero code: {code}"
    return f"exit code: {code}"


def tag_standin_as_base(client, dockerfile: str) -> str | None:
    """Tags the python:3.11-slim stand-in with the FROM name the generator chose (nothing is
    pulled here); returns that name when this call made the tag, for the caller to remove."""
    base = next(line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM "))
    try:
        client.inspect_image(base)
        return None
    except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound, without importing docker
        repository, _, version = base.partition(":")
        client.tag(STANDIN, repository, version)
        return base


def needs_unix_socket() -> None:
    """The engine relay works on a unix socket: CI's harness engine always has one."""
    skip_unless_ci("the engine relay needs the engine's unix socket (DOCKER_HOST=unix://...)")


class EngineProxy:
    """A unix-socket relay in front of the real engine, to cut on demand.

    Killing the shared engine mid-build would break every other test; cutting the relay
    gives the server exactly what an engine that dies gives it: a connection that breaks.
    """

    def __init__(self, engine_socket: str, directory: Path) -> None:
        self.engine_socket = engine_socket
        self.path = str(directory / "engine-proxy.sock")
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.connections: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"unix://{self.path}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.engine_socket)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def kill(self) -> None:
        """The engine dies: every open connection breaks and no new one is accepted."""
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for sock in self.connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)

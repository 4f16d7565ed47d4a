"""Thin HTTP handlers: authenticate, authorize, validate, call the domain, map errors.

Every route lives under ``{base_url}/jupyterlab-dockerize/`` and every verb is both
authenticated and authorized against the ``dockerize`` resource, so a custom
authorizer can grant or deny this extension on its own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .builders import builder_status
from .builds import BuildService
from .bundle import BundleAssembly, BundleLimits, iter_zip, plan_bundle, with_entries
from .cancellation import Cancellation, Cancelled
from .capture import capture_request
from .config import Dockerize
from .contracts import (
    parse_build_request,
    parse_bundle_request,
    parse_preflight_request,
    parse_push_request,
    parse_run_request,
    parse_verify_request,
)
from .engine import probe_engine
from .errors import BadRequest, DockerizeError, UnsafeServer
from .pip_runner import index_config_from
from .preflight import PreflightCache, run_preflight
from .requirements_policy import policy_from
from .wheelhouse import WheelhouseRequest, download_wheelhouse, wheelhouse_entries

NAMESPACE = "jupyterlab-dockerize"
AUTH_RESOURCE = "dockerize"
SETTINGS_KEY = "jupyterlab_dockerize"
CAPTURE_KEY = "jupyterlab_dockerize_capture"
BUILDS_KEY = "jupyterlab_dockerize_builds"
PREFLIGHT_CACHE_KEY = "jupyterlab_dockerize_preflight_cache"
JOB_ID = r"(?P<job_id>[^/]+)"
LOOPBACK = frozenset({"localhost", "::1", "127.0.0.1"})
#: A route's contract: the raw body and the size limits in, a typed request out (contracts.py).
BodyParser = Callable[[bytes, BundleLimits], Any]
#: Longest wait of one events request (long polling) and between two heartbeats.
EVENTS_WAIT = 25.0
#: The kind of the events socket's message after a quiet while (no job event has it).
HEARTBEAT = "heartbeat"


class DockerizeHandler(APIHandler):
    """Base of our handlers: JSON errors with a message and a hint, never a traceback."""

    auth_resource = AUTH_RESOURCE

    @property
    def dockerize(self) -> Dockerize:
        return self.settings[SETTINGS_KEY]

    def send_json(self, body: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(body))

    def send_error_json(self, error: DockerizeError, **extra: Any) -> None:
        self.send_json({**extra, **error.to_json()}, status=error.status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # The server log keeps the details; the client gets a plain message, never a traceback.
        hint = "See the Jupyter server log for details." if status_code >= 500 else ""
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "error": {
                        "code": f"http_{status_code}",
                        "message": self._reason or "Unexpected error",
                        "hint": hint,
                    }
                }
            )
        )


class EngineHandler(DockerizeHandler):
    """GET: which Docker engine the extension would use, whether it answers, and which
    builder the next build runs (``builders.builder_status``)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        settings = self.dockerize.engine_settings()
        try:
            info = await asyncio.to_thread(probe_engine, settings)
        except DockerizeError as error:
            self.log.warning("jupyterlab-dockerize: %s", error.message)
            builder = await asyncio.to_thread(builder_status, self.dockerize)
            self.send_error_json(error, reachable=False, host=settings.host(), builder=builder)
            return
        builder = await asyncio.to_thread(builder_status, self.dockerize, info.product)
        self.send_json({**info.to_json(), "builder": builder})


class CaptureSnippetHandler(DockerizeHandler):
    """GET: the code the frontend runs silently in a notebook's kernel to capture it."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.set_header("Cache-Control", "no-cache")
        self.send_json(self.settings[CAPTURE_KEY])


class BundleHandler(DockerizeHandler):
    """POST: the Dockerfile bundle as a zip, streamed; every check happens before a byte."""

    _closed = False

    _temp: Path | None = None
    _cancellation: Cancellation | None = None

    def on_connection_close(self) -> None:
        self._closed = True
        if self._cancellation is not None:
            self._cancellation.cancel("The download was stopped.")

    @web.authenticated
    @authorized
    async def post(self) -> None:
        limits = BundleLimits(
            max_bytes=self.dockerize.bundle_max_bytes,
            max_request_bytes=self.dockerize.bundle_max_request_bytes,
        )
        root = self.settings["server_root_dir"]
        self._temp: Path | None = None
        try:
            # A body of up to bundle_max_request_bytes is parsed off the event loop.
            request = await asyncio.to_thread(parse_bundle_request, self.request.body, limits)
            assembly = await asyncio.to_thread(plan_bundle, root, request.spec, limits)
            if request.wheelhouse is not None:
                assembly = await self._add_wheelhouse(
                    assembly, request.spec.files, request.wheelhouse
                )
        except DockerizeError as error:
            self.log.info("jupyterlab-dockerize bundle refused: %s", error.message)
            self.send_error_json(error)
            await self._remove_temp()
            return
        except Cancelled:
            await self._remove_temp()  # the client went away while the wheels came in
            return
        try:
            await self._stream(assembly)
        finally:
            await self._remove_temp()

    async def _add_wheelhouse(
        self, assembly: BundleAssembly, files: dict[str, bytes], wheels: WheelhouseRequest
    ) -> BundleAssembly:
        """The same offline wheelhouse a build gets, so the downloaded bundle builds too."""
        builds: BuildService = self.settings[BUILDS_KEY]
        self._temp = await asyncio.to_thread(_make_temp_dir, builds.temp_root)
        self._cancellation = Cancellation()
        root = self.settings["server_root_dir"]
        house, lock, _ = await asyncio.to_thread(
            functools.partial(
                download_wheelhouse,
                assembly=assembly,
                policy=policy_from(self.dockerize, root),
                index=await asyncio.to_thread(index_config_from, self.dockerize),
            ),
            wheels,
            files,
            self._temp,
            lambda line: self.log.debug("jupyterlab-dockerize wheelhouse: %s", line),
            self._cancellation,
        )
        return with_entries(assembly, wheelhouse_entries(house, lock))

    async def _remove_temp(self) -> None:
        """A wheelhouse can hold hundreds of MiB: removed in a worker thread."""
        if self._temp is not None:
            temp, self._temp = self._temp, None
            await asyncio.to_thread(shutil.rmtree, temp, True)

    async def _stream(self, assembly: BundleAssembly) -> None:
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="{assembly.name}.zip"')
        self.set_header("Cache-Control", "no-store")
        chunks = iter_zip(assembly)
        try:
            while not self._closed:
                # File reads and compression run in a worker thread, one chunk at a time;
                # awaiting flush() holds the next chunk back until the client takes this one.
                chunk = await asyncio.to_thread(next, chunks, None)
                if chunk is None:
                    break
                if chunk:
                    self.write(chunk)
                    await self.flush()
        except StreamClosedError:
            self._closed = True
        except DockerizeError as error:
            # Headers are gone: abort so the client sees a broken download, not a bad zip.
            self.log.warning("jupyterlab-dockerize bundle aborted: %s", error.message)
            self._closed = True
            self.request.connection.close()
        finally:
            await asyncio.to_thread(chunks.close)
        if self._closed:
            self.log.info("jupyterlab-dockerize: bundle download stopped before its end")
            return
        self.finish()


def _make_temp_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="zip-", dir=parent))


class PreflightHandler(DockerizeHandler):
    """POST: will each requirement install for the image's Python and platform?"""

    _cancellation: Cancellation | None = None

    def on_connection_close(self) -> None:
        if self._cancellation is not None:
            self._cancellation.cancel("The pre-flight request was closed.")

    @web.authenticated
    @authorized
    async def post(self) -> None:
        limits = BundleLimits(max_request_bytes=self.dockerize.bundle_max_request_bytes)
        builds: BuildService = self.settings[BUILDS_KEY]
        self._cancellation = Cancellation()
        try:
            request = await asyncio.to_thread(parse_preflight_request, self.request.body, limits)
            index = await asyncio.to_thread(index_config_from, self.dockerize)
            root = self.settings["server_root_dir"]
            answer = await asyncio.to_thread(
                run_preflight,
                request,
                root=root,
                policy=policy_from(self.dockerize, root),
                index=index,
                cache=_preflight_cache(self.settings, builds, self.dockerize),
                cancellation=self._cancellation,
                timeout=self.dockerize.pip_timeout,
            )
        except DockerizeError as error:
            self.log.info("jupyterlab-dockerize pre-flight: %s", error.message)
            self.send_error_json(error)
            return
        except Cancelled as cancelled:
            if cancelled.failure:  # the pip timeout
                self.send_error_json(
                    DockerizeError(
                        f"The pre-flight did not finish: {cancelled.reason}",
                        "Try again (results so far are cached), or raise c.Dockerize.pip_timeout.",
                        code="preflight_timeout",
                    )
                )
            return  # the client went away
        self.send_json(answer)


def _preflight_cache(settings: dict[str, Any], builds: BuildService, dockerize: Dockerize) -> Any:
    """One cache per server, on disk under the state folder (shared by its servers)."""
    cache = settings.get(PREFLIGHT_CACHE_KEY)
    if cache is None:
        folder = builds.instance.state_dir / "preflight-cache"
        cache = PreflightCache(folder, dockerize.preflight_cache_ttl)
        settings[PREFLIGHT_CACHE_KEY] = cache
    return cache


class BuildServiceHandler(DockerizeHandler):
    """Handlers of the build service: every call waits until the service has started."""

    @property
    def builds(self) -> BuildService:
        return self.settings[BUILDS_KEY]

    def refuse_if_open_to_the_network(self) -> None:
        """Building, pushing and running are root-equivalent on the engine's host: never for
        anyone who reaches a server with no token and no password beyond loopback."""
        if self.identity_provider.auth_enabled:
            return
        ip = str(getattr(self.settings.get("serverapp"), "ip", "") or "")
        if ip in LOOPBACK or ip.startswith("127."):
            return
        raise UnsafeServer(
            f"This Jupyter server has no token or password and listens on {ip or 'every address'}: "
            "anyone who reaches it could build and run containers and push with your "
            "credentials, so building, pushing and running are refused.",
            "Give the server a token (c.IdentityProvider.token) or a password, or listen on "
            "127.0.0.1 only (--ip=127.0.0.1), then restart it.",
        )

    async def call(
        self,
        command: Any,
        *args: Any,
        body: BodyParser | None = None,
        status: int = 200,
        guarded: bool = False,
    ) -> None:
        """Checks, parses the body with its route's contract (in a worker thread: it may be
        megabytes), and calls the service with the typed request after ``args``."""
        try:
            if guarded:
                self.refuse_if_open_to_the_network()
            await self.builds.ready()
            if body is not None:
                # The body is dropped from the request once read: a push's holds a token.
                raw, self.request.body = self.request.body, b""
                args = (*args, await asyncio.to_thread(body, raw, self.builds.limits))
                del raw
            result = await ensure_async(command(*args))
        except DockerizeError as error:
            self.log.info("jupyterlab-dockerize: %s", error.message)
            self.send_error_json(error)
            return
        if isinstance(result, list):
            self.send_json({"jobs": [job.to_json() for job in result]}, status)
        else:
            self.send_json(result.to_json(), status)


class BuildsHandler(BuildServiceHandler):
    """GET: every job. POST: a build of a bundle (the same body as the zip, plus 'image')."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.call(self.builds.list)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        await self.call(self.builds.submit, body=parse_build_request, status=202, guarded=True)


class BuildHandler(BuildServiceHandler):
    """GET: one job. DELETE: cancel it (the engine stops the build or push)."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        await self.call(self.builds.get, job_id)

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.call(self.builds.cancel, job_id, status=202)


class PushHandler(BuildServiceHandler):
    """POST {target, auth}: push the built image; a token sent here is used once, then dropped."""

    @web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        await self.call(self.builds.push, job_id, body=parse_push_request, status=202, guarded=True)


class VerifyHandler(BuildServiceHandler):
    @web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        await self.call(
            self.builds.verify, job_id, body=parse_verify_request, status=202, guarded=True
        )


class RunHandler(BuildServiceHandler):
    """POST {notebooksDir?, dataDir?}: run the image locally. DELETE: stop it."""

    @web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        await self.call(self.builds.run, job_id, body=parse_run_request, guarded=True)

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.call(self.builds.stop_run, job_id)


def _offset(handler: web.RequestHandler) -> int:
    raw = handler.get_argument("offset", "0")
    if not raw.isdigit() or len(raw) > 12:
        raise BadRequest(
            f"offset must be a whole number, not '{raw[:20]}'.",
            "Send the offset of the first event you have not seen (0 for all).",
        )
    return int(raw)


class EventsHandler(BuildServiceHandler):
    """GET ?offset=N&wait=S: the events from offset N, waiting up to S seconds for one."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        try:
            await self.builds.ready()
            job = self.builds.get(job_id)
            offset = _offset(self)
            wait = min(max(float(self.get_argument("wait", "0") or 0), 0.0), EVENTS_WAIT)
        except DockerizeError as error:
            self.send_error_json(error)
            return
        except ValueError:
            self.send_error_json(BadRequest("wait must be a number of seconds."))
            return
        events = await job.wait_events(offset, wait)
        self.send_json({"events": events, "next": offset + len(events), "job": job.to_json()})


class EventsSocketHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """WebSocket ?offset=N: replays a job's events from N, then sends each as it happens.

    One JSON event a message; {"kind": "heartbeat"} after a quiet while. A client that
    reconnects sends the offset after the last event it got and misses nothing.
    """

    auth_resource = AUTH_RESOURCE
    _sender: asyncio.Task[None] | None = None

    def set_default_headers(self) -> None:
        """WebSocket responses do not take JupyterHandler's default headers."""

    @property
    def builds(self) -> BuildService:
        return self.settings[BUILDS_KEY]

    async def pre_get(self, job_id: str) -> None:
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        await self.builds.ready()
        if job_id not in self.builds.jobs:
            raise web.HTTPError(404, "There is no such build job.")
        try:
            self.offset = _offset(self)
        except BadRequest as error:
            raise web.HTTPError(400, error.message) from None

    @ws_authenticated
    async def get(self, job_id: str) -> None:
        await self.pre_get(job_id)
        await super().get(job_id)

    def open(self, job_id: str) -> None:  # type: ignore[override]
        super().open()
        job = self.builds.jobs[job_id]
        self._sender = asyncio.create_task(self._send_events(job, self.offset))

    async def _send_events(self, job: Any, offset: int) -> None:
        try:
            while True:
                events = await job.wait_events(offset, EVENTS_WAIT)
                if not events:
                    await self.write_message(json.dumps({"kind": HEARTBEAT, "next": offset}))
                    continue
                for event in events:
                    await self.write_message(json.dumps(event))
                offset += len(events)
        except (WebSocketClosedError, StreamClosedError, asyncio.CancelledError):
            return

    def on_message(self, message: Any) -> None:
        """Clients only listen."""

    def on_close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()


#: Every route by its name in the contract (src/core/__tests__/fixtures/contract-constants.json):
#: its path under the namespace ({id}: a job's id) and its handler.
ROUTES: dict[str, tuple[str, type[web.RequestHandler]]] = {
    "engine": ("engine", EngineHandler),
    "captureSnippet": ("capture-snippet", CaptureSnippetHandler),
    "bundle": ("bundle", BundleHandler),
    "preflight": ("preflight", PreflightHandler),
    "builds": ("builds", BuildsHandler),
    "job": ("builds/{id}", BuildHandler),
    "events": ("builds/{id}/events", EventsHandler),
    "eventsSocket": ("builds/{id}/events/ws", EventsSocketHandler),
    "push": ("builds/{id}/push", PushHandler),
    "verify": ("builds/{id}/verify", VerifyHandler),
    "run": ("builds/{id}/run", RunHandler),
}


def route(web_app: web.Application, *parts: str) -> str:
    return url_path_join(web_app.settings["base_url"], NAMESPACE, *parts)


def setup_route_handlers(
    web_app: web.Application, dockerize: Dockerize, builds: BuildService
) -> None:
    web_app.settings[SETTINGS_KEY] = dockerize
    web_app.settings[BUILDS_KEY] = builds
    # Read once at start-up, so the handler never touches the disk. The root goes with it
    # as an absolute path: the page's serverRoot abbreviates the home folder to "~", which
    # the panel cannot hold against the absolute paths a kernel reports.
    web_app.settings[CAPTURE_KEY] = {
        **capture_request(),
        "root": os.path.realpath(os.path.expanduser(builds.root)),
    }
    web_app.add_handlers(
        ".*$",
        [
            (route(web_app, *path.replace("{id}", JOB_ID).split("/")), handler)
            for path, handler in ROUTES.values()
        ],
    )

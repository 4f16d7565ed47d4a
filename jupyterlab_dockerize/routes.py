"""Thin HTTP handlers: authenticate, authorize, validate, call the domain, map errors.

Every route lives under ``{base_url}/jupyterlab-dockerize/`` and every verb is both
authenticated and authorized against the ``dockerize`` resource, so a custom
authorizer can grant or deny this extension on its own.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from .bundle import BundleLimits, iter_zip, parse_bundle_request, plan_bundle
from .capture import capture_request
from .config import Dockerize
from .engine import probe_engine
from .errors import DockerizeError

NAMESPACE = "jupyterlab-dockerize"
AUTH_RESOURCE = "dockerize"
SETTINGS_KEY = "jupyterlab_dockerize"
CAPTURE_KEY = "jupyterlab_dockerize_capture"


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
    """GET: which Docker engine the extension would use, and whether it answers."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        settings = self.dockerize.engine_settings()
        try:
            info = await asyncio.to_thread(probe_engine, settings)
        except DockerizeError as error:
            self.log.warning("jupyterlab-dockerize: %s", error.message)
            self.send_error_json(error, reachable=False, host=settings.host())
            return
        self.send_json(info.to_json())


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

    def on_connection_close(self) -> None:
        self._closed = True

    @web.authenticated
    @authorized
    async def post(self) -> None:
        limits = BundleLimits(
            max_bytes=self.dockerize.bundle_max_bytes,
            max_request_bytes=self.dockerize.bundle_max_request_bytes,
        )
        root = self.settings["server_root_dir"]
        try:
            spec = parse_bundle_request(self.request.body, limits)
            assembly = await asyncio.to_thread(plan_bundle, root, spec, limits)
        except DockerizeError as error:
            self.log.info("jupyterlab-dockerize bundle refused: %s", error.message)
            self.send_error_json(error)
            return
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


def route(web_app: web.Application, *parts: str) -> str:
    return url_path_join(web_app.settings["base_url"], NAMESPACE, *parts)


def setup_route_handlers(web_app: web.Application, dockerize: Dockerize) -> None:
    web_app.settings[SETTINGS_KEY] = dockerize
    # Read once at start-up, so the handler never touches the disk.
    web_app.settings[CAPTURE_KEY] = capture_request()
    web_app.add_handlers(
        ".*$",
        [
            (route(web_app, "engine"), EngineHandler),
            (route(web_app, "capture-snippet"), CaptureSnippetHandler),
            (route(web_app, "bundle"), BundleHandler),
        ],
    )

"""Helpers shared by the tests and the benchmarks."""

from __future__ import annotations

import json
import socket
import threading

from tornado.httpclient import HTTPClientError

ENGINE_ROUTE = ("jupyterlab-dockerize", "engine")


async def fetch_engine(jp_fetch) -> tuple[int, dict]:
    """GET the engine route; (HTTP status, JSON body) for a 200 and an error alike."""
    try:
        response = await jp_fetch(*ENGINE_ROUTE)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


class SilentEngine:
    """Accepts connections on loopback and never answers: an engine hung mid-request.

    A real engine cannot be made to hang on demand, so this is the one fake we keep.
    """

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                continue

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        for connection in self.held:
            connection.close()
        self.listener.close()


# A Jupyter stand-in: answers /api/status with 200 only when given the token.
JUPYTER_STAND_IN = r"""
import http.server, os
token = os.environ["JUPYTER_TOKEN"]
port = int(os.environ.get("JUPYTER_PORT", "8888"))
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == f"token {token}"
        self.send_response(200 if ok else 403)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
"""

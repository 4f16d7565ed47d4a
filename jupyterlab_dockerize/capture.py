"""The capture request the frontend sends to a kernel: capture_snippet.py plus its call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SNIPPET_PATH = Path(__file__).with_name("capture_snippet.py")
SNAPSHOT_MARKER = "__DOCKERIZE_SNAPSHOT__"
ENTRY_CALL = "_dockerize_capture()"


def capture_code() -> str:
    """One line for the kernel: the snippet and its call, run in a throw-away namespace.

    Wrapped in exec so that the user's namespace never binds a name (not even for a moment)
    and IPython transforms one string instead of the whole file (about half the round trip).
    """
    source = SNIPPET_PATH.read_text(encoding="utf-8").rstrip("\n") + f"\n{ENTRY_CALL}\n"
    return f"exec(compile({source!r}, '<dockerize-capture>', 'exec'), {{}})\n"


def capture_request() -> dict[str, str]:
    return {"code": capture_code(), "marker": SNAPSHOT_MARKER}


def send_kernel_messages_at_once(web_app: Any) -> bool:
    """Kernel websockets of this server send each message as soon as it is written.

    jupyter_server never sets TCP_NODELAY on a kernel's websocket, so after an execute the
    small messages that follow one another (status busy, the reply, status idle) wait for
    the browser's delayed ACK under Nagle's algorithm: about 40 ms on every execute, which
    was most of the time from "Package this notebook" to the package table (a silent
    ``pass`` took 46 ms through the server and 4 ms through jupyter_client directly).

    The configured connection class (whatever the user or a gateway chose) is subclassed,
    not replaced: the subclass only turns the flag on when the socket connects. Returns
    False when the server has no such class to extend (nothing changes then).
    """
    base = web_app.settings.get("kernel_websocket_connection_class")
    if not isinstance(base, type) or getattr(base, "_dockerize_nodelay", False):
        return False
    connect = getattr(base, "connect", None)
    if connect is None:
        return False

    class NoDelayConnection(base):  # type: ignore[misc, valid-type]
        _dockerize_nodelay = True

        def connect(self, *args: Any, **kwargs: Any) -> Any:
            handler = getattr(self, "websocket_handler", None)
            if handler is not None and getattr(handler, "ws_connection", None) is not None:
                handler.set_nodelay(True)
            return super().connect(*args, **kwargs)

    NoDelayConnection.__name__ = NoDelayConnection.__qualname__ = f"NoDelay{base.__name__}"
    web_app.settings["kernel_websocket_connection_class"] = NoDelayConnection
    return True

"""The capture request the frontend sends to a kernel: capture_snippet.py plus its call."""

from __future__ import annotations

from pathlib import Path

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

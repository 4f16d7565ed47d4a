"""The capture request the frontend sends to a kernel: capture_snippet.py plus its call."""

from __future__ import annotations

from pathlib import Path

SNIPPET_PATH = Path(__file__).with_name("capture_snippet.py")
SNAPSHOT_MARKER = "__DOCKERIZE_SNAPSHOT__"
ENTRY_CALL = "_dockerize_capture()"


def capture_code() -> str:
    """The snippet's source followed by the one call that prints the snapshot line."""
    return SNIPPET_PATH.read_text(encoding="utf-8").rstrip("\n") + f"\n{ENTRY_CALL}\n"


def capture_request() -> dict[str, str]:
    return {"code": capture_code(), "marker": SNAPSHOT_MARKER}

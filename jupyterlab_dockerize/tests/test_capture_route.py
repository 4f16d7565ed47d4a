"""GET /jupyterlab-dockerize/capture-snippet: code that captures the interpreter running it."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


async def test_served_code_prints_one_snapshot_line(jp_fetch):
    response = await jp_fetch("jupyterlab-dockerize", "capture-snippet")
    body = json.loads(response.body)

    result = subprocess.run(
        [sys.executable, "-c", body["code"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(body["marker"])]
    assert len(lines) == 1
    snapshot = json.loads(lines[0][len(body["marker"]) :])
    assert snapshot["schemaVersion"] == 1
    assert snapshot["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    names = {dist["name"] for dist in snapshot["distributions"]}
    assert {"jupyter-server", "docker", "tornado"} <= names


def test_marker_matches_the_frontend():
    """The TypeScript reader looks for the same marker the snippet prints."""
    source = (REPO / "src" / "core" / "contract" / "constants.ts").read_text()
    frontend_marker = re.search(r"SNAPSHOT_MARKER = '([^']+)'", source)
    from jupyterlab_dockerize.capture import SNAPSHOT_MARKER, capture_code

    assert frontend_marker is not None
    assert frontend_marker.group(1) == SNAPSHOT_MARKER
    assert f'"{SNAPSHOT_MARKER}"' in capture_code()


async def test_the_served_root_is_absolute_where_the_page_says_home(jp_fetch, jp_root_dir):
    """The page's serverRoot says "~/..." for a root under the home folder; the panel needs
    the whole path to find local wheels, projects and repositories inside it."""
    response = await jp_fetch("jupyterlab-dockerize", "capture-snippet")
    root = json.loads(response.body)["root"]
    assert root == str(Path(jp_root_dir).resolve())
    assert root.startswith("/")


async def _silent_execute(ws, session: str, code: str) -> None:
    """Sends a silent execute over a kernel websocket; returns on its reply and idle status."""
    msg_id = uuid.uuid4().hex
    header = {
        "msg_id": msg_id,
        "username": "test",
        "session": session,
        "msg_type": "execute_request",
        "version": "5.3",
        "date": "",
    }
    content = {"code": code, "silent": True, "store_history": False, "allow_stdin": False}
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
    await ws.write_message(json.dumps({**message, "channel": "shell", "buffers": []}))
    replied = idle = False
    while not (replied and idle):
        answer = json.loads(await asyncio.wait_for(ws.read_message(), 60))
        if answer.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        replied = replied or answer["msg_type"] == "execute_reply"
        idle = idle or (
            answer["msg_type"] == "status" and answer["content"]["execution_state"] == "idle"
        )

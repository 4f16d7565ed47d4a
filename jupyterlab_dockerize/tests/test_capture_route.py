"""GET /jupyterlab-dockerize/capture-snippet: code that captures the interpreter running it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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
    source = (REPO / "src" / "core" / "snapshotParse.ts").read_text()
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

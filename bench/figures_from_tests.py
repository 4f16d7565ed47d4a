"""Figures that a test measures: the bench runs it with a figures folder and reads what it
wrote there (jupyterlab_dockerize/tests/figures.py is the test's side)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def unmeasured(name: str, reason: str) -> dict:
    return {name: None, f"{name}_reason": reason}


def first_failure(output: str) -> str:
    """The first `E   ` line of pytest's report, or its FAILED summary line."""
    for line in output.splitlines():
        if line.startswith("E   "):
            return line[4:].strip()[:400]
    for line in output.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            return line[:400]
    return output.strip().splitlines()[-1][:400] if output.strip() else "no output"


def figures_from_test(pytest_args: list[str], written_file: str) -> tuple[dict, str]:
    """Runs pytest with ``pytest_args`` and a figures folder; what the test wrote to
    ``written_file`` there, and why it failed ('' when it passed)."""
    with tempfile.TemporaryDirectory(prefix="dockerize-figures-") as folder:
        done = subprocess.run(
            [*(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"), *pytest_args],
            cwd=REPO,
            env={**os.environ, "DOCKERIZE_FIGURES_DIR": folder},
            capture_output=True,
            text=True,
            check=False,
        )
        path = Path(folder) / written_file
        written = json.loads(path.read_text()) if path.exists() else {}
    reason = "" if done.returncode == 0 else first_failure(done.stdout + done.stderr)
    return written, reason

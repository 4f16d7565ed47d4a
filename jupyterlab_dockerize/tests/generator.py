"""Runs the TypeScript core (src/core) from Python, for tests and benchmarks.

``npx tsc -p tsconfig.bench.json`` compiles src/core to CommonJS in .bench-build/core
(once per process); a node script then calls it with JSON on stdin and prints JSON.

Also a local wheel index (download once, serve on 127.0.0.1) for image builds in
containers that cannot reach a package index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / ".bench-build" / "core"

_compiled: Path | None = None


class GeneratorUnavailable(RuntimeError):
    """node or npx is missing: the TypeScript core cannot run here."""


def compile_core() -> Path:
    """Compiles src/core (once per process) and returns the directory of its .js files."""
    global _compiled
    if _compiled is not None:
        return _compiled
    npx, node = shutil.which("npx"), shutil.which("node")
    if not npx or not node:
        raise GeneratorUnavailable("node and npx are needed to run the TypeScript core")
    # A clean output: a module that moved must not be found at its old place.
    shutil.rmtree(CORE, ignore_errors=True)
    built = subprocess.run(
        [npx, "tsc", "-p", "tsconfig.bench.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    bundle = CORE / "bundle" / "bundle.js"
    if built.returncode != 0 or not bundle.exists():
        raise RuntimeError(f"tsc did not build {bundle}:\n{built.stdout}{built.stderr}")
    _compiled = CORE
    return CORE


def run_node(script: str, payload: Any, timeout: float = 120) -> Any:
    """Runs ``script`` with node; it reads ``payload`` (JSON) on stdin, finds the compiled
    core's directory in ``process.argv[1]``, and prints its answer as JSON."""
    core = compile_core()
    run = subprocess.run(
        [shutil.which("node") or "node", "-e", script, str(core)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"node failed ({run.returncode}):\n{run.stderr}")
    return json.loads(run.stdout)


_BUNDLE_SCRIPT = r"""
const path = require('path');
const core = name => require(path.join(process.argv[1], name + '.js'));
const { generateBundle } = core('bundle/bundle');
const { translateRequirements } = core('requirements/requirements');
const sets = ['include', 'exclude', 'vendor', 'only'];
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(({ snapshot, plan, requirements, ...rest }) => {
  if (!plan) {
    const options = { ...(requirements || {}) };
    for (const key of sets) {
      if (Array.isArray(options[key])) options[key] = new Set(options[key]);
    }
    plan = translateRequirements(snapshot, options);
  }
  return { plan, ...generateBundle({ snapshot, plan, ...rest }) };
});
process.stdout.write(JSON.stringify(out));
"""


def generate_bundles(cases: list[dict]) -> list[dict]:
    """generateBundle for each case, in one node process.

    A case is generateBundle's input (snapshot, notebooks, dataFiles, options) with either
    ``plan`` (an IRequirementsPlan) or ``requirements`` (translateRequirements' options;
    lists stand for sets). Each answer is the IBundleSpec (files, include, warnings) plus
    the ``plan`` used.
    """
    return run_node(_BUNDLE_SCRIPT, cases)


def generate_bundle(case: dict) -> dict:
    return generate_bundles([case])[0]


_NOTEBOOKS_SCRIPT = r"""
const path = require('path');
const core = name => require(path.join(process.argv[1], name + '.js'));
const { compareNotebookRun } = core('verify/notebookCompare');
const { diagnoseNotebook } = core('verify/diagnose');
const { parseSnapshot } = core('environment/snapshotParse');
const { runs, snapshot, selected, dataFiles, options } = JSON.parse(
  require('fs').readFileSync(0, 'utf8')
);
const captured = snapshot ? parseSnapshot(snapshot) : null;
const out = runs.map(run => {
  const comparison = compareNotebookRun(run, options || {});
  const diagnoses = diagnoseNotebook(run, comparison, {
    snapshot: captured,
    selected,
    notebookWorkspacePath: run.workspacePath,
    dataFiles
  });
  return { comparison, diagnoses };
});
process.stdout.write(JSON.stringify(out));
"""


def compare_notebook_runs(
    runs: list[dict],
    snapshot: dict | None,
    selected: list[str] | None,
    data_files: list[str],
    options: dict | None = None,
) -> list[dict]:
    """compareNotebookRun then diagnoseNotebook (src/core/verify) for each INotebookRun of
    ``job.verification.notebooks``, in one node process: ``[{comparison, diagnoses}]``.

    ``snapshot`` is the kernel's captured snapshot (raw JSON, parsed by the core),
    ``selected`` the normalized names of the distributions the image was built with,
    ``data_files`` the workspace paths chosen as data files, ``options`` ICompareOptions.
    """
    payload = {
        "runs": runs,
        "snapshot": snapshot,
        "selected": selected,
        "dataFiles": data_files,
        "options": options or {},
    }
    return run_node(_NOTEBOOKS_SCRIPT, payload)


# ---------------------------------------------------------------------------------------
# A local wheel index, for builds in containers that cannot reach a package index


def wheel_cache_root() -> Path:
    """Where downloaded wheels are kept: the harness state dir's cache (gitignored) when
    there is one, else the user's cache. Never creates .harness itself (the harness
    refuses a non-empty state dir it did not make)."""
    override = os.environ.get("DOCKERIZE_WHEEL_CACHE")
    if override:
        return Path(override)
    harness = Path(os.environ.get("HARNESS_DIR") or ROOT / ".harness")
    if (harness / ".harness-state").exists():
        return harness / "cache" / "wheels"
    return Path.home() / ".cache" / "jupyterlab-dockerize" / "wheels"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheelhouse(requirements: list[str], python_version: str = "3.11") -> Path:
    """Wheels for ``requirements`` (and their dependencies) for CPython ``python_version``
    on this machine's platform, downloaded once with the host's pip into a directory keyed
    by the requirement set. It holds ``files/`` (a flat --find-links listing) and
    ``simple/<name>/`` (a PEP 503 index, hard links to the same files)."""
    lines = sorted({line.strip() for line in requirements if line.strip()})
    key = hashlib.sha256("\n".join([python_version, *lines]).encode()).hexdigest()[:16]
    target = wheel_cache_root() / key
    if (target / ".complete").exists():
        return target
    tmp = target.with_name(f"{key}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    files = tmp / "files"
    files.mkdir(parents=True)
    (tmp / "requirements.txt").write_text("\n".join(lines) + "\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--python-version",
            python_version,
            "--dest",
            str(files),
            "-r",
            str(tmp / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if run.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"pip download failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    for wheel in sorted(files.glob("*.whl")):
        project = tmp / "simple" / _normalize(wheel.name.split("-", 1)[0])
        project.mkdir(parents=True, exist_ok=True)
        os.link(wheel, project / wheel.name)
    (tmp / ".complete").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def wheel_versions(house: Path) -> dict[str, str]:
    """Normalized name → version of every wheel in a wheelhouse."""
    versions = {}
    for wheel in (house / "files").glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        versions[_normalize(name)] = version
    return versions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WheelServer:
    """``python -m http.server`` on 127.0.0.1 over a wheelhouse; a context manager.

    ``index_url`` is the PEP 503 index (pip's PIP_INDEX_URL), ``find_links`` the flat one.
    """

    def __init__(self, house: Path) -> None:
        self.house = house
        self.process: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> WheelServer:
        for _ in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "http.server", "--bind", "127.0.0.1"),
                    *(str(self.port), "--directory", str(self.house)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with urllib.request.urlopen(self.index_url, timeout=2) as response:
                        if response.status == 200:
                            return self
                except OSError:
                    time.sleep(0.05)
            self.__exit__()
        raise RuntimeError("the wheel server did not start")

    @property
    def index_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    @property
    def find_links(self) -> str:
        return f"http://127.0.0.1:{self.port}/files/"

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

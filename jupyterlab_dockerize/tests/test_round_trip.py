"""The whole way, for real: a kernel's environment → bundle → image → "Reproduced: N of N".

A venv gets plain packages from PyPI, a project installed from a local git repository at a
commit (a VCS requirement), and a package whose INSTALLER says conda (a "rewritten" line).
A real ipykernel in it runs the capture snippet; the TypeScript core turns the snapshot
into a pip bundle with the offline wheelhouse; the server downloads the wheels, builds on
the real engine, verifies the image (its distributions, its Jupyter with and without the
token, its user) and runs it; the core's comparison says every selected package is there
with its version.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyterlab_dockerize.capture import capture_code

from .buildjobs import (
    all_events,
    call,
    engine_server_config,
    log_text,
    tag_standin_as_base,
    wait_for,
)
from .generator import GeneratorUnavailable, generate_bundle, run_node
from .test_capture_snippet import SETUPTOOLS_READY, Kernel, parse_output, pyproject, run, write_tree

pytestmark = [pytest.mark.engine, pytest.mark.timeout(900)]

docker = pytest.importorskip("docker")

# Kept across runs (HOME moves to a temp dir inside the server fixtures).
PIP_CACHE = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip")

COMPARE = r"""
const path = require('path');
const { compareWithImage } = require(path.join(process.argv[1], 'jobs', 'reproduction.js'));
const { parseSnapshot } = require(path.join(process.argv[1], 'environment', 'snapshotParse.js'));
const { plan, image } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(compareWithImage(plan, parseSnapshot(image))));
"""


class Env:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / ".venv" / "bin" / "python"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("round-trip")
    env = Env(root)
    run([sys.executable, "-m", "venv", str(root / ".venv")])
    repo = write_tree(
        root / "dz-git-pkg",
        {
            "pyproject.toml": pyproject(
                "dz-git-pkg", "setuptools", '[tool.setuptools]\npackages = ["dzgit"]\n'
            ),
            "dzgit/__init__.py": "VALUE = 'git'\n",
        },
    )
    git = ["git", "-c", "user.name=dz", "-c", "user.email=dz@example.invalid"]
    run([*git, "init", "-q"], cwd=repo)
    run([*git, "add", "."], cwd=repo)
    run([*git, "commit", "-q", "-m", "dz-git-pkg 0.1.0"], cwd=repo)
    commit = run(["git", "rev-parse", "HEAD"], cwd=repo).strip()
    # Served over git's "dumb" HTTP protocol on loopback: a file:// repository is refused
    # (a build elsewhere could not reach it), an http one is pinned to its commit.
    served = root / "served"
    run(["git", "clone", "-q", "--bare", str(repo), str(served / "dz-git-pkg.git")])
    run(["git", "update-server-info"], cwd=served / "dz-git-pkg.git")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"git+http://127.0.0.1:{server.server_port}/dz-git-pkg.git@{commit}"
    pip = [str(env.python), "-m", "pip", "--disable-pip-version-check", "-q"]
    pip_env = {**os.environ, "PIP_CACHE_DIR": str(PIP_CACHE)}
    if subprocess.run([str(env.python), "-c", SETUPTOOLS_READY], check=False).returncode:
        run([*pip, "install", "setuptools>=70.1"], env=pip_env)
    run(
        [
            *pip,
            "install",
            "--no-build-isolation",
            "ipykernel",
            "six==1.16.0",
            "python-dateutil==2.9.0.post0",
            url,
        ],
        env=pip_env,
    )
    # A package conda installed: same files, INSTALLER says conda.
    (installer,) = (root / ".venv").glob("lib/python3*/site-packages/six-*.dist-info/INSTALLER")
    installer.write_text("conda\n")
    yield env
    server.shutdown()


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir)


async def test_capture_generate_build_verify_run(
    kernel_env, engine_host, jp_fetch, jp_root_dir, monkeypatch
):
    monkeypatch.setenv("PIP_CACHE_DIR", str(PIP_CACHE))
    # pytest-jupyter puts the test runner's sys.path in PYTHONPATH: the kernel must see its
    # own venv only.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    kernel = Kernel(kernel_env)  # type: ignore[arg-type]
    try:
        # What the frontend sends: the server's capture code, run silently.
        stdout, reply, _ = kernel.execute(capture_code(), silent=True, store_history=False)
    finally:
        kernel.close()
    assert reply["status"] == "ok"
    snapshot = parse_output(stdout)

    (jp_root_dir / "analysis.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    try:
        spec = generate_bundle(
            {
                "snapshot": snapshot,
                "notebooks": ["analysis.ipynb"],
                "options": {
                    "template": "pip",
                    "ui": "lab",
                    "created": "2026-01-01T00:00:00Z",
                    "generatorVersion": "0.1.0",
                    "wheelhouse": True,
                },
            }
        )
    except GeneratorUnavailable as error:
        pytest.fail(str(error))
    plan = spec["plan"]
    statuses = {entry["name"]: entry["status"] for entry in plan["entries"]}
    assert statuses["six"] == "rewritten"
    assert statuses["dz-git-pkg"] == "vcs"
    assert statuses["python-dateutil"] == "pinned"
    assert spec["wheelhouse"]["extra"] == ["jupyterlab==4.6.6"]

    client = docker.APIClient(base_url=engine_host)
    tagged = tag_standin_as_base(client, spec["files"]["Dockerfile"])
    try:
        await build_verify_and_run(jp_fetch, client, spec, plan)
    finally:
        if tagged:
            client.remove_image(tagged)
        client.close()


async def build_verify_and_run(jp_fetch, client, spec: dict, plan: dict) -> None:
    status, job = await call(
        jp_fetch,
        method="POST",
        body={
            "name": "round-trip",
            "files": spec["files"],
            "include": spec["include"],
            "image": "dockerize-test/round-trip:1",
            "wheelhouse": spec["wheelhouse"],
        },
    )
    assert status == 202, job
    built = await wait_for(jp_fetch, job["id"], {"built", "failed"}, timeout=600)
    events = await all_events(jp_fetch, job["id"])
    assert built["state"] == "built", (built, log_text(events)[-3000:])
    assert {entry["file"].split("-")[0] for entry in built["wheelhouse"]} >= {
        "six",
        "python_dateutil",
        "dz_git_pkg",
        "jupyterlab",
    }
    assert "--require-hashes" in log_text(events)

    status, job = await call(jp_fetch, job["id"], "verify", method="POST")
    assert status == 202, job
    verified = await wait_for(jp_fetch, job["id"], {"verified", "failed"}, timeout=300)
    assert verified["state"] == "verified", verified
    verification = verified["verification"]
    assert verification["jupyter"] == {
        "answered": True,
        "refusedWithoutToken": True,
        "refusedWrongToken": True,
    }
    assert verification["uid"] == "1000"
    assert verification["exposedPorts"] == ["8888/tcp"]
    assert set(verification["volumes"]) >= {"/data", "/notebooks"}

    result = run_node(COMPARE, {"plan": plan, "image": verification["snapshot"]})
    selected = [entry for entry in plan["entries"] if entry["line"] is not None]
    assert result["mismatches"] == []
    assert result["reproduced"] == result["total"] == len(selected) >= 10

    # Run it locally with the notebook's folder bound, then stop it.
    status, running = await call(
        jp_fetch, job["id"], "run", method="POST", body={"notebooksDir": ""}
    )
    assert status == 200, running
    url, token = running["run"]["url"], running["run"]["token"]
    listing = subprocess.run(
        [sys.executable, "-c", _LIST_NOTEBOOKS, url, token],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert listing.stdout.split() == ["analysis.ipynb"], listing.stderr
    try:
        assert client.inspect_container(running["run"]["containerId"])["State"]["Running"]
        status, stopped = await call(jp_fetch, job["id"], "run", method="DELETE")
        assert status == 200 and stopped["run"] is None
        with pytest.raises(docker.errors.NotFound):
            client.inspect_container(running["run"]["containerId"])
        assert not client.containers(
            all=True, filters={"label": f"io.github.jupyterlab-dockerize.job={job['id']}"}
        )
    finally:
        client.remove_image("dockerize-test/round-trip:1", force=True)


_LIST_NOTEBOOKS = """
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
request = urllib.request.Request(url + "api/contents")
request.add_header("Authorization", "token " + token)
with urllib.request.urlopen(request, timeout=10) as response:
    print(" ".join(sorted(item["name"] for item in json.load(response)["content"])))
"""

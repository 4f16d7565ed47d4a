"""A generated bundle builds and runs on the real engine.

The TypeScript core (generator.py) turns a small real snapshot (the venv fixture, kept to
six and python-dateutil) and a notebook into a pip-template and a uv-template bundle. The
engine builds each unchanged, with network mode host and pip (and uv) pointed at a local wheel
index on 127.0.0.1 through the Dockerfile's PIP_INDEX_URL / PIP_TRUSTED_HOST build arguments
(containers here cannot reach PyPI; the wheels are downloaded once by the host's pip and
cached). The image then runs JupyterLab on a free loopback port, and the test checks what the
Dockerfile promises: token auth, uid 1000, the /data and /notebooks volumes, the notebook in
/notebooks, a working HEALTHCHECK probe, and bytecode compiled at install.

The conda template cannot be built here: neither Docker Hub (its micromamba base) nor a conda
channel is reachable.

The BuildKit variants (bundle option builder: 'buildkit') are built through the docker CLI
(buildx, or DOCKER_BUILDKIT=1 with a client that has BuildKit built in), as their README says:
pip and uv from the index, where a changed requirement downloads only the new package (the
index records every download: the cache mounts work), pip offline with the wheelhouse mounted
(no wheel in the image, no network), and uv from pylock.toml.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import secrets
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import skip_unless_ci
from .generator import GeneratorUnavailable, WheelServer, free_port, generate_bundle, wheelhouse

pytestmark = pytest.mark.engine

docker = pytest.importorskip("docker")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "src" / "core" / "__tests__" / "fixtures" / "snapshot-venv.json"
STANDIN = "python:3.11-slim"
KEEP = {"six", "python-dateutil"}

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "a1",
            "metadata": {},
            "outputs": [],
            "source": ["from dateutil import parser\n", "parser.parse('2024-05-06').year"],
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _bundle_tar(spec: dict, workspace: Path, extra: dict[str, bytes] | None = None) -> bytes:
    """The build context: the generated files, the workspace files they include, and
    ``extra`` (bundle path → bytes: what the server adds, such as the wheelhouse)."""
    buffer = io.BytesIO()
    files = {name: text.encode() for name, text in spec["files"].items()} | (extra or {})
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
        for item in spec["include"]:
            tar.add(workspace / item["workspacePath"], arcname=item["bundlePath"])
    return buffer.getvalue()


def _stand_in_base(client, base: str) -> bool:
    """Tags the stand-in for python:3.11-slim under the exact name the generator chose;
    True when this tag was made here (the caller removes it)."""
    try:
        client.inspect_image(base)
        return False
    except docker.errors.ImageNotFound:
        pass
    try:
        client.inspect_image(STANDIN)
    except docker.errors.ImageNotFound:
        pytest.fail(f"no {STANDIN} in the engine: run scripts/harness/base-image.sh")
    repository, _, version = base.partition(":")
    client.tag(STANDIN, repository, version)
    return True


def _build(client, spec: dict, workspace: Path, tag: str, house: Path) -> None:
    """Builds the bundle into ``tag`` from a wheel index served from ``house``."""
    log: list[str] = []
    with WheelServer(house) as wheels:
        for chunk in client.build(
            fileobj=io.BytesIO(_bundle_tar(spec, workspace)),
            custom_context=True,
            tag=tag,
            network_mode="host",
            buildargs={"PIP_INDEX_URL": wheels.index_url, "PIP_TRUSTED_HOST": "127.0.0.1"},
            rm=True,
            forcerm=True,
            decode=True,
        ):
            log.append(chunk.get("stream", ""))
            assert "errorDetail" not in chunk and "error" not in chunk, (
                f"{chunk}\n{''.join(log)[-4000:]}"
            )


def _remove(client, container: str | None, tag: str, made_base: str | None) -> None:
    if container is not None:
        client.remove_container(container, force=True, v=True)
    try:
        client.remove_image(tag, force=True)
    except docker.errors.ImageNotFound:
        pass
    if made_base:
        client.remove_image(made_base)


def _http(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module", params=["pip", "uv"])
def bundle(request, tmp_path_factory) -> tuple[dict, Path]:
    snapshot = json.loads(FIXTURE.read_text())
    snapshot["distributions"] = [d for d in snapshot["distributions"] if d["name"] in KEEP]
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / "analysis").mkdir()
    (workspace / "analysis" / "Dates.ipynb").write_text(json.dumps(NOTEBOOK))
    try:
        spec = generate_bundle(
            {
                "snapshot": snapshot,
                "notebooks": ["analysis/Dates.ipynb"],
                "options": {
                    "template": request.param,
                    "ui": "lab",
                    "created": "2025-01-02T03:04:05Z",
                    "generatorVersion": "0.0.0",
                },
            }
        )
    except GeneratorUnavailable as error:
        skip_unless_ci(f"the TypeScript core cannot run: {error}")
    return spec, workspace


def _requirement_lines(spec: dict) -> list[str]:
    """requirements.txt's requirements plus what the RUN lines add (the Jupyter pin, uv)."""
    lines = [
        line
        for line in spec["files"]["requirements.txt"].splitlines()
        if line and not line.startswith("#")
    ]
    for line in spec["files"]["Dockerfile"].splitlines():
        # The install command starts a RUN, follows a && or (BuildKit) the RUN's mounts.
        if not line.startswith("#") and " install " in line and " -r requirements.txt" in line:
            lines += [word for word in line.split("requirements.txt", 1)[1].split() if word != "\\"]
        uv = re.search(r"\buv==[0-9.]+", line)
        if uv:
            lines.append(uv.group())
    return lines


def test_generated_bundle_builds_and_runs(engine_host: str, bundle: tuple[dict, Path]) -> None:
    spec, workspace = bundle
    dockerfile = spec["files"]["Dockerfile"]
    requirements = _requirement_lines(spec)
    assert {"six==1.17.0", "python-dateutil==4.0.0", "jupyterlab==4.6.6"} <= set(requirements)
    base = next(line[5:] for line in dockerfile.splitlines() if line.startswith("FROM "))
    assert base == "python:3.11.7-slim", base

    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    house = wheelhouse(requirements)
    tag = f"dockerize-test-build:{secrets.token_hex(6)}"
    token = secrets.token_hex(16)
    tagged_base = False
    container = None
    try:
        tagged_base = _stand_in_base(client, base)
        _build(client, spec, workspace, tag, house)
        image = client.inspect_image(tag)
        config = image["Config"]
        assert config["User"] == "1000"
        assert {"/data", "/notebooks"} <= set(config["Volumes"] or {})
        assert config["WorkingDir"] == "/notebooks"
        assert not any(env.startswith("JUPYTER_TOKEN") for env in config["Env"] or [])
        health = config["Healthcheck"]["Test"]
        assert health[0] == "CMD" and health[1] == "python3"

        # The image's own CMD on a free port (8888 may be taken on a host network).
        # The image's own command, moved to a free port by JUPYTER_PORT (8888 may be taken on
        # a host network): no --port in the command, so the variable decides.
        port = free_port()
        assert config["Cmd"][:2] == ["jupyter", "lab"]
        assert not any(arg.startswith("--port") for arg in config["Cmd"])
        assert f"JUPYTER_PORT={8888}" in config["Env"]
        container = client.create_container(
            tag,
            environment={"JUPYTER_TOKEN": token, "JUPYTER_PORT": str(port)},
            host_config=client.create_host_config(network_mode="host"),
        )["Id"]
        client.start(container)

        status_url = f"http://127.0.0.1:{port}/api/status"
        deadline = time.monotonic() + 90
        while True:
            state = client.inspect_container(container)["State"]
            assert state["Running"], client.logs(container).decode(errors="replace")[-4000:]
            try:
                if _http(status_url, token) == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, client.logs(container).decode()[-4000:]
            time.sleep(0.25)

        assert _http(status_url, token) == 200
        assert _http(status_url) == 403
        assert _http(status_url, "not-the-token") == 403

        def run(*cmd: str) -> tuple[int, str]:
            exec_id = client.exec_create(container, list(cmd))["Id"]
            output = client.exec_start(exec_id).decode()
            return client.exec_inspect(exec_id)["ExitCode"], output

        assert run("id", "-u") == (0, "1000\n")
        assert run("ls", "/notebooks") == (0, "Dates.ipynb\n")
        code, output = run("python3", "-c", "import dateutil, six; print(dateutil.__version__)")
        assert (code, output.strip()) == (0, "4.0.0")
        # Bytecode compiled at install (pip does, uv with --compile-bytecode): uid 1000
        # cannot write __pycache__ in root's site-packages at run time.
        code, output = run(
            "python3",
            "-c",
            "import pathlib, dateutil;"
            "print(len(list(pathlib.Path(dateutil.__file__).parent.glob('__pycache__/*.pyc'))))",
        )
        assert code == 0 and int(output) > 5, output
        mounts = {m["Destination"] for m in client.inspect_container(container)["Mounts"]}
        assert {"/data", "/notebooks"} <= mounts
        # Jupyter serves /notebooks: the notebook is listed at the root of its contents API.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents")
        request.add_header("Authorization", f"token {token}")
        with urllib.request.urlopen(request, timeout=5) as response:
            names = [item["name"] for item in json.load(response)["content"]]
        assert names == ["Dates.ipynb"]
        # The HEALTHCHECK probe itself succeeds against the running server: it reads the
        # port from JUPYTER_PORT too.
        assert run(*health[1:])[0] == 0
    finally:
        _remove(client, container, tag, base if tagged_base else None)


# Data links: a notebook that reads its data files relative to its own workspace folder
# finds them in the image, where /notebooks is its working folder and the files are flat in
# /data (src/core/bundle/dataLinks.ts).
DATA_FILES = {
    "analysis/sales 2024.csv": "region,total\nnorth,12\n",
    "analysis/inputs/regions.csv": "region\nnorth\nsouth\n",
    "data/prices.csv": "item,price\ntea,3\n",
}
# How the notebook at analysis/Dates.ipynb names them, and the workspace file each is.
READS = {
    "sales 2024.csv": "analysis/sales 2024.csv",
    "inputs/regions.csv": "analysis/inputs/regions.csv",
    "../data/prices.csv": "data/prices.csv",
}
READER = r"""
import json, os, sys
out = {}
for path in json.loads(sys.argv[1]):
    with open(path, encoding="utf-8") as file:
        out[path] = file.read()
links = {}
for root, folders, files in os.walk("/notebooks"):
    for name in folders + files:
        full = os.path.join(root, name)
        info = os.lstat(full)
        links[full] = [os.readlink(full) if os.path.islink(full) else None, info.st_uid]
print(json.dumps({"cwd": os.getcwd(), "uid": os.getuid(), "read": out, "tree": links}))
"""


def test_data_links_let_the_notebook_read_its_files_where_it_did(
    engine_host: str, tmp_path_factory
) -> None:
    snapshot = json.loads(FIXTURE.read_text())
    snapshot["distributions"] = [d for d in snapshot["distributions"] if d["name"] in KEEP]
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / "analysis").mkdir()
    (workspace / "analysis" / "Dates.ipynb").write_text(json.dumps(NOTEBOOK))
    for path, text in DATA_FILES.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(text)
    try:
        spec = generate_bundle(
            {
                "snapshot": snapshot,
                "notebooks": ["analysis/Dates.ipynb"],
                "dataFiles": sorted(DATA_FILES),
                "dataLinks": True,
                "options": {
                    "template": "pip",
                    "ui": "lab",
                    "created": "2025-01-02T03:04:05Z",
                    "generatorVersion": "0.0.0",
                },
            }
        )
    except GeneratorUnavailable as error:
        skip_unless_ci(f"the TypeScript core cannot run: {error}")
    dockerfile = spec["files"]["Dockerfile"]
    assert spec["warnings"] == []
    assert (
        "RUN mkdir -p '/notebooks/inputs' \\\n"
        "    && ln -s '/data/regions.csv' '/notebooks/inputs/regions.csv' \\\n"
        "    && ln -s '/data/sales_2024.csv' '/notebooks/sales 2024.csv'\n"
        'VOLUME ["/data", "/notebooks"]\n'
    ) in dockerfile, dockerfile
    base = next(line[5:] for line in dockerfile.splitlines() if line.startswith("FROM "))

    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    house = wheelhouse(_requirement_lines(spec))
    tag = f"dockerize-test-links:{secrets.token_hex(6)}"
    tagged_base = False
    container = None
    try:
        tagged_base = _stand_in_base(client, base)
        _build(client, spec, workspace, tag, house)
        # As Verify runs a notebook: the image's user, its working folder, its volumes
        # (which start as copies of the image's folders, links included), no network.
        container = client.create_container(
            tag,
            command=["python3", "-c", READER, json.dumps(sorted(READS))],
            host_config=client.create_host_config(network_mode="none"),
        )["Id"]
        client.start(container)
        assert client.wait(container, timeout=120)["StatusCode"] == 0, client.logs(
            container
        ).decode(errors="replace")
        report = json.loads(client.logs(container, stderr=False).decode())
        assert report["cwd"] == "/notebooks" and report["uid"] == 1000
        assert report["read"] == {read: DATA_FILES[source] for read, source in READS.items()}
        assert report["tree"] == {
            "/notebooks/Dates.ipynb": [None, 1000],
            "/notebooks/inputs": [None, 1000],
            "/notebooks/inputs/regions.csv": ["/data/regions.csv", 1000],
            "/notebooks/sales 2024.csv": ["/data/sales_2024.csv", 1000],
        }
        mounts = {m["Destination"] for m in client.inspect_container(container)["Mounts"]}
        assert {"/data", "/notebooks"} <= mounts
    finally:
        _remove(client, container, tag, base if tagged_base else None)


# ---------------------------------------------------------------------------------------
# The BuildKit variants (src/core/bundle/dockerfile.ts, builder 'buildkit')

#: The requirement the rebuild adds: small, pure Python, not one of Jupyter's dependencies.
ADDED = ("tabulate", "0.9.0")


def _buildkit_command(engine_host: str) -> tuple[list[str], dict[str, str]]:
    """How to build with BuildKit here: ``docker buildx build --load`` when a CLI has buildx,
    else ``DOCKER_BUILDKIT=1 docker build`` on a client with it built in (Debian's 20.10)."""
    from jupyterlab_dockerize.builders.docker_cli import candidate_paths, probe_docker_cli

    clis = [cli for cli in map(probe_docker_cli, candidate_paths()) if cli is not None]
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/"),
        "DOCKER_HOST": engine_host,
    }
    for cli in clis:
        if cli.buildx:
            return [cli.path, "buildx", "build", "--load"], env
    for cli in clis:
        if cli.integrated_buildkit:
            return [cli.path, "build"], {**env, "DOCKER_BUILDKIT": "1"}
    pytest.fail(f"no docker CLI that builds with BuildKit: {clis}")


def _buildkit_build(
    engine_host: str,
    spec: dict,
    workspace: Path,
    tag: str,
    *,
    build_args: dict[str, str] | None = None,
    network: str = "host",
    extra: dict[str, bytes] | None = None,
) -> str:
    """Builds the bundle with BuildKit (the context is a tar on stdin); the plain log."""
    command, env = _buildkit_command(engine_host)
    args = [*command, "--progress=plain", "--network", network, "-t", tag]
    for name, value in (build_args or {}).items():
        args += ["--build-arg", f"{name}={value}"]
    run = subprocess.run(
        [*args, "-"],
        input=_bundle_tar(spec, workspace, extra),
        capture_output=True,
        env=env,
        timeout=900,
        check=False,
    )
    log = (run.stdout + run.stderr).decode(errors="replace")
    assert run.returncode == 0, log[-6000:]
    return log


class RecordingIndex:
    """A PEP 503 index over a wheelhouse (``simple/`` and ``files/``) on 127.0.0.1, served
    from this process, that records the path and status of every request. Wheel files are
    sent with PyPI's caching headers (immutable for a year), so pip and uv may keep them."""

    def __init__(self, house: Path) -> None:
        self.house = house
        self.requests: list[tuple[str, int]] = []
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self) -> RecordingIndex:
        requests = self.requests

        class Handler(SimpleHTTPRequestHandler):
            def end_headers(self) -> None:
                if self.path.endswith(".whl"):
                    self.send_header("Cache-Control", "max-age=365000000, immutable, public")
                super().end_headers()

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                requests.append((self.path, int(code)))

            def log_message(self, *args: object) -> None:
                pass

        handler = functools.partial(Handler, directory=str(self.house))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def wheels_downloaded(self, since: int = 0) -> list[str]:
        """File names of the wheels sent (status 200) since request number ``since``."""
        return sorted(
            path.rsplit("/", 1)[-1]
            for path, status in self.requests[since:]
            if path.endswith(".whl") and status == 200
        )

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _small_bundle(tmp_path_factory, options: dict, plan: dict | None = None) -> tuple[dict, Path]:
    """The venv fixture's six and python-dateutil and the Dates notebook, as a bundle."""
    snapshot = json.loads(FIXTURE.read_text())
    snapshot["distributions"] = [d for d in snapshot["distributions"] if d["name"] in KEEP]
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / "analysis").mkdir()
    (workspace / "analysis" / "Dates.ipynb").write_text(json.dumps(NOTEBOOK))
    case = {
        "snapshot": snapshot,
        "notebooks": ["analysis/Dates.ipynb"],
        "options": {
            "ui": "lab",
            "created": "2025-01-02T03:04:05Z",
            "generatorVersion": "0.0.0",
            **options,
        },
        **({"plan": plan} if plan else {}),
    }
    try:
        return generate_bundle(case), workspace
    except GeneratorUnavailable as error:
        skip_unless_ci(f"the TypeScript core cannot run: {error}")


def _with_added(plan: dict) -> dict:
    name, version = ADDED
    entry = {
        "name": name,
        "version": version,
        "source": "index",
        "status": "pinned",
        "line": f"{name}=={version}",
        "reason": "From the index.",
    }
    return {**plan, "entries": [*plan["entries"], entry]}


PROBE = r"""
import importlib.metadata as md, json, os, pathlib, shutil, sys
def listing(path):
    p = pathlib.Path(path)
    return sorted(str(f.relative_to(p)) for f in p.rglob("*")) if p.exists() else None
found = {"versions": {}, "wheels": [], "uv": shutil.which("uv")}
for name in json.loads(sys.argv[1]):
    try:
        found["versions"][name] = md.version(name)
    except md.PackageNotFoundError:
        found["versions"][name] = None
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    found["wheels"] += [os.path.join(root, f) for f in files if f.endswith(".whl")]
for path in ("/opt/uv", "/root/.cache/pip", "/root/.cache/uv", "/opt/bundle/wheelhouse"):
    found[path] = listing(path)
print(json.dumps(found))
"""


def _probe(client, tag: str, names: list[str]) -> dict:
    """What the image holds, looked at as root: versions of ``names``, any .whl file, uv,
    and the folders the cache and bind mounts used (their mount points may stay, empty)."""
    container = client.create_container(
        tag,
        command=["python3", "-c", PROBE, json.dumps(names)],
        user="0",
        host_config=client.create_host_config(network_mode="none"),
    )["Id"]
    try:
        client.start(container)
        assert client.wait(container, timeout=120)["StatusCode"] == 0, client.logs(container)
        return json.loads(client.logs(container, stderr=False).decode())
    finally:
        client.remove_container(container, force=True, v=True)


def _assert_nothing_of_the_build_left(found: dict, base: dict) -> None:
    """No wheel beyond the base image's own (ensurepip's), no uv, empty mount points."""
    assert set(found["wheels"]) == set(base["wheels"]), found["wheels"]
    assert found["uv"] is None
    for path in ("/opt/uv", "/root/.cache/pip", "/root/.cache/uv", "/opt/bundle/wheelhouse"):
        assert not found[path], (path, found[path])


@pytest.mark.parametrize("template", ["pip", "uv"])
def test_buildkit_bundle_builds_and_a_changed_requirement_downloads_only_itself(
    engine_host: str, tmp_path_factory, template: str
) -> None:
    spec, workspace = _small_bundle(tmp_path_factory, {"template": template, "builder": "buildkit"})
    dockerfile = spec["files"]["Dockerfile"]
    assert "RUN --mount=type=cache," in dockerfile and "# syntax" not in dockerfile
    requirements = _requirement_lines(spec)
    assert {"six==1.17.0", "python-dateutil==4.0.0", "jupyterlab==4.6.6"} <= set(requirements)
    changed, _ = _small_bundle(
        tmp_path_factory, {"template": template, "builder": "buildkit"}, _with_added(spec["plan"])
    )
    assert "tabulate==0.9.0" in changed["files"]["requirements.txt"]
    base = next(line[5:] for line in dockerfile.splitlines() if line.startswith("FROM "))

    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    house = wheelhouse([*requirements, "==".join(ADDED)])
    first, second = (f"dockerize-test-buildkit:{secrets.token_hex(6)}" for _ in range(2))
    tagged_base = False
    try:
        tagged_base = _stand_in_base(client, base)
        with RecordingIndex(house) as index:
            args = {"PIP_INDEX_URL": f"{index.url}simple/", "PIP_TRUSTED_HOST": "127.0.0.1"}
            _buildkit_build(engine_host, spec, workspace, first, build_args=args)
            cold = index.wheels_downloaded()
            mark = len(index.requests)
            log = _buildkit_build(engine_host, changed, workspace, second, build_args=args)
            again = index.wheels_downloaded(mark)
        # The cold build downloaded the environment (uv itself too, unless an earlier run
        # left it in its cache mount); the rebuild only the added package: the unchanged
        # wheels came from the cache mount, and uv did not come again.
        assert any(name.startswith("six-1.17.0-") for name in cold), cold
        assert any(name.startswith("jupyterlab-4.6.6-") for name in cold), cold
        # (uv may ask for a wheel more than once: for its metadata, then the file.)
        assert sorted(set(again)) == ["tabulate-0.9.0-py3-none-any.whl"], again
        if template == "uv":
            assert re.search(r"Prepared 1 package in", log), log[-4000:]
            assert "pip install --no-cache-dir --upgrade --target /opt/uv" in log
            assert "Collecting uv==" not in log, log[-4000:]
        else:
            assert re.search(r"Using cached .*six-1\.17\.0-py2\.py3-none-any\.whl", log), log[
                -4000:
            ]
            assert re.search(r"Downloading .*tabulate-0\.9\.0-py3-none-any\.whl", log), log[-4000:]

        names = ["six", "python-dateutil", "jupyterlab", "tabulate"]
        found = _probe(client, first, names)
        assert found["versions"] == {
            "six": "1.17.0",
            "python-dateutil": "4.0.0",
            "jupyterlab": "4.6.6",
            "tabulate": None,
        }
        _assert_nothing_of_the_build_left(found, _probe(client, base, []))
        found = _probe(client, second, names)
        assert found["versions"]["tabulate"] == "0.9.0"
        _assert_nothing_of_the_build_left(found, _probe(client, base, []))
        config = client.inspect_image(second)["Config"]
        assert config["User"] == "1000" and config["Cmd"][:2] == ["jupyter", "lab"]
    finally:
        for tag in (first, second):
            _remove(client, None, tag, None)
        if tagged_base:
            client.remove_image(base)


def _wheelhouse_files(house: Path) -> dict[str, bytes]:
    """wheelhouse/ as the server writes it: the wheels and requirements.lock (by sha256)."""
    from packaging.utils import parse_wheel_filename

    files: dict[str, bytes] = {}
    lock = ["# The exact files in this folder; pip installs them with --require-hashes."]
    for wheel in sorted((house / "files").glob("*.whl")):
        data = wheel.read_bytes()
        files[f"wheelhouse/{wheel.name}"] = data
        name, version, _, _ = parse_wheel_filename(wheel.name)
        digest = hashlib.sha256(data).hexdigest()
        lock.append(f"{name}=={version} --hash=sha256:{digest}")
    files["wheelhouse/requirements.lock"] = ("\n".join(lock) + "\n").encode()
    return files


def test_buildkit_offline_wheelhouse_is_mounted_not_copied(
    engine_host: str, tmp_path_factory
) -> None:
    spec, workspace = _small_bundle(
        tmp_path_factory, {"template": "pip", "builder": "buildkit", "wheelhouse": True}
    )
    dockerfile = spec["files"]["Dockerfile"]
    assert "RUN --mount=type=bind,source=wheelhouse,target=/opt/bundle/wheelhouse" in dockerfile
    assert not re.search(r"^COPY .*wheelhouse", dockerfile, re.M), dockerfile
    assert spec["wheelhouse"]["extra"] == ["jupyterlab==4.6.6"]
    requirements = [
        line
        for line in spec["files"]["requirements.txt"].splitlines()
        if line and not line.startswith("#")
    ]
    house = wheelhouse([*requirements, *spec["wheelhouse"]["extra"]])
    extra = _wheelhouse_files(house)
    base = next(line[5:] for line in dockerfile.splitlines() if line.startswith("FROM "))

    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    tag = f"dockerize-test-offline:{secrets.token_hex(6)}"
    tagged_base = False
    try:
        tagged_base = _stand_in_base(client, base)
        # No network at all for the RUN steps: the wheelhouse is all there is.
        _buildkit_build(engine_host, spec, workspace, tag, network="none", extra=extra)
        found = _probe(client, tag, ["six", "python-dateutil", "jupyterlab"])
        assert found["versions"] == {
            "six": "1.17.0",
            "python-dateutil": "4.0.0",
            "jupyterlab": "4.6.6",
        }
        # The wheels were mounted for the install step only: none is in the image.
        _assert_nothing_of_the_build_left(found, _probe(client, base, []))
    finally:
        _remove(client, None, tag, base if tagged_base else None)


@pytest.mark.parametrize("builder", ["classic", "buildkit"])
def test_uv_installs_from_pylock(engine_host: str, tmp_path_factory, builder: str) -> None:
    spec, workspace = _small_bundle(tmp_path_factory, {"template": "uv", "builder": builder})
    house = wheelhouse(_requirement_lines(spec))
    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    tag = f"dockerize-test-pylock:{secrets.token_hex(6)}"
    tagged_base = False
    base = "python:3.11.7-slim"
    from packaging.utils import parse_wheel_filename

    with RecordingIndex(house) as index:
        packages = []
        for wheel in sorted((house / "files").glob("*.whl")):
            name, version, _, _ = parse_wheel_filename(wheel.name)
            if name == "uv":  # the installer, not the environment
                continue
            packages.append(
                {
                    "name": str(name),
                    "version": str(version),
                    "url": f"{index.url}files/{wheel.name}",
                    "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
                }
            )
        lock = {
            "python": "3.11",
            "resolutions": [{"platform": "linux/amd64", "packages": packages}],
        }
        spec, workspace = _small_bundle(
            tmp_path_factory, {"template": "uv", "builder": builder, "lock": lock}
        )
        assert spec["warnings"] == []
        dockerfile = spec["files"]["Dockerfile"]
        assert 'COPY ["pylock.toml", "./"]' in dockerfile
        assert re.search(
            r"uv pip install --system (--no-cache )?--compile-bytecode "
            r"--preview-features pylock -r pylock\.toml( \\)?$",
            dockerfile,
            re.M,
        ), dockerfile
        assert "jupyterlab==" not in dockerfile
        try:
            tagged_base = _stand_in_base(client, base)
            # The index serves uv itself (BuildKit: when its cache mount is cold; classic: its
            # own server); the environment comes from the files the lock names by URL: no
            # other project is looked up.
            log = ""
            if builder == "buildkit":
                args = {"PIP_INDEX_URL": f"{index.url}simple/", "PIP_TRUSTED_HOST": "127.0.0.1"}
                log = _buildkit_build(engine_host, spec, workspace, tag, build_args=args)
            else:
                _build(client, spec, workspace, tag, house)
            paths = [path for path, _ in index.requests]
            looked_up = {path.split("/")[2] for path in paths if path.startswith("/simple/")}
            assert looked_up <= {"uv"}, paths
            assert "/files/six-1.17.0-py2.py3-none-any.whl" in paths, paths
            found = _probe(client, tag, [p["name"] for p in packages])
            assert found["versions"] == {p["name"]: p["version"] for p in packages}, log[-3000:]
            _assert_nothing_of_the_build_left(found, _probe(client, base, []))
        finally:
            _remove(client, None, tag, base if tagged_base else None)

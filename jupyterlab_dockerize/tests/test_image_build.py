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
"""

from __future__ import annotations

import io
import json
import re
import secrets
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import in_ci
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


def _bundle_tar(spec: dict, workspace: Path) -> bytes:
    """The build context: the generated files, then the workspace files they include."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in spec["files"].items():
            data = text.encode()
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
        if in_ci():
            pytest.fail(f"CI=true and the TypeScript core cannot run: {error}")
        pytest.skip(str(error))
    return spec, workspace


def _requirement_lines(spec: dict) -> list[str]:
    """requirements.txt's requirements plus what the RUN lines add (the Jupyter pin, uv)."""
    lines = [
        line
        for line in spec["files"]["requirements.txt"].splitlines()
        if line and not line.startswith("#")
    ]
    for line in spec["files"]["Dockerfile"].splitlines():
        if line.lstrip().startswith(("RUN ", "&& ")) and " -r requirements.txt" in line:
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
        if in_ci():
            pytest.fail(f"CI=true and the TypeScript core cannot run: {error}")
        pytest.skip(str(error))
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

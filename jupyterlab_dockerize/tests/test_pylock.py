"""pylock.toml (PEP 751) from the pre-flight's resolution, with real pip, PyPI and uv.

- a package with an x86_64 wheel and none for aarch64 is caught by the linux/arm64
  pre-flight, before any build, and the panel's core names the platform;
- the resolution carries only http(s) index URLs: a file pip took from a local folder is
  found on the index by name and sha256, or reported as having no reachable URL;
- the wheelhouse's requirements.lock and pylock.toml agree for the same platform;
- a pylock.toml rendered by the core from real pre-flights for both platforms installs
  with uv 0.13.9: its x86_64 wheels in a venv here, its aarch64 wheels in the harness's
  arm64 container under QEMU.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import tomllib
from packaging.utils import parse_wheel_filename

from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.pip_runner import (
    PYPI,
    IndexConfig,
    IndexFiles,
    ResolvedFile,
    effective_index_config,
    shared_url,
    target_tags,
    without_credentials,
)
from jupyterlab_dockerize.preflight import run_preflight
from jupyterlab_dockerize.wheelhouse import WheelhouseRequest, download_wheelhouse

from .conftest import skip_unless_ci
from .generator import run_node

PREFLIGHT = ("jupyterlab-dockerize", "preflight")
BOTH = ("linux/amd64", "linux/arm64")
UV_VERSION = "0.13.9"
#: The harness's linux/arm64 stand-in of python:3.11-slim (scripts/harness/multiarch-base.sh).
ARM64_IMAGE = "dockerize-harness/python-slim:linux-arm64"
#: Small, with a binary wheel per platform (markupsafe, charset-normalizer) and pure ones.
LINES = ("requests==2.32.3", "markupsafe==2.1.5", "six==1.16.0")

_CORE_SCRIPT = r"""
const path = require('path');
const core = name => require(path.join(process.argv[1], name + '.js'));
const { platformBlock, pylockInputOf } = core('requirements/preflight');
const { renderPylock } = core('bundle/pylock');
const checks = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const lock = pylockInputOf(checks);
process.stdout.write(JSON.stringify({
  blocked: platformBlock(checks),
  lockReason: 'reason' in lock ? lock.reason : null,
  pylock: 'lock' in lock ? renderPylock(lock.lock) : null,
}));
"""


def body(platform: str, *lines: str, python: str = "3.11.7") -> dict:
    return {
        "python": python,
        "platform": platform,
        "binaryOnly": True,
        "requirements": [{"name": line.split("==")[0], "line": line} for line in lines],
    }


def core(checks: list[dict]) -> dict:
    """The panel's core on real answers: the block, and the lock it renders."""
    return run_node(_CORE_SCRIPT, checks)


def checks_for(lines: tuple[str, ...], tmp_path: Path, index: IndexConfig) -> list[dict]:
    checks = []
    for platform in BOTH:
        request = body(platform, *lines)
        response = run_preflight(request, root=tmp_path, index=index)
        checks.append({"request": request, "response": response})
    return checks


def wheel_for(entry: dict, platform: str, python: str = "3.11.7") -> dict | None:
    """The wheel of a pylock [[packages]] entry an installer takes on ``platform``."""
    fit = target_tags(python, platform)
    for wheel in entry.get("wheels", []):
        _, _, _, tags = parse_wheel_filename(wheel["name"])
        if any(str(tag) in fit for tag in tags):
            return wheel
    return None


def locked_for(lock: dict, platform: str) -> dict[str, tuple[str, str]]:
    """{name: (version, sha256)} that pylock.toml installs on ``platform``."""
    machine = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}[platform]
    found = {}
    for entry in lock["packages"]:
        marker = entry.get("marker")
        if marker and f"'{machine}'" not in marker:
            continue
        wheel = wheel_for(entry, platform)
        assert wheel is not None, f"no {platform} wheel for {entry['name']}"
        found[entry["name"]] = (entry["version"], wheel["hashes"]["sha256"])
    return found


async def test_a_package_without_an_arm64_wheel_is_caught_by_the_arm64_preflight(jp_fetch):
    """intel-openmp 2024.2.0 has manylinux x86_64 wheels and none for aarch64 (PyPI)."""
    lines = ("six==1.16.0", "intel-openmp==2024.2.0")
    checks = []
    for platform in BOTH:
        request = body(platform, *lines)
        response = await jp_fetch(
            *PREFLIGHT, method="POST", body=json.dumps(request), request_timeout=300
        )
        checks.append({"request": request, "response": json.loads(response.body)})
    amd64, arm64 = (check["response"] for check in checks)
    assert [p["status"] for p in amd64["packages"]] == ["ok", "ok"], amd64
    assert [p["status"] for p in arm64["packages"]] == ["ok", "unavailable"], arm64
    assert "CPython 3.11.7 on linux/arm64" in arm64["packages"][1]["reason"]
    assert "intel-openmp" in {item["name"] for item in amd64["resolution"]}
    assert "intel-openmp" not in {item["name"] for item in arm64["resolution"]}

    answer = core(checks)
    assert answer["blocked"].startswith("Not built: linux/arm64 cannot install intel-openmp (")
    assert answer["blocked"].endswith("Untick it, or build for linux/amd64 only.")
    assert answer["lockReason"] == "intel-openmp does not install on linux/arm64."
    # Nothing was built: the pre-flight runs before any job.
    jobs = await jp_fetch("jupyterlab-dockerize", "builds", method="GET")
    assert json.loads(jobs.body).get("jobs", []) == []


def _local_only_wheel(folder: Path) -> Path:
    """A real wheel of a project no index has (dz-local-only 1.0)."""
    path = folder / "dz_local_only-1.0-py3-none-any.whl"
    info = "dz_local_only-1.0.dist-info"
    files = {
        "dz_local_only.py": b"VALUE = 1\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: dz-local-only\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={hashlib.sha256(data).hexdigest()},{len(data)}\n"
        for name, data in files.items()
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


def _pypi_wheel(folder: Path, line: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "--isolated", "download", "--no-deps", "--only-binary",
         ":all:", "--index-url", PYPI, "--dest", str(folder), line],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return next(folder.glob("*.whl"))


def test_files_from_a_local_folder_get_their_index_url_or_are_named(tmp_path):
    folder = tmp_path / "wheels"
    folder.mkdir()
    six = _pypi_wheel(folder, "six==1.16.0")
    _local_only_wheel(folder)
    digest = hashlib.sha256(six.read_bytes()).hexdigest()
    index = IndexConfig(index_url=PYPI, find_links=(str(folder),))

    # pip's report names the local copy; its URL on PyPI has the same sha256.
    files = IndexFiles(index, Cancellation())
    found, why = files.locate(ResolvedFile("six", "1.16.0", six.as_uri(), ""))
    assert why == "" and found is not None
    assert found.url.startswith("https://files.pythonhosted.org/")
    assert found.url.endswith("/six-1.16.0-py2.py3-none-any.whl")
    assert found.sha256 == digest
    # A local file that differs from the index's is not passed off as it.
    changed = tmp_path / "changed" / six.name
    changed.parent.mkdir()
    changed.write_bytes(six.read_bytes() + b"\0")
    found, why = files.locate(ResolvedFile("six", "1.16.0", changed.as_uri(), ""))
    assert found is None and str(changed.parent) in why

    answer = run_preflight(
        body("linux/amd64", "six==1.16.0", "dz-local-only==1.0"), root=tmp_path, index=index
    )
    assert [p["status"] for p in answer["packages"]] == ["ok", "ok"], answer
    assert answer["resolution"] == [
        {"name": "six", "version": "1.16.0", "url": found_url(answer, "six"), "sha256": digest}
    ]
    assert found_url(answer, "six").startswith("https://files.pythonhosted.org/")
    (unlocked,) = answer["unlocked"]
    assert unlocked["name"] == "dz-local-only" and unlocked["version"] == "1.0"
    assert str(folder) in unlocked["reason"] and "only this server reaches" in unlocked["reason"]
    check = {"request": body("linux/amd64", "six==1.16.0", "dz-local-only==1.0"),
             "response": answer}  # fmt: skip
    assert core([check])["lockReason"].startswith("No lock for linux/amd64: dz-local-only 1.0:")


def test_a_file_from_a_loopback_index_gets_its_url_on_a_shared_index(tmp_path):
    """An index on 127.0.0.1 (a mirror only this server reaches) is not a colleague's."""
    files = tmp_path / "site" / "files"
    files.mkdir(parents=True)
    six = _pypi_wheel(files, "six==1.16.0")
    digest = hashlib.sha256(six.read_bytes()).hexdigest()
    page = tmp_path / "site" / "simple" / "six"
    page.mkdir(parents=True)
    page.joinpath("index.html").write_text(
        f'<html><body><a href="../../files/{six.name}#sha256={digest}">{six.name}</a></body></html>'
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    loopback = f"http://127.0.0.1:{server.server_address[1]}/simple"
    try:
        served = f"{loopback.removesuffix('/simple')}/files/{six.name}"
        shared = IndexFiles(IndexConfig(index_url=loopback, extra_index_urls=(PYPI,)))
        found, why = shared.locate(ResolvedFile("six", "1.16.0", served, digest))
        assert why == "" and found is not None
        assert found.url.startswith("https://files.pythonhosted.org/")

        alone = IndexConfig(index_url=loopback)
        answer = run_preflight(body("linux/amd64", "six==1.16.0"), root=tmp_path, index=alone)
        assert answer["packages"][0]["status"] == "ok", answer
        assert answer["resolution"] == []
        (unlocked,) = answer["unlocked"]
        assert unlocked["name"] == "six"
        assert f"comes from http://127.0.0.1:{server.server_address[1]}," in unlocked["reason"]
    finally:
        server.shutdown()
        server.server_close()


def test_only_plain_http_urls_of_hosts_a_colleague_reaches_are_shared():
    assert shared_url("https://files.pythonhosted.org/packages/ab/six-1.16.0-py3-none-any.whl")
    assert shared_url("https://example.org/simple/torch-2.3.0%2Bcpu-cp311-linux_x86_64.whl")
    for url in (
        "file:///opt/wheels/six-1.16.0-py3-none-any.whl",
        "http://127.0.0.1:8080/files/six.whl",
        "http://localhost/files/six.whl",
        "https://[::1]/six.whl",
        'https://example.org/a"b.whl',
        "https://example.org/a b.whl",
        "https://example.org/a\\b.whl",
        "ftp://example.org/six.whl",
    ):
        assert not shared_url(url), url
    assert without_credentials("https://user:secret@example.org/simple/x.whl") == (
        "https://example.org/simple/x.whl"
    )


def found_url(answer: dict, name: str) -> str:
    return next(item["url"] for item in answer["resolution"] if item["name"] == name)


def test_the_server_index_here_resolves_to_urls_a_colleague_reaches(tmp_path):
    """This machine's pip also reads file:// indexes; the resolution still has PyPI URLs."""
    index = effective_index_config()
    answer = run_preflight(body("linux/amd64", *LINES), root=tmp_path, index=index)
    assert all(p["status"] == "ok" for p in answer["packages"]), answer
    assert answer["unlocked"] == []
    names = {item["name"] for item in answer["resolution"]}
    assert {"requests", "markupsafe", "six", "urllib3", "idna", "certifi"} <= names
    for item in answer["resolution"]:
        assert item["url"].startswith("https://"), item
        assert len(item["sha256"]) == 64


@pytest.fixture(scope="module")
def uv(tmp_path_factory) -> Path:
    """uv at the templates' pin, in its own venv."""
    home = tmp_path_factory.mktemp("uv")
    subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, timeout=120)
    subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return home / "bin" / "uv"


@pytest.fixture(scope="module")
def two_platform_lock(tmp_path_factory) -> str:
    """pylock.toml rendered by the core from real pre-flights for linux/amd64 and arm64."""
    checks = checks_for(LINES, tmp_path_factory.mktemp("preflight"), effective_index_config())
    answer = core(checks)
    assert answer["blocked"] is None and answer["lockReason"] is None, answer
    return answer["pylock"]


def test_pylock_from_a_real_preflight_installs_with_uv_and_agrees_with_the_wheelhouse(
    tmp_path, uv, two_platform_lock
):
    index = effective_index_config()
    text = two_platform_lock
    lock = tomllib.loads(text)
    assert lock["lock-version"] == "1.0" and lock["requires-python"] == "==3.11.*"
    for entry in lock["packages"]:
        for wheel in entry["wheels"]:
            assert wheel["url"].startswith("https://"), wheel
    # markupsafe has a wheel per platform in one entry; six one pure wheel.
    by_name = {entry["name"]: entry for entry in lock["packages"]}
    assert len(by_name["markupsafe"]["wheels"]) == 2
    assert len(by_name["six"]["wheels"]) == 1

    # The wheelhouse of each platform holds exactly the files the lock names for it.
    for platform in BOTH:
        work = tmp_path / platform.replace("/", "-")
        files = {"requirements.txt": "\n".join(LINES).encode()}
        request = WheelhouseRequest("3.11.7", platform, "requirements.txt", ())
        _, lock_bytes, _ = download_wheelhouse(
            request, files, work, lambda line: None, Cancellation(), index=index
        )
        wheelhouse = {}
        for line in lock_bytes.decode().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            pin, _, digest = line.partition(" --hash=sha256:")
            name, _, version = pin.partition("==")
            wheelhouse[name] = (version, digest)
        assert wheelhouse == locked_for(lock, platform), platform

    # uv installs it for real, in a Python 3.11 venv of this machine (linux/amd64).
    (tmp_path / "pylock.toml").write_text(text)
    venv = tmp_path / "venv"
    subprocess.run([str(uv), "venv", "--quiet", "-p", sys.executable, str(venv)],
                   check=True, timeout=120)  # fmt: skip
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "VIRTUAL_ENV": str(venv),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "SSL_CERT_DIR": "/etc/ssl/certs",
    }
    done = subprocess.run(
        [str(uv), "pip", "install", "--no-config", "-r", "pylock.toml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frozen = subprocess.run(
        [str(uv), "pip", "freeze"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    expected = locked_for(lock, "linux/amd64")
    assert sorted(frozen) == sorted(f"{name}=={version}" for name, (version, _) in expected.items())


def _uv_binary_for_arm64(folder: Path) -> Path:
    """uv's own aarch64 binary, from its wheel on PyPI (runs under QEMU; no pip there)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "--isolated", "download", "--no-deps", "--only-binary",
         ":all:", "--platform", "manylinux_2_17_aarch64", "--platform", "musllinux_1_1_aarch64",
         "--index-url", PYPI, "--dest", str(folder), f"uv=={UV_VERSION}"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = folder.glob("uv-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        member = next(name for name in archive.namelist() if name.endswith("/scripts/uv"))
        binary = folder / "uv"
        binary.write_bytes(archive.read(member))
    binary.chmod(0o755)
    return binary


def test_the_same_pylock_installs_its_aarch64_wheels_in_an_arm64_container(
    tmp_path, engine_host, two_platform_lock
):
    """The harness's arm64 stand-in of python:3.11-slim, under QEMU: uv installs the lock's
    aarch64 wheels there (the local image is named by its own tag: nothing is pulled)."""
    if os.environ.get("DOCKERIZE_TEST_ARM64") != "1":
        reason = "no arm64 base image in the harness (DOCKERIZE_TEST_ARM64 unset)"
        skip_unless_ci(reason)
    lock = tomllib.loads(two_platform_lock)
    expected = locked_for(lock, "linux/arm64")
    uv_binary = _uv_binary_for_arm64(tmp_path / "uv")
    bundle = io.BytesIO()
    with tarfile.open(fileobj=bundle, mode="w") as archive:
        archive.add(uv_binary, arcname="uv")
        data = two_platform_lock.encode()
        info = tarfile.TarInfo("pylock.toml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    script = (
        "set -e; mkdir /tmp/in; tar -x -C /tmp/in; cd /tmp/in; "
        "python3 -m venv --without-pip /tmp/v; "
        "./uv pip install --quiet --no-config --python /tmp/v/bin/python -r pylock.toml; "
        "uname -m; ./uv pip freeze --python /tmp/v/bin/python"
    )
    done = subprocess.run(
        ["docker", "run", "-i", "--rm", "--platform", "linux/arm64", "--network", "host",
         ARM64_IMAGE, "sh", "-c", script],
        input=bundle.getvalue(), capture_output=True, timeout=1200, check=False,
        env={**os.environ, "DOCKER_HOST": engine_host},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    machine, *frozen = done.stdout.decode().split()
    assert machine == "aarch64"
    assert sorted(frozen) == sorted(f"{name}=={version}" for name, (version, _) in expected.items())

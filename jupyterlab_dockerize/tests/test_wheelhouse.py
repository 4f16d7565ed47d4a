"""The offline wheelhouse: real pip, real wheels for the image's full Python and platform,
only the lines the policy accepts, local wheels and vendored projects inside it."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jupyterlab_dockerize.bundle import BundleLimits, BundleSpec, IncludeSpec, plan_bundle
from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.pip_runner import IndexConfig, IndexUnreachable, target_options
from jupyterlab_dockerize.requirements_policy import RequirementsPolicy
from jupyterlab_dockerize.wheelhouse import (
    WheelhouseFailed,
    WheelhouseRequest,
    download_wheelhouse,
    parse_wheelhouse_request,
)

REQUIREMENTS = b"# reason comments are fine\nsix==1.16.0  # pinned\npython-dateutil==2.9.0.post0\n"


def _download(tmp_path, text: bytes, python="3.11.7", **kw):
    request = WheelhouseRequest(python, "linux/amd64", "requirements.txt", ())
    lines: list[str] = []
    result = download_wheelhouse(
        request, {"requirements.txt": text}, tmp_path / "work", lines.append, Cancellation(), **kw
    )
    return result, lines


def test_the_short_python_version_is_refused_with_what_to_send():
    with pytest.raises(BadRequest) as refused:
        parse_wheelhouse_request({"python": "3.11"}, {"requirements.txt": b""})
    assert "full Python version" in refused.value.message
    assert "3.11.7" in refused.value.message and "3.11.0" in refused.value.message
    parsed = parse_wheelhouse_request({"python": "3.11.7"}, {"requirements.txt": b""})
    assert parsed is not None and parsed.python == "3.11.7"


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"python": "3"}, "python"),
        ({"python": "3.11.7", "platform": "windows/amd64"}, "platform"),
        ({"python": "3.11.7", "requirements": "nope.txt"}, "requirements"),
        ({"python": "3.11.7", "extra": ["jupyterlab>=4"]}, "extra"),
        ({"python": "3.11.7", "extra": ["x==1; rm -rf /"]}, "extra"),
        ({"python": "3.11.7", "extra": ["--index-url=http://evil/x"]}, "extra"),
        ("yes", "object"),
    ],
)
def test_bad_wheelhouse_options_are_refused(raw, message):
    with pytest.raises(BadRequest, match=message):
        parse_wheelhouse_request(raw, {"requirements.txt": b""})


@pytest.mark.parametrize(
    "text",
    [
        b"--find-links /tmp\nsix==1.16.0\n",
        b"-r /etc/passwd\n",
        b"six @ file:///etc/passwd\n",
        b"six==1.16.0 \\\n--index-url http://evil\n",
        b"six>=1\n",
    ],
)
def test_a_line_the_policy_refuses_stops_the_wheelhouse_before_pip(tmp_path, text):
    with pytest.raises(BadRequest) as refused:
        _download(tmp_path, text)
    assert refused.value.code == "requirement_refused"
    assert not (tmp_path / "work").exists()


def test_wheels_for_the_image_platform_with_recorded_hashes(tmp_path):
    request = parse_wheelhouse_request(
        {"python": "3.11.7", "platform": "linux/amd64", "extra": ["tornado==6.4.1"]},
        {"requirements.txt": REQUIREMENTS},
    )
    lines: list[str] = []
    house, lock, hashes = download_wheelhouse(
        request, {"requirements.txt": REQUIREMENTS}, tmp_path, lines.append, Cancellation()
    )
    files = sorted(path.name for path in house.iterdir())
    assert [entry["file"] for entry in hashes] == files
    for entry in hashes:
        assert hashlib.sha256((house / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    names = {name.split("-")[0].lower() for name in files}
    assert {"six", "python_dateutil", "tornado"} <= names
    (tornado,) = [name for name in files if name.startswith("tornado")]
    assert "manylinux" in tornado and "x86_64" in tornado
    text = lock.decode()
    assert "six==1.16.0 --hash=sha256:" in text
    assert text.count("--hash=sha256:") == len(files)
    assert any("Downloading wheels" in line for line in lines)
    # pip accepts the lock with --require-hashes, offline, for that platform.
    (house / "requirements.lock").write_bytes(lock)
    check = subprocess.run(
        [
            sys.executable, "-m", "pip", "--isolated", "download", "--no-index",
            "--find-links", str(house), "--require-hashes", "-r", str(house / "requirements.lock"),
            "--only-binary", ":all:", *target_options("3.11.7", "linux/amd64"),
            "--dest", str(tmp_path / "again"), "--quiet",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_patch_level_requires_python_resolves_for_the_full_version(tmp_path):
    """soupsieve 4.1.3 requires Python >=3.11.5: fine for 3.11.7, refused for 3.11.0 with a
    message that says so, without blaming the package."""
    (_house, lock, _), _ = _download(tmp_path, b"soupsieve==4.1.3\n")
    assert "soupsieve==4.1.3 --hash" in lock.decode()
    with pytest.raises(WheelhouseFailed) as failed:
        _download(tmp_path / "old", b"soupsieve==4.1.3\n", python="3.11.0")
    assert failed.value.code == "python_mismatch"
    assert ">=3.11.5" in failed.value.message and "3.11.0" in failed.value.message
    assert "base image" in failed.value.hint


def test_a_version_the_index_lacks_is_named_for_its_python_and_platform(tmp_path):
    with pytest.raises(WheelhouseFailed) as failed:
        _download(tmp_path, b"six==0.0.1\n")
    assert "six==0.0.1" in failed.value.message
    assert "CPython 3.11.7 on linux/amd64" in failed.value.message
    assert "pre-flight" in failed.value.hint


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_index_is_a_network_error_not_a_package_fault(tmp_path):
    index = IndexConfig(index_url=f"http://127.0.0.1:{_closed_port()}/simple", retries=0, timeout=2)
    with pytest.raises(IndexUnreachable) as failed:
        _download(tmp_path, b"six==1.16.0\n", index=index)
    assert failed.value.code == "index_unreachable"
    assert "could not reach the package index" in failed.value.message
    assert "no package is at fault" in failed.value.hint


def make_wheel(folder: Path, name: str, version: str, tag: str = "py3-none-any") -> Path:
    """A minimal valid wheel (METADATA, WHEEL, RECORD)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-{tag}.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "VALUE = 1\n")
        archive.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        archive.writestr(
            f"{info}/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def make_project(folder: Path, name: str, marker: Path | None = None) -> Path:
    """A setuptools project; its setup.py writes ``marker`` when run (a build happened)."""
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text("VALUE = 2\n")
    write = f"open({str(marker)!r}, 'a').write('built\\n')\n" if marker else ""
    (folder / "setup.py").write_text(
        f"{write}from setuptools import setup\nsetup(name={name!r}, version='1.0', "
        f"packages=[{name!r}])\n"
    )
    return folder


def test_bundle_wheels_and_vendored_projects_go_into_the_wheelhouse(tmp_path):
    root = tmp_path / "root"
    make_wheel(root / "sub", "localwheel", "0.3.1")
    make_project(root / "myproj", "myproj")
    spec = BundleSpec(
        "b",
        {"requirements.txt": b"./vendor/myproj\n./wheels/localwheel-0.3.1-py3-none-any.whl\n"},
        (
            IncludeSpec("myproj", "vendor/myproj"),
            IncludeSpec(
                "sub/localwheel-0.3.1-py3-none-any.whl", "wheels/localwheel-0.3.1-py3-none-any.whl"
            ),
        ),
    )
    assembly = plan_bundle(root, spec, BundleLimits())
    (house, lock, _), _lines = _download(
        tmp_path, spec.files["requirements.txt"], assembly=assembly,
        policy=RequirementsPolicy(root=str(root)),
    )  # fmt: skip
    names = sorted(path.name for path in house.glob("*.whl"))
    assert "localwheel-0.3.1-py3-none-any.whl" in names
    assert any(name.startswith("myproj-1.0-") for name in names), names
    text = lock.decode()
    assert "localwheel==0.3.1 --hash=sha256:" in text and "myproj==1.0 --hash=sha256:" in text


def test_bundle_wheel_for_another_platform_and_missing_folders_are_refused(tmp_path):
    root = tmp_path / "root"
    make_wheel(root, "winwheel", "1.0", "cp311-cp311-win_amd64")
    spec = BundleSpec(
        "b",
        {"requirements.txt": b"./wheels/winwheel-1.0-cp311-cp311-win_amd64.whl\n"},
        (
            IncludeSpec(
                "winwheel-1.0-cp311-cp311-win_amd64.whl",
                "wheels/winwheel-1.0-cp311-cp311-win_amd64.whl",
            ),
        ),
    )
    assembly = plan_bundle(root, spec, BundleLimits())
    with pytest.raises(WheelhouseFailed, match=r"does not fit CPython 3\.11\.7"):
        _download(tmp_path, spec.files["requirements.txt"], assembly=assembly)
    with pytest.raises(WheelhouseFailed, match="does not include"):
        _download(tmp_path / "b", b"./vendor/absent\n", assembly=assembly)
    with pytest.raises(WheelhouseFailed, match="vendored_builds"):
        _download(
            tmp_path / "c", b"./vendor/absent\n", assembly=assembly,
            policy=RequirementsPolicy(vendored_builds=False),
        )  # fmt: skip


def test_a_git_repository_inside_the_root_pinned_to_a_commit_is_built(tmp_path):
    root = tmp_path / "root"
    repo = make_project(root / "gitproj", "gitproj")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    line = f"gitproj @ git+file://{repo}@{commit}\n".encode()
    (_house, lock, _), _ = _download(tmp_path, line, policy=RequirementsPolicy(root=str(root)))
    assert "gitproj==1.0 --hash" in lock.decode()
    with pytest.raises(BadRequest, match="vcs_builds"):
        _download(
            tmp_path / "n", line, policy=RequirementsPolicy(vcs_builds="never", root=str(root))
        )
    with pytest.raises(BadRequest, match="outside the Jupyter root"):
        _download(
            tmp_path / "o", line, policy=RequirementsPolicy(root=str(root / "gitproj" / "gitproj"))
        )

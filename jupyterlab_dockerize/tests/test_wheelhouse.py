"""The offline wheelhouse: real pip, real wheels for the image's platform, hashes that match."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.wheelhouse import (
    WheelhouseFailed,
    WheelhouseRequest,
    download_wheelhouse,
    parse_wheelhouse_request,
    platform_options,
    split_requirements,
)

REQUIREMENTS = b"# reason comments are fine\nsix==1.16.0  # pinned\npython-dateutil==2.9.0.post0\n"


def test_requirements_split_into_index_lines_and_urls():
    plain, urls = split_requirements(
        "# c\nsix==1.16.0  # why\npkg @ git+https://example.org/p.git@" + "a" * 40 + "\n"
    )
    assert plain == ["six==1.16.0"]
    assert urls == ["pkg @ git+https://example.org/p.git@" + "a" * 40]
    with pytest.raises(WheelhouseFailed, match="local project"):
        split_requirements("./vendor/mypkg\n")


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"python": "3"}, "python"),
        ({"python": "3.11", "platform": "windows/amd64"}, "platform"),
        ({"python": "3.11", "requirements": "nope.txt"}, "requirements"),
        ({"python": "3.11", "extra": ["jupyterlab>=4"]}, "extra"),
        ({"python": "3.11", "extra": ["x==1; rm -rf /"]}, "extra"),
        ("yes", "object"),
    ],
)
def test_bad_wheelhouse_options_are_refused(raw, message):
    with pytest.raises(BadRequest, match=message):
        parse_wheelhouse_request(raw, {"requirements.txt": b""})


def test_wheels_for_the_image_platform_with_recorded_hashes(tmp_path):
    request = parse_wheelhouse_request(
        {"python": "3.11", "platform": "linux/amd64", "extra": ["tornado==6.4.1"]},
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
    # tornado has compiled wheels: the one chosen is for CPython 3.11 (abi3) on manylinux x86_64.
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
            sys.executable, "-m", "pip", "download", "--no-index", "--find-links", str(house),
            "--require-hashes", "-r", str(house / "requirements.lock"),
            "--only-binary", ":all:", "--python-version", "3.11", *platform_options("x86_64"),
            "--implementation", "cp", "--abi", "cp311", "--abi", "abi3",
            "--abi", "none", "--dest", str(tmp_path / "again"), "--quiet",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_package_without_a_wheel_fails_with_a_clear_message(tmp_path):
    request = WheelhouseRequest("3.11", "linux/amd64", "requirements.txt", ())
    with pytest.raises(WheelhouseFailed) as failed:
        download_wheelhouse(
            request,
            {"requirements.txt": b"six==0.0.0-does-not-exist\n"},
            tmp_path,
            lambda line: None,
            Cancellation(),
        )
    assert "Python 3.11 (linux/amd64)" in failed.value.message
    assert "offline wheelhouse" in failed.value.hint

"""The offline wheelhouse: every wheel of the requirements, for the image's platform.

The host's pip (this server's Python, its index configuration) downloads binary wheels for
the image's Python version and platform; ``requirements.lock`` then pins each file by name,
version and sha256, and the generated Dockerfile installs with ``--no-index
--require-hashes`` from it: the build needs no network and installs exactly these files.
pip runs as a subprocess with an argument list; no text from the request reaches a shell.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cancellation import Cancellation
from .errors import BadRequest, DockerizeError
from .workspace import workspace_file

WHEELHOUSE_DIR = "wheelhouse"
LOCK_NAME = "requirements.lock"
PYTHON = re.compile(r"^3\.[0-9]{1,2}$")
PLATFORMS = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
#: glibc of Debian 12 (python:*-slim). pip does not widen a given manylinux_2_N tag to the
#: older ones, so every glibc from 2.17 up is named (manylinux2014 adds 2010 and 1).
GLIBC_MINOR = 36
EXTRA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+$")
WHEEL_NAME = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[0-9][^-]*)?-[^-]+-[^-]+-[^-]+\.whl$"
)


class WheelhouseFailed(DockerizeError):
    status = 422
    default_code = "wheelhouse_failed"


@dataclass(frozen=True)
class WheelhouseRequest:
    python: str  # X.Y
    platform: str  # linux/amd64 or linux/arm64
    requirements: str  # the bundle path of the requirements file
    extra: tuple[str, ...]  # name==version lines the Dockerfile installs besides it


def parse_wheelhouse_request(raw: Any, files: dict[str, bytes]) -> WheelhouseRequest | None:
    if raw is None or raw is False:
        return None
    hint = (
        'Send "wheelhouse": {"python": "3.11", "platform": "linux/amd64", '
        '"requirements": "requirements.txt", "extra": ["jupyterlab==4.6.6"]}.'
    )
    if not isinstance(raw, dict):
        raise BadRequest("'wheelhouse' must be an object or null.", hint)
    python, platform = raw.get("python"), raw.get("platform", "linux/amd64")
    requirements, extra = raw.get("requirements", "requirements.txt"), raw.get("extra") or []
    if not isinstance(python, str) or not PYTHON.match(python):
        raise BadRequest("wheelhouse.python must be a Python version like 3.11.", hint)
    if platform not in PLATFORMS:
        raise BadRequest(
            f"wheelhouse.platform must be one of {', '.join(sorted(PLATFORMS))}.", hint
        )
    if requirements not in files:
        raise BadRequest("wheelhouse.requirements must name a file of the bundle.", hint)
    if not isinstance(extra, list) or not all(
        isinstance(line, str) and EXTRA.match(line) for line in extra
    ):
        raise BadRequest("wheelhouse.extra must be a list of name==version pins.", hint)
    return WheelhouseRequest(python, platform, requirements, tuple(extra))


def platform_options(arch: str) -> list[str]:
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MINOR, 16, -1)]
    tags.append(f"manylinux2014_{arch}")
    return [option for tag in tags for option in ("--platform", tag)]


#: A PEP 508 requirement with a URL: ``name @ git+https://...@commit``.
URL_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*@\s*(\S+)")


def split_requirements(text: str) -> tuple[list[str], list[str]]:
    """(lines pip download takes, URL requirements to build as wheels first).

    A local path (a vendored project) cannot be fetched for another platform: refused.
    """
    plain, urls = [], []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith((".", "/", "file:")) or line.startswith("-e"):
            raise WheelhouseFailed(
                f"The offline wheelhouse cannot hold the local project '{line[:80]}'.",
                "Build without the offline wheelhouse, or publish the project to an index.",
            )
        if URL_REQUIREMENT.match(line):
            urls.append(line)
        else:
            plain.append(line)
    return plain, urls


def download_wheelhouse(
    request: WheelhouseRequest,
    files: dict[str, bytes],
    work_dir: Path,
    log: Callable[[str], None],
    cancellation: Cancellation,
) -> tuple[Path, bytes, list[dict[str, str]]]:
    """Downloads into ``work_dir/wheelhouse``; returns it, the lock file and the hashes.

    URL requirements (VCS installs at a commit) are built into wheels on this machine
    first (``pip wheel --no-deps``: right for pure-Python projects), then ``pip download``
    resolves everything else, and their dependencies, for the image's platform.
    """
    source = work_dir / "source"
    house = work_dir / WHEELHOUSE_DIR
    source.mkdir(parents=True)
    house.mkdir()
    plain, urls = split_requirements(files[request.requirements].decode("utf-8", "replace"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    if urls:
        log(f"Building {len(urls)} wheel(s) from version control on this machine.")
        (source / "urls.txt").write_text("\n".join(urls) + "\n")
        _run_pip(
            [
                *pip,
                "wheel",
                "--no-deps",
                "--progress-bar",
                "off",
                "-w",
                str(house),
                "-r",
                "urls.txt",
            ],
            source,
            log,
            cancellation,
            request,
        )
        for wheel in sorted(house.glob("*.whl")):
            match = WHEEL_NAME.match(wheel.name)
            if match:
                plain.append(f"{match.group('name')}=={match.group('version')}")
    (source / "requirements.txt").write_text("\n".join(plain) + "\n")
    arch = PLATFORMS[request.platform]
    abi = "cp" + request.python.replace(".", "")
    command = [
        *pip, "download", "--progress-bar", "off",
        "--only-binary", ":all:",
        "--python-version", request.python,
        "--implementation", "cp",
        "--abi", abi, "--abi", "abi3", "--abi", "none",
        *platform_options(arch),
        "--find-links", str(house),
        "--dest", str(house),
        "-r", "requirements.txt",
        *request.extra,
    ]  # fmt: skip
    log(f"Downloading wheels for Python {request.python} ({request.platform}).")
    _run_pip(command, source, log, cancellation, request)
    hashes = []
    lock_lines = ["# The exact files in this folder; pip installs them with --require-hashes."]
    for wheel in sorted(house.glob("*.whl")):
        match = WHEEL_NAME.match(wheel.name)
        if not match:
            continue
        digest = _sha256(wheel)
        hashes.append({"file": wheel.name, "sha256": digest})
        name = match.group("name").replace("_", "-")
        lock_lines.append(f"{name}=={match.group('version')} --hash=sha256:{digest}")
    log(f"{len(hashes)} wheels, hashes recorded.")
    return house, ("\n".join(lock_lines) + "\n").encode(), hashes


def _run_pip(
    command: list[str],
    cwd: Path,
    log: Callable[[str], None],
    cancellation: Cancellation,
    request: WheelhouseRequest,
) -> None:
    env = {**os.environ, "PIP_NO_COLOR": "1"}
    process = subprocess.Popen(  # noqa: S603 - an argument list, no shell
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        errors="replace",
    )
    tail: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if cancellation.cancelled:
                process.terminate()
                break
            line = line.rstrip()
            if line:
                tail = [*tail, line][-6:]
                log(line)
        code = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    cancellation.check()
    if code != 0:
        errors = [line for line in tail if "ERROR" in line]
        reason = errors[-1] if errors else (tail[-1] if tail else "")
        raise WheelhouseFailed(
            f"pip could not get every wheel for Python {request.python} "
            f"({request.platform}): {reason}",
            "A package may have no binary wheel for that Python and platform: build "
            "without the offline wheelhouse, or pin a version that has wheels.",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def wheelhouse_entries(house: Path, lock: bytes) -> dict[str, Any]:
    """The bundle entries of a downloaded wheelhouse: the folder, its lock and its wheels."""
    entries: dict[str, Any] = {WHEELHOUSE_DIR: None, f"{WHEELHOUSE_DIR}/{LOCK_NAME}": lock}
    for wheel in sorted(house.glob("*.whl")):
        entries[f"{WHEELHOUSE_DIR}/{wheel.name}"] = workspace_file(str(wheel), wheel.name)
    return entries

"""The offline wheelhouse: every wheel of the requirements, for the image's platform.

The host's pip (this server's Python, its index configuration) downloads binary wheels for
the image's Python version and platform; ``requirements.lock`` then pins each file by name,
version and sha256, and the generated Dockerfile installs with ``--no-index
--require-hashes`` from it: the build needs no network and installs exactly these files.
pip runs as a subprocess with an argument list; no text from the request reaches a shell.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import parse_wheel_filename

from .bundle import BundleAssembly, iter_source
from .cancellation import Cancellation
from .errors import BadRequest, DockerizeError
from .pip_runner import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    IndexConfig,
    PipFailure,
    effective_index_config,
    pip_command,
    platform_options,
    python_error,
    read_failure,
    run_pip,
    short,
    target_options,
    target_tags,
    unreachable,
    versions_shown,
)
from .requirements_policy import (
    PIN,
    VCS,
    VENDORED,
    WHEEL,
    Requirement,
    RequirementRefused,
    RequirementsPolicy,
    parse_requirement,
    parse_requirements_text,
)
from .workspace import WorkspaceFile, workspace_file

__all__ = ["platform_options"]

WHEELHOUSE_DIR = "wheelhouse"
LOCK_NAME = "requirements.lock"


class WheelhouseFailed(DockerizeError):
    status = 422
    default_code = "wheelhouse_failed"


@dataclass(frozen=True)
class WheelhouseRequest:
    python: str  # the image's full version X.Y.Z
    platform: str  # linux/amd64 or linux/arm64
    requirements: str  # the bundle path of the requirements file
    extra: tuple[str, ...]  # name==version lines the Dockerfile installs besides it


def parse_wheelhouse_request(raw: Any, files: dict[str, bytes]) -> WheelhouseRequest | None:
    if raw is None or raw is False:
        return None
    hint = (
        'Send "wheelhouse": {"python": "3.11.7", "platform": "linux/amd64", '
        '"requirements": "requirements.txt", "extra": ["jupyterlab==4.6.6"]}.'
    )
    if not isinstance(raw, dict):
        raise BadRequest("'wheelhouse' must be an object or null.", hint)
    python, platform = raw.get("python"), raw.get("platform", DEFAULT_PLATFORM)
    requirements, extra = raw.get("requirements", "requirements.txt"), raw.get("extra") or []
    problem = python_error(python, "wheelhouse.python")
    if problem:
        raise BadRequest(problem, hint)
    if platform not in PLATFORMS:
        raise BadRequest(
            f"wheelhouse.platform must be one of {', '.join(sorted(PLATFORMS))}.", hint
        )
    if requirements not in files:
        raise BadRequest("wheelhouse.requirements must name a file of the bundle.", hint)
    if not isinstance(extra, list) or not all(_is_pin(line) for line in extra):
        raise BadRequest("wheelhouse.extra must be a list of name==version pins.", hint)
    return WheelhouseRequest(python, platform, requirements, tuple(extra))


def _is_pin(line: object) -> bool:
    if not isinstance(line, str):
        return False
    try:
        return parse_requirement(line, RequirementsPolicy()).kind == PIN
    except RequirementRefused:
        return False


def read_requirements(
    request: WheelhouseRequest, files: dict[str, bytes], policy: RequirementsPolicy
) -> list[Requirement]:
    """The requirements file of the bundle, parsed by the policy (400 for any bad line)."""
    try:
        text = files[request.requirements].decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(
            f"{request.requirements} is not UTF-8 text.",
            "Send requirements.txt as plain ASCII text.",
            code="requirement_refused",
        ) from None
    found = parse_requirements_text(text, policy, request.requirements)
    for line in request.extra:
        found.append(parse_requirement(line, policy))
    return found


def download_wheelhouse(
    request: WheelhouseRequest,
    files: dict[str, bytes],
    work_dir: Path,
    log: Callable[[str], None],
    cancellation: Cancellation,
    *,
    assembly: BundleAssembly | None = None,
    policy: RequirementsPolicy | None = None,
    index: IndexConfig | None = None,
) -> tuple[Path, bytes, list[dict[str, str]]]:
    """Downloads into ``work_dir/wheelhouse``; returns it, the lock file and the hashes.

    Only lines the policy accepts reach pip, each as one argument. Bundle-local wheels
    (``./wheels/x.whl`` that ``assembly`` includes) are copied in after a tag check;
    vendored projects (``./vendor/x``) and VCS lines pinned to a commit are built into
    wheels here (``pip wheel --no-deps``) where the policy allows it; then ``pip download``
    resolves every pin, and every dependency, for the image's Python and platform.
    """
    policy = policy or RequirementsPolicy()
    index = index or effective_index_config()
    requirements = read_requirements(request, files, policy)
    source = work_dir / "source"
    house = work_dir / WHEELHOUSE_DIR
    source.mkdir(parents=True)
    house.mkdir()
    fit = target_tags(request.python, request.platform)
    local: list[str] = []
    for requirement in requirements:
        if requirement.kind == WHEEL:
            local.append(_copy_bundle_wheel(requirement, assembly, house, fit, request))
    vendored = [r for r in requirements if r.kind == VENDORED]
    if vendored:
        local += _build_vendored(vendored, assembly, source, house, fit, request, log,
                                 cancellation, policy, index)  # fmt: skip
    vcs = [r for r in requirements if r.kind == VCS]
    if vcs:
        log(f"Building {len(vcs)} wheel(s) from version control on this machine.")
        built = _pip_wheel([r.line for r in vcs], source, house, log, cancellation, request, index)
        local += _check_built(built, fit, request, "version control")
    pins = [r.line for r in requirements if r.kind == PIN]
    command = pip_command(
        "download", "--progress-bar", "off",
        "--only-binary", ":all:",
        *target_options(request.python, request.platform),
        *index.options(),
        "--find-links", str(house),
        "--dest", str(house),
        *pins, *local,
    )  # fmt: skip
    log(f"Downloading wheels for Python {request.python} ({request.platform}).")
    result = run_pip(command, source, cancellation=cancellation, log=log)
    cancellation.check()
    if result.code != 0:
        raise _failure(read_failure(result.lines, result.network), request, index)
    hashes = []
    lock_lines = ["# The exact files in this folder; pip installs them with --require-hashes."]
    for wheel in sorted(house.glob("*.whl")):
        try:
            name, version, _, _ = parse_wheel_filename(wheel.name)
        except ValueError:
            continue
        digest = _sha256(wheel)
        hashes.append({"file": wheel.name, "sha256": digest})
        lock_lines.append(f"{name}=={version} --hash=sha256:{digest}")
    log(f"{len(hashes)} wheels, hashes recorded.")
    return house, ("\n".join(lock_lines) + "\n").encode(), hashes


def _bundle_entries(assembly: BundleAssembly | None) -> dict[str, Any]:
    return {} if assembly is None else {entry.path: entry.source for entry in assembly.entries}


def _copy_bundle_wheel(
    requirement: Requirement,
    assembly: BundleAssembly | None,
    house: Path,
    fit: frozenset[str],
    request: WheelhouseRequest,
) -> str:
    path = requirement.bundle_path or ""
    source = _bundle_entries(assembly).get(path)
    if not isinstance(source, WorkspaceFile):
        raise WheelhouseFailed(
            f"'{requirement.line}' names a wheel the bundle does not include.",
            "Include the wheel file from the Jupyter folder in the bundle, or untick it.",
        )
    filename = path.rsplit("/", 1)[1]
    _check_tags(filename, fit, request, "The bundled wheel")
    entry = next(e for e in assembly.entries if e.path == path)  # type: ignore[union-attr]
    with (house / filename).open("wb") as handle:
        for chunk in iter_source(entry):
            handle.write(chunk)
    return f"{requirement.name}=={requirement.version}"


def _check_tags(filename: str, fit: frozenset[str], request: WheelhouseRequest, what: str) -> None:
    _, _, _, tags = parse_wheel_filename(filename)
    if not any(str(tag) in fit for tag in tags):
        raise WheelhouseFailed(
            f"{what} {filename} does not fit CPython {request.python} on {request.platform}.",
            "Use a wheel built for that Python and platform (or a pure-Python "
            "py3-none-any wheel), or build without the offline wheelhouse.",
        )


def _build_vendored(
    vendored: list[Requirement],
    assembly: BundleAssembly | None,
    source: Path,
    house: Path,
    fit: frozenset[str],
    request: WheelhouseRequest,
    log: Callable[[str], None],
    cancellation: Cancellation,
    policy: RequirementsPolicy,
    index: IndexConfig,
) -> list[str]:
    """Copies each vendored project as the bundle holds it, then builds it into a wheel.

    The copy holds exactly the bundle's files (already checked to lie inside the root; no
    symlinks, no hidden files), so the wheel is built from what the image would get.
    """
    if not policy.vendored_builds:
        raise WheelhouseFailed(
            f"The offline wheelhouse would build the vendored project "
            f"'{vendored[0].line}' on this server, and this server does not build vendored "
            "projects (c.Dockerize.vendored_builds = False).",
            "Build without the offline wheelhouse (the image builds it from the bundle), or "
            "ask the administrator to allow vendored builds.",
        )
    entries = _bundle_entries(assembly)
    folders = []
    for requirement in vendored:
        prefix = f"{requirement.bundle_path}"
        if prefix not in entries or entries[prefix] is not None:
            raise WheelhouseFailed(
                f"'{requirement.line}' names a project folder the bundle does not include.",
                "Vendor the project (include its folder from the Jupyter root), or untick it.",
            )
        target = source / "vendor" / requirement.name
        target.mkdir(parents=True)
        for entry in assembly.entries:  # type: ignore[union-attr]
            if not entry.path.startswith(prefix + "/"):
                continue
            destination = target / entry.path[len(prefix) + 1 :]
            if entry.is_dir:
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("wb") as handle:
                for chunk in iter_source(entry):
                    handle.write(chunk)
        folders.append(str(target))
    log(f"Building {len(folders)} vendored project(s) into wheels on this machine.")
    built = _pip_wheel(folders, source, house, log, cancellation, request, index)
    return _check_built(built, fit, request, "a vendored project")


def _pip_wheel(
    targets: list[str],
    cwd: Path,
    house: Path,
    log: Callable[[str], None],
    cancellation: Cancellation,
    request: WheelhouseRequest,
    index: IndexConfig,
) -> list[str]:
    """``pip wheel --no-deps`` of parsed lines or copied folders; the new wheel files."""
    before = {path.name for path in house.glob("*.whl")}
    out = cwd / "built"
    out.mkdir(exist_ok=True)
    command = pip_command(
        "wheel", "--no-deps", "--progress-bar", "off", *index.options(), "-w", str(out), *targets
    )
    result = run_pip(command, cwd, cancellation=cancellation, log=log)
    cancellation.check()
    if result.code != 0:
        failure = read_failure(result.lines, result.network)
        if failure.kind == "network":
            raise unreachable(index, failure)
        raise WheelhouseFailed(
            f"A wheel could not be built on this server: {short(failure.detail)}",
            "See the build log; check that the project builds with 'pip wheel', or untick it.",
        )
    new = []
    for wheel in sorted(out.glob("*.whl")):
        if wheel.name not in before:
            shutil.move(str(wheel), house / wheel.name)
            new.append(wheel.name)
    return new


def _check_built(
    built: list[str], fit: frozenset[str], request: WheelhouseRequest, what: str
) -> list[str]:
    pins = []
    for filename in built:
        _check_tags(filename, fit, request, f"The wheel built from {what},")
        name, version, _, _ = parse_wheel_filename(filename)
        pins.append(f"{name}=={version}")
    return pins


def _failure(failure: PipFailure, request: WheelhouseRequest, index: IndexConfig) -> DockerizeError:
    target = f"CPython {request.python} on {request.platform}"
    if failure.kind == "network":
        return unreachable(index, failure)
    if failure.kind == "python":
        return WheelhouseFailed(
            f"{failure.requirement} supports Python {failure.python_spec}, and the image's "
            f"Python is {request.python}.",
            f"Choose a base image whose Python fits, or pick a version of {failure.name} "
            f"that supports Python {request.python}.",
            code="python_mismatch",
        )
    if failure.kind == "not-found":
        pulled = f" (needed by {failure.parent})" if failure.parent else ""
        return WheelhouseFailed(
            f"The configured index ({index.describe()}) has no wheel of "
            f"{failure.requirement}{pulled} for {target}; wheel versions there: "
            f"{versions_shown(failure.versions)}.",
            "Run the pre-flight check to see which packages have wheels; untick that one, "
            "pin a version that has wheels, or build without the offline wheelhouse.",
        )
    if failure.kind == "conflict":
        causes = "; ".join(failure.causes) or ", ".join(failure.conflicting)
        return WheelhouseFailed(
            f"pip cannot install these versions together for {target}: {short(causes)}",
            "Untick or re-pin one of the conflicting packages (the pre-flight check names them).",
            code="requirements_conflict",
        )
    return WheelhouseFailed(
        f"pip could not get every wheel for {target}: {short(failure.detail)}",
        "See the build log for pip's full output.",
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

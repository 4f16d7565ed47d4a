"""The pre-flight: will each selected requirement install in the image?

Every requirement is checked for the image's full Python version and platform with pip's
own resolver on this machine (``pip install --dry-run --report``), binary-only, against
the index the administrator configured, before any download or build:

1. the policy parses each line (a refused line says why and what to do);
2. one ``--no-deps`` dry run of every pinned line not in the cache; when it fails, pip
   names the first line it cannot satisfy: that one is classified (a Python mismatch,
   only an sdist, no such release) and dropped, and the run repeats (bounded);
3. one full resolution of the lines that passed, with their dependencies: a conflict
   marks the lines pip names, and the dependencies are listed; the whole resolution
   (name, version, the file's http(s) URL on the index, sha256) is the ``resolution``
   pylock.toml is made of. A file pip took from a source only this server reaches (a
   find-links folder, a ``file://`` index) is looked up on the http(s) indexes by name and
   sha256; when none has it, it is listed in ``unlocked`` with the reason (no lock then).

Results are cached per (line, Python, platform, binary-only, index) and per resolved set,
in memory and on disk, for ``ttl`` seconds. Nothing is built: pip runs with
``--only-binary=:all:``, and an sdist is only looked up (``pip index versions``). Runs
in a worker thread; pip runs in subprocesses with a timeout and stops on cancellation.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from .cancellation import Cancellation, Cancelled
from .contracts import PreflightEntry, PreflightRequest, preflight_request_from
from .errors import BadRequest, WorkspaceForbidden, WorkspaceNotFound
from .pip_runner import (
    IndexConfig,
    IndexFiles,
    PipFailure,
    ResolvedFile,
    pip_command,
    read_failure,
    resolved_files,
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
    parse_raw_line,
    show_line,
)
from .workspace import resolve_workspace_path

#: Dry runs of step 2 and of step 3 (each drops at least one line).
MAX_ROUNDS = 60
OK, SOURCE_ONLY, UNAVAILABLE, CONFLICT, REFUSED = (
    "ok",
    "source-only",
    "unavailable",
    "conflict",
    "refused",
)


class PreflightCache:
    """Results by key, in memory and as one JSON file a key under ``folder`` (atomic)."""

    def __init__(self, folder: Path | None, ttl: float = 86400.0) -> None:
        self.folder = folder
        self.ttl = ttl
        self._memory: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        now = time.time()
        with self._lock:
            hit = self._memory.get(key)
        if hit is None and self.folder is not None:
            try:
                stored = json.loads((self.folder / f"{key}.json").read_text())
                hit = (float(stored["at"]), stored["value"])
            except (OSError, ValueError, KeyError, TypeError):
                hit = None
            if hit is not None:
                with self._lock:
                    self._memory[key] = hit
        if hit is None or now - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> None:
        at = time.time()
        with self._lock:
            self._memory[key] = (at, value)
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                json.dump({"at": at, "value": value}, handle)
            os.replace(temp, self.folder / f"{key}.json")
        except OSError:
            pass  # the memory cache still holds it


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _result(entry: PreflightEntry, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": entry.name,
        "line": entry.line,
        "status": status,
        "version": fields.get("version"),
        "file": fields.get("file"),
        "reason": fields.get("reason", ""),
        "action": fields.get("action", ""),
    }


class _Run:
    """One pre-flight: the request, the settings, and the pip runs it makes."""

    def __init__(
        self,
        request: PreflightRequest,
        root: str | os.PathLike[str],
        policy: RequirementsPolicy,
        index: IndexConfig,
        cache: PreflightCache | None,
        cancellation: Cancellation,
        timeout: float,
        work: Path,
    ) -> None:
        self.request = request
        self.root = root
        self.policy = policy
        self.index = index
        self.cache = cache or PreflightCache(None)
        self.cancellation = cancellation
        self.timeout = timeout
        self.work = work
        self.target = f"CPython {request.python} on {request.platform}"
        self.environment = [request.python, request.platform, request.binary_only, index.key()]

    # --- pip -----------------------------------------------------------------------------

    def pip(self, *args: str) -> tuple[int, list[str], list[str]]:
        self.cancellation.check()
        result = run_pip(
            pip_command(*args), self.work, cancellation=self.cancellation, timeout=self.timeout
        )
        return result.code, result.lines, result.network

    def dry_run(self, lines: list[str], *, deps: bool) -> tuple[dict[str, Any] | None, PipFailure]:
        report = self.work / "report.json"
        report.unlink(missing_ok=True)
        code, output, network = self.pip(
            "install", "--dry-run", "--ignore-installed", "--progress-bar", "off",
            *([] if deps else ["--no-deps"]),
            "--report", str(report),
            "--only-binary", ":all:",
            *target_options(self.request.python, self.request.platform),
            *self.index.options(),
            *lines,
        )  # fmt: skip
        if code == 0:
            try:
                return json.loads(report.read_text()), PipFailure("none")
            except (OSError, ValueError):
                return None, PipFailure("other", detail="pip wrote no report.")
        failure = read_failure(output, network)
        if failure.kind == "network":
            raise unreachable(self.index, failure)
        return None, failure

    def index_versions(self, name: str, binary: bool) -> list[str]:
        """Versions the index offers for the image (sdists included unless ``binary``)."""
        code, output, network = self.pip(
            "index", "versions", name, "--json",
            *(["--only-binary", ":all:"] if binary else []),
            *target_options(self.request.python, self.request.platform),
            *self.index.options(),
        )  # fmt: skip
        if code != 0:
            failure = read_failure(output, network)
            if failure.kind == "network":
                raise unreachable(self.index, failure)
            return []
        for line in reversed(output):
            if line.startswith("{"):
                try:
                    return list(json.loads(line).get("versions") or [])
                except ValueError:
                    return []
        return []

    # --- step 2: each pinned line alone -----------------------------------------------------

    def check_alone(self, pins: list[tuple[PreflightEntry, Requirement]]) -> dict[str, dict]:
        """Results by rebuilt line, for lines not in the cache."""
        results: dict[str, dict] = {}
        remaining = list(pins)
        for _ in range(MAX_ROUNDS):
            if not remaining:
                break
            report, failure = self.dry_run([req.line for _, req in remaining], deps=False)
            if report is not None:
                found = _installs(report)
                for _entry, req in remaining:
                    item = found.get(req.key)
                    if item is None:
                        results[req.line] = _fields(
                            OK,
                            reason="pip leaves it out for this image (its marker).",
                        )
                    else:
                        results[req.line] = _fields(OK, version=item[0], file=item[1])
                remaining = []
                break
            culprit = self._match(remaining, failure)
            if culprit is None:
                for _entry, req in remaining:
                    results[req.line] = _fields(
                        UNAVAILABLE,
                        reason=f"pip could not check it: {short(failure.detail, 200)}",
                        action="Untick it, or check the server log.",
                    )
                remaining = []
                break
            results[culprit[1].line] = self.classify(culprit[1], failure)
            remaining.remove(culprit)
        for _, req in remaining:  # more failures than rounds: say so, without guessing
            results[req.line] = _fields(
                UNAVAILABLE,
                reason="not checked: too many other requirements failed first.",
                action="Untick the failing ones and run the pre-flight again.",
            )
        for line, fields in results.items():
            self.cache.put(_key("line", line, *self.environment), fields)
        return results

    def _match(
        self, remaining: list[tuple[PreflightEntry, Requirement]], failure: PipFailure
    ) -> tuple[PreflightEntry, Requirement] | None:
        if failure.kind not in ("python", "not-found") or not failure.name:
            return None
        key = canonicalize_name(failure.name)
        return next((pair for pair in remaining if pair[1].key == key), None)

    def classify(self, req: Requirement, failure: PipFailure) -> dict[str, Any]:
        if failure.kind == "python":
            return _fields(
                UNAVAILABLE,
                reason=(
                    f"{req.name} {req.version} supports Python {failure.python_spec}, and the "
                    f"image's Python is {self.request.python}."
                ),
                action=(
                    "Choose a base image whose Python fits, or pick a version of "
                    f"{req.name} that supports Python {self.request.python}."
                ),
            )
        if req.version in self.index_versions(req.name, binary=False):
            if self.request.binary_only:
                return _fields(
                    SOURCE_ONLY,
                    version=req.version,
                    reason=(
                        f"The index has only the source of {req.name} {req.version} for "
                        f"{self.target}: it builds in the image only with a compiler."
                    ),
                    action="Untick it, pick a version with wheels, or use a template with "
                    "build tools.",
                )
            return _fields(
                SOURCE_ONLY,
                version=req.version,
                reason=(
                    f"The index has only the source of {req.name} {req.version}: the image "
                    "builds it with its compiler."
                ),
                action="",
            )
        return _fields(
            UNAVAILABLE,
            reason=(
                f"No release {req.version} of {req.name} for {self.target} in the configured "
                f"index ({self.index.describe()}); versions with wheels: "
                f"{versions_shown(failure.versions)}."
            ),
            action="Untick it, pin a version the index has, or include the wheel file in "
            "the bundle.",
        )

    # --- step 3: all together ---------------------------------------------------------------

    def resolve_together(self, pins: list[Requirement]) -> dict[str, Any]:
        """{"overrides": {line: fields}, "dependencies": [...], "resolution": [...],
        "unlocked": [...]} for the lines that passed."""
        key = _key("set2", sorted(req.line for req in pins), *self.environment)
        cached = self.cache.get(key)
        if cached is not None:
            return {**cached, "cached": True}
        overrides: dict[str, dict] = {}
        remaining = list(pins)
        dependencies: list[dict[str, Any]] = []
        resolved: list[ResolvedFile] = []
        complete = True
        for _ in range(MAX_ROUNDS):
            if not remaining:
                break
            report, failure = self.dry_run([req.line for req in remaining], deps=True)
            if report is not None:
                requested = {canonicalize_name(req.name) for req in remaining}
                for name, (version, file) in sorted(_installs(report).items()):
                    if name not in requested:
                        dependencies.append({"name": name, "version": version, "file": file})
                resolved = resolved_files(report)
                remaining = []
                break
            dropped = self.blame(remaining, failure, overrides)
            if not dropped:
                complete = False
                break
            remaining = [req for req in remaining if req.line not in dropped]
        lockable, final = self.lockable(resolved)
        value = {"overrides": overrides, "dependencies": dependencies, **lockable}
        if complete and not remaining and final:
            self.cache.put(key, value)
        return {**value, "cached": False}

    def lockable(
        self, resolved: list[ResolvedFile]
    ) -> tuple[dict[str, list[dict[str, str]]], bool]:
        """The resolution as a colleague's installer reaches it (``resolution``: name,
        version, http(s) URL on an index, sha256) and what has no such URL (``unlocked``,
        with the reason): a file from a local find-links folder or ``file://`` index is
        looked up on the http(s) indexes by name and sha256 (IndexFiles). False when an
        index page could not be read (not to be cached)."""
        files = IndexFiles(self.index, self.cancellation, timeout=min(self.timeout, 60))
        with ThreadPoolExecutor(max_workers=8) as pool:
            located = list(pool.map(files.locate, resolved))
        resolution, unlocked = [], []
        for item, (found, why) in zip(resolved, located, strict=True):
            if found is not None:
                resolution.append(
                    {"name": found.name, "version": found.version, "url": found.url,
                     "sha256": found.sha256}
                )  # fmt: skip
            else:
                unlocked.append({"name": item.name, "version": item.version, "reason": why})
        self.cancellation.check()
        return {"resolution": resolution, "unlocked": unlocked}, not files.unread

    def blame(
        self, remaining: list[Requirement], failure: PipFailure, overrides: dict[str, dict]
    ) -> set[str]:
        by_key = {req.key: req for req in remaining}
        if failure.kind == "conflict":
            named = [_name_of(text) for text in failure.conflicting]
            involved = [by_key[name] for name in named if name in by_key]
            causes = "; ".join(failure.causes) or ", ".join(failure.conflicting)
            for req in involved:
                others = [o.line for o in involved if o is not req] or ["its dependencies"]
                overrides[req.line] = _fields(
                    CONFLICT,
                    version=req.version,
                    reason=short(
                        f"Alone it installs, but pip cannot install it together with "
                        f"{', '.join(others)}: {causes}",
                        400,
                    ),
                    action="Untick one of them, or re-pin one to a version that fits the other.",
                )
            return {req.line for req in involved}
        if failure.kind in ("python", "not-found") and failure.parent:
            parent = by_key.get(_name_of(failure.parent))
            if parent is None:
                return set()
            if failure.kind == "python":
                reason = (
                    f"Its dependency {failure.requirement} supports Python "
                    f"{failure.python_spec}, and the image's Python is {self.request.python}."
                )
                status = UNAVAILABLE
            elif self.index_versions(failure.name, binary=False):
                reason = (
                    f"Its dependency {failure.requirement} has no wheel for {self.target}: "
                    "only its source, which builds in the image only with a compiler."
                )
                status = SOURCE_ONLY
            else:
                reason = (
                    f"Its dependency {failure.requirement} has no release for "
                    f"{self.target} in the configured index."
                )
                status = UNAVAILABLE
            overrides[parent.line] = _fields(
                status,
                version=parent.version,
                reason=reason,
                action="Untick it, or pick a version whose dependencies install.",
            )
            return {parent.line}
        return set()

    # --- other kinds ------------------------------------------------------------------------

    def local_wheel(self, entry: PreflightEntry, req: Requirement) -> dict[str, Any]:
        filename = (req.bundle_path or "").rsplit("/", 1)[-1]
        action = "Copy the wheel into the Jupyter folder, capture again, and include it."
        if not entry.workspace_path:
            return _result(
                entry, UNAVAILABLE, reason="The wheel file is not in the bundle.", action=action
            )
        try:
            real = resolve_workspace_path(self.root, entry.workspace_path)
        except (BadRequest, WorkspaceForbidden, WorkspaceNotFound) as error:
            return _result(entry, UNAVAILABLE, reason=error.message, action=action)
        if not real.is_file() or real.name != filename:
            return _result(
                entry,
                UNAVAILABLE,
                reason=f"'{show_line(entry.workspace_path)}' is not the file {filename}.",
                action=action,
            )
        _, _, _, tags = parse_wheel_filename(filename)
        if not any(str(tag) in target_tags(self.request.python, self.request.platform)
                   for tag in tags):  # fmt: skip
            return _result(
                entry,
                UNAVAILABLE,
                version=req.version,
                file=filename,
                reason=f"The wheel {filename} is built for another Python or platform than "
                f"{self.target}.",
                action="Untick it, or build the wheel for the image's Python and platform.",
            )
        return _result(
            entry,
            OK,
            version=req.version,
            file=filename,
            reason=f"Travels in the bundle as {req.bundle_path} and installs offline.",
        )

    def vendored(self, entry: PreflightEntry, req: Requirement) -> dict[str, Any]:
        action = "Vendor the project from a folder inside the Jupyter root, or untick it."
        if not entry.workspace_path:
            return _result(
                entry, UNAVAILABLE, reason="The project folder is not in the bundle.",
                action=action,
            )  # fmt: skip
        try:
            real = resolve_workspace_path(self.root, entry.workspace_path)
        except (BadRequest, WorkspaceForbidden, WorkspaceNotFound) as error:
            return _result(entry, UNAVAILABLE, reason=error.message, action=action)
        markers = ("pyproject.toml", "setup.py", "setup.cfg")
        if not real.is_dir() or not any((real / name).is_file() for name in markers):
            return _result(
                entry,
                UNAVAILABLE,
                reason=f"'{show_line(entry.workspace_path)}' is not a Python project folder "
                "(no pyproject.toml or setup.py).",
                action=action,
            )
        where = (
            "built into a wheel on this server for the offline wheelhouse, or in the image"
            if self.policy.vendored_builds
            else "built in the image (this server does not build vendored projects)"
        )
        return _result(entry, OK, reason=f"Copied into the bundle as {req.bundle_path}; {where}.")

    def vcs(self, entry: PreflightEntry, req: Requirement) -> dict[str, Any]:
        short_commit = (req.commit or "")[:12]
        if req.local_repository is not None:
            try:
                git = [
                    "git", "-c", "core.fsmonitor=false", "-C", req.local_repository,
                    "cat-file", "-e", f"{req.commit}^{{commit}}",
                ]  # fmt: skip
                done = subprocess.run(  # noqa: S603 - an argument list, hex commit checked
                    git, capture_output=True, timeout=30, check=False, stdin=subprocess.DEVNULL
                )
                found = done.returncode == 0
            except (OSError, subprocess.SubprocessError):
                found = False
            if not found:
                return _result(
                    entry,
                    UNAVAILABLE,
                    reason=f"The repository has no commit {short_commit}.",
                    action="Commit the project's state, reinstall it, and capture again.",
                )
        return _result(
            entry,
            OK,
            reason=f"Built into a wheel on this server from commit {short_commit} "
            "(the server's policy allows commits pinned in full).",
        )


def _fields(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "status": status,
        "version": fields.get("version"),
        "file": fields.get("file"),
        "reason": fields.get("reason", ""),
        "action": fields.get("action", ""),
    }


def _installs(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    found = {}
    for item in report.get("install") or []:
        metadata = item.get("metadata") or {}
        url = (item.get("download_info") or {}).get("url") or ""
        name = canonicalize_name(str(metadata.get("name", "")))
        found[name] = (str(metadata.get("version", "")), url.rsplit("/", 1)[-1])
    return found


def _name_of(requirement: str) -> str:
    text = requirement.strip()
    for stop in "=<>!~;[ @(":
        text = text.split(stop, 1)[0]
    return canonicalize_name(text)


def run_preflight(
    request: PreflightRequest | dict[str, Any],
    *,
    root: str | os.PathLike[str],
    policy: RequirementsPolicy | None = None,
    index: IndexConfig,
    cache: PreflightCache | None = None,
    cancellation: Cancellation | None = None,
    timeout: float = 300.0,
    work_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The pre-flight response for ``request`` (a parsed request or a request body).

    Blocking: call it in a worker thread. Raises IndexUnreachable when pip cannot reach
    the index at all, BadRequest for a bad request, Cancelled when cancelled.
    """
    started = time.monotonic()
    if isinstance(request, dict):
        request = preflight_request_from(request)
    policy = policy or RequirementsPolicy(root=str(root))
    cancellation = cancellation or Cancellation()
    with tempfile.TemporaryDirectory(prefix="preflight-", dir=work_dir) as temp:
        run = _Run(request, root, policy, index, cache, cancellation, timeout, Path(temp))
        return _preflight(run, started)


def _preflight(run: _Run, started: float) -> dict[str, Any]:
    request = run.request
    results: list[dict[str, Any] | None] = [None] * len(request.entries)
    pins: dict[int, Requirement] = {}
    first_pin: dict[str, Requirement] = {}
    for position, entry in enumerate(request.entries):
        try:
            req = parse_raw_line(entry.line, run.policy)
            if req is None:
                raise RequirementRefused("the line holds no requirement.", "Untick it.")
        except RequirementRefused as refused:
            results[position] = _result(
                entry, REFUSED, reason=f"The server refuses this line: {refused.reason}",
                action=refused.action,
            )  # fmt: skip
            continue
        if req.kind == PIN:
            first = first_pin.setdefault(req.key, req)
            if first.line != req.line:
                results[position] = _result(
                    entry, CONFLICT, version=req.version,
                    reason=f"Another line pins {first.line}; one image holds one version.",
                    action="Untick one of the two.",
                )  # fmt: skip
                continue
            pins[position] = req
        elif req.kind == WHEEL:
            results[position] = run.local_wheel(entry, req)
        elif req.kind == VENDORED:
            results[position] = run.vendored(entry, req)
        elif req.kind == VCS:
            results[position] = run.vcs(entry, req)
    cached = 0
    alone: dict[str, dict] = {}
    unchecked: list[tuple[PreflightEntry, Requirement]] = []
    seen: set[str] = set()
    for position, req in pins.items():
        hit = run.cache.get(_key("line", req.line, *run.environment))
        if hit is not None:
            alone[req.line] = hit
            cached += 1
        elif req.line not in seen:
            seen.add(req.line)
            unchecked.append((request.entries[position], req))
    if unchecked:
        alone.update(run.check_alone(unchecked))
    passed = {req.line: req for req in pins.values() if alone[req.line]["status"] == OK}
    together = run.resolve_together(list(passed.values())) if passed else {
        "overrides": {}, "dependencies": [], "resolution": [], "unlocked": [], "cached": True,
    }  # fmt: skip
    for position, req in pins.items():
        fields = together["overrides"].get(req.line) or alone[req.line]
        entry = request.entries[position]
        results[position] = {"name": entry.name, "line": entry.line, **fields}
    return {
        "python": request.python,
        "platform": request.platform,
        "packages": results,
        "dependencies": together["dependencies"],
        # The full resolution for this Python and platform, for pylock.toml.
        "resolution": together["resolution"],
        "unlocked": together["unlocked"],
        "cached": cached,
        "elapsedMs": int((time.monotonic() - started) * 1000),
    }


__all__ = [
    "CONFLICT",
    "OK",
    "REFUSED",
    "SOURCE_ONLY",
    "UNAVAILABLE",
    "Cancelled",
    "PreflightCache",
    "PreflightEntry",
    "PreflightRequest",
    "run_preflight",
]

"""One contract per route: the typed request body, and its parser right beside it.

Each ``parse_<route>_request(body, limits)`` reads a raw body (size limit, JSON, no key twice),
checks its shape with the route's JSON Schema (``schemas.BY_ROUTE``, pinned for the panel by
``src/core/__tests__/fixtures/request-schemas.json``), then its values, and returns a frozen
dataclass; every error is a 400/413 whose hint shows that route's own example. Handlers call
these in a worker thread (a body may be megabytes) and hand the result to the domain: the
build service, the bundle assembly and the pre-flight never see bytes.

The TypeScript types of the same bodies live in ``src/core/contract/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import schemas
from .bundle import BundleLimits, BundleSpec, bundle_spec_from
from .errors import BadRequest, PayloadTooLarge
from .image_reference import (
    InvalidImageReference,
    familiar_name,
    parse_normalized_image_reference,
)
from .pip_runner import DEFAULT_PLATFORM, PLATFORMS, python_error
from .push import PushTarget, parse_push_target
from .wheelhouse import WheelhouseRequest, parse_wheelhouse_request
from .workspace import has_control_character, show

# --- POST bundle -------------------------------------------------------------------------

BUNDLE_EXAMPLE = '{"name": ..., "files": {...}, "include": [...]}'


@dataclass(frozen=True)
class BundleRequest:
    """The files of a bundle (generated texts, workspace paths) and its optional wheelhouse."""

    spec: BundleSpec
    wheelhouse: WheelhouseRequest | None


def parse_bundle_request(body: bytes, limits: BundleLimits) -> BundleRequest:
    data = load_request_object(body, limits, schemas.BY_ROUTE["bundle"], BUNDLE_EXAMPLE)
    return _bundle_request_from(data)


def _bundle_request_from(data: dict[str, Any]) -> BundleRequest:
    spec = bundle_spec_from(data)
    return BundleRequest(spec, parse_wheelhouse_request(data.get("wheelhouse"), spec.files))


# --- POST builds -------------------------------------------------------------------------

BUILD_EXAMPLE = '{"files": {...}, "include": [...], "image": "user/name:tag"}'


@dataclass(frozen=True)
class BuildRequest(BundleRequest):
    """A bundle request plus the image to build it into, for one platform or several.

    ``platforms`` (linux/amd64, linux/arm64; one or both, each once) are the images to
    build under the one tag; None builds for the engine's own platform. The older single
    ``platform`` is still taken, as a list of one.
    """

    #: The tag to build, familiar form (``jane/analysis:1.0``; ``:latest`` when none given).
    image: str
    #: Workspace path of the notebook the bundle packages ('' when not said).
    notebook: str = ""
    platforms: tuple[str, ...] | None = None

    @property
    def platform(self) -> str | None:
        """The one platform asked for (None: the engine's own, or several)."""
        return self.platforms[0] if self.platforms and len(self.platforms) == 1 else None


def parse_build_request(body: bytes, limits: BundleLimits) -> BuildRequest:
    data = load_request_object(body, limits, schemas.BY_ROUTE["builds"], BUILD_EXAMPLE)
    image = _build_image(data.get("image"))
    spec = bundle_spec_from(data)
    if "Dockerfile" not in spec.files:
        raise BadRequest(
            "The bundle has no Dockerfile.", "Send the generated (or edited) Dockerfile in 'files'."
        )
    notebook = data.get("notebook") or ""
    if not isinstance(notebook, str) or len(notebook) > 4096 or has_control_character(notebook):
        raise BadRequest("'notebook' must be the workspace path of the packaged notebook.")
    return BuildRequest(
        spec=spec,
        wheelhouse=parse_wheelhouse_request(data.get("wheelhouse"), spec.files),
        image=image,
        notebook=notebook,
        platforms=_build_platforms(data.get("platform"), data.get("platforms")),
    )


def _build_platforms(platform: Any, platforms: Any) -> tuple[str, ...] | None:
    """``platforms`` (one or two known platforms, each once), or the older ``platform`` as a list of
    one; None when neither is sent (the engine's own platform)."""
    if platform is not None and platform not in PLATFORMS:
        raise BadRequest(f"'platform' must be {', '.join(PLATFORMS)} or null.")
    if platforms is None:
        return None if platform is None else (platform,)
    hint = 'Send "platforms": ["linux/amd64", "linux/arm64"] (one or both).'
    if platform is not None:
        raise BadRequest("Send 'platforms' or the older 'platform', not both.", hint)
    if not 1 <= len(platforms) <= len(PLATFORMS):
        raise BadRequest(f"'platforms' must name 1 to {len(PLATFORMS)} platforms.", hint)
    unknown = [name for name in platforms if name not in PLATFORMS]
    if unknown:
        raise BadRequest(
            f"'platforms' may name only {', '.join(PLATFORMS)} (not {show(unknown[0], 40)}).",
            hint,
        )
    if len(set(platforms)) != len(platforms):
        raise BadRequest("'platforms' names a platform twice.", hint)
    return tuple(platforms)


def _build_image(image: Any) -> str:
    try:
        reference = parse_normalized_image_reference(image)
    except InvalidImageReference as error:
        raise BadRequest(
            f"'image' is not a valid image reference: {error.message}.",
            "Name the image like jane/analysis:1.0 (lowercase, a tag after ':').",
            code="invalid_image_reference",
        ) from None
    if reference.digest is not None:
        raise BadRequest(
            "'image' cannot name a digest: a build makes a new one.",
            "Give a tag instead, such as jane/analysis:1.0.",
            code="invalid_image_reference",
        )
    return familiar_name(reference) + (":latest" if reference.latest_implied else "")


# --- POST builds/{id}/push ---------------------------------------------------------------

PUSH_EXAMPLE = '{"target": "user/name:tag", "auth": {"username", "token"}}'
#: Longest user name or token taken.
MAX_SECRET = 4096


@dataclass(frozen=True)
class PushRequest:
    """Where to push, and with which credentials.

    ``auth`` is the engine's auth config made of the user name and token sent for this one
    push (None: the user's Docker config and credential helpers). It lives in memory only;
    the build service clears it when the push ends, and it never shows in a repr.
    """

    target: PushTarget
    auth: dict[str, str] | None = field(default=None, repr=False)


def parse_push_request(body: bytes, limits: BundleLimits) -> PushRequest:
    data = load_request_object(body, limits, schemas.BY_ROUTE["push"], PUSH_EXAMPLE)
    target = parse_push_target(data.get("target"))
    auth = data.get("auth")
    if auth is None:
        return PushRequest(target)
    hint = 'Send "auth": {"username": "...", "token": "..."}, or null to use your docker login.'
    if not isinstance(auth, dict):
        raise BadRequest("'auth' must be an object or null.", hint)
    username, token = auth.get("username"), auth.get("token")
    for name, value in (("username", username), ("token", token)):
        if not isinstance(value, str) or not value or len(value) > MAX_SECRET:
            raise BadRequest(f"auth.{name} must be a non-empty string.", hint)
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise BadRequest(f"auth.{name} contains a control character.", hint)
    return PushRequest(
        target, {"username": username, "password": token, "serveraddress": target.registry}
    )


# --- POST builds/{id}/verify -------------------------------------------------------------

VERIFY_EXAMPLE = (
    '{"notebooks": true, "cellTimeout": 120, "notebookTimeout": 600, "dataDir": "folder"}'
)
#: The longest time limit a verify request may set, in seconds (a day).
MAX_VERIFY_TIMEOUT = 86400


@dataclass(frozen=True)
class VerifyRequest:
    """What Verify does besides its package and Jupyter checks (every field optional).

    ``notebooks``: re-execute the bundled notebooks in the image (False: the checks only).
    The time limits are seconds, None for the server's settings (c.Dockerize
    verify_cell_timeout and verify_notebook_timeout). ``data_dir`` is a workspace folder
    bound read-only at /data while the notebooks run (None: the image's own /data).
    """

    notebooks: bool = True
    cell_timeout: float | None = None
    notebook_timeout: float | None = None
    data_dir: str | None = None


def parse_verify_request(body: bytes, limits: BundleLimits) -> VerifyRequest:
    data = load_request_object(body or b"{}", limits, schemas.BY_ROUTE["verify"], VERIFY_EXAMPLE)
    timeouts = {}
    for name in ("cellTimeout", "notebookTimeout"):
        value = data.get(name)
        if value is not None and not 1 <= value <= MAX_VERIFY_TIMEOUT:
            raise BadRequest(
                f"'{name}' must be between 1 and {MAX_VERIFY_TIMEOUT} seconds.",
                f"Send {VERIFY_EXAMPLE}.",
            )
        timeouts[name] = None if value is None else float(value)
    data_dir = data.get("dataDir") or None
    if data_dir is not None and (len(data_dir) > 4096 or has_control_character(data_dir)):
        raise BadRequest("'dataDir' must be the workspace path of a folder.")
    return VerifyRequest(
        notebooks=data.get("notebooks", True) is not False,
        cell_timeout=timeouts["cellTimeout"],
        notebook_timeout=timeouts["notebookTimeout"],
        data_dir=data_dir,
    )


# --- POST builds/{id}/run ----------------------------------------------------------------

RUN_EXAMPLE = '{"notebooksDir": "folder", "dataDir": "folder"}'


@dataclass(frozen=True)
class RunRequest:
    """Workspace folders to mount at /notebooks and /data (None or '': not mounted)."""

    notebooks_dir: str | None = None
    data_dir: str | None = None


def parse_run_request(body: bytes, limits: BundleLimits) -> RunRequest:
    data = load_request_object(body or b"{}", limits, schemas.BY_ROUTE["run"], RUN_EXAMPLE)
    return RunRequest(data.get("notebooksDir") or None, data.get("dataDir") or None)


# --- POST preflight ----------------------------------------------------------------------

PREFLIGHT_EXAMPLE = (
    '{"python": "3.11.7", "platform": "linux/amd64", "binaryOnly": true, '
    '"requirements": [{"name": "pandas", "line": "pandas==2.2.3"}]}'
)
MAX_REQUIREMENTS = 2000


@dataclass(frozen=True)
class PreflightEntry:
    name: str
    line: str
    workspace_path: str | None = None


@dataclass(frozen=True)
class PreflightRequest:
    """The requirements to check, for the image's full Python version and platform."""

    python: str
    platform: str
    binary_only: bool
    entries: tuple[PreflightEntry, ...]


def parse_preflight_request(body: bytes, limits: BundleLimits) -> PreflightRequest:
    data = load_request_object(body, limits, schemas.BY_ROUTE["preflight"], PREFLIGHT_EXAMPLE)
    return preflight_request_from(data)


def preflight_request_from(data: dict[str, Any]) -> PreflightRequest:
    """The request from a body of the right shape (schemas.PREFLIGHT); 400 for bad values."""
    hint = f"Send {PREFLIGHT_EXAMPLE}."
    problem = python_error(data.get("python"), "python")
    if problem:
        raise BadRequest(problem, hint)
    platform = data.get("platform", DEFAULT_PLATFORM)
    if platform not in PLATFORMS:
        raise BadRequest(f"platform must be one of {', '.join(sorted(PLATFORMS))}.", hint)
    raw = data.get("requirements") or []
    if len(raw) > MAX_REQUIREMENTS:
        raise BadRequest(
            f"The pre-flight takes at most {MAX_REQUIREMENTS} requirements, not {len(raw)}.",
            "Check the image's requirements in parts.",
        )
    entries = tuple(
        PreflightEntry(item["name"], item["line"], item.get("workspacePath")) for item in raw
    )
    return PreflightRequest(data["python"], platform, bool(data.get("binaryOnly", True)), entries)


# --- every route -------------------------------------------------------------------------


def load_request_object(
    body: bytes, limits: BundleLimits, schema: dict[str, Any], example: str
) -> dict[str, Any]:
    """A JSON object body within the size limit, with no key twice, of the schema's shape;
    400/413 otherwise, with ``example`` (the caller's route's) in every hint."""
    if len(body) > limits.max_request_bytes:
        raise PayloadTooLarge(
            f"The request is {len(body)} bytes, over the limit of {limits.max_request_bytes}.",
            "Include big files from the workspace ('include') instead of sending them as text, "
            "or raise c.Dockerize.bundle_max_request_bytes.",
            code="request_too_large",
        )
    try:
        data = json.loads(body or b"null", object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as duplicate:
        raise BadRequest(
            f"The key '{show(duplicate.key)}' appears twice in an object of the request.",
            f"Send every key once, as in {example}.",
            code="bundle_path_collision",
        ) from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The request body is not valid JSON.", f"Send {example}.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", f"Send {example}.")
    schemas.check_body(data, schema, example)
    return data


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result

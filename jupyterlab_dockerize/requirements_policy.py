"""The server's requirements policy: only lines it parsed itself ever reach pip.

A request's requirements text is never handed to pip. Every line is parsed against a
strict grammar and rebuilt from its parts; pip gets the rebuilt line as one argument.
Accepted, and nothing else:

- ``name==version`` (PEP 508 name, optional extras, a PEP 440 version, an optional
  environment marker): installed from the index the administrator configured;
- ``name @ git+https://host/path@<commit>`` (also ``git+http://`` — the full commit
  pins the content —, ``git+ssh://``, and ``git+file:///`` for a repository inside the
  Jupyter root), pinned to a full 40- or 64-hex commit, where
  the ``vcs_builds`` setting allows it: the server builds it into a wheel;
- ``./vendor/<name>`` (a project folder the bundle includes) and ``./wheels/<file>.whl``
  (a wheel file the bundle includes).

No pip options (``-r``, ``--find-links``, ``--index-url``, ``-e``, ``--hash``...), no
paths or ``file:`` URLs elsewhere, no environment variables, no line continuations, no
character outside printable ASCII. Pure: no Tornado, no subprocess.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from .errors import BadRequest

VCS_NEVER = "never"
VCS_PINNED = "pinned"
VCS_CHOICES = (VCS_NEVER, VCS_PINNED)

#: Longest requirement line (a VCS URL with a long path fits easily).
MAX_LINE = 1000
#: Most lines in one requirements text.
MAX_LINES = 20000

PIN, VCS, VENDORED, WHEEL = "pin", "vcs", "vendored", "wheel"

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?"
_EXTRAS = r"\[\s*(?P<extras>" + _NAME + r"(?:\s*,\s*" + _NAME + r")*)?\s*\]"
_PIN = re.compile(
    r"^(?P<name>" + _NAME + r")\s*(?:" + _EXTRAS + r")?\s*==\s*(?P<version>[A-Za-z0-9.!+_-]{1,100})"
    r"(?:\s*;\s*(?P<marker>.+))?$"
)
_URL_LINE = re.compile(r"^(?P<name>" + _NAME + r")\s*(?:" + _EXTRAS + r")?\s*@\s*(?P<url>\S+)$")
_MARKER_CHARACTERS = re.compile(r"^[A-Za-z0-9_.'\" <>=!~()-]+$")
_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
_HOST = re.compile(
    r"^(?:(?P<user>[A-Za-z0-9_][A-Za-z0-9._-]{0,63})@)?"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
# A leading dot is fine (~/.cache/...): a git+file repository in a hidden folder *of the
# root* is refused on its own, and "." and ".." never pass.
_URL_PATH_PART = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._~+-]+$")
_SUBDIRECTORY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_VENDORED = re.compile(r"^\./vendor/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,199})/?$")
_WHEEL = re.compile(r"^\./wheels/(?P<file>[A-Za-z0-9][A-Za-z0-9._+!-]{0,250}\.whl)$")
_INLINE_COMMENT = re.compile(r"\s+#.*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class RequirementsPolicy:
    """What the server may build: VCS URLs pinned to a commit, vendored projects."""

    vcs_builds: str = VCS_PINNED
    vendored_builds: bool = True
    #: The Jupyter root: a ``git+file://`` repository must lie inside it (None: refused).
    root: str | None = None


def policy_from(settings: object, root: str | os.PathLike[str] | None) -> RequirementsPolicy:
    """The policy of the server's settings (c.Dockerize.vcs_builds, vendored_builds)."""
    vcs = getattr(settings, "vcs_builds", VCS_PINNED)
    return RequirementsPolicy(
        vcs_builds=vcs if vcs in VCS_CHOICES else VCS_NEVER,
        vendored_builds=bool(getattr(settings, "vendored_builds", True)),
        root=None if root is None else str(root),
    )


@dataclass(frozen=True)
class Requirement:
    """One accepted line; ``line`` is rebuilt from the parsed parts, never the raw text."""

    kind: str  # PIN, VCS, VENDORED or WHEEL
    name: str  # as written (for a WHEEL, from the file name)
    line: str
    version: str | None = None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None  # VCS: the URL without the commit
    commit: str | None = None
    bundle_path: str | None = None  # VENDORED: vendor/<name>; WHEEL: wheels/<file>
    local_repository: str | None = None  # VCS over git+file: the resolved folder

    @property
    def key(self) -> str:
        """The PEP 503 name."""
        return canonicalize_name(self.name)


class RequirementRefused(Exception):
    """A line the policy refuses: what is wrong, and what to do instead."""

    def __init__(self, reason: str, action: str, line: str = "", number: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.action = action
        self.line = line
        self.number = number

    def __str__(self) -> str:
        return self.reason

    def as_bad_request(self, where: str = "requirements") -> BadRequest:
        at = f"line {self.number} of {where}" if self.number else where
        return BadRequest(
            f"The server refuses {at} ('{show_line(self.line)}'): {self.reason}",
            self.action,
            code="requirement_refused",
        )


def show_line(text: str, limit: int = 100) -> str:
    """A line as the client wrote it: printable, control characters escaped, bounded."""
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _refuse(line: str, reason: str, action: str) -> RequirementRefused:
    return RequirementRefused(reason, action, line)


_PIN_ACTION = "Pin the package to an exact version from the index, as 'name==1.2.3'."


def strip_comment(raw: str) -> str:
    """The requirement part of a line: pip's comment rule (``#`` at the start or after
    whitespace); a ``#`` inside a URL (``#subdirectory=``) is kept."""
    if raw.lstrip().startswith("#"):
        return ""
    return _INLINE_COMMENT.sub("", raw).strip()


def parse_requirement(line: str, policy: RequirementsPolicy) -> Requirement:
    """One requirement (no comment, no surrounding space); RequirementRefused otherwise."""
    if not line:
        raise _refuse(line, "the line is empty.", _PIN_ACTION)
    if len(line) > MAX_LINE:
        raise _refuse(
            line, f"the line is longer than {MAX_LINE} characters.", "Send one short requirement."
        )
    if any(not (" " <= c <= "~") for c in line):
        raise _refuse(
            line,
            "it holds a character outside printable ASCII (a control character, a tab or a "
            "look-alike letter).",
            "Write the requirement in plain ASCII, as 'name==1.2.3'.",
        )
    if line.startswith("-") or " -" in line:
        raise _refuse(
            line,
            "pip options (such as -r, -c, -e, --find-links, --index-url or --hash) are not "
            "accepted: the server uses the index its administrator configured.",
            "Send plain requirements only, one 'name==version' a line.",
        )
    if "\\" in line:
        raise _refuse(
            line,
            "it holds a backslash (a line continuation or a Windows path).",
            "Write the whole requirement on one line, without backslashes.",
        )
    if "$" in line or "%" in line:
        raise _refuse(
            line,
            "it holds '$' or '%' (an environment variable or an encoded character).",
            "Write the requirement literally, as 'name==1.2.3'.",
        )
    if line.startswith("./vendor/"):
        return _vendored(line)
    if line.startswith("./wheels/"):
        return _wheel(line)
    if line.startswith((".", "/", "~")) or _SCHEME.match(line):
        raise _refuse(
            line,
            "paths and URLs are accepted only as './vendor/<name>' or './wheels/<file>.whl' "
            "inside the bundle.",
            "Include the project or wheel in the bundle (from the Jupyter folder), or pin a "
            "release from the index.",
        )
    match = _PIN.match(line)
    if match:
        return _pin(line, match)
    match = _URL_LINE.match(line)
    if match:
        return _vcs(line, match, policy)
    if re.match(r"^" + _NAME + r"\s*(\[[^\]]*\])?\s*(===|~=|>=|<=|!=|>|<|==\s*\S*\*)", line):
        raise _refuse(line, "it is not pinned to one exact version.", _PIN_ACTION)
    raise _refuse(line, "it is not a requirement the server accepts.", _PIN_ACTION)


def _extras(match: re.Match[str]) -> tuple[str, ...]:
    raw = match.group("extras")
    return tuple(part.strip() for part in raw.split(",")) if raw else ()


def _with_extras(name: str, extras: tuple[str, ...]) -> str:
    return f"{name}[{','.join(extras)}]" if extras else name


def _pin(line: str, match: re.Match[str]) -> Requirement:
    name, version = match.group("name"), match.group("version")
    try:
        Version(version)
    except InvalidVersion:
        raise _refuse(
            line, f"'{show_line(version, 40)}' is not a PEP 440 version.", _PIN_ACTION
        ) from None
    extras = _extras(match)
    marker = None
    if match.group("marker") is not None:
        text = match.group("marker").strip()
        if not _MARKER_CHARACTERS.match(text):
            raise _refuse(line, "its environment marker holds unexpected characters.", _PIN_ACTION)
        try:
            marker = str(Marker(text))
        except InvalidMarker:
            raise _refuse(line, "its environment marker is not valid.", _PIN_ACTION) from None
    rebuilt = f"{_with_extras(name, extras)}=={version}" + (f"; {marker}" if marker else "")
    return Requirement(PIN, name, rebuilt, version=version, extras=extras, marker=marker)


def _vcs(line: str, match: re.Match[str], policy: RequirementsPolicy) -> Requirement:
    name, url = match.group("name"), match.group("url")
    hint = (
        "Pin the repository to a full commit: 'name @ git+https://host/path.git@<40 hex "
        "commit>', or install a release from the index."
    )
    if not url.startswith("git+"):
        raise _refuse(
            line,
            "only git URLs (git+https, git+http, git+ssh, git+file inside the Jupyter root) are "
            "built on the server; other URLs, archives and files are not fetched.",
            hint,
        )
    if policy.vcs_builds == VCS_NEVER:
        raise _refuse(
            line,
            "this server does not build packages from version control "
            "(c.Dockerize.vcs_builds = 'never').",
            "Install a release from the index, or ask the administrator to allow pinned "
            "VCS builds.",
        )
    body, _, fragment = url.partition("#")
    subdirectory = None
    if fragment:
        key, _, value = fragment.partition("=")
        if key != "subdirectory" or not _SUBDIRECTORY.match(value) or ".." in value.split("/"):
            raise _refuse(line, "its URL fragment is not a plain '#subdirectory=<path>'.", hint)
        subdirectory = value
    location, at, commit = body.rpartition("@")
    if not at or not _COMMIT.match(commit):
        raise _refuse(
            line,
            "it is not pinned to a full commit id (a branch or tag can move, so the build "
            "could run different code).",
            hint,
        )
    scheme, sep, rest = location.partition("://")
    if not sep or scheme not in ("git+https", "git+http", "git+ssh", "git+file"):
        raise _refuse(
            line,
            f"'{show_line(scheme, 20)}' is not a scheme the server fetches (git+https, "
            "git+http, git+ssh, or git+file for a repository inside the Jupyter root).",
            hint,
        )
    host, slash, path = rest.partition("/")
    parts = path.split("/") if path else []
    if not slash or not parts or any(not _URL_PATH_PART.match(part) for part in parts if part):
        raise _refuse(line, "its repository path is not a plain path.", hint)
    if any(part == "" for part in parts[:-1]):
        raise _refuse(line, "its repository path has an empty component.", hint)
    local = None
    if scheme == "git+file":
        if host:
            raise _refuse(line, "a git+file URL must be 'git+file:///<absolute path>'.", hint)
        local = _local_repository(line, "/" + path, policy)
    else:
        found = _HOST.match(host)
        if not found or (found.group("user") and scheme != "git+ssh"):
            raise _refuse(
                line,
                "its host is not a plain host name (no passwords or tokens in URLs).",
                "Use a URL without credentials; the server's git configuration supplies them.",
            )
    commit = commit.lower()
    canonical = f"{location}@{commit}" + (f"#subdirectory={subdirectory}" if subdirectory else "")
    extras = _extras(match)
    return Requirement(
        VCS,
        name,
        f"{_with_extras(name, extras)} @ {canonical}",
        extras=extras,
        url=location,
        commit=commit,
        local_repository=local,
    )


def _local_repository(line: str, path: str, policy: RequirementsPolicy) -> str:
    action = (
        "Clone the repository into the Jupyter folder, install it from there, and capture "
        "again; or push it to a server git can reach."
    )
    if policy.root is None:
        raise _refuse(line, "a local repository is accepted only inside the Jupyter root.", action)
    root = os.path.realpath(policy.root)
    real = os.path.realpath(path)
    try:
        inside = os.path.commonpath([root, real]) == root
    except ValueError:
        inside = False
    if not inside:
        raise _refuse(
            line, "the repository lies outside the Jupyter root, so it is not read.", action
        )
    relative = os.path.relpath(real, root)
    if relative != "." and any(part.startswith(".") for part in relative.split(os.sep)):
        raise _refuse(line, "the repository lies in a hidden folder of the Jupyter root.", action)
    if not os.path.isdir(real):
        raise _refuse(line, "there is no such repository in the Jupyter root.", action)
    return real


def _vendored(line: str) -> Requirement:
    match = _VENDORED.match(line)
    if not match:
        raise _refuse(
            line,
            "a vendored project must be './vendor/<name>', one plain folder name.",
            "Vendor the project from the panel; it is copied into the bundle's vendor folder.",
        )
    name = match.group("name")
    return Requirement(VENDORED, name, f"./vendor/{name}", bundle_path=f"vendor/{name}")


def _wheel(line: str) -> Requirement:
    match = _WHEEL.match(line)
    action = "Include the wheel from the Jupyter folder: './wheels/<name>-<version>-...whl'."
    if not match:
        raise _refuse(line, "a bundled wheel must be './wheels/<file>.whl'.", action)
    filename = match.group("file")
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        raise _refuse(line, "the file name is not a valid wheel name.", action) from None
    return Requirement(
        WHEEL,
        str(name),
        f"./wheels/{filename}",
        version=str(version),
        bundle_path=f"wheels/{filename}",
    )


def parse_raw_line(raw: str, policy: RequirementsPolicy) -> Requirement | None:
    """A line as written in requirements.txt (comments allowed); None for no requirement."""
    if any(not (" " <= c <= "~") for c in raw):
        raise _refuse(
            raw,
            "it holds a character outside printable ASCII (a control character such "
            "as NUL, CR or tab, or a look-alike letter), comments included.",
            "Write requirements.txt in plain ASCII with '\\n' line endings.",
        )
    if raw.rstrip().endswith("\\") and not raw.lstrip().startswith("#"):
        raise _refuse(
            raw,
            "it ends with a backslash (a line continuation).",
            "Write each requirement on one line.",
        )
    line = strip_comment(raw)
    return parse_requirement(line, policy) if line else None


def parse_requirements_text(
    text: str, policy: RequirementsPolicy, where: str = "requirements.txt"
) -> list[Requirement]:
    """Every requirement of a requirements text, or BadRequest naming the first bad line.

    Lines end at '\\n' only; the text is printable ASCII (comments included): a CR, a
    form feed or U+2028 would split lines differently for pip and for this parser.
    """
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise BadRequest(
            f"{where} has more than {MAX_LINES} lines.",
            "Send only the requirements of the image.",
            code="requirement_refused",
        )
    found: list[Requirement] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        try:
            requirement = parse_raw_line(raw, policy)
            if requirement is None:
                continue
        except RequirementRefused as refused:
            raise RequirementRefused(refused.reason, refused.action, raw, number).as_bad_request(
                where
            ) from None
        key = requirement.bundle_path or requirement.key
        if key in seen:
            raise BadRequest(
                f"Line {number} of {where} names '{show_line(requirement.name, 60)}' again "
                f"(first on line {seen[key]}).",
                "List every package once.",
                code="requirement_refused",
            )
        seen[key] = number
        found.append(requirement)
    return found

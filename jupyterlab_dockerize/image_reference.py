"""Docker image references, validated with exactly the grammar of distribution/reference.

The server's twin of src/core/contract/imageReference.ts: the server validates every reference
itself, never trusting the frontend. Both implementations run the shared cases of
src/core/__tests__/fixtures/image-references.json, so their results and messages agree.

    reference       := name [ ":" tag ] [ "@" digest ]
    name            := [ domain "/" ] path
    domain          := host [ ":" port ]        host: DNS-like name, IPv4 or [IPv6]
    path            := path-component [ "/" path-component ]*
    path-component  := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
    tag             := [\\w][\\w.-]{0,127}
    digest          := algorithm ":" hex         sha256/sha384/sha512, lowercase hex

The accepting regular expressions are Docker's own (leftmost-first, like Go's, so the
domain is split off exactly where Docker splits it); the rest only explains a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NAME_LENGTH = 255
MAX_TAG_LENGTH = 128
MAX_REFERENCE_LENGTH = 1024

DEFAULT_DOMAIN = "docker.io"
_LEGACY_DEFAULT_DOMAIN = "index.docker.io"
_OFFICIAL_REPO_PREFIX = "library/"
_DEFAULT_TAG = "latest"
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6_ADDRESS = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|{_IPV6_ADDRESS})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME}"


def _anchored(pattern: str) -> re.Pattern[str]:
    # Always used with fullmatch; ASCII so that \w is [A-Za-z0-9_] as in Go and JavaScript.
    return re.compile(pattern, re.ASCII)


_REFERENCE_RE = _anchored(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?")
_ANCHORED_NAME_RE = _anchored(rf"(?:({_DOMAIN_AND_PORT})/)?({_REMOTE_NAME})")
_NAME_RE = _anchored(_NAME)
_DOMAIN_RE = _anchored(_DOMAIN_AND_PORT)
_PATH_COMPONENT_RE = _anchored(_PATH_COMPONENT)
_TAG_RE = _anchored(_TAG)
_DIGEST_RE = _anchored(_DIGEST)
_IDENTIFIER_RE = _anchored(r"[a-f0-9]{64}")
_ALLOWED_CHARACTER = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/:@[]"
)
_UPPERCASE = re.compile(r"[A-Z]")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://", re.ASCII)


class InvalidImageReference(ValueError):
    """The text is no valid image reference; str() says what to fix, .kind is a stable code."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ImageReference:
    """A syntactically valid reference, split as Docker splits it."""

    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        return format_image_reference(self)


@dataclass(frozen=True)
class NormalizedImageReference(ImageReference):
    """A reference as `docker pull` resolves it; latest_implied when no tag nor digest."""

    latest_implied: bool = False


def _show_character(character: str) -> str:
    code = ord(character)
    invisible = (
        code <= 0x20
        or 0x7F <= code <= 0xA0
        or code == 0x1680
        or 0x2000 <= code <= 0x200F
        or 0x2028 <= code <= 0x202F
        or code == 0x205F
        or code == 0x3000
        or 0xD800 <= code <= 0xDFFF
        or code == 0xFEFF
    )
    if invisible:
        return f"U+{code:04X}"
    return '"\'"' if character == "'" else f"'{character}'"


def _locate(text: str, index: int) -> str:
    """The part ``index`` falls in (digest, tag or name) and its 1-based position there.

    A form has a field for the name and one for the tag, so a position counted from the
    start of ``name:tag`` would point at the wrong character of the tag.
    """
    at = text.find("@")
    if at >= 0 and index > at:
        return f"position {index - at} of the digest"
    name = text[:at] if at >= 0 else text
    colon = name.rfind(":")
    in_brackets = name.rfind("[") > name.rfind("]")
    if not in_brackets and colon > name.rfind("/") and index > colon:
        return f"position {index - colon} of the tag"
    return f"position {index + 1} of the name"


def _check_characters(text: str) -> None:
    for index, character in enumerate(text):
        if character not in _ALLOWED_CHARACTER:
            raise InvalidImageReference(
                "invalid-character",
                f"invalid character {_show_character(character)} at {_locate(text, index)}; "
                "image references may only contain letters, digits and . _ - / : @ [ ]",
            )


def _check_digest(digest: str) -> None:
    algorithm, _, hex_part = digest.partition(":")
    if algorithm not in _DIGEST_HEX_LENGTHS:
        raise InvalidImageReference(
            "unsupported-digest",
            f"unsupported digest algorithm '{algorithm}'; use sha256, sha384 or sha512",
        )
    expected = _DIGEST_HEX_LENGTHS[algorithm]
    if len(hex_part) != expected:
        raise InvalidImageReference(
            "digest-length",
            f"a {algorithm} digest has {expected} hex characters, not {len(hex_part)}",
        )
    if hex_part != hex_part.lower():
        raise InvalidImageReference("invalid-digest", "digest hex characters must be lowercase")


def _explain_name(name: str) -> InvalidImageReference:
    if name == "":
        return InvalidImageReference(
            "missing-name", 'the repository name is missing (e.g. "ubuntu" in "ubuntu:22.04")'
        )
    components = name.split("/")
    path_components = components
    first = components[0]
    if len(components) > 1 and (re.search(r"[.:\[\]A-Z]", first) or first == "localhost"):
        if not _DOMAIN_RE.fullmatch(first):
            return InvalidImageReference(
                "invalid-domain",
                f"registry '{first}' is not a valid host name, IPv4 address or [IPv6] address "
                "with an optional :port",
            )
        path_components = components[1:]
    for component in path_components:
        if component == "":
            return InvalidImageReference(
                "invalid-name",
                "the repository path has an empty component (a leading, trailing or doubled '/')",
            )
        if _UPPERCASE.search(component):
            return InvalidImageReference(
                "uppercase", f"repository names must be lowercase ('{component}')"
            )
        if "[" in component or "]" in component:
            return InvalidImageReference(
                "invalid-name",
                f"a registry like '{component}' must come first and be followed by '/' "
                "and a repository path",
            )
        if ":" in component:
            return InvalidImageReference(
                "invalid-name",
                f"'{component}' is not a valid path component: ':' may only come "
                "before the tag or the port of a registry",
            )
        if not _PATH_COMPONENT_RE.fullmatch(component):
            return InvalidImageReference(
                "invalid-name",
                f"'{component}' is not a valid path component: it must start and end with "
                "a lowercase letter or digit, with words separated by one '.', one or two "
                "'_', or dashes",
            )
    return InvalidImageReference("invalid-format", "invalid reference format")


def _explain(text: str) -> InvalidImageReference:
    if _REFERENCE_RE.fullmatch(text.lower()):
        name = text.split("@", 1)[0]
        found = _UPPERCASE.search(name)
        where = f" ('{found.group()}' at position {found.start() + 1})" if found else ""
        return InvalidImageReference("uppercase", "repository names must be lowercase" + where)
    if _URL_SCHEME.match(text):
        scheme = text[: text.index("://") + 3]
        return InvalidImageReference(
            "url-scheme", f"image references are not URLs: remove '{scheme}'"
        )
    rest = text
    if "@" in text:
        rest, _, digest = text.partition("@")
        if not _DIGEST_RE.fullmatch(digest):
            return InvalidImageReference(
                "invalid-digest",
                f"'{digest}' is not a valid digest; write it as algorithm:hex, "
                "e.g. sha256: followed by 64 hex characters",
            )
    colon = rest.rfind(":")
    if colon >= 0 and not re.search(r"[/\[\]]", rest[colon + 1 :]):
        name, tag = rest[:colon], rest[colon + 1 :]
        if name == "" or not _NAME_RE.fullmatch(name):
            return _explain_name(name)
        if len(tag) > MAX_TAG_LENGTH:
            return InvalidImageReference(
                "tag-too-long", f"tag is longer than {MAX_TAG_LENGTH} characters ({len(tag)})"
            )
        if not _TAG_RE.fullmatch(tag):
            return InvalidImageReference(
                "invalid-tag",
                f"tag '{tag}' is invalid: it must start with a letter, digit or '_' and "
                "contain only letters, digits, '_', '.' and '-'",
            )
    return _explain_name(rest)


def _precheck(text: object) -> str:
    if not isinstance(text, str) or text == "":
        raise InvalidImageReference("empty", "the image reference is empty")
    _check_characters(text)
    if len(text) > MAX_REFERENCE_LENGTH:
        raise InvalidImageReference(
            "too-long", f"the image reference is longer than {MAX_REFERENCE_LENGTH} characters"
        )
    return text


def parse_image_reference(text: str) -> ImageReference:
    """Parse like Docker's reference.Parse (nothing defaulted); raise InvalidImageReference."""
    text = _precheck(text)
    match = _REFERENCE_RE.fullmatch(text)
    if match is None:
        raise _explain(text)
    name, tag, digest = match.group(1), match.group(2), match.group(3)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidImageReference(
            "name-too-long",
            f"repository name is longer than {MAX_NAME_LENGTH} characters ({len(name)})",
        )
    name_match = _ANCHORED_NAME_RE.fullmatch(name)
    if digest is not None:
        _check_digest(digest)
    return ImageReference(
        domain=name_match.group(1) if name_match else None,
        path=name_match.group(2) if name_match else name,
        tag=tag,
        digest=digest,
    )


def _split_docker_domain(name: str) -> tuple[str, str, int]:
    """Docker's splitDockerDomain, plus where the remote name starts in `name`."""
    if "/" not in name:
        return DEFAULT_DOMAIN, _OFFICIAL_REPO_PREFIX + name, 0
    maybe_domain, _, maybe_remote = name.partition("/")
    offset = len(maybe_domain) + 1
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == _LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote, offset = DEFAULT_DOMAIN, name, 0
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = _OFFICIAL_REPO_PREFIX + remote
    return domain, remote, offset


def parse_normalized_image_reference(text: str) -> NormalizedImageReference:
    """Parse as `docker pull` does: "ubuntu" is docker.io/library/ubuntu:latest."""
    text = _precheck(text)
    if _IDENTIFIER_RE.fullmatch(text):
        raise InvalidImageReference(
            "identifier", "a 64-character hex string is an image ID, not a repository name"
        )
    domain, remainder, offset = _split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        found = _UPPERCASE.search(text, offset)
        assert found is not None
        raise InvalidImageReference(
            "uppercase",
            f"repository names must be lowercase ('{found.group()}' at position "
            f"{found.start() + 1})",
        )
    parsed = parse_image_reference(f"{domain}/{remainder}")
    latest_implied = parsed.tag is None and parsed.digest is None
    return NormalizedImageReference(
        domain=parsed.domain or domain,
        path=parsed.path,
        tag=_DEFAULT_TAG if latest_implied else parsed.tag,
        digest=parsed.digest,
        latest_implied=latest_implied,
    )


def normalize_image_reference(reference: ImageReference) -> NormalizedImageReference:
    """The normalized form of a reference (re-validated: it may not come from the parser)."""
    if isinstance(reference, NormalizedImageReference) and reference.latest_implied:
        reference = ImageReference(reference.domain, reference.path, None, reference.digest)
    return parse_normalized_image_reference(format_image_reference(reference))


def format_image_reference(reference: ImageReference) -> str:
    """[domain/]path[:tag][@digest]"""
    return (
        (f"{reference.domain}/" if reference.domain else "")
        + reference.path
        + (f":{reference.tag}" if reference.tag is not None else "")
        + (f"@{reference.digest}" if reference.digest is not None else "")
    )


def familiar_name(reference: ImageReference) -> str:
    """As Docker shows it: no docker.io/, no library/ of official images, no implied :latest."""
    try:
        normalized = normalize_image_reference(reference)
    except InvalidImageReference:
        return format_image_reference(reference)
    domain: str | None = normalized.domain
    path = normalized.path
    if domain == DEFAULT_DOMAIN:
        domain = None
        rest = path[len(_OFFICIAL_REPO_PREFIX) :]
        if path.startswith(_OFFICIAL_REPO_PREFIX) and "/" not in rest:
            path = rest
    return format_image_reference(
        ImageReference(
            domain=domain,
            path=path,
            tag=None if normalized.latest_implied else normalized.tag,
            digest=normalized.digest,
        )
    )

"""What a failed build step most likely means, read from its output, and what to do.

The engine's own error only says "The command '/bin/sh -c pip install …' returned a non-zero
code: 1"; the cause is in the step's log. ``BUILD_FAILURES`` is an ordered table: the first
kind whose pattern appears in the failing step's output names the cause. Order matters: pip
that cannot reach its index ends with "No matching distribution found" too, so the network
comes before the missing version, and it is never blamed on a package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildFailureKind:
    name: str
    pattern: re.Pattern[str]
    what: str  # appended to the message: what the log shows
    hint: str  # what to do


def _any(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(phrases), re.IGNORECASE)


NETWORK_HINT = (
    "This is a network problem, not a missing package: check the network the engine gives "
    "build steps (c.Dockerize.build_network_mode: 'auto', or 'host' on an engine without a "
    "bridge network; 'none' has no network at all), a proxy the engine needs (HTTP_PROXY and "
    'HTTPS_PROXY in the engine\'s environment, or "proxies" in ~/.docker/config.json), and '
    'the index in the Dockerfile; or tick "Offline wheelhouse" so that the server downloads '
    "the wheels and the build needs no network. Then build again."
)

BUILD_FAILURES: tuple[BuildFailureKind, ...] = (
    BuildFailureKind(
        "network",
        _any(
            r"temporary failure in name resolution",
            r"name or service not known",
            r"failed to resolve",
            r"nameresolutionerror",
            r"temporary failure resolving",  # apt-get
            r"could not resolve host",  # curl, git
            r"\bdns error\b",
            r"failed to establish a new connection",
            r"network is unreachable",
            r"no route to host",
            r"connection refused",
            r"connection reset",
            r"connection aborted",
            r"remotedisconnected",
            r"read timed out",
            r"connecttimeouterror",
            r"connect timeout",
            r"operation timed out",
            r"error sending request for url",  # uv
            r"tcp connect error",  # uv
            r"request failed after \d+ retr",  # uv
        ),
        "a step could not reach the network",
        NETWORK_HINT,
    ),
    BuildFailureKind(
        "tls",
        _any(
            r"certificate_verify_failed", r"certificate verify failed", r"invalid peer certificate"
        ),
        "a step could not verify the index's TLS certificate",
        "A proxy or firewall that inspects HTTPS may sit between the engine and the index: "
        'give the image its certificate authority, or tick "Offline wheelhouse" so that the '
        "build needs no network.",
    ),
    BuildFailureKind(
        "disk",
        _any(r"no space left on device"),
        "the engine ran out of disk space",
        "Free space on the engine (`docker system df`, then remove unused images and build "
        "cache), then build again.",
    ),
    BuildFailureKind(
        "python_version",
        _any(
            r"requires? a different python",
            r"the current python version \([^)]*\) does not satisfy",
        ),
        "a package does not support the image's Python version",
        "Choose a base image with a Python the package supports, or untick the package or "
        "pin a release that supports this Python.",
    ),
    BuildFailureKind(
        "missing_version",
        _any(
            r"no matching distribution found for",
            r"could not find a version that satisfies the requirement",
            r"because there is no version of",
            r"no solution found when resolving",
        ),
        "the index has no release of a package that fits",
        "A pinned version may not exist for the image's Python and platform (or only on the "
        "author's private index): untick it or pin another version, then build again.",
    ),
    BuildFailureKind(
        "hashes",
        _any(r"do not match the hashes", r"hash mismatch"),
        "a downloaded file does not match its recorded hash",
        "Download the bundle or build again so that the wheelhouse is made anew; if it "
        "persists, the index serves a file other than the one locked.",
    ),
    BuildFailureKind(
        "compile",
        _any(
            r"command '[^']*(gcc|cc|g\+\+|clang)[^']*' failed",
            r"(gcc|cc|g\+\+|make|cmake|rustc|cargo): (command )?not found",
            r"failed building wheel for",
            r"failed to build installable wheels",
            r"failed-wheel-build-for-install",
            r"failed to build `",  # uv
        ),
        "a package had to be compiled and could not be",
        "The slim base images have no compiler: pin a version that has a binary wheel for the "
        "image's Python and platform, untick the package, or choose a template with build "
        "tools.",
    ),
)

DEFAULT_HINT = "Fix the step that failed (see the build log), then build again."


def classify_build_output(text: str) -> BuildFailureKind | None:
    """The first kind of failure the failing step's output shows, or None."""
    for kind in BUILD_FAILURES:
        if kind.pattern.search(text):
            return kind
    return None

"""Several platforms under one tag: which to build first, what each image is called, which
are emulated, and what to say when emulation is missing.

No engine calls here beyond reading the engine's architecture: the job service (builds.py)
builds one image per platform through its builder, push.py pushes each and then the
manifest list (manifest_list.py), verify.py checks each.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .builders import Builder, BuildEvents, BuildFailed, BuildInput
from .cancellation import Cancellation
from .jobs import Job
from .notebook_run import NotebookLimits
from .pip_runner import PLATFORMS

#: Most platforms one build request may name.
MAX_PLATFORMS = len(PLATFORMS)
#: The engine's architecture (GET /version "Arch", Go's names) → its platform.
ENGINE_ARCHITECTURES = {
    "amd64": "linux/amd64",
    "x86_64": "linux/amd64",
    "arm64": "linux/arm64",
    "aarch64": "linux/arm64",
}
#: What a binary of another CPU says when no emulator is registered for it.
EXEC_FORMAT_ERROR = re.compile(r"exec format error", re.IGNORECASE)

EMULATION_HINT = (
    "Building for another CPU runs its programs under emulation (binfmt_misc with QEMU), and "
    "this engine has none for {platform}. Docker Desktop: Settings → General → "
    '"Use Rosetta/QEMU" (on by default; turn it back on and restart Docker Desktop). '
    "Linux: `sudo apt-get install qemu-user-static binfmt-support` (Debian, Ubuntu), or "
    "`docker run --privileged --rm tonistiigi/binfmt --install {arch}`; then build again."
)


def engine_platform(client: Any) -> str | None:
    """The engine's own platform (linux/amd64 or linux/arm64), None when it is another."""
    version = client.version() or {}
    if str(version.get("Os") or "linux").lower() != "linux":
        return None
    return ENGINE_ARCHITECTURES.get(str(version.get("Arch") or "").lower())


def build_order(platforms: Iterable[str], native: str | None) -> list[str]:
    """The platforms to build, the engine's own first when it is among them (it is the
    fastest, and its image gets the job's tag), the others in the order asked."""
    chosen = list(dict.fromkeys(platforms))
    if native in chosen:
        chosen.remove(native)
        chosen.insert(0, native)
    return chosen


def platform_image(image: str, platform: str) -> str:
    """The local tag of a platform's image besides the first: ``<image>-<os>-<arch>``
    (``jane/a:1.0`` → ``jane/a:1.0-linux-arm64``)."""
    return f"{image}-{platform.replace('/', '-')}"


def architecture(platform: str) -> str:
    """``linux/arm64`` → ``arm64``."""
    return platform.split("/", 1)[1]


def emulation_hint(platform: str) -> str:
    return EMULATION_HINT.format(platform=platform, arch=architecture(platform))


def says_exec_format_error(text: str) -> bool:
    return bool(EXEC_FORMAT_ERROR.search(text))


def start_line(platform: str, emulated: bool) -> str:
    """The log line that starts a platform's build (or verify)."""
    return f"Building for {platform}" + (" (emulated through QEMU)" if emulated else "")


@dataclass(frozen=True)
class PlatformImage:
    """One platform's image of a job."""

    platform: str
    image: str
    image_id: str
    emulated: bool

    def record(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "image": self.image,
            "imageId": self.image_id,
            "emulated": self.emulated,
        }


def platform_images(job: Job) -> list[PlatformImage]:
    """The job's images, one a platform (its record's ``platforms``), first built first."""
    images = []
    for entry in job.platforms or []:
        try:
            images.append(
                PlatformImage(
                    platform=str(entry["platform"]),
                    image=str(entry["image"]),
                    image_id=str(entry["imageId"]),
                    emulated=bool(entry.get("emulated")),
                )
            )
        except (KeyError, TypeError):
            continue
    return images


class PlatformBuildEvents(BuildEvents):
    """The build events of one platform of a multi-platform job: each carries ``platform``
    (when ``tagged``), and the last lines are kept to tell a missing emulator from another
    failure."""

    TAIL_LINES = 200

    def __init__(self, job: Job, platform: str, tagged: bool) -> None:
        super().__init__(job, {"platform": platform} if tagged else None)
        self.platform = platform
        self.tail: deque[str] = deque(maxlen=self.TAIL_LINES)

    def log(self, text: str, stream: str | None = None) -> None:
        self.tail.append(text)
        super().log(text, stream)


def build_for_platform(
    builder: Builder,
    what: BuildInput,
    events: BuildEvents,
    cancellation: Cancellation,
    emulated: bool,
    several: bool,
) -> str:
    """``builder.build``, its failure said with the platform (``platform_failure``)."""
    try:
        return builder.build(what, events, cancellation)
    except BuildFailed as failure:
        raise platform_failure(failure, what.platform, emulated, events, several) from None


def platform_failure(
    failure: BuildFailed,
    platform: str | None,
    emulated: bool,
    events: BuildEvents,
    several: bool,
) -> BuildFailed:
    """A platform's failed build said with its platform; a program that could not run under
    emulation ("exec format error") says how to enable emulation."""
    if platform is None:
        return failure
    tail = "\n".join(events.tail) if isinstance(events, PlatformBuildEvents) else ""
    if emulated and says_exec_format_error(f"{failure.message}\n{tail}"):
        return BuildFailed(
            f"The build for {platform} could not run its programs: this engine cannot "
            f"emulate {platform} ({failure.message})",
            emulation_hint(platform),
            code="emulation_unavailable",
        )
    if not several:
        return failure
    return BuildFailed(f"{platform}: {failure.message}", failure.hint, code=failure.code)


def scaled_limits(limits: NotebookLimits, factor: float) -> NotebookLimits:
    """Verify's notebook limits for an emulated image: each time limit ``factor`` times longer."""
    if factor == 1.0:
        return limits
    return dataclasses.replace(
        limits,
        cell_timeout=limits.cell_timeout * factor,
        notebook_timeout=limits.notebook_timeout * factor,
    )


def platform_verdict(result: dict[str, Any]) -> str:
    """A platform's verification in a few words (the job's message lists each)."""
    if not result.get("ok"):
        error = result.get("error") or {}
        return f"not verified ({error.get('message', 'failed')})"
    jupyter = result.get("jupyter") or {}
    runs = result.get("notebooks") or []
    failed = [run for run in runs if run.get("status") not in (None, "ok", "completed")]
    words = "verified" if all(jupyter.values()) else "verified, with problems"
    if runs:
        words += f", {len(runs) - len(failed)} of {len(runs)} notebook(s) ran"
    return words + "."

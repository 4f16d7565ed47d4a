"""What every builder is: a bundle assembly in, an image id out, events on the way.

The job service (builds.py) knows only this module: it hands a builder the assembled
context, the tag, the labels and the platform, an event sink for the job, and the job's
cancellation, in one of its worker threads. A builder may block; it must stop soon after
the cancellation fires (``Cancellation.watch`` cuts an engine stream, ``on_cancel`` runs a
callback such as a process's kill; between steps, ``cancellation.check()``), and it reports
a failed build as ``BuildFailed`` with the hint ``build_failure`` reads from the failing
step's output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..build_hints import DEFAULT_HINT, classify_build_output
from ..bundle import BundleAssembly
from ..cancellation import Cancellation
from ..errors import DockerizeError
from ..jobs import Job


class BuildFailed(DockerizeError):
    status = 422
    default_code = "build_failed"


@dataclass(frozen=True)
class BuildInput:
    """What to build."""

    #: The build context: the same files the zip download holds (``iter_tar`` streams it).
    context: BundleAssembly
    #: The tag to give the image (familiar form, such as jane/analysis:1.0).
    image: str
    #: Labels the image carries (the job's, so leftovers can be found).
    labels: Mapping[str, str]
    #: linux/amd64 or linux/arm64; None builds for the engine's own platform.
    platform: str | None = None


class BuildEvents:
    """What a builder tells the job while it builds: log lines and step progress, as the
    build phase's events the panel reads (``contract-constants.json``: eventKinds)."""

    def __init__(self, job: Job, fields: Mapping[str, str] | None = None) -> None:
        self._job = job
        #: Added to every event (a multi-platform job's ``platform``).
        self._fields = dict(fields or {})

    def log(self, text: str, stream: str | None = None) -> None:
        """One line of the build's output (``stream="stderr"`` for the engine's error)."""
        extra = {"stream": stream} if stream is not None else {}
        self._job.emit("log", phase="build", text=text, **extra, **self._fields)

    def step(self, step: int, steps: int, instruction: str) -> None:
        """The build reached step ``step`` of ``steps``, running ``instruction``."""
        progress = {
            "step": step,
            "steps": steps,
            "instruction": instruction[:200],
            **self._fields,
        }
        self._job.progress["build"] = progress
        self._job.emit("progress", phase="build", **progress)

    @property
    def current_step(self) -> dict[str, Any]:
        """The last step reported ({} before the first)."""
        return dict(self._job.progress.get("build") or {})


class Builder(ABC):
    """Builds an image from a context; one implementation a build tool."""

    #: The builder's name (``builders.BUILDERS``), shown in the build log.
    name: ClassVar[str]

    @abstractmethod
    def build(self, what: BuildInput, events: BuildEvents, cancellation: Cancellation) -> str:
        """Builds ``what`` and returns the image's full id (sha256:…).

        Blocking: the job service calls it in a worker thread. Streams the build's output
        and progress into ``events``; raises ``Cancelled`` (``cancellation.check()``) once
        the job is cancelled or timed out, ``BuildFailed`` when the build fails, and another
        ``DockerizeError`` when the tool or engine cannot be used.
        """


def build_failure(
    message: str, step: dict[str, Any], step_output: str, *, where: str | None = None
) -> BuildFailed:
    """The failed build said as what the failing step's output shows (``build_hints``).

    ``where`` names the failing part when it is no numbered step (BuildKit resolving a
    base image fails before its FROM step exists: "at FROM python:3.11 (the base image)").
    """
    if step:
        where = f" at step {step['step']}/{step['steps']} ({step['instruction']})"
    else:
        where = f" {where}" if where else ""
    kind = classify_build_output(f"{step_output}\n{message}")
    if kind is None:
        return BuildFailed(f"The build failed{where}: {message}", DEFAULT_HINT)
    return BuildFailed(f"The build failed{where}: {kind.what}. {message}", kind.hint)

"""Building an image from a bundle assembly with the docker SDK (never a shell command).

The build context is ``iter_tar`` of the same assembly the zip download streams, sent to
the engine as it is produced. The engine's JSON stream becomes log lines and step progress
on the job; an ``errorDetail`` in the stream fails the job with the engine's own message,
and a hint read from the failing step's output (``build_hints``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any

from .build_hints import DEFAULT_HINT, classify_build_output
from .bundle import BundleAssembly, iter_tar
from .cancellation import Cancellation, Cancelled, JobAPIClient
from .containers import JOB_LABEL
from .errors import DockerizeError
from .jobs import Job

STEP = re.compile(r"^Step (\d+)/(\d+) :")
BUILT = re.compile(r"^Successfully built ([0-9a-f]{12,64})\b")

#: Lines of the current step kept to explain its failure (pip prints the cause near the end).
STEP_TAIL_LINES = 400


class BuildFailed(DockerizeError):
    status = 422
    default_code = "build_failed"


def context_stream(assembly: BundleAssembly, cancellation: Cancellation) -> Iterator[bytes]:
    """The tar context, stopping between chunks once the job is cancelled."""
    for chunk in iter_tar(assembly):
        cancellation.check()
        yield chunk


class LineBuffer:
    """Splits a stream of text pieces into whole lines (the engine cuts them anywhere)."""

    def __init__(self) -> None:
        self._partial = ""

    def feed(self, text: str) -> list[str]:
        text = self._partial + text.replace("\r\n", "\n")
        *lines, self._partial = text.split("\n")
        return lines

    def flush(self) -> list[str]:
        rest, self._partial = self._partial, ""
        return [rest] if rest else []


class StepOutput:
    """The last lines the current build step printed, for the hint when it fails."""

    def __init__(self, limit: int = STEP_TAIL_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=limit)

    def new_step(self) -> None:
        self._lines.clear()

    def add(self, line: str) -> None:
        self._lines.append(line[:2000])

    def text(self) -> str:
        return "\n".join(self._lines)


def run_build(
    client: JobAPIClient,
    assembly: BundleAssembly,
    job: Job,
    cancellation: Cancellation,
    *,
    network_mode: str | None = None,
    platform: str | None = None,
) -> str:
    """Builds ``job.image`` and returns the image id; raises BuildFailed or Cancelled."""
    client.cancellation = cancellation
    try:
        return _build(client, assembly, job, cancellation, network_mode, platform)
    except Cancelled:
        raise
    except Exception:
        # A cut socket surfaces as a broken stream: that is the cancellation, not a fault.
        cancellation.check()
        raise


def _build(
    client: JobAPIClient,
    assembly: BundleAssembly,
    job: Job,
    cancellation: Cancellation,
    network_mode: str | None,
    platform: str | None,
) -> str:
    lines = LineBuffer()
    step_output = StepOutput()
    image_id: str | None = None
    stream = client.build(
        fileobj=context_stream(assembly, cancellation),
        custom_context=True,
        tag=job.image,
        labels={JOB_LABEL: job.id},
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
        network_mode=network_mode or None,
        platform=platform or None,
    )
    try:
        for chunk in stream:
            cancellation.check()
            image_id = _handle_chunk(chunk, job, lines, step_output) or image_id
    finally:
        for line in lines.flush():
            job.emit("log", phase="build", text=line)
    cancellation.check()
    if image_id is None:
        raise BuildFailed(
            "The engine ended the build without an image.",
            "See the build log; the engine may have been stopped during the build.",
        )
    # The stream may give only the short id: the full one names the image for good.
    return str(client.inspect_image(image_id)["Id"])


def _handle_chunk(
    chunk: dict[str, Any], job: Job, lines: LineBuffer, step_output: StepOutput
) -> str | None:
    if not isinstance(chunk, dict):
        return None
    if "error" in chunk or "errorDetail" in chunk:
        detail = chunk.get("errorDetail") or {}
        message = str(detail.get("message") or chunk.get("error") or "unknown error").strip()
        for line in lines.flush():
            step_output.add(line)
            job.emit("log", phase="build", text=line)
        job.emit("log", phase="build", text=message, stream="stderr")
        raise build_failure(message, job.progress.get("build", {}), step_output.text())
    image_id = None
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
        image_id = aux["ID"]
    text = chunk.get("stream")
    if isinstance(text, str):
        for line in lines.feed(text):
            step = STEP.match(line)
            if step:
                step_output.new_step()
                job.progress["build"] = {
                    "step": int(step.group(1)),
                    "steps": int(step.group(2)),
                    "instruction": line[step.end() :].strip()[:200],
                }
                job.emit("progress", phase="build", **job.progress["build"])
            built = BUILT.match(line)
            if built and image_id is None:
                image_id = built.group(1)
            step_output.add(line)
            job.emit("log", phase="build", text=line)
    status = chunk.get("status")
    if isinstance(status, str):
        # Pulling the base image: one line per layer status, without the byte counter.
        layer = chunk.get("id")
        job.emit("log", phase="build", text=f"{layer}: {status}" if layer else status)
    return image_id


def build_failure(message: str, step: dict[str, Any], step_output: str) -> BuildFailed:
    """The failed build said as what the failing step's output shows (``build_hints``)."""
    where = f" at step {step['step']}/{step['steps']} ({step['instruction']})" if step else ""
    kind = classify_build_output(f"{step_output}\n{message}")
    if kind is None:
        return BuildFailed(f"The build failed{where}: {message}", DEFAULT_HINT)
    return BuildFailed(f"The build failed{where}: {kind.what}. {message}", kind.hint)

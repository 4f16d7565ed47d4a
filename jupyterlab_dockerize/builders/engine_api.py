"""The Engine API's classic builder, through the docker SDK (never a shell command).

The build context is ``iter_tar`` of the same assembly the zip download streams, sent to
the engine as it is produced. The engine's JSON stream becomes log lines and step progress
on the job; an ``errorDetail`` in the stream fails the job with the engine's own message,
and a hint read from the failing step's output (``build_hints``). Cancelling cuts the
stream's socket (``JobAPIClient``): the engine sees its client go and stops the build.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..bundle import BundleAssembly, iter_tar
from ..cancellation import Cancellation, Cancelled, JobAPIClient
from ..containers import build_network
from ..engine import job_error, open_api_client
from ..errors import DockerizeError
from .base import Builder, BuildEvents, BuildFailed, BuildInput, build_failure

if TYPE_CHECKING:
    from ..config import Dockerize

STEP = re.compile(r"^Step (\d+)/(\d+) :")
BUILT = re.compile(r"^Successfully built ([0-9a-f]{12,64})\b")

#: Lines of the current step kept to explain its failure (pip prints the cause near the end).
STEP_TAIL_LINES = 400


class EngineApiBuilder(Builder):
    """POST /build of the configured engine (Docker or podman's compatible API)."""

    name = "engine-api"

    def __init__(self, config: Dockerize) -> None:
        self.config = config

    def build(self, what: BuildInput, events: BuildEvents, cancellation: Cancellation) -> str:
        settings = self.config.engine_settings()
        # Every request of this client has a read timeout except the build's log stream (a
        # step may print nothing for minutes; the job's build timeout bounds it).
        client = open_api_client(
            settings, client_class=JobAPIClient, timeout=self.config.engine_call_timeout
        )
        assert isinstance(client, JobAPIClient)
        try:
            network = build_network(self.config.build_network_mode, client)
            if self.config.build_network_mode == "auto" and network == "host":
                events.log("The engine has no bridge network: build steps use the host's network.")
            return run_build(client, what, events, cancellation, network_mode=network)
        except (DockerizeError, Cancelled):
            raise
        except Exception as error:
            raise job_error(error, settings.host()) from error
        finally:
            client.close()


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
    what: BuildInput,
    events: BuildEvents,
    cancellation: Cancellation,
    *,
    network_mode: str | None = None,
) -> str:
    """Builds ``what.image`` and returns the image id; raises BuildFailed or Cancelled."""
    client.cancellation = cancellation
    try:
        return _build(client, what, events, cancellation, network_mode)
    except Cancelled:
        raise
    except Exception:
        # A cut socket surfaces as a broken stream: that is the cancellation, not a fault.
        cancellation.check()
        raise


def _build(
    client: JobAPIClient,
    what: BuildInput,
    events: BuildEvents,
    cancellation: Cancellation,
    network_mode: str | None,
) -> str:
    lines = LineBuffer()
    step_output = StepOutput()
    image_id: str | None = None
    stream = client.build(
        fileobj=context_stream(what.context, cancellation),
        custom_context=True,
        tag=what.image,
        labels=dict(what.labels),
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
        network_mode=network_mode or None,
        platform=what.platform or None,
    )
    try:
        for chunk in stream:
            cancellation.check()
            image_id = _handle_chunk(chunk, events, lines, step_output) or image_id
    finally:
        for line in lines.flush():
            events.log(line)
    cancellation.check()
    if image_id is None:
        raise BuildFailed(
            "The engine ended the build without an image.",
            "See the build log; the engine may have been stopped during the build.",
        )
    # The stream may give only the short id: the full one names the image for good.
    return str(client.inspect_image(image_id)["Id"])


def _handle_chunk(
    chunk: dict[str, Any], events: BuildEvents, lines: LineBuffer, step_output: StepOutput
) -> str | None:
    if not isinstance(chunk, dict):
        return None
    if "error" in chunk or "errorDetail" in chunk:
        detail = chunk.get("errorDetail") or {}
        message = str(detail.get("message") or chunk.get("error") or "unknown error").strip()
        for line in lines.flush():
            step_output.add(line)
            events.log(line)
        events.log(message, stream="stderr")
        raise build_failure(message, events.current_step, step_output.text())
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
                events.step(int(step.group(1)), int(step.group(2)), line[step.end() :].strip())
            built = BUILT.match(line)
            if built and image_id is None:
                image_id = built.group(1)
            step_output.add(line)
            events.log(line)
    status = chunk.get("status")
    if isinstance(status, str):
        # Pulling the base image: one line per layer status, without the byte counter.
        layer = chunk.get("id")
        events.log(f"{layer}: {status}" if layer else status)
    return image_id

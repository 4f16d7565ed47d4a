"""BuildKit through the docker CLI: ``docker buildx build`` or ``DOCKER_BUILDKIT=1 docker build``.

The build context is ``iter_tar`` of the same assembly the zip download streams, written to
the CLI's standard input (``docker build -``: a tar on stdin is the whole context). The CLI's
``--progress=plain`` output becomes the job's log lines and step progress (``[stage k/N]``
of a vertex gives the step); a failing vertex fails the job with BuildKit's own message and
a hint read from that vertex's output (``build_hints``). Cancelling stops the CLI (SIGTERM:
it cancels the solve on the engine, which stops the step's process), so nothing is left:
BuildKit runs steps without engine containers.

Where buildx exists it is used (``--load`` brings the image into the configured engine, so
a ``--builder NAME`` on Kubernetes or a remote buildkitd builds unchanged); a CLI before
Docker 23 without buildx uses its integrated BuildKit client.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..build_hints import DEFAULT_HINT
from ..bundle import iter_tar
from ..cancellation import Cancellation, Cancelled
from ..containers import build_network
from ..engine import engine_product, job_error, open_api_client
from ..errors import DockerizeError
from .base import Builder, BuildEvents, BuildFailed, BuildInput, build_failure
from .docker_cli import DockerCli, cli_environment, find_docker_cli, run_cli
from .engine_api import STEP_TAIL_LINES, EngineApiBuilder

if TYPE_CHECKING:
    from ..config import Dockerize

#: A vertex line: "#5 …" (the vertex's number, then what it says).
VERTEX_LINE = re.compile(r"^#(\d+) (.*)$")
#: A vertex's name that is a Dockerfile step: "[stage-0 2/4] RUN …", "[2/4] RUN …",
#: "[builder 1/3] FROM …".
#: "[ 1/13] FROM …" (buildx pads the number), "[frontend-build  1/13] FROM …".
STEP_NAME = re.compile(
    r"^\[(?:(?P<stage>[^\]\s]+)\s+)?\s*(?P<step>\d+)/(?P<steps>\d+)\] (?P<what>.*)$"
)
#: A vertex resolving a base image: what a FROM of an image that cannot be had fails at.
METADATA_NAME = re.compile(r"^\[internal\] load metadata for (?P<image>\S+)$")
#: A line of a step's output: its time since the step began, then the text.
OUTPUT_LINE = re.compile(r"^\d+\.\d+ ?(.*)$")
#: The vertex's digest, which 20.10 prints under each name: noise for a reader.
DIGEST_LINE = re.compile(r"^sha256:[0-9a-f]{64}$")
#: The vertex's status words ("..." where buildx pauses a vertex to show another).
STATUS_LINE = re.compile(r"^(DONE \d+(\.\d+)?s|CACHED|CANCELED|\.\.\.)$")
#: Where the image's id is written (export to the engine).
WRITING_IMAGE = re.compile(r"^writing image (sha256:[0-9a-f]{64})")
#: The summary BuildKit ends a failed build with: "ERROR: failed to solve: …" (buildx),
#: "failed to solve with frontend dockerfile.v0: …" or "executor failed running …" (20.10).
SUMMARY_PREFIXES = ("ERROR: ", "failed to solve", "executor failed running", "error: ")

BASE_IMAGE_HINT = (
    "BuildKit could not find the base image {image} on the engine nor get it from its "
    "registry: check the FROM line's name and tag, that the engine reaches that registry "
    "(its proxy and registry mirrors), and, for a private registry, that the docker CLI is "
    "logged in to it (`docker login`). Then build again."
)


def buildkit_arguments(
    cli: DockerCli,
    what: BuildInput,
    iidfile: str,
    *,
    network: str | None,
    buildx_builder: str = "",
) -> list[str]:
    """The CLI's arguments for building ``what`` from a tar on standard input."""
    if cli.buildx:
        args = ["buildx", "build", "--progress=plain", "--load"]
        if buildx_builder:
            args += ["--builder", buildx_builder]
    else:
        args = ["build", "--progress=plain"]
    args += ["--iidfile", iidfile, "--tag", what.image]
    for key, value in sorted(what.labels.items()):
        args += ["--label", f"{key}={value}"]
    if what.platform:
        args += ["--platform", what.platform]
    if network:
        args += ["--network", network]
        if cli.buildx and network == "host":
            args += ["--allow", "network.host"]
    args.append("-")
    return args


def buildkit_environment(cli: DockerCli, env: Mapping[str, str]) -> dict[str, str]:
    """The CLI's environment, with the integrated BuildKit client switched on where used."""
    merged = dict(env)
    if not cli.buildx:
        merged["DOCKER_BUILDKIT"] = "1"
    return merged


def familiar_image_name(name: str) -> str:
    """docker.io/library/python:3.11 → python:3.11, docker.io/jane/a:1 → jane/a:1."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass
class _Vertex:
    name: str
    step: dict[str, Any] = field(default_factory=dict)
    output: deque[str] = field(default_factory=lambda: deque(maxlen=STEP_TAIL_LINES))
    error: str = ""


class PlainProgress:
    """Reads ``--progress=plain`` output line by line into the job's events.

    Vertices run in parallel and their lines interleave, each led by ``#N``: the output
    is kept per vertex, so a failure is explained by the failing vertex's own lines.
    Each step (``[stage k/N] INSTRUCTION``) is reported once, as progress and as a
    "Step k/N : INSTRUCTION" line, the classic builder's words, so the log reads the same
    whichever builder ran; BuildKit's own lines follow as it prints them. (A step that a
    concurrent build shares, such as the same FROM, carries the name that build gave it,
    its N included: BuildKit merges the two. Later steps of this build correct N.)
    """

    def __init__(self, events: BuildEvents) -> None:
        self.events = events
        self.vertices: dict[str, _Vertex] = {}
        self.failed: _Vertex | None = None
        #: Lines of no vertex: BuildKit's summary of a failure, the CLI's own errors.
        self.trailer: list[str] = []
        self.image_id: str | None = None

    def feed(self, line: str) -> None:
        line = line.rstrip()
        match = VERTEX_LINE.match(line)
        if match is None:
            if line.strip():
                self.trailer.append(line)
                self.events.log(line)
            return
        number, text = match.group(1), match.group(2)
        vertex = self.vertices.get(number)
        if vertex is None:
            vertex = self.vertices[number] = _Vertex(name=text)
            self._announce(vertex)
        elif DIGEST_LINE.match(text):
            return
        elif text.startswith("ERROR: ") or text == "ERROR":
            vertex.error = text[len("ERROR: ") :].strip()
            if self.failed is None:
                self.failed = vertex
        elif text != vertex.name and not STATUS_LINE.match(text):
            output = OUTPUT_LINE.match(text)
            vertex.output.append((output.group(1) if output else text)[:2000])
            written = WRITING_IMAGE.match(text)
            if written:
                self.image_id = written.group(1)
        self.events.log(line)

    def _announce(self, vertex: _Vertex) -> None:
        step = STEP_NAME.match(vertex.name)
        if step is None:
            return
        number, steps, what = int(step.group("step")), int(step.group("steps")), step.group("what")
        vertex.step = {"step": number, "steps": steps, "instruction": what[:200]}
        self.events.log(f"Step {number}/{steps} : {what}")
        self.events.step(number, steps, what)

    def failure(self, exit_code: int) -> BuildFailed:
        """The failed build, said in BuildKit's words, at the failing step."""
        message = self.summary() or f"docker exited with code {exit_code}"
        vertex = self.failed
        if vertex is None:
            return build_failure(message, {}, "")
        metadata = METADATA_NAME.match(vertex.name)
        if vertex.step or metadata is None:
            return build_failure(message, vertex.step, "\n".join(vertex.output))
        image = familiar_image_name(metadata.group("image"))
        where = f"at FROM {image} (the base image)"
        failure = build_failure(message, {}, "\n".join(vertex.output), where=where)
        if failure.hint == DEFAULT_HINT:
            failure.hint = BASE_IMAGE_HINT.format(image=image)
        return failure

    def summary(self) -> str:
        """BuildKit's last word on a failed build (else the failing vertex's error)."""
        candidates = [line.strip() for line in self.trailer if line.strip()]
        for line in reversed(candidates):
            if line.startswith(SUMMARY_PREFIXES):
                return line.removeprefix("ERROR: ").strip()
        if self.failed is not None and self.failed.error:
            return self.failed.error
        return candidates[-1] if candidates else ""


class BuildKitCliBuilder(Builder):
    """BuildKit through the docker CLI on the server (``find_docker_cli``)."""

    name = "buildkit-cli"

    def __init__(self, config: Dockerize, cli: DockerCli | None = None) -> None:
        self.config = config
        self._cli = cli

    @property
    def cli(self) -> DockerCli | None:
        return self._cli or find_docker_cli(self.config)

    def build(self, what: BuildInput, events: BuildEvents, cancellation: Cancellation) -> str:
        cli = self.cli
        if cli is None or not cli.builds_with_buildkit:
            raise DockerizeError(
                "BuildKit builds need a docker CLI with buildx (or one before Docker 23), and "
                + ("none was found." if cli is None else f"{cli.describe()}."),
                "Install the docker CLI's buildx plugin (docker-buildx-plugin), set "
                "c.Dockerize.docker_cli to a docker that has it, or build with the classic "
                "builder: c.Dockerize.builder = 'engine-api'.",
                code="no_docker_cli",
            )
        settings = self.config.engine_settings()
        client = open_api_client(settings, timeout=self.config.engine_call_timeout)
        try:
            if self.config.builder == "auto" and "podman" in engine_product(client).lower():
                events.log(
                    "The engine is Podman: building with its Engine API builder "
                    "(BuildKit through the docker CLI needs a Docker engine)."
                )
                return EngineApiBuilder(self.config).build(what, events, cancellation)
            events.log(f"Building with {cli.describe()}.")
            network = self._network(client, cli, events)
            with tempfile.TemporaryDirectory(prefix="dockerize-buildkit-") as folder:
                iidfile = str(Path(folder) / "image-id")
                image_id = self._run(cli, what, events, cancellation, iidfile, network, client)
            return self._full_id(client, image_id, what.image)
        except (DockerizeError, Cancelled):
            raise
        except Exception as error:
            raise job_error(error, settings.host()) from error
        finally:
            client.close()

    def _network(self, client: Any, cli: DockerCli, events: BuildEvents) -> str | None:
        mode = self.config.build_network_mode
        if mode == "auto" and cli.buildx and self.config.buildx_builder:
            return None  # a named builder runs elsewhere: the engine's networks say nothing
        network = build_network(mode, client)
        if mode == "auto" and network == "host":
            events.log("The engine has no bridge network: build steps use the host's network.")
        return network

    def _run(
        self,
        cli: DockerCli,
        what: BuildInput,
        events: BuildEvents,
        cancellation: Cancellation,
        iidfile: str,
        network: str | None,
        client: Any,
    ) -> str:
        args = buildkit_arguments(
            cli, what, iidfile, network=network, buildx_builder=self.config.buildx_builder
        )
        env = buildkit_environment(cli, cli_environment(self.config.engine_settings()))
        progress = PlainProgress(events)
        code = run_cli(cli, args, env, cancellation, progress.feed, stdin=iter_tar(what.context))
        cancellation.check()
        if code != 0:
            if progress.failed is None:
                # No step failed: the CLI lost the engine (or could not reach it at all).
                try:
                    client.ping()
                except Exception as error:
                    raise job_error(error, self.config.engine_settings().host()) from error
            failure = progress.failure(code)
            events.log(failure.message, stream="stderr")
            raise failure
        image_id = ""
        with contextlib.suppress(OSError):
            image_id = Path(iidfile).read_text(encoding="utf-8").strip()
        image_id = image_id or progress.image_id or ""
        if not image_id:
            raise BuildFailed(
                "BuildKit ended the build without an image.",
                "See the build log; the engine may have been stopped during the build.",
            )
        return image_id

    @staticmethod
    def _full_id(client: Any, image_id: str, tag: str) -> str:
        """The image's id as the engine names it (with the containerd image store, buildx's
        iidfile may hold a manifest's digest rather than the engine's image id)."""
        try:
            return str(client.inspect_image(image_id)["Id"])
        except Exception:  # noqa: BLE001 - the tag names the same image
            return str(client.inspect_image(tag)["Id"])

"""Builders as modules (builders/): the job service talks to the builder interface only.

A builder that records each call and hands it to the real Engine API builder shows what
the service gives a builder and that the image it returns is the job's; the service's
imports show it names no builder of its own.
"""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from jupyterlab_dockerize import builds
from jupyterlab_dockerize.builders import (
    BUILDERS,
    Builder,
    BuildEvents,
    BuildInput,
    BuildKitCliBuilder,
    EngineApiBuilder,
    make_builder,
)
from jupyterlab_dockerize.builds import BuildService
from jupyterlab_dockerize.cancellation import Cancellation, Cancelled
from jupyterlab_dockerize.config import Dockerize
from jupyterlab_dockerize.containers import JOB_LABEL
from jupyterlab_dockerize.contracts import parse_build_request
from jupyterlab_dockerize.jobs import Job, JobState

from .buildjobs import STANDIN

#: What builds.py may take from the builders package: the interface and the choice.
INTERFACE = {"Builder", "BuildEvents", "BuildInput", "make_builder"}


class RecordingBuilder(Builder):
    """Records what the service asks, and has the real builder do it."""

    name = "recording"

    def __init__(self, inner: Builder) -> None:
        self.inner = inner
        self.calls: list[tuple[BuildInput, BuildEvents, Cancellation]] = []
        self.results: list[str] = []

    def build(self, what: BuildInput, events: BuildEvents, cancellation: Cancellation) -> str:
        self.calls.append((what, events, cancellation))
        image_id = self.inner.build(what, events, cancellation)
        self.results.append(image_id)
        return image_id


def test_the_service_imports_the_builder_interface_and_nothing_of_a_builder():
    tree = ast.parse(Path(builds.__file__).read_text(encoding="utf-8"))
    modules: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            modules.setdefault(module, set()).update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                modules.setdefault(alias.name, set())
    assert modules[".builders"] <= INTERFACE
    assert not [name for name in modules if name.startswith(".builders.")]
    assert not [name for name in modules if name.split(".")[0] in {"docker", "requests"}]


def test_the_builder_is_chosen_in_one_place():
    config = Dockerize(builder="engine-api")
    assert isinstance(make_builder(config), EngineApiBuilder)
    assert isinstance(make_builder(Dockerize(builder="buildkit")), BuildKitCliBuilder)
    assert BUILDERS == {"engine-api": EngineApiBuilder, "buildkit-cli": BuildKitCliBuilder}
    for name, kind in BUILDERS.items():
        assert issubclass(kind, Builder) and kind.name == name


def test_build_events_are_the_build_phases_log_and_progress():
    job = Job(id="0123456789abcdef", image="a/b:1")
    events = BuildEvents(job)
    assert events.current_step == {}
    events.step(2, 5, "RUN " + "x" * 300)
    events.log("line")
    events.log("the engine's error", stream="stderr")
    assert events.current_step == {"step": 2, "steps": 5, "instruction": "RUN " + "x" * 196}
    kinds = [(e["kind"], e["phase"], e.get("stream")) for e in job.events_since(0)]
    assert kinds == [
        ("progress", "build", None),
        ("log", "build", None),
        ("log", "build", "stderr"),
    ]


@pytest.mark.engine
@pytest.mark.timeout(300)
async def test_a_real_build_goes_through_the_builder_interface(
    engine, engine_host, state_dir, tmp_path
):
    config = Dockerize(docker_host=engine_host)
    recorder = RecordingBuilder(EngineApiBuilder(config))
    root = tmp_path / "root"
    root.mkdir()
    service = BuildService(config, str(root), state_dir, builder=recorder)
    await service.ready()
    body = {
        "files": {"Dockerfile": f"FROM {STANDIN}\nCOPY note.txt /note.txt\n", "note.txt": "hi\n"},
        "image": "dz-builders/recorded:1",
    }
    try:
        job = await service.submit(parse_build_request(json.dumps(body).encode(), service.limits))
        deadline = time.monotonic() + 240
        while job.active:
            assert time.monotonic() < deadline, job.message
            await asyncio.sleep(0.2)
        assert job.state is JobState.BUILT, job.message
        [(what, events, cancellation)] = recorder.calls
        assert what.image == "dz-builders/recorded:1"
        assert dict(what.labels) == {JOB_LABEL: job.id}
        assert what.platform is None
        assert {entry.path for entry in what.context.entries} == {"Dockerfile", "note.txt"}
        assert isinstance(events, BuildEvents) and isinstance(cancellation, Cancellation)
        assert recorder.results == [job.image_id]
        assert engine.inspect_image(job.image_id)["Config"]["Labels"][JOB_LABEL] == job.id
        steps = [e for e in job.events_since(0) if e["kind"] == "progress"]
        total = steps[-1]["steps"]  # the engine adds a step for the labels
        assert [(e["step"], e["steps"]) for e in steps] == [(n, total) for n in range(1, total + 1)]
        assert [e["instruction"] for e in steps[:2]] == [
            f"FROM {STANDIN}",
            "COPY note.txt /note.txt",
        ]
    finally:
        await service.shutdown()
        engine.remove_image("dz-builders/recorded:1", force=True)


def test_a_cancellation_stops_a_builders_process():
    """What a builder that runs a tool (BuildKit's CLI, podman) hooks its process to."""
    cancellation = Cancellation()
    process = subprocess.Popen(["sleep", "60"])
    cancellation.on_cancel(process.kill)
    started = time.monotonic()
    threading.Timer(0.2, cancellation.cancel, ("Cancelled by the user.",)).start()
    assert process.wait(timeout=10) != 0
    assert time.monotonic() - started < 10
    with pytest.raises(Cancelled):
        cancellation.check()
    late = subprocess.Popen(["sleep", "60"])
    cancellation.on_cancel(late.kill)  # already cancelled: stopped at once
    assert late.wait(timeout=10) != 0
    cancellation.on_cancel(process.kill)  # a process already gone is no error

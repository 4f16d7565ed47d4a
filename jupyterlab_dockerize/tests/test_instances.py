"""Two Jupyter servers of one user share a state folder and an engine without harming each
other; a server's stop ends its work; what a gone server left is cleaned, and only that."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from jupyterlab_dockerize.builds import BuildService
from jupyterlab_dockerize.config import Dockerize
from jupyterlab_dockerize.containers import SERVER_LABEL
from jupyterlab_dockerize.contracts import parse_build_request
from jupyterlab_dockerize.instances import ServerInstance
from jupyterlab_dockerize.jobs import JobState

from .buildjobs import STANDIN

pytestmark = [pytest.mark.engine, pytest.mark.timeout(300)]

JOB_LABEL = "io.github.jupyterlab-dockerize.job"


def service(engine_host, state_dir, tmp_path) -> BuildService:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return BuildService(Dockerize(docker_host=engine_host), str(root), state_dir)


def running_record(job_id: str, server: str) -> dict:
    return {
        "id": job_id,
        "image": f"dz-instances/{job_id}:1",
        "server": server,
        "created": "2026-01-01T00:00:00.000Z",
        "state": "building",
        "message": "Building the image.",
        "phase": "build",
        "timestamps": {"queued": "2026-01-01T00:00:00.000Z"},
    }


def container_of(engine, job_id: str, server: str) -> str:
    labels = {JOB_LABEL: job_id, SERVER_LABEL: server}
    return engine.create_container(STANDIN, command=["true"], labels=labels)["Id"]


def exists(engine, container_id: str) -> bool:
    return any(c["Id"] == container_id for c in engine.containers(all=True))


async def test_a_second_server_leaves_the_first_ones_jobs_files_and_containers_alone(
    engine, engine_host, state_dir, tmp_path
):
    first = service(engine_host, state_dir, tmp_path)
    await first.start()
    jobs = state_dir / "jobs"
    jobs.mkdir(exist_ok=True)
    (jobs / "aaaaaaaaaaaaaaaa.json").write_text(
        json.dumps(running_record("aaaaaaaaaaaaaaaa", first.instance.id))
    )
    wheelhouse = first.temp_root / "aaaaaaaaaaaaaaaa" / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    container = container_of(engine, "aaaaaaaaaaaaaaaa", first.instance.id)
    second = service(engine_host, state_dir, tmp_path)
    try:
        await second.start()
        assert "aaaaaaaaaaaaaaaa" not in second.jobs
        assert wheelhouse.is_dir()
        assert exists(engine, container)
        saved = json.loads((jobs / "aaaaaaaaaaaaaaaa.json").read_text())
        assert saved["state"] == "building"
    finally:
        await second.shutdown()
        await first.shutdown()
        engine.remove_container(container, force=True)


async def test_a_server_cleans_only_after_a_server_that_is_gone(
    engine, engine_host, state_dir, tmp_path
):
    gone = ServerInstance(state_dir)
    gone.folder.mkdir(parents=True)
    (gone.folder / f"{gone.id}.lock").write_text("12345\n")  # a crash: nobody holds it
    alive = ServerInstance(state_dir)
    alive.claim()
    jobs = state_dir / "jobs"
    jobs.mkdir()
    (jobs / "bbbbbbbbbbbbbbbb.json").write_text(
        json.dumps(running_record("bbbbbbbbbbbbbbbb", gone.id))
    )
    (jobs / "cccccccccccccccc.json").write_text(
        json.dumps(running_record("cccccccccccccccc", alive.id))
    )
    gone_temp = gone.temp_root / "bbbbbbbbbbbbbbbb"
    alive_temp = alive.temp_root / "cccccccccccccccc"
    gone_temp.mkdir(parents=True)
    alive_temp.mkdir(parents=True)
    gone_container = container_of(engine, "bbbbbbbbbbbbbbbb", gone.id)
    alive_container = container_of(engine, "cccccccccccccccc", alive.id)
    restarted = service(engine_host, state_dir, tmp_path)
    try:
        await restarted.start()
        adopted = restarted.jobs["bbbbbbbbbbbbbbbb"]
        assert adopted.state is JobState.INTERRUPTED and adopted.server == restarted.instance.id
        assert "cccccccccccccccc" not in restarted.jobs
        assert not gone_temp.exists() and not (gone.folder / f"{gone.id}.lock").exists()
        assert alive_temp.is_dir()
        assert not exists(engine, gone_container)
        assert exists(engine, alive_container)
    finally:
        await restarted.shutdown()
        alive.release()
        engine.remove_container(alive_container, force=True)


async def test_stopping_the_server_ends_its_build_and_keeps_the_log(
    engine, engine_host, state_dir, tmp_path
):
    builds = service(engine_host, state_dir, tmp_path)
    await builds.ready()
    body = json.dumps(
        {
            "files": {"Dockerfile": f"FROM {STANDIN}\nRUN echo started-long && sleep 300\n"},
            "image": "dz-instances/stopped:1",
        }
    ).encode()
    job = await builds.submit(parse_build_request(body, builds.limits))
    deadline = time.monotonic() + 90
    while not any("started-long" in e.get("text", "") for e in job.events_since(0)):
        assert time.monotonic() < deadline, job.message
        await asyncio.sleep(0.2)
    started = time.monotonic()
    await builds.shutdown()
    assert time.monotonic() - started < 20
    assert job.state is JobState.INTERRUPTED
    saved = json.loads((state_dir / "jobs" / f"{job.id}.json").read_text())
    assert saved["state"] == "interrupted"
    log = (state_dir / "jobs" / f"{job.id}.events.jsonl").read_text()
    assert "started-long" in log and '"interrupted"' in log
    assert not builds.temp_root.exists()
    # The engine saw its client go: the build's container is gone.
    deadline = time.monotonic() + 30
    while any("sleep 300" in (c.get("Command") or "") for c in engine.containers(all=True)):
        assert time.monotonic() < deadline, "the stopped server's build still runs"
        await asyncio.sleep(0.5)
    # A server started later shows the job, with its log.
    later = service(engine_host, state_dir, tmp_path)
    try:
        await later.start()
        shown = later.get(job.id)
        assert shown.state is JobState.INTERRUPTED
        assert any("started-long" in e.get("text", "") for e in shown.events_since(0))
    finally:
        await later.shutdown()

"""The job model without an engine: states, event offsets, waiting, and the record on disk."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from jupyterlab_dockerize.jobs import MAX_LINE, Job, JobState, JobStateError, JobStore


def test_phases_move_through_explicit_states_with_timestamps():
    job = Job(id="j1", image="a/b:1")
    assert job.state is JobState.QUEUED and "queued" in job.timestamps
    job.begin("build")
    assert job.state is JobState.BUILDING
    with pytest.raises(JobStateError):
        job.begin("push")  # the build is under way
    job.image_id = "sha256:" + "0" * 64
    job.succeed("Built.")
    assert job.state is JobState.BUILT
    job.begin("push")
    job.fail("refused", "log in", "push_unauthorized")
    assert job.state is JobState.FAILED and job.error["code"] == "push_unauthorized"
    job.begin("verify")  # a failed push leaves a built image: verify may run
    assert job.error is None
    job.succeed("ok")
    assert job.state is JobState.VERIFIED
    phases = [e["state"] for e in job.events_since(0) if e["kind"] == "phase"]
    assert phases == ["building", "built", "pushing", "failed", "verifying", "verified"]


def test_push_and_verify_need_a_built_image():
    job = Job(id="j2", image="a/b:1")
    job.begin("build")
    job.fail("no")
    with pytest.raises(JobStateError, match="build it first"):
        job.begin("push")


def test_offsets_are_dense_and_long_lines_are_clipped():
    job = Job(id="j3", image="a/b:1")
    for n in range(10):
        job.emit("log", phase="build", text="x" * (MAX_LINE + 10) if n == 5 else f"line {n}")
    events = job.events_since(0)
    assert [e["offset"] for e in events] == list(range(10))
    assert len(events[5]["text"]) == MAX_LINE + 2
    assert job.events_since(7) == events[7:]
    assert job.events_since(7, limit=2) == events[7:9]


async def test_waiting_clients_wake_on_an_event_from_a_worker_thread():
    job = Job(id="j4", image="a/b:1")
    job.bind_loop(asyncio.get_running_loop())
    waiter = asyncio.create_task(job.wait_events(0, timeout=10))
    await asyncio.sleep(0.05)
    threading.Thread(
        target=job.emit, args=("log",), kwargs={"phase": "build", "text": "hi"}
    ).start()
    events = await asyncio.wait_for(waiter, 5)
    assert [e["text"] for e in events] == ["hi"]
    assert await job.wait_events(1, timeout=0.05) == []


def test_the_record_on_disk_has_no_events_and_no_run_token(tmp_path):
    store = JobStore(tmp_path / "jobs")
    job = Job(id="j5", image="a/b:1")
    job.emit("log", phase="build", text="secret-looking log line")
    job.run = {"containerId": "c", "port": 1, "url": "http://127.0.0.1:1/", "token": "tok"}
    store.save(job)
    text = (tmp_path / "jobs" / "j5.json").read_text()
    assert "secret-looking" not in text and "tok" not in json.loads(text)["run"].values()
    assert job.to_json()["run"]["token"] == "tok"
    (loaded,) = store.load()
    assert loaded.id == "j5" and loaded.state is JobState.QUEUED


def test_broken_and_half_written_records_are_dropped(tmp_path):
    store = JobStore(tmp_path)
    store.save(Job(id="ok", image="a/b:1"))
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / ".job-123.tmp").write_text("{}")
    assert [job.id for job in store.load()] == ["ok"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.json"]

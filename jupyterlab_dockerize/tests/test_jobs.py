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


def test_a_failed_verify_leaves_the_image_built_and_pushable():
    job = Job(id="j9", image="a/b:1")
    job.begin("build")
    job.image_id = "sha256:" + "1" * 64
    job.succeed("Built.")
    job.begin("verify")
    job.fail("list index out of range", "see the log", "internal_error")
    assert job.state is JobState.BUILT
    assert job.verification["ok"] is False
    assert job.verification["error"]["code"] == "internal_error"
    assert job.error["code"] == "internal_error"
    assert "still built" in job.message
    job.begin("push")  # still pushable
    job.succeed("Pushed.")
    job.begin("verify")
    job.cancel("Cancelled by the user.")
    assert job.state is JobState.PUSHED


def test_a_verify_interrupted_by_a_restart_comes_back_to_the_state_it_left():
    job = Job(id="j10", image="a/b:1")
    job.begin("build")
    job.image_id = "sha256:" + "2" * 64
    job.succeed("Built.")
    job.begin("verify")
    restored = Job.from_record(job.record())
    restored.interrupt("The Jupyter server stopped while this job ran.", "Start it again.")
    assert restored.state is JobState.BUILT
    assert restored.error["code"] == "interrupted"


def test_events_are_kept_on_disk_and_read_back_after_a_restart(tmp_path):
    store = JobStore(tmp_path)
    job = Job(id="j11", image="a/b:1")
    store.keep_events(job)
    for number in range(50):
        job.emit("log", phase="build", text=f"line {number}")
    job.close_events()
    store.save(job)
    (again,) = store.load()
    store.load_events(again)
    assert [e["text"] for e in again.events_since(0)] == [f"line {n}" for n in range(50)]
    store.keep_events(again)
    again.emit("log", phase="build", text="after the restart")
    assert again.events_since(50)[0]["offset"] == 50
    store.remove("j11")
    assert list(tmp_path.iterdir()) == []


def test_the_event_log_on_disk_is_bounded_and_keeps_the_newest_lines(tmp_path):
    store = JobStore(tmp_path, log_max_bytes=64 * 1024)
    job = Job(id="j12", image="a/b:1")
    store.keep_events(job)
    for number in range(5000):
        job.emit("log", phase="build", text=f"line {number} " + "x" * 40)
    job.close_events()
    on_disk = sum(path.stat().st_size for path in tmp_path.iterdir())
    assert on_disk <= 64 * 1024
    again = Job(id="j12", image="a/b:1")
    store.load_events(again)
    events = again.events_since(0)
    assert events[-1]["text"].startswith("line 4999 ")
    assert events[0]["offset"] > 0  # the oldest were rotated away
    offsets = [e["offset"] for e in events]
    assert offsets == list(range(offsets[0], offsets[0] + len(offsets)))
    assert again.events_since(offsets[0]) == events
    assert again.event_count == 5000


def test_a_torn_last_line_of_a_crash_is_skipped(tmp_path):
    store = JobStore(tmp_path)
    job = Job(id="j13", image="a/b:1")
    store.keep_events(job)
    job.emit("log", phase="build", text="whole")
    job.close_events()
    with (tmp_path / "j13.events.jsonl").open("a") as handle:
        handle.write('{"offset": 1, "kind": "log", "te')
    again = Job(id="j13", image="a/b:1")
    store.load_events(again)
    assert [e["text"] for e in again.events_since(0)] == ["whole"]

"""Build jobs through the server's routes, on the real engine and the real registry.

The engine is the harness's private dockerd (no bridge network, so builds and containers
use the host's network); the registry is the harness's htpasswd-protected one on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from .buildjobs import (
    EngineProxy,
    all_events,
    call,
    default_builder_name,
    engine_server_config,
    exit_code_words,
    log_text,
    needs_unix_socket,
    start_build,
    wait_for,
)
from .figures import Figures

pytestmark = pytest.mark.engine

docker = pytest.importorskip("docker")

STANDIN = "python:3.11-slim"
QUICK = f"FROM {STANDIN}\nCOPY notebooks/ /notebooks/\nRUN echo step-output\n"


@pytest.fixture
def notebook(jp_root_dir):
    (jp_root_dir / "analysis.ipynb").write_text('{"cells": [], "nbformat": 4}')
    return {"workspacePath": "analysis.ipynb", "bundlePath": "notebooks/analysis.ipynb"}


def our_containers(engine) -> list[dict]:
    return engine.containers(all=True)


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, max_concurrent_builds=1)


async def test_build_streams_steps_and_tags_the_image(jp_fetch, engine, notebook, state_dir):
    job = await start_build(
        jp_fetch, QUICK, "dockerize-test/quick:1", include=[notebook], notebook="analysis.ipynb"
    )
    assert job["state"] in {"queued", "building"}
    assert job["notebook"] == "analysis.ipynb"
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert done["state"] == "built", done
    assert set(done["timestamps"]) >= {"queued", "building", "built"}
    events = await all_events(jp_fetch, job["id"])
    assert [e["offset"] for e in events] == list(range(len(events)))
    text = log_text(events, "build")
    assert "Step 1/" in text and "step-output" in text
    phases = [e["state"] for e in events if e["kind"] == "phase"]
    assert phases == ["queued", "building", "built"]
    assert done["progress"]["build"]["step"] == done["progress"]["build"]["steps"]
    image = engine.inspect_image("dockerize-test/quick:1")
    assert image["Id"] == done["imageId"]
    assert image["Config"]["Labels"]["io.github.jupyterlab-dockerize.job"] == job["id"]
    # The record on disk: no events, and the job lists after a reload of the list.
    record = json.loads((state_dir / "jobs" / f"{job['id']}.json").read_text())
    assert record["state"] == "built" and "events" not in record
    status, listing = await call(jp_fetch)
    assert status == 200 and job["id"] in [j["id"] for j in listing["jobs"]]


async def test_a_failing_step_fails_the_job_with_the_engines_message(jp_fetch, notebook):
    dockerfile = f"FROM {STANDIN}\nRUN echo about-to-fail && exit 3\n"
    job = await start_build(jp_fetch, dockerfile, "dockerize-test/fails:1")
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert done["state"] == "failed"
    assert exit_code_words(3) in done["message"]
    assert done["error"]["code"] == "build_failed" and done["error"]["hint"]
    assert "about-to-fail" in log_text(await all_events(jp_fetch, job["id"]))


async def test_a_missing_base_image_fails_clearly(jp_fetch):
    job = await start_build(jp_fetch, "FROM dockerize-test/no-such-base:0\n", "dockerize-test/x:1")
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert done["state"] == "failed"
    if default_builder_name() == "engine-api":
        # The classic builder counts the label it adds as a second step.
        assert "at step 1/2 (FROM dockerize-test/no-such-base:0)" in done["message"]
    else:
        # BuildKit fails resolving the base image, before its FROM step exists.
        assert "at FROM dockerize-test/no-such-base:0 (the base image)" in done["message"]


async def test_cancel_mid_build_leaves_no_container_or_temp_dir(
    jp_fetch, engine, state_dir, notebook
):
    before = {c["Id"] for c in our_containers(engine)}
    dockerfile = f"FROM {STANDIN}\nRUN echo started && sleep 300\n"
    job = await start_build(jp_fetch, dockerfile, "dockerize-test/cancel:1")
    deadline = time.monotonic() + 60
    while "started" not in log_text(await all_events(jp_fetch, job["id"])):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    status, body = await call(jp_fetch, job["id"], method="DELETE")
    assert status == 202, body
    done = await wait_for(jp_fetch, job["id"], {"cancelled", "failed", "built"}, timeout=30)
    assert done["state"] == "cancelled", done
    assert done["message"] == "Cancelled by the user."
    deadline = time.monotonic() + 20
    while {c["Id"] for c in our_containers(engine)} - before:
        assert time.monotonic() < deadline, "the build's container is still there"
        await asyncio.sleep(0.5)
    assert not list((state_dir / "tmp").glob("*")) if (state_dir / "tmp").exists() else True
    # Nothing left to cancel now.
    status, body = await call(jp_fetch, job["id"], method="DELETE")
    assert status == 409 and body["error"]["code"] == "job_conflict"


async def test_builds_beyond_the_cap_queue_in_order_and_none_is_lost(jp_fetch):
    dockerfile = f"FROM {STANDIN}\nRUN sleep 1\n"
    jobs = [await start_build(jp_fetch, dockerfile, f"dockerize-test/queue:{n}") for n in range(3)]
    await asyncio.sleep(0.3)
    states = [(await call(jp_fetch, job["id"]))[1]["state"] for job in jobs]
    assert states.count("building") <= 1, states
    done = [await wait_for(jp_fetch, job["id"], {"built", "failed"}) for job in jobs]
    assert [job["state"] for job in done] == ["built"] * 3
    starts = [job["timestamps"]["building"] for job in done]
    ends = [job["timestamps"]["built"] for job in done]
    assert starts == sorted(starts)
    assert all(ends[n] <= starts[n + 1] for n in range(2)), "more builds than the cap at once"


async def test_two_jobs_for_one_tag_never_overlap(jp_fetch):
    dockerfile = f"FROM {STANDIN}\nRUN sleep 1\n"
    first = await start_build(jp_fetch, dockerfile, "dockerize-test/same:1")
    second = await start_build(jp_fetch, dockerfile + "RUN true\n", "dockerize-test/same:1")
    a = await wait_for(jp_fetch, first["id"], {"built", "failed"})
    b = await wait_for(jp_fetch, second["id"], {"built", "failed"})
    assert a["timestamps"]["built"] <= b["timestamps"]["building"]


async def test_events_replay_from_any_offset_and_over_a_websocket(jp_fetch, jp_ws_fetch, notebook):
    dockerfile = f"FROM {STANDIN}\n" + "".join(f"RUN echo line-{n}\n" for n in range(6))
    job = await start_build(jp_fetch, dockerfile, "dockerize-test/events:1", include=[notebook])

    # A WebSocket client that drops after a few events, then reconnects from its offset.
    seen: list[dict] = []
    connection = await jp_ws_fetch(*("jupyterlab-dockerize", "builds", job["id"], "events", "ws"))
    while len(seen) < 4:
        message = json.loads(await connection.read_message())
        if message["kind"] != "heartbeat":
            seen.append(message)
    connection.close()
    await wait_for(jp_fetch, job["id"], {"built", "failed"})
    connection = await jp_ws_fetch(
        "jupyterlab-dockerize", "builds", job["id"], "events", "ws",
        params={"offset": str(len(seen))},
    )  # fmt: skip
    full = await all_events(jp_fetch, job["id"])
    while len(seen) < len(full):
        message = json.loads(await asyncio.wait_for(connection.read_message(), 10))
        if message["kind"] != "heartbeat":
            seen.append(message)
    connection.close()
    assert seen == full
    # Long polling in pages of any size gives the same list.
    assert await all_events(jp_fetch, job["id"], offset=0) == full
    _, page = await call(jp_fetch, job["id"], "events", offset="3")
    assert page["events"] == full[3:] and page["next"] == len(full)
    assert all(f"line-{n}" in log_text(full) for n in range(6))


async def test_events_wait_returns_when_a_new_event_comes(jp_fetch):
    job = await start_build(jp_fetch, f"FROM {STANDIN}\nRUN sleep 2\n", "dockerize-test/wait:1")
    await wait_for(jp_fetch, job["id"], {"built"})
    count = len(await all_events(jp_fetch, job["id"]))
    started = time.monotonic()
    status, page = await call(jp_fetch, job["id"], "events", offset=str(count), wait="1")
    assert status == 200 and page["events"] == [] and time.monotonic() - started >= 0.9


async def test_the_websocket_needs_authentication(jp_fetch, jp_http_port, jp_base_url):
    job = await start_build(jp_fetch, QUICK.split("COPY")[0], "dockerize-test/auth:1")
    path = f"{jp_base_url}jupyterlab-dockerize/builds/{job['id']}/events/ws"
    url = f"ws://127.0.0.1:{jp_http_port}{path}"
    with pytest.raises(Exception) as refused:
        await websocket_connect(HTTPRequest(url))
    assert "403" in str(refused.value) or "401" in str(refused.value)
    await wait_for(jp_fetch, job["id"], {"built", "failed"})


async def test_bad_requests_get_clear_errors(jp_fetch, notebook):
    async def post(body):
        return await call(jp_fetch, method="POST", body=body)

    status, body = await post({"files": {"Dockerfile": QUICK}, "image": "Bad/Name"})
    assert status == 400 and body["error"]["code"] == "invalid_image_reference"
    assert "lowercase" in body["error"]["message"]
    status, body = await post({"files": {"Dockerfile": QUICK}, "image": "a/b@sha256:" + "0" * 64})
    assert status == 400 and "digest" in body["error"]["message"]
    status, body = await post({"files": {"README.md": "x"}, "image": "a/b:1"})
    assert status == 400 and "Dockerfile" in body["error"]["message"]
    status, body = await post(
        {
            "files": {"Dockerfile": QUICK},
            "image": "a/b:1",
            "include": [{"workspacePath": "../etc/passwd", "bundlePath": "x"}],
        }
    )
    assert status in {400, 403} and "error" in body
    status, body = await post("{not json")
    assert status == 400 and body["error"]["message"] == "The request body is not valid JSON."
    status, body = await call(jp_fetch, "0123456789abcdef")
    assert status == 404 and body["error"]["code"] == "job_not_found"
    status, body = await call(jp_fetch, "0123456789abcdef", "events", offset="-1")
    assert status == 404
    job = await start_build(jp_fetch, QUICK.split("COPY")[0], "dockerize-test/bad:1")
    status, body = await call(jp_fetch, job["id"], "events", offset="x")
    assert status == 400 and "offset" in body["error"]["message"]
    status, body = await call(jp_fetch, job["id"], "push", method="POST", body={"target": "A:b"})
    assert status in {400, 409}
    await wait_for(jp_fetch, job["id"], {"built", "failed"})
    status, body = await call(jp_fetch, job["id"], "push", method="POST", body={"target": "A:b"})
    assert status == 400 and body["error"]["code"] == "invalid_image_reference"
    status, body = await call(
        jp_fetch,
        job["id"],
        "push",
        method="POST",
        body={"target": "a/b:1", "auth": {"username": "u"}},
    )
    assert status == 400 and body["error"]["message"] == "auth lacks 'token'."


async def test_an_engine_that_dies_mid_build_fails_the_job_with_a_message(
    jp_serverapp, jp_fetch, engine_host, tmp_path
):
    if not engine_host.startswith("unix://"):
        needs_unix_socket()
    proxy = EngineProxy(engine_host[len("unix://") :], tmp_path)
    jp_serverapp.web_app.settings["jupyterlab_dockerize"].docker_host = proxy.host
    try:
        dockerfile = f"FROM {STANDIN}\nRUN echo started && sleep 300\n"
        job = await start_build(jp_fetch, dockerfile, "dockerize-test/engine-dies:1")
        deadline = time.monotonic() + 60
        while "started" not in log_text(await all_events(jp_fetch, job["id"])):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        proxy.kill()
        done = await wait_for(jp_fetch, job["id"], {"failed", "cancelled", "built"}, timeout=30)
    finally:
        proxy.kill()
    assert done["state"] == "failed"
    assert "Docker engine" in done["message"] and done["error"]["hint"]
    # The next build works without restarting the server once the engine is back.
    jp_serverapp.web_app.settings["jupyterlab_dockerize"].docker_host = engine_host
    again = await start_build(jp_fetch, f"FROM {STANDIN}\n", "dockerize-test/engine-back:1")
    assert (await wait_for(jp_fetch, again["id"], {"built", "failed"}))["state"] == "built"


# --- push ---------------------------------------------------------------------------------


def registry_tags(address: str, user: str, password: str, repository: str) -> list[str]:
    request = urllib.request.Request(f"http://{address}/v2/{repository}/tags/list")
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read()).get("tags") or []
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise


def files_containing(secret: bytes, roots: list[Path], since: float) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                    if not path.is_file() or info.st_mtime < since or info.st_size > 50_000_000:
                        continue
                    if secret in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
    return found


async def test_push_needs_the_right_credentials_and_never_keeps_the_token(
    jp_fetch, registry, state_dir, jp_root_dir, jp_home_dir, jp_runtime_dir, caplog, monkeypatch
):
    address, user, password = registry
    started = time.time() - 1
    caplog.set_level(logging.DEBUG)
    # An empty Docker config: "use my docker login" has no login for this registry.
    monkeypatch.setenv("DOCKER_CONFIG", str(jp_home_dir / ".docker"))
    job = await start_build(jp_fetch, f"FROM {STANDIN}\nRUN echo pushme\n", "dockerize-test/push:1")
    assert (await wait_for(jp_fetch, job["id"], {"built", "failed"}))["state"] == "built"
    repository = f"dockerize/push-{job['id']}"
    target = f"{address}/{repository}:1.0"

    async def push(auth):
        status, body = await call(
            jp_fetch, job["id"], "push", method="POST", body={"target": target, "auth": auth}
        )
        assert status == 202, body
        return await wait_for(jp_fetch, job["id"], {"pushed", "failed", "cancelled"}, 120)

    no_login = await push(None)
    assert no_login["state"] == "failed"
    assert no_login["error"]["code"] == "push_unauthorized", no_login["error"]
    assert "docker login" in no_login["error"]["hint"]

    wrong = await push({"username": user, "token": password + "-wrong"})
    assert wrong["state"] == "failed" and wrong["error"]["code"] == "push_unauthorized"
    assert registry_tags(address, user, password, repository) == []

    right = await push({"username": user, "token": password})
    assert right["state"] == "pushed", right
    assert right["pushed"]["reference"] == target
    assert right["pushed"]["digest"].startswith("sha256:")
    assert registry_tags(address, user, password, repository) == ["1.0"]
    events = await all_events(jp_fetch, job["id"])
    assert any(e["kind"] == "progress" and e["phase"] == "push" for e in events)

    # The token is nowhere: not in a response, an event, a log record at any level, a file
    # written since the test began, or the process's environment (beyond the harness's own
    # variable that handed it to this test).
    secret = password.encode()
    roots = [state_dir, jp_root_dir, jp_home_dir, jp_runtime_dir, Path(tempfile.gettempdir())]
    leaks = {
        "responses and events": secret in json.dumps([events, right, wrong, no_login]).encode(),
        "log records": any(password in record.getMessage() for record in caplog.records)
        or password in caplog.text,
        "files": bool(files_containing(secret, roots, started)),
        "environment": any(
            password in value
            for name, value in os.environ.items()
            if name != "DOCKERIZE_TEST_REGISTRY_PASSWORD"
        ),
    }
    Figures("secrets").add(secret_places_checked=len(leaks), secret_leaks_found=sum(leaks.values()))
    assert not any(leaks.values()), leaks
    assert len(caplog.records) > 20  # DEBUG logging was really on


@pytest.fixture
def leftovers(state_dir, engine):
    """What a server killed mid-build leaves: a running job's record, a temp dir, a container."""
    (state_dir / "jobs").mkdir()
    record = {
        "id": "feedfacecafebeef",
        "image": "dockerize-test/was-running:1",
        "created": "2026-01-01T00:00:00.000Z",
        "state": "building",
        "message": "Building the image.",
        "phase": "build",
        "timestamps": {"queued": "2026-01-01T00:00:00.000Z"},
    }
    (state_dir / "jobs" / "feedfacecafebeef.json").write_text(json.dumps(record))
    (state_dir / "tmp" / "feedfacecafebeef" / "wheelhouse").mkdir(parents=True)
    container = engine.create_container(
        STANDIN, command=["true"], labels={"io.github.jupyterlab-dockerize.job": "feedfacecafebeef"}
    )
    yield container["Id"]
    try:
        engine.remove_container(container["Id"], force=True)
    except docker.errors.NotFound:
        pass


async def test_jobs_running_when_the_server_stopped_show_as_interrupted(
    leftovers, jp_fetch, engine, state_dir
):
    status, body = await call(jp_fetch)
    assert status == 200
    (job,) = [job for job in body["jobs"] if job["id"] == "feedfacecafebeef"]
    assert job["state"] == "interrupted"
    assert job["error"]["code"] == "interrupted" and "Start it again" in job["error"]["hint"]
    assert not (state_dir / "tmp" / "feedfacecafebeef").exists()
    with pytest.raises(docker.errors.NotFound):
        engine.inspect_container(leftovers)
    saved = json.loads((state_dir / "jobs" / "feedfacecafebeef.json").read_text())
    assert saved["state"] == "interrupted"

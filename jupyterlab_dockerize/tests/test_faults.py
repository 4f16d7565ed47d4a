"""Faults a build or a push meets, with the real engine and real registries.

Each case ends with a clear failed state and message, leaves no container or temporary
folder behind, and the next job works without restarting the server. Real parts fail for
real where they can be made to (a registry process killed, a full tmpfs, a build over its
time limit, a Jupyter server killed); the fakes are only for answers a real registry does
not give on demand (a 500 on every request) and for an engine that dies (a relay cut in
front of the shared engine, see buildjobs.EngineProxy).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from .buildjobs import (
    EngineProxy,
    all_events,
    call,
    engine_server_config,
    exit_code_words,
    log_text,
    needs_unix_socket,
    start_build,
    wait_for,
)
from .conftest import skip_unless_ci
from .figures import Figures
from .generator import free_port

pytestmark = [pytest.mark.engine, pytest.mark.timeout(600)]

docker = pytest.importorskip("docker")

STANDIN = "python:3.11-slim"
FIGURES = Figures("faults")
# Kept across runs (HOME moves to a temp dir inside the server fixtures).
PIP_CACHE = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip")


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, build_timeout=20.0)


class Fault:
    """Counts one fault case: tried at the start, survived when every check passed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Fault:
        FIGURES.add(faults_tried=1)
        return self

    def __exit__(self, kind, *rest) -> None:
        if kind is None:
            FIGURES.add(faults_survived=1)


async def next_build_works(jp_fetch, tag: str) -> None:
    job = await start_build(jp_fetch, f"FROM {STANDIN}\nRUN echo fine\n", tag)
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert done["state"] == "built", done


def leftovers(engine, state_dir: Path, before: set[str]) -> list[str]:
    found = [c["Id"][:12] for c in engine.containers(all=True) if c["Id"] not in before]
    temp = state_dir / "tmp"
    if temp.exists():
        found += [str(path) for path in temp.iterdir()]
    return found


async def wait_until_clean(engine, state_dir: Path, before: set[str]) -> None:
    deadline = time.monotonic() + 30
    while left := leftovers(engine, state_dir, before):
        assert time.monotonic() < deadline, f"left behind: {left}"
        await asyncio.sleep(0.5)


async def test_a_build_over_its_time_limit_fails_and_cleans_up(jp_fetch, engine, state_dir):
    with Fault("build timeout"):
        before = {c["Id"] for c in engine.containers(all=True)}
        job = await start_build(jp_fetch, f"FROM {STANDIN}\nRUN sleep 300\n", "dz-fault/slow:1")
        done = await wait_for(jp_fetch, job["id"], {"failed", "built", "cancelled"}, 90)
        assert done["state"] == "failed"
        assert done["error"]["code"] == "timeout"
        assert "longer than 20 s" in done["message"]
        assert "build_timeout" in done["error"]["hint"]
        await wait_until_clean(engine, state_dir, before)
        await next_build_works(jp_fetch, "dz-fault/after-timeout:1")


async def test_an_engine_that_dies_mid_push_fails_the_push(
    jp_serverapp, jp_fetch, engine_host, tmp_path, registry_process
):
    if not engine_host.startswith("unix://"):
        needs_unix_socket()
    with Fault("engine stopped mid-push"):
        settings = jp_serverapp.web_app.settings["jupyterlab_dockerize"]
        job = await start_build(jp_fetch, BIG_LAYER, "dz-fault/big:1")
        assert (await wait_for(jp_fetch, job["id"], {"built", "failed"}, 300))["state"] == "built"
        proxy = EngineProxy(engine_host[len("unix://") :], tmp_path)
        settings.docker_host = proxy.host
        try:
            await start_push(jp_fetch, job["id"], f"{registry_process.address}/dz/big:1")
            await wait_for_push_progress(jp_fetch, job["id"])
            proxy.kill()
            done = await wait_for(jp_fetch, job["id"], {"failed", "pushed", "cancelled"}, 60)
        finally:
            proxy.kill()
            settings.docker_host = engine_host
        assert done["state"] == "failed", done
        assert "Docker engine" in done["message"]
        # The engine is back: the same job pushes.
        await start_push(jp_fetch, job["id"], f"{registry_process.address}/dz/big:1")
        again = await wait_for(jp_fetch, job["id"], {"failed", "pushed"}, 180)
        assert again["state"] == "pushed", again


async def test_a_registry_stopped_mid_push_fails_the_push(jp_fetch, registry_process):
    with Fault("registry stopped mid-push"):
        job = await start_build(jp_fetch, BIG_LAYER, "dz-fault/big:1")
        assert (await wait_for(jp_fetch, job["id"], {"built", "failed"}, 300))["state"] == "built"
        await start_push(jp_fetch, job["id"], f"{registry_process.address}/dz/stopped:1")
        await wait_for_push_progress(jp_fetch, job["id"])
        registry_process.stop()
        done = await wait_for(jp_fetch, job["id"], {"failed", "pushed", "cancelled"}, 240)
        assert done["state"] == "failed", done
        assert registry_process.address in done["message"] or "registry" in done["message"]
        assert done["error"]["hint"]
        registry_process.start()
        await start_push(jp_fetch, job["id"], f"{registry_process.address}/dz/stopped:1")
        again = await wait_for(jp_fetch, job["id"], {"failed", "pushed"}, 180)
        assert again["state"] == "pushed", again


@pytest.mark.parametrize("status", [401, 500])
async def test_a_registry_answering_an_error_fails_the_push_clearly(jp_fetch, status):
    with Fault(f"registry answers {status}"):
        job = await start_build(jp_fetch, f"FROM {STANDIN}\nRUN echo x\n", "dz-fault/reg:1")
        assert (await wait_for(jp_fetch, job["id"], {"built", "failed"}))["state"] == "built"
        with AnsweringRegistry(status) as registry:
            await start_push(jp_fetch, job["id"], f"127.0.0.1:{registry.port}/dz/x:1")
            done = await wait_for(jp_fetch, job["id"], {"failed", "pushed"}, 240)
        assert done["state"] == "failed", done
        if status == 401:
            assert done["error"]["code"] == "push_unauthorized"
        assert done["error"]["message"] and done["error"]["hint"]
        assert registry.requests, "the engine never reached the fake registry"


async def test_a_full_disk_while_fetching_the_wheelhouse_fails_and_cleans_up(
    jp_serverapp, jp_fetch, engine, tmp_path, monkeypatch
):
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root"
        skip_unless_ci(reason)
    small = tmp_path / "small"
    small.mkdir()
    # 1 MiB for the build's temporary folder; numpy's wheel alone is about 16 MiB.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], check=True)
    monkeypatch.setenv("PIP_CACHE_DIR", str(PIP_CACHE))
    service = jp_serverapp.web_app.settings["jupyterlab_dockerize_builds"]
    saved = service.temp_root
    try:
        with Fault("disk full writing the bundle"):
            service.temp_root = small / "tmp"
            job = await start_build(
                jp_fetch,
                f"FROM {STANDIN}\nCOPY wheelhouse/ /w/\n",
                "dz-fault/full:1",
                files={"requirements.txt": "numpy==2.1.3\n"},
                wheelhouse={"python": "3.11.7", "platform": "linux/amd64", "extra": []},
            )
            done = await wait_for(jp_fetch, job["id"], {"failed", "built"}, 180)
            assert done["state"] == "failed", done
            text = (done["message"] + log_text(await all_events(jp_fetch, job["id"]))).lower()
            assert "no space left" in text or "disk" in text, done["message"]
            assert not any((small / "tmp").iterdir()) if (small / "tmp").exists() else True
            service.temp_root = saved
            await next_build_works(jp_fetch, "dz-fault/after-full:1")
    finally:
        service.temp_root = saved
        subprocess.run(["umount", str(small)], check=False)


async def test_a_full_disk_inside_the_build_fails_the_job_with_the_engines_words(
    jp_fetch, engine, state_dir
):
    """A build step fills its container's /dev/shm (a 64 MiB tmpfs): a real ENOSPC."""
    with Fault("disk full inside the build"):
        before = {c["Id"] for c in engine.containers(all=True)}
        dockerfile = f"FROM {STANDIN}\nRUN head -c 200000000 /dev/zero > /dev/shm/fill\n"
        job = await start_build(jp_fetch, dockerfile, "dz-fault/shm:1")
        done = await wait_for(jp_fetch, job["id"], {"failed", "built"}, 120)
        assert done["state"] == "failed", done
        assert exit_code_words(1) in done["message"]
        assert "No space left on device" in log_text(await all_events(jp_fetch, job["id"]))
        await wait_until_clean(engine, state_dir, before)
        await next_build_works(jp_fetch, "dz-fault/after-shm:1")


async def test_a_server_killed_mid_build_shows_the_job_interrupted_after_restart(
    engine, engine_host, tmp_path
):
    with Fault("server restarted mid-build"):
        state = tmp_path / "state"
        server = JupyterProcess(engine_host, state, tmp_path / "root")
        try:
            job = server.post(
                "builds",
                {"files": {"Dockerfile": f"FROM {STANDIN}\nRUN echo started && sleep 300\n"},
                 "image": "dz-fault/killed:1"},
            )  # fmt: skip
            deadline = time.monotonic() + 60
            while "started" not in server.log_text(job["id"]):
                assert time.monotonic() < deadline
                time.sleep(0.3)
        finally:
            server.kill()
        # The engine sees its client go: the build stops and its container goes.
        deadline = time.monotonic() + 30
        while any("sleep 300" in (c.get("Command") or "") for c in engine.containers(all=True)):
            assert time.monotonic() < deadline, "the killed server's build is still running"
            time.sleep(0.5)
        (killed,) = [path.stem for path in (state / "instances").glob("*.lock")]
        leftover = state / "tmp" / killed / job["id"]
        leftover.mkdir(parents=True)  # as a wheelhouse download leaves it
        restarted = JupyterProcess(engine_host, state, tmp_path / "root")
        try:
            after = restarted.get(f"builds/{job['id']}")
            assert after["state"] == "interrupted"
            assert after["error"]["code"] == "interrupted"
            assert not (state / "tmp" / killed).exists()
            assert not (state / "instances" / f"{killed}.lock").exists()
            # The log was kept on disk beside the record: the restarted server shows it.
            assert "started" in restarted.log_text(job["id"])
        finally:
            restarted.kill()


# --- helpers ------------------------------------------------------------------------------

BIG_LAYER = (
    f"FROM {STANDIN}\n"
    "RUN head -c 120000000 /dev/urandom > /big-random-layer\n"  # slow enough to cut mid-push
)


async def start_push(jp_fetch, job_id: str, target: str) -> None:
    status, body = await call(
        jp_fetch, job_id, "push", method="POST", body={"target": target, "auth": None}
    )
    assert status == 202, body


async def wait_for_push_progress(jp_fetch, job_id: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        events = await all_events(jp_fetch, job_id)
        pushing = [
            e for e in events
            if e["kind"] == "progress" and e["phase"] == "push" and e.get("current", 0) > 0
            and e.get("status") == "Pushing"
        ]  # fmt: skip
        if pushing:
            return
        assert time.monotonic() < deadline, log_text(events)[-2000:]
        await asyncio.sleep(0.05)


class RegistryProcess:
    """A real registry (no auth) of our own, to stop and start at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        config = root / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
            f"http:\n  addr: {self.address}\n"
        )
        self.config = config
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("docker-registry")
        assert binary, "docker-registry is not installed (scripts/debian-packages.sh engine)"
        self.process = subprocess.Popen(
            [binary, "serve", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://{self.address}/v2/", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the test registry did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def registry_process(tmp_path):
    registry = RegistryProcess(tmp_path / "registry")
    registry.start()
    yield registry
    registry.stop()


class AnsweringRegistry:
    """Answers every request with one status: what a broken or refusing registry says."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests.append(f"{self.command} {self.path}")
                self.send_response(outer.status)
                if outer.status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="dz"')
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Type", "application/json")
                body = b'{"errors": [{"code": "UNKNOWN", "message": "broken"}]}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port

    def __enter__(self) -> AnsweringRegistry:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


class JupyterProcess:
    """A real `jupyter server` with the extension, to kill like a crash and start again."""

    def __init__(self, docker_host: str, state: Path, root: Path) -> None:
        import secrets

        root.mkdir(exist_ok=True)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        env = {**os.environ, "DOCKER_HOST": docker_host, "JUPYTER_TOKEN": self.token}
        env.pop("PYTHONPATH", None)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
                f"--port={self.port}", "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={root}", "--allow-root",
                f"--Dockerize.state_dir={state}",
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("builds")
                return
            except (requests.ConnectionError, AssertionError):
                assert time.monotonic() < deadline, "jupyter server did not start"
                time.sleep(0.3)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/jupyterlab-dockerize/{path}"

    def get(self, path: str) -> dict:
        response = self.session.get(self.url(path), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict) -> dict:
        response = self.session.post(self.url(path), json=body, timeout=30)
        assert response.status_code == 202, response.text
        return response.json()

    def log_text(self, job_id: str) -> str:
        page = self.get(f"builds/{job_id}/events?offset=0")
        return "\n".join(e.get("text", "") for e in page["events"])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL: no shutdown hook runs, as in a crash
            self.process.wait(timeout=15)

"""GET /jupyterlab-dockerize/engine against the real engine and unreachable ones."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import docker

from .helpers import SilentEngine, fetch_engine


def assert_clear_503(code: int, body: dict, expected_code: str) -> None:
    assert code == 503
    assert body["reachable"] is False
    assert body["error"]["code"] == expected_code
    assert body["error"]["message"]
    assert "DOCKER_HOST" in body["error"]["hint"]
    assert "Traceback" not in json.dumps(body)


async def test_engine_reports_the_real_engine(engine_host, jp_fetch):
    code, body = await fetch_engine(jp_fetch)

    truth = docker.APIClient(base_url=engine_host).version()
    assert code == 200
    assert body["reachable"] is True
    assert body["host"] == engine_host
    assert body["version"] == truth["Version"]
    assert body["apiVersion"] == truth["ApiVersion"]
    assert body["os"] == truth["Os"]
    assert body["arch"] == truth["Arch"]
    assert body["product"]


async def test_engine_host_from_server_config(engine_host, jp_fetch, jp_serverapp, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    jp_serverapp.web_app.settings["jupyterlab_dockerize"].docker_host = engine_host

    code, body = await fetch_engine(jp_fetch)

    assert code == 200
    assert body["host"] == engine_host


async def test_missing_socket_gives_a_clear_503(jp_fetch, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")

    code, body = await fetch_engine(jp_fetch)

    assert_clear_503(code, body, "engine_not_running")
    assert body["host"] == f"unix://{tmp_path}/docker.sock"
    assert str(tmp_path) in body["error"]["message"]


async def test_refused_tcp_port_gives_a_clear_503(jp_fetch, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{closed_port}")

    code, body = await fetch_engine(jp_fetch)

    assert_clear_503(code, body, "engine_not_running")


async def test_malformed_docker_host_gives_a_clear_503(jp_fetch, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "bogus://nowhere")

    code, body = await fetch_engine(jp_fetch)

    assert code == 503
    assert body["error"]["code"] == "engine_bad_host"
    assert "Traceback" not in json.dumps(body)


def test_socket_permission_denied_is_explained(tmp_path):
    """A real EACCES from the kernel: the probe connects to a listening socket of mode 000.

    Root ignores file modes, so as root the probe runs with CAP_DAC_OVERRIDE dropped.
    """
    socket_path = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(socket_path))
    listener.listen(1)
    socket_path.chmod(0)
    script = (
        "import json\n"
        "from jupyterlab_dockerize.engine import EngineSettings, probe_engine\n"
        "from jupyterlab_dockerize.errors import EngineUnavailable\n"
        "try:\n"
        f"    probe_engine(EngineSettings(docker_host='unix://{socket_path}'))\n"
        "except EngineUnavailable as e:\n"
        "    print(json.dumps(e.to_json()))\n"
    )
    drop_root_override = []
    if os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        drop_root_override = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]
    try:
        result = subprocess.run(
            [*drop_root_override, sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        listener.close()
    assert result.returncode == 0, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "engine_permission_denied"
    assert str(socket_path) in error["message"]
    assert "docker group" in error["hint"]


async def test_hung_engine_times_out_without_blocking_the_server(
    jp_fetch, jp_serverapp, monkeypatch
):
    engine = SilentEngine()
    try:
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{engine.port}")
        jp_serverapp.web_app.settings["jupyterlab_dockerize"].engine_timeout = 2.0

        probe = asyncio.ensure_future(fetch_engine(jp_fetch))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        status = await jp_fetch("api", "status")
        other_route_latency = time.monotonic() - started
        code, body = await probe
    finally:
        engine.close()

    assert status.code == 200
    assert not probe.exception()
    # The hung probe holds a worker thread for 2 s; the event loop must not wait for it.
    assert other_route_latency < 1.0
    assert code == 503
    assert body["error"]["code"] == "engine_timeout"

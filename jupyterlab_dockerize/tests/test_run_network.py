"""Verify and run on an engine that publishes no ports (the harness's has no bridge, like
any engine started with --bridge=none): the default finds that out; a setting that forces
the bridge gets a message that names the setting, and the image stays built."""

from __future__ import annotations

import pytest

from .buildjobs import (
    STANDIN,
    all_events,
    call,
    engine_server_config,
    log_text,
    start_build,
    wait_for,
)
from .helpers import JUPYTER_STAND_IN

pytestmark = [pytest.mark.engine, pytest.mark.timeout(300)]


@pytest.fixture
def jp_server_config(state_dir, request):
    return engine_server_config(state_dir, **getattr(request, "param", {}))


def dockerfile() -> str:
    return (
        f"FROM {STANDIN}\n"
        "RUN useradd -m -u 1000 jovyan\n"
        "COPY server.py /srv/server.py\n"
        "USER 1000\n"
        "EXPOSE 8888\n"
        'CMD ["python3", "/srv/server.py", "--port=8888"]\n'
    )


async def built(jp_fetch, image: str) -> dict:
    job = await start_build(jp_fetch, dockerfile(), image, files={"server.py": JUPYTER_STAND_IN})
    job = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert job["state"] == "built", job
    return job


async def test_the_default_falls_back_to_the_hosts_network_on_an_engine_without_a_bridge(
    jp_fetch,
):
    job = await built(jp_fetch, "dz-network/auto:1")
    status, job = await call(jp_fetch, job["id"], "run", method="POST", body={})
    assert status == 200, job
    assert job["run"]["networkMode"] == "host"
    assert "no bridge network" in log_text(await all_events(jp_fetch, job["id"]))
    status, _ = await call(jp_fetch, job["id"], "run", method="DELETE")
    assert status == 200


@pytest.mark.parametrize("jp_server_config", [{"run_network_mode": "bridge"}], indirect=True)
async def test_a_forced_bridge_says_which_setting_to_change_and_keeps_the_image_built(
    jp_fetch,
):
    job = await built(jp_fetch, "dz-network/bridge:1")
    status, _ = await call(jp_fetch, job["id"], "verify", method="POST", body={})
    assert status == 202
    job = await wait_for(jp_fetch, job["id"], {"built", "verified", "failed"})
    assert job["state"] == "built", job
    assert job["verification"]["ok"] is False
    assert job["error"]["code"] == "no_published_port"
    assert "run_network_mode" in job["error"]["hint"]
    assert "Start Docker" not in job["error"]["hint"]
    status, run = await call(jp_fetch, job["id"], "run", method="POST", body={})
    assert status == 422 and run["error"]["code"] == "no_published_port"

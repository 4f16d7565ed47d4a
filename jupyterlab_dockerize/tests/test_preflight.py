"""POST preflight: each requirement resolved with the real pip for the image's full Python
and platform; a short Python version, an unreachable index and refused lines said plainly."""

from __future__ import annotations

import json
import socket
import time

import pytest

from jupyterlab_dockerize.pip_runner import IndexConfig, IndexUnreachable, effective_index_config
from jupyterlab_dockerize.preflight import PreflightCache, run_preflight

PREFLIGHT = ("jupyterlab-dockerize", "preflight")


def body(python="3.11.7", *lines, binary=True):
    return {
        "python": python,
        "platform": "linux/amd64",
        "binaryOnly": binary,
        "requirements": [{"name": line.split("==")[0], "line": line} for line in lines],
    }


async def post(jp_fetch, data):
    response = await jp_fetch(
        *PREFLIGHT, method="POST", body=json.dumps(data), raise_error=False, request_timeout=300
    )
    return response.code, json.loads(response.body)


async def test_each_requirement_is_checked_for_the_full_python_version(jp_fetch):
    code, answer = await post(
        jp_fetch,
        body("3.11.7", "soupsieve==4.1.3", "six==1.16.0", "six-does-not-exist-dz==1.0",
             "pyyaml==6.0.2", "-r /etc/passwd"),
    )  # fmt: skip
    assert code == 200, answer
    by_name = {p["name"]: p for p in answer["packages"]}
    assert answer["packages"][0]["line"] == "soupsieve==4.1.3"
    assert by_name["soupsieve"]["status"] == "ok"
    assert by_name["soupsieve"]["file"] == "soupsieve-4.1.3-py3-none-any.whl"
    assert by_name["pyyaml"]["file"].endswith("manylinux2014_x86_64.whl")
    assert by_name["six-does-not-exist-dz"]["status"] == "unavailable"
    assert "CPython 3.11.7 on linux/amd64" in by_name["six-does-not-exist-dz"]["reason"]
    assert by_name["-r /etc/passwd"]["status"] == "refused"
    assert "pip options" in by_name["-r /etc/passwd"]["reason"]
    # pip reads 3.11.0 for a patch-less version: soupsieve 4.1.3 needs >=3.11.5.
    code, answer = await post(jp_fetch, body("3.11.0", "soupsieve==4.1.3"))
    (soupsieve,) = answer["packages"]
    assert soupsieve["status"] == "unavailable"
    assert ">=3.11.5" in soupsieve["reason"] and "3.11.0" in soupsieve["reason"]
    assert "base image" in soupsieve["action"]


async def test_a_short_python_version_and_bad_bodies_are_refused(jp_fetch):
    code, answer = await post(jp_fetch, body("3.11", "six==1.16.0"))
    assert code == 400
    assert "full Python version" in answer["error"]["message"]
    code, answer = await post(jp_fetch, {"python": "3.11.7", "requirements": "six"})
    assert code == 400 and answer["error"]["code"] == "bad_request_body"
    too_many = body("3.11.7", *[f"p{i}==1.0" for i in range(2001)])
    code, answer = await post(jp_fetch, too_many)
    assert code == 400 and "2000" in answer["error"]["message"]


async def test_packages_that_cannot_go_together_are_a_conflict(jp_fetch):
    code, answer = await post(jp_fetch, body("3.11.7", "requests==2.32.3", "urllib3==1.20"))
    assert code == 200, answer
    statuses = {p["name"]: p["status"] for p in answer["packages"]}
    assert statuses == {"requests": "conflict", "urllib3": "conflict"}, answer
    assert "urllib3==1.20" in answer["packages"][0]["reason"]
    assert "requests 2.32.3 depends on urllib3" in answer["packages"][0]["reason"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_index_is_never_blamed_on_a_package(tmp_path):
    index = IndexConfig(index_url=f"http://127.0.0.1:{_closed_port()}/simple", retries=0, timeout=2)
    with pytest.raises(IndexUnreachable) as failed:
        run_preflight(body("3.11.7", "six==1.16.0"), root=tmp_path, index=index)
    assert failed.value.status == 503 and failed.value.code == "index_unreachable"
    assert "no package is at fault" in failed.value.hint


def test_a_warm_cache_answers_without_pip_and_survives_a_restart(tmp_path):
    lines = ["six==1.16.0", "python-dateutil==2.9.0.post0", "soupsieve==4.1.3", "pyyaml==6.0.2"]
    index = effective_index_config()
    cold = run_preflight(
        body("3.11.7", *lines), root=tmp_path, index=index,
        cache=PreflightCache(tmp_path / "cache", 3600),
    )  # fmt: skip
    assert cold["cached"] == 0 and all(p["status"] == "ok" for p in cold["packages"])
    started = time.monotonic()
    warm = run_preflight(  # a new cache object: read from disk, as after a restart
        body("3.11.7", *lines), root=tmp_path, index=index,
        cache=PreflightCache(tmp_path / "cache", 3600),
    )  # fmt: skip
    assert time.monotonic() - started < 1.0
    assert warm["cached"] == len(lines)
    assert warm["packages"] == cold["packages"]
    assert warm["dependencies"] == cold["dependencies"]
    stale = PreflightCache(tmp_path / "cache", ttl=0)
    time.sleep(0.01)
    again = run_preflight(body("3.11.7", *lines), root=tmp_path, index=index, cache=stale)
    assert again["cached"] == 0

"""Every route's bad-body hint shows that route's own example (issue 11, point 14), for a body
that is not JSON, one with a key twice and one of the wrong shape; through the real server."""

from __future__ import annotations

import json

import pytest

from .buildjobs import STANDIN, call, engine_server_config, start_build, wait_for

pytestmark = pytest.mark.engine

NOT_JSON = b"{not json"
KEY_TWICE = b'{"a": 1, "a": 2}'
WRONG_SHAPE = b'{"thisFieldIsUnknown": 1}'
BUNDLE_WORDS = ('"files"', '"include"')


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, max_concurrent_builds=1)


async def post(jp_fetch, *parts: str, body: bytes) -> tuple[int, dict]:
    response = await jp_fetch(
        "jupyterlab-dockerize", *parts, method="POST", body=body, raise_error=False
    )
    return response.code, json.loads(response.body)


def assert_hint_shows(status: int, answer: dict, words: tuple[str, ...], others: tuple[str, ...]):
    assert status == 400, answer
    hint = answer["error"]["hint"]
    for word in words:
        assert word in hint, (word, answer)
    for word in others:
        assert word not in hint, (word, answer)


async def build_a_job(jp_fetch) -> str:
    job = await start_build(jp_fetch, f"FROM {STANDIN}\n", "dockerize-test/hints:1")
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
    assert done["state"] == "built", done
    return job["id"]


@pytest.mark.parametrize("body", [NOT_JSON, KEY_TWICE, WRONG_SHAPE], ids=["json", "twice", "shape"])
async def test_the_bundle_route_shows_the_bundle_example(jp_fetch, body):
    status, answer = await post(jp_fetch, "bundle", body=body)
    assert_hint_shows(status, answer, BUNDLE_WORDS, ())


@pytest.mark.parametrize("body", [NOT_JSON, KEY_TWICE, WRONG_SHAPE], ids=["json", "twice", "shape"])
async def test_the_builds_route_shows_the_build_example(jp_fetch, body):
    status, answer = await post(jp_fetch, "builds", body=body)
    assert_hint_shows(status, answer, ('"image"', '"files"'), ())


@pytest.mark.parametrize("body", [NOT_JSON, KEY_TWICE, WRONG_SHAPE], ids=["json", "twice", "shape"])
async def test_the_preflight_route_shows_the_preflight_example(jp_fetch, body):
    status, answer = await post(jp_fetch, "preflight", body=body)
    assert_hint_shows(status, answer, ('"requirements"', '"python"'), BUNDLE_WORDS)


async def test_the_job_routes_show_their_own_examples(jp_fetch):
    built_job = await build_a_job(jp_fetch)
    routes = {
        "push": ('"target"', '"auth"'),
        "run": ('"notebooksDir"',),
        "verify": ('"cellTimeout"', '"dataDir"'),
    }
    for route, words in routes.items():
        for body in (NOT_JSON, KEY_TWICE, WRONG_SHAPE):
            status, answer = await post(jp_fetch, "builds", built_job, route, body=body)
            assert_hint_shows(status, answer, words, BUNDLE_WORDS)
    status, job = await call(jp_fetch, built_job)
    assert status == 200 and job["state"] == "built"  # a refused body changes nothing

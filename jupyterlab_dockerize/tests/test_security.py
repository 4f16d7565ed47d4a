"""Security checks that need no engine: XSRF, a server open to the network, error bodies."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from .buildjobs import call

ROUTES_WITH_BODIES = [
    ("bundle",),
    ("builds",),
    ("builds", "0123456789abcdef", "push"),
    ("builds", "0123456789abcdef", "verify"),
    ("builds", "0123456789abcdef", "run"),
]


XSRF = {"Cookie": "_xsrf=dz", "X-XSRFToken": "dz"}


async def post_without_token(jp_fetch, parts: tuple[str, ...], body: dict) -> tuple[int, dict]:
    """A POST as a browser sends it to a server with no token: the XSRF pair, no token."""
    try:
        response = await jp_fetch(
            "jupyterlab-dockerize", *parts, method="POST", body=json.dumps(body), headers=XSRF
        )
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


class TestServerOpenToTheNetwork:
    @pytest.fixture
    def jp_server_config(self, tmp_path_factory):
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_dockerize": True},
                "ip": "0.0.0.0",
                # pytest-jupyter sets a token unless ServerApp names one (even empty).
                "token": "",
            },
            "Dockerize": {"state_dir": str(tmp_path_factory.mktemp("state"))},
        }

    async def test_build_push_verify_and_run_are_refused_with_an_explanation(self, jp_fetch):
        for parts in ROUTES_WITH_BODIES[1:]:
            status, body = await post_without_token(jp_fetch, parts, {})
            assert status == 403, (parts, body)
            assert body["error"]["code"] == "unsafe_server"
            assert "no token or password" in body["error"]["message"]
            assert "c.IdentityProvider.token" in body["error"]["hint"]
        # Reading is still possible (nothing runs).
        status, body = await call(jp_fetch)
        assert status == 200 and body == {"jobs": []}


class TestServerWithoutTokenOnLoopback:
    @pytest.fixture
    def jp_server_config(self, tmp_path_factory):
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_dockerize": True},
                "ip": "127.0.0.1",
                "token": "",
            },
            "Dockerize": {"state_dir": str(tmp_path_factory.mktemp("state"))},
        }

    async def test_loopback_only_is_allowed(self, jp_fetch):
        status, body = await post_without_token(jp_fetch, ("builds",), {"files": {}})
        assert status == 400, body  # the body's fault, not the server's openness
        assert body["error"]["code"] == "bad_request_body"


async def test_posts_with_a_session_cookie_need_the_xsrf_token(
    jp_fetch, jp_serverapp, jp_base_url, http_server_client
):
    """A browser session (cookie, no token header) must send X-XSRFToken on a POST."""
    token = jp_serverapp.identity_provider.token
    login = await http_server_client.fetch(
        f"{jp_base_url}login", raise_error=False, follow_redirects=False
    )
    xsrf = re.search(r"_xsrf=([^;]+)", ";".join(login.headers.get_list("Set-Cookie"))).group(1)
    response = await http_server_client.fetch(
        f"{jp_base_url}login",
        method="POST",
        body=f"password={token}&_xsrf={xsrf}",
        headers={"Cookie": f"_xsrf={xsrf}"},
        raise_error=False,
        follow_redirects=False,
    )
    cookies = "; ".join(cookie.split(";")[0] for cookie in response.headers.get_list("Set-Cookie"))
    assert "username-" in cookies, response.code
    url = f"{jp_base_url}jupyterlab-dockerize/builds"
    body = json.dumps({"files": {}})
    refused = await http_server_client.fetch(
        url, method="POST", body=body, headers={"Cookie": cookies}, raise_error=False
    )
    assert refused.code == 403
    allowed = await http_server_client.fetch(
        url,
        method="POST",
        body=body,
        headers={"Cookie": f"{cookies}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
        raise_error=False,
    )
    assert allowed.code == 400, allowed.body  # past the XSRF check: the body is wrong


BAD_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{",
    b'{"files": 3}',
    b'{"files": {"a": 1}}',
    b'{"files": {}, "include": [{"workspacePath": 3}]}',
    b'{"files": {}, "include": "x"}',
    b'{"files": {}, "unknown": 1}',
    b'{"files": {}, "image": ["x"]}',
    b'{"files": {"Dockerfile": "FROM x"}, "image": "user/Has Space"}',
    b'{"target": 5}',
    b'{"target": "a/b:1", "auth": {"username": "u"}}',
    b'{"target": "a/b:1", "auth": "secret"}',
    b'{"notebooksDir": 1}',
    b'{"files": {"\\u0000": "x"}}',
    b'{"files": {}, "include": [{"workspacePath": "../../etc/passwd", "bundlePath": "x"}]}',
    b'{"files": {}, "include": [{"workspacePath": "/etc/passwd", "bundlePath": "x"}]}',
    b'{"files": {}, "wheelhouse": {"python": "2"}}',
    b'{"files": {}, "name": {"a": 1}}',
    json.dumps({"files": {"x": "y" * 20}, "a" * 200: 1}).encode(),
]


async def test_bad_bodies_get_a_4xx_with_a_message_never_a_traceback_or_a_server_path(
    jp_fetch, jp_serverapp
):
    internal = [
        str(Path(sys.prefix)),
        str(Path(__file__).resolve().parents[1]),
        "site-packages",
        "Traceback",
        'File "',
    ]
    checked = 0
    for parts in ROUTES_WITH_BODIES:
        for body in BAD_BODIES:
            code, text = await post_raw(jp_fetch, parts, body)
            assert 400 <= code < 500, (parts, body, code, text)
            answer = json.loads(text)["error"]
            assert answer["message"] and answer["code"], (parts, body)
            for needle in internal:
                assert needle not in text, (parts, body, needle, text)
            checked += 1
    assert checked == len(ROUTES_WITH_BODIES) * len(BAD_BODIES)


async def post_raw(jp_fetch, parts: tuple[str, ...], body: bytes) -> tuple[int, str]:
    try:
        response = await jp_fetch("jupyterlab-dockerize", *parts, method="POST", body=body)
    except HTTPClientError as error:
        return error.code, error.response.body.decode()
    return response.code, response.body.decode()


class TestLimits:
    @pytest.fixture
    def jp_server_config(self, tmp_path_factory):
        return {
            "ServerApp": {"jpserver_extensions": {"jupyterlab_dockerize": True}},
            "Dockerize": {
                "bundle_max_request_bytes": 1000,
                "state_dir": str(tmp_path_factory.mktemp("state")),
            },
        }

    async def test_oversized_bodies_get_413(self, jp_fetch):
        big = json.dumps({"files": {"x": "y" * 2000}, "image": "a/b:1"}).encode()
        for parts in ROUTES_WITH_BODIES:
            code, text = await post_raw(jp_fetch, parts, big)
            if parts[-1] in {"push", "verify", "run"}:
                assert code in {404, 413}, (parts, text)  # an unknown job may be found first
            else:
                assert code == 413, (parts, text)
                assert json.loads(text)["error"]["code"] == "request_too_large"

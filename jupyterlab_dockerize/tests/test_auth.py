"""No route of the extension is reachable without authentication or authorization."""

from __future__ import annotations

import re
import warnings

import pytest
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import JupyterServerAuthWarning

from jupyterlab_dockerize.routes import AUTH_RESOURCE, NAMESPACE

VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def extension_routes(web_app) -> list[tuple[str, type]]:
    """(path pattern, handler) of every route registered under our namespace."""
    found = []
    for host_rule in web_app.default_router.rules:
        for rule in host_rule.target.rules:
            pattern = getattr(rule.matcher, "regex", None)
            if pattern is not None and f"/{NAMESPACE}/" in pattern.pattern:
                found.append((pattern.pattern, rule.target))
    return found


def sample_path(pattern: str) -> str:
    """A concrete URL path for a route regex: every group becomes 'x'."""
    path = re.sub(r"\([^)]*\)", "x", pattern.rstrip("$"))
    return path.replace("\\", "")


def implemented_verbs(handler: type) -> list[str]:
    from tornado.web import RequestHandler

    return [
        verb
        for verb in VERBS
        if getattr(handler, verb.lower(), None) is not getattr(RequestHandler, verb.lower())
    ]


def test_server_refusing_unauthenticated_access_finds_no_open_route():
    """The extension-template check: jupyter_server warns about every unprotected verb."""
    app = ServerApp(
        allow_unauthenticated_access=False,
        jpserver_extensions={"jupyterlab_dockerize": True},
        reraise_server_extension_failures=True,
    )
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        app.initialize(argv=[], find_extensions=False, new_httpserver=False)
    problems = [str(r.message) for r in records if issubclass(r.category, JupyterServerAuthWarning)]
    assert extension_routes(app.web_app), "the extension registered no route"
    assert problems == []


async def test_every_route_refuses_requests_without_a_token(jp_serverapp, http_server_client):
    routes = extension_routes(jp_serverapp.web_app)
    assert routes, "the extension registered no route"
    tried = 0
    for pattern, handler in routes:
        for verb in implemented_verbs(handler):
            body = b"{}" if verb in {"POST", "PUT", "PATCH"} else None
            response = await http_server_client.fetch(
                sample_path(pattern), method=verb, body=body, raise_error=False
            )
            tried += 1
            assert response.code in {401, 403}, f"{verb} {pattern} answered {response.code}"
    assert tried >= 1


class DenyDockerize(Authorizer):
    """Grants everything but this extension's resource."""

    def is_authorized(self, handler, user, action, resource):
        return resource != AUTH_RESOURCE


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_dockerize": True},
            "authorizer_class": DenyDockerize,
        }
    }


async def test_routes_are_authorized_against_our_resource(
    jp_serverapp, http_server_client, jp_auth_header
):
    for pattern, handler in extension_routes(jp_serverapp.web_app):
        for verb in implemented_verbs(handler):
            body = b"{}" if verb in {"POST", "PUT", "PATCH"} else None
            response = await http_server_client.fetch(
                sample_path(pattern),
                method=verb,
                body=body,
                headers=jp_auth_header,
                raise_error=False,
            )
            assert response.code == 403, f"{verb} {pattern} answered {response.code}"
    status = await http_server_client.fetch(
        sample_path(extension_routes(jp_serverapp.web_app)[0][0]).split(NAMESPACE)[0]
        + "api/status",
        headers=jp_auth_header,
        raise_error=False,
    )
    assert status.code == 200

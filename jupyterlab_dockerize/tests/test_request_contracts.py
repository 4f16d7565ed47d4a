"""One contract per route (contracts.py): a typed, frozen request from each parser, checked
with that route's schema, and every refusal showing that route's example and no other's."""

from __future__ import annotations

import dataclasses
import json

import pytest

from jupyterlab_dockerize import contracts, schemas
from jupyterlab_dockerize.bundle import BundleLimits
from jupyterlab_dockerize.contracts import (
    BuildRequest,
    BundleRequest,
    PreflightRequest,
    PushRequest,
    RunRequest,
    VerifyRequest,
)
from jupyterlab_dockerize.errors import BadRequest, PayloadTooLarge

LIMITS = BundleLimits()

#: route → (parser, its example, a good body, the type it gives)
ROUTES = {
    "bundle": (
        contracts.parse_bundle_request,
        contracts.BUNDLE_EXAMPLE,
        {"files": {"Dockerfile": "FROM x\n"}},
        BundleRequest,
    ),
    "builds": (
        contracts.parse_build_request,
        contracts.BUILD_EXAMPLE,
        {"files": {"Dockerfile": "FROM x\n"}, "image": "jane/a:1"},
        BuildRequest,
    ),
    "push": (
        contracts.parse_push_request,
        contracts.PUSH_EXAMPLE,
        {"target": "jane/a:1"},
        PushRequest,
    ),
    "verify": (contracts.parse_verify_request, contracts.VERIFY_EXAMPLE, {}, VerifyRequest),
    "run": (contracts.parse_run_request, contracts.RUN_EXAMPLE, {"dataDir": "d"}, RunRequest),
    "preflight": (
        contracts.parse_preflight_request,
        contracts.PREFLIGHT_EXAMPLE,
        {"python": "3.11.7", "requirements": [{"name": "six", "line": "six==1.16.0"}]},
        PreflightRequest,
    ),
}


def encode(body: object) -> bytes:
    return json.dumps(body).encode()


def test_every_route_with_a_body_has_a_contract():
    assert set(ROUTES) == set(schemas.BY_ROUTE)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_good_body_gives_the_routes_frozen_request(route):
    parse, _, body, kind = ROUTES[route]
    request = parse(encode(body), LIMITS)
    assert type(request) is kind
    assert dataclasses.is_dataclass(request)
    if dataclasses.fields(request):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(request, dataclasses.fields(request)[0].name, None)


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"a": 1, "a": 2}', b'{"thisFieldIsUnknown": 1}', b"[]"]
)
def test_a_refusal_shows_the_routes_own_example_only(route, raw):
    parse, example, _, _ = ROUTES[route]
    with pytest.raises(BadRequest) as refused:
        parse(raw, LIMITS)
    assert example in refused.value.hint
    for other, (_, other_example, _, _) in ROUTES.items():
        if other != route:
            assert other_example not in refused.value.hint, other


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_parser_checks_with_its_routes_schema(route):
    """An unknown field is refused naming exactly the fields of the route's schema."""
    parse, _, body, _ = ROUTES[route]
    with pytest.raises(BadRequest) as refused:
        parse(encode({**body, "zzUnknown": 1}), LIMITS)
    fields = sorted(schemas.BY_ROUTE[route].get("properties", {}))
    taken = f"(it takes {', '.join(fields)})" if fields else "(it takes none)"
    assert taken in refused.value.message
    assert refused.value.code == "bad_request_body"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_body_over_the_limit_is_refused_before_it_is_read(route):
    parse, _, body, _ = ROUTES[route]
    with pytest.raises(PayloadTooLarge):
        parse(encode({**body, "pad": "x" * 200}), BundleLimits(max_request_bytes=100))


def test_the_build_request_is_a_bundle_request_with_an_image():
    body = {
        "name": "analysis",
        "files": {"Dockerfile": "FROM x\n", "requirements.txt": "six==1.16.0\n"},
        "image": "jane/a",
        "notebook": "work/analysis.ipynb",
        "wheelhouse": {"python": "3.11.7"},
    }
    request = contracts.parse_build_request(encode(body), LIMITS)
    assert isinstance(request, BundleRequest)
    bundle = contracts.parse_bundle_request(
        encode({key: body[key] for key in ("name", "files", "wheelhouse")}), LIMITS
    )
    assert (request.spec, request.wheelhouse) == (bundle.spec, bundle.wheelhouse)
    assert request.image == "jane/a:latest"
    assert request.notebook == "work/analysis.ipynb"
    assert request.platform is None  # optional: the engine's own platform


def test_the_build_platform_is_optional_and_one_of_the_platforms():
    body = {"files": {"Dockerfile": "FROM x\n"}, "image": "jane/a:1"}
    for platform in ("linux/amd64", "linux/arm64", None):
        request = contracts.parse_build_request(encode({**body, "platform": platform}), LIMITS)
        assert request.platform == platform
    with pytest.raises(BadRequest, match="'platform' must be linux/amd64, linux/arm64 or null"):
        contracts.parse_build_request(encode({**body, "platform": "linux/s390x"}), LIMITS)


def test_a_build_request_without_a_dockerfile_or_with_a_digest_is_refused():
    with pytest.raises(BadRequest, match="no Dockerfile"):
        contracts.parse_build_request(encode({"files": {}, "image": "jane/a:1"}), LIMITS)
    digest = "jane/a@sha256:" + "a" * 64
    with pytest.raises(BadRequest, match="cannot name a digest"):
        contracts.parse_build_request(
            encode({"files": {"Dockerfile": "FROM x\n"}, "image": digest}), LIMITS
        )


def test_push_credentials_become_an_auth_config_never_shown_in_a_repr():
    body = {"target": "registry.example:5000/jane/a:1", "auth": {"username": "u", "token": "s3"}}
    request = contracts.parse_push_request(encode(body), LIMITS)
    assert request.target.registry == "registry.example:5000"
    assert request.auth == {
        "username": "u",
        "password": "s3",
        "serveraddress": "registry.example:5000",
    }
    assert "s3" not in repr(request)
    with pytest.raises(BadRequest, match="control character"):
        contracts.parse_push_request(
            encode({**body, "auth": {"username": "u", "token": "a\nb"}}), LIMITS
        )
    assert contracts.parse_push_request(encode({"target": "jane/a"}), LIMITS).auth is None


def test_run_and_verify_take_an_empty_body():
    assert contracts.parse_run_request(b"", LIMITS) == RunRequest(None, None)
    assert contracts.parse_run_request(encode({"notebooksDir": ""}), LIMITS) == RunRequest()
    assert contracts.parse_verify_request(b"", LIMITS) == VerifyRequest()


def test_the_preflight_request_defaults():
    request = contracts.parse_preflight_request(encode(ROUTES["preflight"][2]), LIMITS)
    assert request.platform == "linux/amd64" and request.binary_only is True
    assert request.entries[0].name == "six" and request.entries[0].workspace_path is None

"""The digest of a push whose stream does not name it (issue 11, point 11: podman).

Real parts where they run here: the harness's password registry on loopback (plain HTTP), a
real image pushed to it by the harness engine, and a real `podman system service` pushing
through its compat API. Fakes only for the faults: a stream that names no digest at all.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest

from jupyterlab_dockerize.cancellation import Cancellation, JobAPIClient
from jupyterlab_dockerize.jobs import Job
from jupyterlab_dockerize.push import PushFailed, parse_push_target, push_error, run_push
from jupyterlab_dockerize.registry import (
    engine_says_insecure,
    is_loopback_registry,
    manifest_digest,
)

from .test_engine_hosts import podman_socket  # noqa: F401 - a fixture, used by name

pytestmark = pytest.mark.engine


def tiny_context() -> bytes:
    """A one-file image (FROM scratch): seconds to build and push."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, text in (
            ("Dockerfile", b"FROM scratch\nCOPY hello.txt /\n"),
            ("hello.txt", uuid.uuid4().hex.encode()),  # a new image every time
        ):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    return data.getvalue()


@pytest.fixture
def pushed(engine, registry):
    """(target, digest): a tiny image the harness engine really pushed to the registry."""
    address, user, password = registry
    repository = f"{address}/dockerize/digest-{uuid.uuid4().hex[:8]}"
    for _ in engine.build(
        fileobj=io.BytesIO(tiny_context()), custom_context=True, tag=f"{repository}:1", rm=True
    ):
        pass
    auth = {"username": user, "password": password}
    digest = None
    for chunk in engine.push(repository, tag="1", stream=True, decode=True, auth_config=auth):
        assert "error" not in chunk, chunk
        aux = chunk.get("aux") or {}
        digest = aux.get("Digest", digest)
    assert digest and digest.startswith("sha256:")
    yield parse_push_target(f"{repository}:1"), digest
    engine.remove_image(f"{repository}:1", force=True)


class FakeEngine:
    """The engine side of a push whose stream says everything but the digest (the fault)."""

    def __init__(self, product: str, chunks: list[dict], repo_digests: list[str] = ()) -> None:
        self.product = product
        self.chunks = chunks
        self.repo_digests = list(repo_digests)
        self.base_url = "http+docker://localhost"
        self.cancellation = None

    def version(self, api_version: bool = True) -> dict:
        if self.product == "podman":
            return {"Platform": {"Name": "linux/amd64/debian-12"}, "Components": [
                {"Name": "Podman Engine", "Version": "4.3.1"}]}  # fmt: skip
        return {"Platform": {"Name": "Docker Engine - Community"}, "Components": []}

    def info(self) -> dict:
        return {}

    def tag(self, image, repository, tag) -> bool:
        return True

    def push(self, repository, **kwargs):
        yield from self.chunks

    def inspect_image(self, reference) -> dict:
        return {"RepoDigests": self.repo_digests}


PODMAN_STREAM_WITHOUT_DIGEST = [
    {"status": "The push refers to repository [REPO]"},
    {"status": "Preparing", "progressDetail": {}, "id": "a9cd8c6e281f"},
    {"status": "Pushed", "progressDetail": {}, "id": "a9cd8c6e281f"},
]


def a_job() -> Job:
    job = Job(id=uuid.uuid4().hex[:16], image="dockerize-test/x:1")
    job.image_id = "sha256:" + "0" * 64
    return job


def log_of(job: Job) -> str:
    return "\n".join(str(event.get("text", "")) for event in job.events_since(0))


def test_podmans_status_line_names_the_digest():
    digest = "sha256:" + "6f" * 32
    target = parse_push_target("127.0.0.1:9/dz/tiny:1")
    chunks = [*PODMAN_STREAM_WITHOUT_DIGEST, {"status": f"1: digest: {digest} size: 341"}]

    result = run_push(FakeEngine("podman", chunks), a_job(), target, Cancellation(), None)

    assert result == {"reference": "127.0.0.1:9/dz/tiny:1", "digest": digest, "size": 341}


def test_a_digest_line_of_another_tag_is_not_taken():
    target = parse_push_target("127.0.0.1:1/dz/tiny:2")  # port 1: nothing answers
    chunks = [{"status": f"1: digest: sha256:{'ab' * 32} size: 341"}]

    with pytest.raises(PushFailed):
        run_push(FakeEngine("podman", chunks), a_job(), target, Cancellation(), None)


def test_no_digest_in_the_stream_asks_the_registry(registry, pushed):
    _, user, password = registry
    target, digest = pushed
    auth = {"username": user, "password": password, "serveraddress": target.registry}
    engine = FakeEngine("podman", PODMAN_STREAM_WITHOUT_DIGEST)
    job = a_job()

    result = run_push(engine, job, target, Cancellation(), auth)

    assert result["digest"] == digest
    assert f"Podman Engine sent no digest; the registry: {digest}" in log_of(job)
    assert password not in log_of(job)


def test_the_registry_answers_the_digest_only_with_the_right_credentials(registry, pushed):
    _, user, password = registry
    target, digest = pushed
    path = target.repository.split("/", 1)[1]

    assert manifest_digest(target.registry, path, "1", (user, password), plain_http=True) == digest
    assert manifest_digest(target.registry, path, "1", (user, "wrong"), plain_http=True) is None
    assert manifest_digest(target.registry, path, "1", None, plain_http=True) is None
    assert (
        manifest_digest(target.registry, path, "nosuchtag", (user, password), plain_http=True)
        is None
    )
    # HTTPS only (the default off loopback): this registry speaks plain HTTP, so no answer.
    assert manifest_digest(target.registry, path, "1", (user, password)) is None


def test_neither_registry_nor_podman_knowing_is_a_failure_that_says_so(registry, pushed):
    _, user, _ = registry
    target, _ = pushed
    auth = {"username": user, "password": "wrong", "serveraddress": target.registry}
    # podman's RepoDigests name its local manifest, not the pushed one: never taken.
    engine = FakeEngine(
        "podman", PODMAN_STREAM_WITHOUT_DIGEST, [f"{target.repository}@sha256:{'1' * 64}"]
    )

    with pytest.raises(PushFailed) as raised:
        run_push(engine, a_job(), target, Cancellation(), auth)

    assert raised.value.code == "push_failed"
    assert "ended without the registry's digest" in raised.value.message
    assert "neither the registry nor Podman Engine could tell it" in raised.value.message
    assert raised.value.hint


def test_dockers_repo_digests_are_the_last_resort():
    target = parse_push_target("127.0.0.1:1/dz/tiny:1")  # nothing answers on port 1
    digest = "sha256:" + "c" * 64
    engine = FakeEngine(
        "docker",
        PODMAN_STREAM_WITHOUT_DIGEST,
        [f"127.0.0.1:1/dz/other@sha256:{'d' * 64}", f"127.0.0.1:1/dz/tiny@{digest}"],
    )

    result = run_push(engine, a_job(), target, Cancellation(), None)

    assert result["digest"] == digest


@pytest.mark.parametrize(
    ("product", "words"),
    [
        ("Podman Engine", ["registries.conf", "insecure = true", "Podman Engine"]),
        ("Docker Engine - Community", ["insecure-registries", "daemon.json"]),
    ],
)
def test_a_plain_http_registry_is_explained_for_the_engines_product(product, words):
    # podman 4.3.1's own words, pushing to the harness registry without `insecure = true`.
    message = (
        "trying to reuse blob sha256:a9cd8c at destination: pinging container registry "
        '127.0.0.1:57367: Get "https://127.0.0.1:57367/v2/": http: server gave HTTP response '
        "to HTTPS client"
    )
    error = push_error(message, parse_push_target("127.0.0.1:57367/dz/tiny:1"), product)

    assert error.code == "registry_unreachable"
    assert product in error.message
    for word in words:
        assert word in error.hint + error.message
    assert "127.0.0.1:57367" in error.hint


def test_the_registry_helpers():
    assert is_loopback_registry("localhost:5000")
    assert is_loopback_registry("127.0.0.1:57367")
    assert is_loopback_registry("[::1]:5000")
    assert not is_loopback_registry("ghcr.io")
    assert not is_loopback_registry("10.0.0.5:5000")
    info = {"RegistryConfig": {"InsecureRegistryCIDRs": ["10.0.0.0/8"], "IndexConfigs": {
        "reg.lan:5000": {"Secure": False}, "docker.io": {"Secure": True}}}}  # fmt: skip
    assert engine_says_insecure(info, "10.0.0.5:5000")
    assert engine_says_insecure(info, "reg.lan:5000")
    assert not engine_says_insecure(info, "docker.io")
    assert not engine_says_insecure({}, "reg.lan:5000")


# --- a real podman ---------------------------------------------------------------------------


def podman_client(socket_url: str) -> JobAPIClient:
    return JobAPIClient(base_url=socket_url, version="auto", timeout=60)


def import_tiny_image(client, repository: str) -> str:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        text = uuid.uuid4().hex.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
    # podman's compat import answers the new image's id and ignores the tag it is given.
    answer = client.import_image_from_data(data.getvalue(), repository=repository, tag="1")
    image_id = json.loads(answer.strip().splitlines()[-1])["id"]
    assert image_id.startswith("sha256:")
    return image_id


@pytest.fixture
def insecure_registries_conf(registry, tmp_path, monkeypatch):
    """registries.conf marking the harness registry insecure, for the podman service."""
    conf = Path(tmp_path) / "registries.conf"
    conf.write_text(f'[[registry]]\nlocation = "{registry[0]}"\ninsecure = true\n')
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
    return conf


def test_a_real_podman_push_succeeds_with_the_registrys_digest(
    registry,
    insecure_registries_conf,
    podman_socket,  # noqa: F811
):
    address, user, password = registry
    client = podman_client(podman_socket)
    repository = f"{address}/dockerize/podman-{uuid.uuid4().hex[:8]}"
    job = a_job()
    job.image_id = import_tiny_image(client, "localhost/dz-tiny")
    target = parse_push_target(f"{repository}:1")
    auth = {"username": user, "password": password, "serveraddress": address}

    result = run_push(client, job, target, Cancellation(), auth)

    path = target.repository.split("/", 1)[1]
    assert result["digest"] == manifest_digest(
        address, path, "1", (user, password), plain_http=True
    )


def test_a_real_podman_push_to_plain_http_says_registries_conf(registry, podman_socket):  # noqa: F811
    address, user, password = registry
    client = podman_client(podman_socket)
    job = a_job()
    job.image_id = import_tiny_image(client, "localhost/dz-tiny")
    target = parse_push_target(f"{address}/dockerize/podman-plain:1")
    auth = {"username": user, "password": password, "serveraddress": address}

    with pytest.raises(PushFailed) as raised:
        run_push(client, job, target, Cancellation(), auth)

    assert "Podman Engine" in raised.value.message
    assert "registries.conf" in raised.value.hint and "insecure = true" in raised.value.hint

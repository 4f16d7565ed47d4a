"""Every DOCKER_HOST form goes through the same setting, against real engines.

- TLS over TCP: the harness's dockerd also listens on tcp://127.0.0.1:PORT with mutual TLS
  (DOCKERIZE_TEST_TLS_HOST, client certificates in DOCKERIZE_TEST_TLS_CERT_PATH).
- podman: a `podman system service` started here, with private storage in a temp dir.
- ssh: an ssh:// address where no ssh server listens.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import certifi
import docker
import pytest

from .conftest import _SKIPPED_FOR_ENGINE, in_ci
from .helpers import fetch_engine

TLS_VARIABLES = ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")


def assert_clean_503(code: int, body: dict, expected_code: str, host: str) -> None:
    assert code == 503, body
    assert body["reachable"] is False
    assert body["host"] == host
    assert body["error"]["code"] == expected_code, body
    assert host in body["error"]["message"]
    assert body["error"]["hint"]
    assert "Traceback" not in json.dumps(body)


def missing(what: str) -> None:
    """Fails under CI=true; elsewhere skips, and conftest's summary names the reason in red."""
    if in_ci():
        pytest.fail(f"CI=true and {what} (the harness and the install script provide it)")
    _SKIPPED_FOR_ENGINE.append(what)
    pytest.skip(what)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_tls_settings(monkeypatch):
    """Each test sets exactly the TLS variables it means; none leak in from the shell."""
    for name in TLS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


# --- TLS over TCP -------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsEngine:
    host: str
    cert_path: Path


@pytest.fixture(scope="session")
def tls_engine() -> TlsEngine:
    """The harness engine's TLS endpoint, verified to answer with the harness's client cert."""
    host = os.environ.get("DOCKERIZE_TEST_TLS_HOST", "")
    cert_path = os.environ.get("DOCKERIZE_TEST_TLS_CERT_PATH", "")
    if not host or not cert_path:
        missing(
            "DOCKERIZE_TEST_TLS_HOST/DOCKERIZE_TEST_TLS_CERT_PATH are not set "
            "(source .harness/env after scripts/harness/up.sh)"
        )
    for name in ("ca.pem", "cert.pem", "key.pem"):
        if not (Path(cert_path) / name).is_file():
            missing(f"{cert_path}/{name} is missing (restart the harness)")
    return TlsEngine(host=host, cert_path=Path(cert_path))


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


@pytest.fixture
def foreign_pki(tmp_path) -> Path:
    """A CA the engine has never seen, and a client certificate it signed (openssl, here)."""
    if not shutil.which("openssl"):
        missing("openssl is not installed")
    ec_key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req", "-x509", *ec_key, "-days", "2", "-subj", "/CN=foreign-ca",
        "-keyout", tmp_path / "ca-key.pem", "-out", tmp_path / "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign",
    )  # fmt: skip
    openssl(
        "req", "-new", *ec_key, "-subj", "/CN=foreign-client",
        "-keyout", tmp_path / "key.pem", "-out", tmp_path / "client.csr",
    )  # fmt: skip
    (tmp_path / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    openssl(
        "x509", "-req", "-in", tmp_path / "client.csr", "-days", "2",
        "-CA", tmp_path / "ca.pem", "-CAkey", tmp_path / "ca-key.pem",
        "-extfile", tmp_path / "client.ext", "-out", tmp_path / "cert.pem",
    )  # fmt: skip
    return tmp_path


@pytest.mark.parametrize(
    "ca_bundle_env",
    ["unset", "other-ca"],
    ids=["no-requests-ca-bundle", "requests-ca-bundle-set"],
)
async def test_tls_host_reaches_the_same_engine(
    tls_engine, engine_host, jp_fetch, monkeypatch, ca_bundle_env
):
    """DOCKER_HOST=tcp://... with DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: the harness engine.

    With REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE naming another CA (common on corporate machines),
    the engine's own ca.pem must still be the one that verifies it (docker-py#2433).
    """
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if ca_bundle_env == "unset":
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, certifi.where())
    monkeypatch.setenv("DOCKER_HOST", tls_engine.host)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tls_engine.cert_path))

    code, body = await fetch_engine(jp_fetch)

    over_unix = docker.APIClient(base_url=engine_host)
    try:
        truth = over_unix.version()
        unix_daemon_id = over_unix.info()["ID"]
    finally:
        over_unix.close()
    assert code == 200, body
    assert body["reachable"] is True
    assert body["host"] == tls_engine.host
    assert body["version"] == truth["Version"]
    assert body["apiVersion"] == truth["ApiVersion"]
    assert body["kernelVersion"] == truth["KernelVersion"]
    # Not just an engine of the same version: the very daemon behind the unix socket.
    tls = docker.tls.TLSConfig(
        client_cert=(str(tls_engine.cert_path / "cert.pem"), str(tls_engine.cert_path / "key.pem")),
        ca_cert=str(tls_engine.cert_path / "ca.pem"),
        verify=True,
    )
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    over_tls = docker.APIClient(base_url=tls_engine.host, tls=tls, version="auto")
    try:
        assert over_tls.info()["ID"] == unix_daemon_id
    finally:
        over_tls.close()


@pytest.mark.parametrize(
    "who_refuses",
    ["engine", "client"],
    ids=["engine-refuses-foreign-client-cert", "client-refuses-engine-cert"],
)
async def test_tls_with_certificates_of_another_ca_is_a_tls_error(
    tls_engine, foreign_pki, jp_fetch, monkeypatch, tmp_path, who_refuses
):
    """engine: we trust the engine, it rejects our client cert (signed by a CA it never saw).
    client: ca.pem is the foreign CA too, so we reject the engine's server certificate."""
    cert_path = tmp_path / "cert-path"
    cert_path.mkdir()
    shutil.copy(foreign_pki / "cert.pem", cert_path / "cert.pem")
    shutil.copy(foreign_pki / "key.pem", cert_path / "key.pem")
    trusted_ca = tls_engine.cert_path if who_refuses == "engine" else foreign_pki
    shutil.copy(trusted_ca / "ca.pem", cert_path / "ca.pem")
    monkeypatch.setenv("DOCKER_HOST", tls_engine.host)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(cert_path))

    code, body = await fetch_engine(jp_fetch)

    assert_clean_503(code, body, "engine_tls_error", tls_engine.host)
    assert "DOCKER_CERT_PATH" in body["error"]["hint"]


async def test_plain_http_to_the_tls_port_says_tls_is_needed(tls_engine, jp_fetch, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", tls_engine.host)

    code, body = await fetch_engine(jp_fetch)

    assert_clean_503(code, body, "engine_tls_error", tls_engine.host)
    assert "expects TLS" in body["error"]["message"]
    assert "DOCKER_TLS_VERIFY=1" in body["error"]["hint"]
    assert "DOCKER_CERT_PATH" in body["error"]["hint"]


# --- podman ---------------------------------------------------------------------------------


def answers_version(socket_path: str) -> bool:
    connection = http.client.HTTPConnection("localhost", timeout=2)
    connection.sock = socket.socket(socket.AF_UNIX)
    try:
        connection.sock.settimeout(2)
        connection.sock.connect(socket_path)
        connection.request("GET", "/version")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture
def podman_socket() -> Iterator[str]:
    """`podman system service` on a socket of its own, owned and stopped by this fixture.

    Storage, run and tmp dirs, network config, volumes and locks all live in a temp dir
    (vfs storage, file locks instead of /dev/shm), so no system state is read or written.
    Only the API socket is needed: podman's /version, no containers.
    """
    podman = shutil.which("podman")
    if not podman:
        missing("podman is not installed (apt-get install podman)")
    # Short, so the socket path fits in sun_path.
    state = Path(tempfile.mkdtemp(prefix="dkz-podman-"))
    socket_path = state / "podman.sock"
    conf = state / "containers.conf"
    conf.write_text('[engine]\nlock_type = "file"\n')
    log_path = state / "podman.log"
    command = [
        podman,
        "--root", state / "root",
        "--runroot", state / "run",
        "--tmpdir", state / "tmp",
        "--volumepath", state / "volumes",
        "--network-config-dir", state / "networks",
        "--storage-driver", "vfs",
        "--events-backend", "none",
        "--cgroup-manager", "cgroupfs",
        "--log-level", "error",
        "system", "service", "--time=0", f"unix://{socket_path}",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        service = subprocess.Popen(
            [str(part) for part in command],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CONTAINERS_CONF": str(conf)},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not (socket_path.exists() and answers_version(str(socket_path))):
            if service.poll() is not None:
                pytest.fail(f"podman system service exited {service.returncode}: "
                            f"{log_path.read_text(errors='replace')[-2000:]}")  # fmt: skip
            if time.monotonic() > deadline:
                pytest.fail("podman system service did not answer /version within 30 s")
            time.sleep(0.05)
        yield f"unix://{socket_path}"
    finally:
        service.terminate()
        try:
            service.wait(timeout=10)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(timeout=10)
        shutil.rmtree(state, ignore_errors=True)


async def test_podman_socket_is_an_engine(podman_socket, jp_fetch, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", podman_socket)

    code, body = await fetch_engine(jp_fetch)

    client = docker.APIClient(base_url=podman_socket)
    try:
        truth = client.version()
    finally:
        client.close()
    assert code == 200, body
    assert body["reachable"] is True
    assert body["host"] == podman_socket
    assert "Podman" in body["product"]
    assert body["version"] == truth["Version"]
    assert body["apiVersion"] == truth["ApiVersion"]


# --- ssh ------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_ssh_client", [False, True], ids=["paramiko", "ssh-client"])
async def test_ssh_host_without_a_server_is_a_clean_503(
    jp_fetch, jp_serverapp, monkeypatch, use_ssh_client
):
    host = f"ssh://nobody@127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DOCKER_HOST", host)
    dockerize = jp_serverapp.web_app.settings["jupyterlab_dockerize"]
    dockerize.use_ssh_client = use_ssh_client
    dockerize.engine_timeout = 5.0

    started = time.monotonic()
    code, body = await fetch_engine(jp_fetch)
    elapsed = time.monotonic() - started

    assert elapsed < 5.0
    try:
        import paramiko  # noqa: F401
    except ImportError:
        # docker 7 needs paramiko for ssh:// even when it shells out to ssh.
        assert_clean_503(code, body, "engine_ssh_unavailable", host)
        assert "jupyterlab-dockerize[ssh]" in body["error"]["hint"]
    else:
        assert code == 503
        assert body["reachable"] is False
        assert body["host"] == host
        assert "Traceback" not in json.dumps(body)

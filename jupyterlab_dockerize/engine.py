"""Talk to the Docker engine through the docker SDK for Python.

Everything here is blocking and free of Tornado: handlers call it through a worker thread.
The engine is named the way the docker CLI names it (DOCKER_HOST, DOCKER_TLS_VERIFY,
DOCKER_CERT_PATH), so unix sockets, TLS over TCP, ssh and podman's socket all work.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docker
import requests
import urllib3
from docker.errors import APIError, DockerException
from docker.utils import kwargs_from_env

from .errors import BadRequest, DockerizeError, EngineUnavailable

LOG = logging.getLogger("jupyterlab_dockerize")

DEFAULT_UNIX_SOCKET = "unix:///var/run/docker.sock"
# The oldest Engine API we talk to; the probe asks the engine for its own version anyway.
MINIMUM_API_VERSION = "1.24"

START_ENGINE_HINT = (
    "Start Docker (Docker Desktop, or `sudo systemctl start docker`), or set DOCKER_HOST "
    "(or c.Dockerize.docker_host) to an engine you can reach: unix:///path/to/docker.sock, "
    "tcp://host:2376 with TLS, ssh://user@host, or a podman socket."
)


@dataclass(frozen=True)
class EngineSettings:
    docker_host: str | None = None
    timeout: float = 10.0
    use_ssh_client: bool = False

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.docker_host:
            env["DOCKER_HOST"] = self.docker_host
        return env

    def host(self) -> str:
        return self.environment().get("DOCKER_HOST") or DEFAULT_UNIX_SOCKET


@dataclass(frozen=True)
class EngineInfo:
    host: str
    product: str
    version: str
    api_version: str
    min_api_version: str
    os: str
    arch: str
    kernel_version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reachable": True,
            "host": self.host,
            "product": self.product,
            "version": self.version,
            "apiVersion": self.api_version,
            "minApiVersion": self.min_api_version,
            "os": self.os,
            "arch": self.arch,
            "kernelVersion": self.kernel_version,
        }


class _EngineAPIClient(docker.APIClient):
    """Keeps the engine's own CA (DOCKER_CERT_PATH/ca.pem) or DOCKER_TLS_VERIFY unset in force.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace the session's ``verify``
    (docker/docker-py#2433), which breaks TLS to an engine whenever those are set.
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            merged["verify"] = self.verify
        return merged


def open_api_client(
    settings: EngineSettings,
    version: str = "auto",
    *,
    client_class: type[_EngineAPIClient] = _EngineAPIClient,
    timeout: float | object | None = ...,
) -> docker.APIClient:
    """A low-level client for the configured engine; with version "auto" it connects at once.

    ``timeout`` (default: the settings') is the read timeout of every request; None waits
    for ever, for streams such as a build that may print nothing for minutes.
    """
    try:
        kwargs = kwargs_from_env(environment=settings.environment())
    except DockerException as error:
        raise _unavailable(error, settings.host()) from None
    try:
        return client_class(
            version=version,
            timeout=settings.timeout if timeout is ... else timeout,
            use_ssh_client=settings.use_ssh_client,
            **kwargs,
        )
    except (DockerException, OSError, ValueError) as error:
        raise _unavailable(error, settings.host()) from None


def probe_engine(settings: EngineSettings) -> EngineInfo:
    """Ask the engine who it is. Raises EngineUnavailable with a message and a hint."""
    host = settings.host()
    client = open_api_client(settings, version=MINIMUM_API_VERSION)
    try:
        raw = client.version(api_version=False)
    except Exception as error:  # noqa: BLE001 - said as what it is, never a traceback
        raise classify_engine_exception(error, host) from None
    finally:
        client.close()
    if not isinstance(raw, dict):
        raise EngineUnavailable(
            f"The address {host} answered, but not as a Docker or Podman engine would.",
            START_ENGINE_HINT,
            code="engine_bad_host",
        )
    return EngineInfo(
        host=host,
        product=_product_name(raw),
        version=str(raw.get("Version", "")),
        api_version=str(raw.get("ApiVersion", "")),
        min_api_version=str(raw.get("MinAPIVersion", "")),
        os=str(raw.get("Os", "")),
        arch=str(raw.get("Arch", "")),
        kernel_version=str(raw.get("KernelVersion", "")),
    )


def engine_product(client: Any) -> str:
    """The engine's product for messages ("Podman Engine", "Docker Engine", or the name its
    Platform gives); "Docker Engine" when the engine does not say."""
    try:
        raw = client.version(api_version=False)
    except Exception:  # noqa: BLE001 - only a name for messages; the real call reports
        return "Docker Engine"
    return _product_name(raw) if isinstance(raw, dict) else "Docker Engine"


def _product_name(raw: dict[str, Any]) -> str:
    components = [item for item in raw.get("Components") or [] if isinstance(item, dict)]
    # Podman names itself in Components; its Platform.Name is "linux/amd64/debian-12".
    if any(str(item.get("Name", "")).lower().startswith("podman") for item in components):
        return "Podman Engine"
    platform = raw.get("Platform") or {}
    if isinstance(platform, dict) and platform.get("Name"):
        return str(platform["Name"])
    return "Docker Engine"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps (requests and urllib3 nest the real cause deeply)."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend(item for item in nested if isinstance(item, BaseException))


def _unavailable(error: BaseException, host: str) -> EngineUnavailable:
    for cause in _causes(error):
        if isinstance(cause, PermissionError):
            return EngineUnavailable(
                f"Permission denied on the Docker engine socket at {host}.",
                "Add your user to the docker group and log in again, run Docker rootless, or "
                "set DOCKER_HOST to a socket you may use (for example podman's "
                "unix:///run/user/$UID/podman/podman.sock).",
                code="engine_permission_denied",
            )
        if isinstance(cause, ssl.SSLError):
            return EngineUnavailable(
                f"The TLS handshake with the Docker engine at {host} failed.",
                "Check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) and DOCKER_TLS_VERIFY, and "
                "that the engine's certificate names this host.",
                code="engine_tls_error",
            )
        if isinstance(cause, (socket.timeout, TimeoutError)) or "timed out" in str(cause):
            return EngineUnavailable(
                f"The Docker engine at {host} did not answer in time.",
                "Check that the engine is running and not overloaded, or raise "
                "c.Dockerize.engine_timeout. " + START_ENGINE_HINT,
                code="engine_timeout",
            )
        if isinstance(cause, (FileNotFoundError, ConnectionRefusedError)):
            return EngineUnavailable(
                f"No Docker engine is running at {host}.",
                START_ENGINE_HINT,
                code="engine_not_running",
            )
        if "HTTP request to an HTTPS server" in str(cause):
            return EngineUnavailable(
                f"The Docker engine at {host} expects TLS, but no TLS settings are set.",
                "Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem, "
                "cert.pem and key.pem for this engine.",
                code="engine_tls_error",
            )
    if isinstance(error, DockerException) and "paramiko" in str(error):
        # docker 7 imports paramiko for every ssh:// engine, even with use_ssh_client=True.
        return EngineUnavailable(
            f"The Docker engine at {host} is reached over ssh, which needs paramiko, and it "
            "is not installed.",
            "Install it with `pip install 'jupyterlab-dockerize[ssh]'` (or `pip install "
            "paramiko`) and restart Jupyter; then c.Dockerize.use_ssh_client=True also lets "
            "it use your ssh client and its config.",
            code="engine_ssh_unavailable",
        )
    if isinstance(error, DockerException) and "bind address" in str(error):
        return EngineUnavailable(
            f"DOCKER_HOST is not a valid engine address: {host}.",
            START_ENGINE_HINT,
            code="engine_bad_host",
        )
    return EngineUnavailable(
        f"The Docker engine at {host} could not be reached: {_first_line(error)}",
        START_ENGINE_HINT,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


def engine_error(error: BaseException, host: str) -> EngineUnavailable:
    """The clear 503 for a failure of the connection to the engine (``is_connection_error``);
    for any exception, ``classify_engine_exception`` says which it is."""
    return _unavailable(error, host)


#: Failures of the connection to the engine: it is gone, refuses, or did not answer in time.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,  # ConnectionError, socket.timeout, FileNotFoundError, PermissionError, ssl.SSLError
)


def is_connection_error(error: BaseException) -> bool:
    """True for what says the engine cannot be reached, including the docker SDK's own
    DockerException for a bad address or missing ssh support (not an engine's APIError)."""
    if isinstance(error, APIError):
        return False
    return isinstance(error, (*CONNECTION_ERRORS, DockerException))


def classify_engine_exception(error: BaseException, host: str) -> DockerizeError:
    """An exception met while talking to the engine, said as what it is:

    - the connection failed: EngineUnavailable (503, "engine unreachable" and its kin);
    - the engine answered with an error: code "engine_error", in the engine's words;
    - anything else (IndexError, KeyError, TypeError…) is a bug of this extension: code
      "internal_error", logged with its traceback, never blamed on the engine.
    """
    if isinstance(error, DockerizeError):
        return error
    if isinstance(error, APIError):
        explanation = error.explanation or str(error)
        text = explanation.decode() if isinstance(explanation, bytes) else str(explanation)
        if "HTTP request to an HTTPS server" in text:
            return _unavailable(error, host)  # a TLS port spoken to in plain HTTP
        return DockerizeError(
            f"The engine at {host} refused: {text.strip()[:500]}",
            "See the job's log for what was asked; the engine's words say why.",
            code="engine_error",
        )
    if is_connection_error(error):
        return _unavailable(error, host)
    LOG.error("jupyterlab-dockerize: internal error while talking to the engine", exc_info=error)
    return internal_error(error)


def internal_error(error: BaseException) -> DockerizeError:
    detail = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return DockerizeError(
        "An internal error of jupyterlab-dockerize: "
        f"{type(error).__name__}{': ' + detail if detail else ''}. See the Jupyter server log.",
        "This is a bug of the extension, not a problem with your engine or notebook: the "
        "Jupyter server's log has the details. Please report it; trying again may work.",
        code="internal_error",
    )


def job_error(error: BaseException, host: str) -> DockerizeError:
    """A failure in the middle of a job, said as what it is: the engine refusing (in its
    own words; a refused image name is a bad tag), the engine gone or too slow, or a bug of
    this extension (with the log to read), never "engine unreachable" for the latter."""
    if isinstance(error, APIError):
        explanation = error.explanation or str(error)
        text = explanation.decode() if isinstance(explanation, bytes) else str(explanation)
        if "invalid reference format" in text:
            return BadRequest(
                f"The Docker engine refused the image name: {text.strip()[:300]}",
                "Name the image like jane/analysis:1.0: lowercase letters, digits and . _ - "
                "in the name, a tag of letters, digits, . _ - after ':'.",
                code="invalid_image_reference",
            )
        return classify_engine_exception(error, host)
    if not is_connection_error(error):
        return classify_engine_exception(error, host)  # an internal error, logged there
    unavailable = engine_error(error, host)
    if isinstance(error, (requests.exceptions.Timeout, socket.timeout)):
        what = f"did not answer in time during the job ({type(error).__name__})"
    else:
        what = "stopped answering during the job"
    unavailable.message = f"The Docker engine {what}. {unavailable.message}"
    return unavailable

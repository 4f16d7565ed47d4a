"""Only a failed connection is "engine unreachable" (issue 11, point 1): the engine's refusal
is said in its words, and an unexpected exception is an internal error of the extension."""

from __future__ import annotations

import logging
import socket

import pytest
import requests
import urllib3
from docker.errors import APIError, DockerException

from jupyterlab_dockerize import engine
from jupyterlab_dockerize.engine import (
    EngineSettings,
    classify_engine_exception,
    engine_product,
    is_connection_error,
    probe_engine,
)
from jupyterlab_dockerize.errors import BadRequest, DockerizeError, EngineUnavailable

HOST = "unix:///var/run/docker.sock"


@pytest.mark.parametrize(
    "error",
    [
        IndexError("list index out of range"),
        KeyError("HostPort"),
        TypeError("'NoneType' object is not subscriptable"),
        AttributeError("'list' object has no attribute 'get'"),
        ValueError("invalid literal for int()"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_unexpected_exception_is_an_internal_error(error, caplog):
    caplog.set_level(logging.ERROR, logger="jupyterlab_dockerize")

    said = classify_engine_exception(error, HOST)

    assert not isinstance(said, EngineUnavailable)
    assert said.code == "internal_error" and said.status == 500
    assert said.message.startswith(
        f"An internal error of jupyterlab-dockerize: {type(error).__name__}: "
    )
    assert said.message.endswith("See the Jupyter server log.")
    assert "engine" not in said.message.lower().replace("jupyterlab-dockerize", "")
    assert any(record.exc_info for record in caplog.records)  # the traceback is in the log


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (requests.exceptions.ConnectionError("Connection aborted."), "engine_unreachable"),
        (ConnectionRefusedError(111, "Connection refused"), "engine_not_running"),
        (FileNotFoundError(2, "No such file or directory"), "engine_not_running"),
        (PermissionError(13, "Permission denied"), "engine_permission_denied"),
        (socket.timeout("timed out"), "engine_timeout"),
        (requests.exceptions.ReadTimeout("Read timed out."), "engine_timeout"),
        (urllib3.exceptions.ProtocolError("Connection broken"), "engine_unreachable"),
        (DockerException("Error while fetching server API version"), "engine_unreachable"),
    ],
    ids=lambda item: type(item).__name__ if isinstance(item, BaseException) else item,
)
def test_a_connection_failure_is_the_engine_unreachable(error, code):
    assert is_connection_error(error)
    said = classify_engine_exception(error, HOST)
    assert isinstance(said, EngineUnavailable) and said.status == 503
    assert said.code == code


def test_the_engines_refusal_is_in_its_own_words():
    refusal = APIError("500 Server Error", explanation="invalid reference format")

    said = classify_engine_exception(refusal, HOST)

    assert not is_connection_error(refusal)
    assert said.code == "engine_error"
    assert "invalid reference format" in said.message


def test_an_error_of_ours_passes_as_it_is():
    mine = BadRequest("bad", "fix it")
    assert classify_engine_exception(mine, HOST) is mine


class ExplodingClient:
    """An engine client whose answer the probe cannot read (the fault)."""

    def __init__(self, answer):
        self.answer = answer

    def version(self, api_version=True):
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    def close(self):
        pass


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (IndexError("list index out of range"), "internal_error"),
        (["not", "a", "dict"], "engine_bad_host"),
        (requests.exceptions.ConnectionError("refused"), "engine_unreachable"),
    ],
    ids=["bug", "not-an-engine", "connection"],
)
def test_the_probe_says_what_failed(monkeypatch, answer, code):
    monkeypatch.setattr(engine, "open_api_client", lambda *a, **k: ExplodingClient(answer))

    with pytest.raises(DockerizeError) as raised:
        probe_engine(EngineSettings(docker_host=HOST))

    assert raised.value.code == code


def test_the_product_names_podman_and_docker():
    podman = {
        "Platform": {"Name": "linux/amd64/debian-12"},
        "Components": [{"Name": "Podman Engine"}],
    }
    docker = {"Platform": {"Name": "Docker Engine - Community"}, "Components": []}
    assert engine_product(ExplodingClient(podman)) == "Podman Engine"
    assert engine_product(ExplodingClient(docker)) == "Docker Engine - Community"
    assert engine_product(ExplodingClient({})) == "Docker Engine"
    assert engine_product(ExplodingClient(OSError("gone"))) == "Docker Engine"

"""A failure in a job is said as what it is: the engine refusing, the engine gone, or a bug
of this extension — never "engine unreachable" for an exception of our own."""

from __future__ import annotations

import socket

import pytest
import requests
from docker.errors import APIError, DockerException

from jupyterlab_dockerize.engine import job_error

HOST = "unix:///var/run/docker.sock"


class FakeResponse:
    status_code = 400
    reason = "Bad Request"
    url = "http://docker/images/create"


@pytest.mark.parametrize(
    "error",
    [IndexError("list index out of range"), KeyError("HostPort"), TypeError("x"), ValueError()],
)
def test_an_exception_of_our_own_is_an_internal_error(error):
    problem = job_error(error, HOST)
    assert problem.code == "internal_error"
    assert type(error).__name__ in problem.message
    assert "engine" not in problem.message.lower()
    assert "log" in problem.hint and "bug" in problem.hint
    assert "Start Docker" not in problem.hint


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectionError("refused"),
        ConnectionRefusedError(111, "Connection refused"),
        DockerException("Error while fetching server API version"),
    ],
)
def test_a_connection_failure_is_the_engine_gone(error):
    problem = job_error(error, HOST)
    assert problem.status == 503 and problem.code.startswith("engine_")
    assert "stopped answering" in problem.message


@pytest.mark.parametrize("error", [requests.exceptions.ReadTimeout("slow"), socket.timeout()])
def test_a_timeout_says_the_engine_did_not_answer_in_time(error):
    problem = job_error(error, HOST)
    assert problem.status == 503 and problem.code.startswith("engine_")
    assert "did not answer in time" in problem.message


def test_a_tag_the_engine_refuses_is_a_bad_tag():
    error = APIError("400", FakeResponse(), explanation="invalid reference format")
    problem = job_error(error, HOST)
    assert problem.code == "invalid_image_reference"
    assert "image name" in problem.message and "jane/analysis:1.0" in problem.hint


def test_other_refusals_keep_the_engines_words():
    error = APIError("500", FakeResponse(), explanation="no space left on device")
    problem = job_error(error, HOST)
    assert problem.code == "engine_error" and "no space left on device" in problem.message

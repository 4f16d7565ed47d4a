"""Shared fixtures: a Jupyter server with the extension, and the real Docker engine.

Tests that need the engine use the ``engine_host`` fixture. Where no engine answers,
they fail under CI=true and are skipped loudly elsewhere (see the summary at the end).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from jupyterlab_dockerize.engine import EngineSettings, probe_engine
from jupyterlab_dockerize.errors import EngineUnavailable

pytest_plugins = ("pytest_jupyter.jupyter_server",)

_SKIPPED_FOR_ENGINE: list[str] = []


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_dockerize": True}}}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_unless_ci(reason: str) -> NoReturn:
    """A part the test needs is missing: under CI=true that fails the test (CI provides
    everything: nothing that needs Docker or the browser may be skipped there); elsewhere
    the test is skipped and says why."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture
def registry() -> tuple[str, str, str]:
    """The harness's registry with password auth: (address, user, password)."""
    address = os.environ.get("DOCKERIZE_TEST_REGISTRY")
    if not address:
        skip_unless_ci("no test registry (DOCKERIZE_TEST_REGISTRY): run `make test`")
    return (
        address,
        os.environ["DOCKERIZE_TEST_REGISTRY_USER"],
        os.environ["DOCKERIZE_TEST_REGISTRY_PASSWORD"],
    )


@pytest.fixture(scope="session")
def engine_host() -> str:
    """DOCKER_HOST of a running engine (the harness's, from `make test`), verified to answer."""
    settings = EngineSettings()
    try:
        probe_engine(settings)
    except EngineUnavailable as error:
        reason = f"no Docker engine at {settings.host()}: {error.message}"
        if in_ci():
            pytest.fail(f"CI=true and {reason} (the harness should have started one)")
        _SKIPPED_FOR_ENGINE.append(reason)
        pytest.skip(reason)
    return settings.host()


@pytest.fixture
def state_dir(tmp_path_factory):
    """The extension's state folder (job records, temporary build files) for one test."""
    return tmp_path_factory.mktemp("dockerize-state")


@pytest.fixture
def engine(engine_host):
    """A docker SDK client of the test engine, to look behind the extension's back."""
    import docker

    client = docker.APIClient(base_url=engine_host)
    yield client
    client.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if _SKIPPED_FOR_ENGINE and skipped:
        terminalreporter.section("SKIPPED: NO DOCKER ENGINE", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} test(s) did not run because {_SKIPPED_FOR_ENGINE[0]}. "
            "Run `make test` (it starts a private engine) or set DOCKER_HOST.",
            red=True,
        )

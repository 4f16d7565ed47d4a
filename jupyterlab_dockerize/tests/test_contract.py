"""The server's side of the contract with the panel, held equal to the shared fixtures.

``src/core/__tests__/fixtures/contract-constants.json`` pins every constant both languages
use and ``request-schemas.json`` the JSON Schema of every request body; a jest spec holds
the TypeScript side to the same files. A change on one side fails here or there until the
fixture (and the other side) follows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyterlab_dockerize import capture, containers, jobs, pip_runner, routes, schemas, wheelhouse
from jupyterlab_dockerize.jobs import Job, JobState

FIXTURES = Path(__file__).resolve().parents[2] / "src" / "core" / "__tests__" / "fixtures"
CONSTANTS = json.loads((FIXTURES / "contract-constants.json").read_text(encoding="utf-8"))
SCHEMAS = json.loads((FIXTURES / "request-schemas.json").read_text(encoding="utf-8"))


def in_order(states: frozenset[JobState]) -> list[str]:
    return [state.value for state in JobState if state in states]


def test_the_request_schemas_are_the_ones_the_server_validates_with():
    assert SCHEMAS == json.loads(json.dumps(schemas.BY_ROUTE))
    assert set(SCHEMAS) <= set(CONSTANTS["routes"]), "a schema of a route that does not exist"


def test_the_routes_are_the_ones_the_server_registers():
    assert CONSTANTS["apiNamespace"] == routes.NAMESPACE
    assert CONSTANTS["routes"] == {name: path for name, (path, _) in routes.ROUTES.items()}


def test_job_states_phases_and_event_kinds():
    states = CONSTANTS["jobStates"]
    assert states["all"] == [state.value for state in JobState]
    assert states["active"] == in_order(jobs.ACTIVE_STATES)
    assert states["resting"] == in_order(jobs.RESTING_STATES)
    assert states["imageBuilt"] == in_order(jobs.IMAGE_STATES)
    assert set(states["active"]) | set(states["resting"]) == set(states["all"])
    assert CONSTANTS["jobPhases"] == list(jobs.EVENT_PHASES)
    assert CONSTANTS["eventKinds"] == list(jobs.EVENT_KINDS)
    assert CONSTANTS["heartbeatKind"] == routes.HEARTBEAT
    assert routes.HEARTBEAT not in jobs.EVENT_KINDS


def test_a_job_emits_only_the_kinds_and_phases_of_the_contract():
    job = Job(id="0123456789abcdef", image="a/b:1")
    for kind in CONSTANTS["eventKinds"]:
        for phase in CONSTANTS["jobPhases"]:
            job.emit(kind, phase=phase)
    assert job.event_count == len(CONSTANTS["eventKinds"]) * len(CONSTANTS["jobPhases"])
    with pytest.raises(ValueError):
        job.emit("heartbeat", phase="build")
    with pytest.raises(ValueError):
        job.emit("log", phase="deploy", text="x")
    assert job.event_count == len(CONSTANTS["eventKinds"]) * len(CONSTANTS["jobPhases"])


def test_platforms_labels_wheelhouse_marker_port_and_volumes():
    assert CONSTANTS["platforms"] == list(pip_runner.PLATFORMS)
    assert CONSTANTS["defaultPlatform"] == pip_runner.DEFAULT_PLATFORM
    labels = CONSTANTS["labels"]
    assert labels["prefix"] == containers.LABEL_PREFIX
    assert labels["job"] == containers.JOB_LABEL
    assert labels["role"] == containers.ROLE_LABEL
    assert labels["server"] == containers.SERVER_LABEL
    for name, label in labels.items():
        assert name == "prefix" or label == f"{containers.LABEL_PREFIX}.{name}"
    assert CONSTANTS["wheelhouse"] == {
        "folder": wheelhouse.WHEELHOUSE_DIR,
        "lock": wheelhouse.LOCK_NAME,
        "lockPath": f"{wheelhouse.WHEELHOUSE_DIR}/{wheelhouse.LOCK_NAME}",
    }
    assert CONSTANTS["snapshotMarker"] == capture.SNAPSHOT_MARKER
    assert capture.capture_request()["marker"] == capture.SNAPSHOT_MARKER
    assert capture.SNAPSHOT_MARKER in capture.capture_request()["code"]
    assert CONSTANTS["jupyterPort"] == containers.JUPYTER_PORT
    assert CONSTANTS["volumes"] == {
        "notebooks": containers.NOTEBOOKS_VOLUME,
        "data": containers.DATA_VOLUME,
    }

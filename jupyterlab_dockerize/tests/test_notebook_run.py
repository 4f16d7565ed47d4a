"""Verify re-executes the bundled notebooks in the built image (notebook_run.py).

The contract first (the verify request, the notebooks and data files a job remembers),
then real runs on the harness's engine, in small images made here from the stand-in base
with nbclient and ipykernel installed from the harness's wheel cache: a notebook that runs,
one that raises, a cell limit, a notebook limit, no network, the image's own user, the data
folder bound read-only, an image without nbclient, and cancel.
"""

from __future__ import annotations

import json

import pytest

from jupyterlab_dockerize import contracts, schemas
from jupyterlab_dockerize.builds import bundle_entries_under
from jupyterlab_dockerize.bundle import BundleLimits
from jupyterlab_dockerize.contracts import VerifyRequest
from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.jobs import Job

LIMITS = BundleLimits()


def encode(body: object) -> bytes:
    return json.dumps(body).encode()


# --- the contract --------------------------------------------------------------------------


def test_an_empty_verify_request_runs_the_notebooks_with_the_servers_limits():
    for body in (b"", b"{}"):
        request = contracts.parse_verify_request(body, LIMITS)
        assert request == VerifyRequest()
        assert request.notebooks is True
        assert request.cell_timeout is None and request.notebook_timeout is None
        assert request.data_dir is None


def test_a_verify_request_takes_its_options():
    body = {"notebooks": False, "cellTimeout": 5, "notebookTimeout": 60.5, "dataDir": "a/b"}
    request = contracts.parse_verify_request(encode(body), LIMITS)
    assert request == VerifyRequest(
        notebooks=False, cell_timeout=5.0, notebook_timeout=60.5, data_dir="a/b"
    )
    nulls = {"cellTimeout": None, "notebookTimeout": None, "dataDir": None}
    assert contracts.parse_verify_request(encode(nulls), LIMITS) == VerifyRequest()
    assert contracts.parse_verify_request(encode({"dataDir": ""}), LIMITS).data_dir is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cellTimeout": 0}, "'cellTimeout' must be between 1 and 86400 seconds"),
        ({"notebookTimeout": 86401}, "'notebookTimeout' must be between 1 and 86400"),
        ({"cellTimeout": -3}, "'cellTimeout' must be between"),
        ({"cellTimeout": "60"}, "cellTimeout must be a number or null"),
        ({"cellTimeout": True}, "cellTimeout must be a number or null"),
        ({"notebooks": "yes"}, "notebooks must be true or false"),
        ({"dataDir": 3}, "dataDir must be a string or null"),
        ({"dataDir": "a\nb"}, "'dataDir' must be the workspace path of a folder"),
    ],
)
def test_a_bad_verify_request_is_refused_with_its_example(body, message):
    with pytest.raises(BadRequest) as refused:
        contracts.parse_verify_request(encode(body), LIMITS)
    assert message in refused.value.message
    assert refused.value.status == 400


def test_a_timeout_of_nan_is_refused():
    with pytest.raises(BadRequest, match="between 1 and 86400"):
        contracts.parse_verify_request(b'{"cellTimeout": NaN}', LIMITS)


def test_the_verify_schema_names_its_fields():
    assert sorted(schemas.BY_ROUTE["verify"]["properties"]) == [
        "cellTimeout",
        "dataDir",
        "notebookTimeout",
        "notebooks",
    ]


def test_a_job_remembers_the_bundles_notebooks_and_data_files():
    body = {
        "files": {"Dockerfile": "FROM x\n"},
        "image": "jane/a:1",
        "include": [
            {"workspacePath": "work/analysis.ipynb", "bundlePath": "notebooks/analysis.ipynb"},
            {"workspacePath": "work/sales.csv", "bundlePath": "data/sales.csv"},
            {"workspacePath": "work/readme.txt", "bundlePath": "notebooks/readme.txt"},
            {"workspacePath": "vendor/pkg", "bundlePath": "vendor/pkg"},
            {"workspacePath": "work/deep", "bundlePath": "data/deep"},
        ],
    }
    request = contracts.parse_build_request(encode(body), LIMITS)
    notebooks = bundle_entries_under(request, "notebooks", ".ipynb")
    data = bundle_entries_under(request, "data")
    assert notebooks == [
        {"workspacePath": "work/analysis.ipynb", "bundlePath": "notebooks/analysis.ipynb"}
    ]
    assert data == [
        {"workspacePath": "work/sales.csv", "bundlePath": "data/sales.csv"},
        {"workspacePath": "work/deep", "bundlePath": "data/deep"},
    ]
    job = Job(id="0123456789abcdef", image="jane/a:1", notebooks=notebooks, data_files=data)
    record = job.record()
    assert record["notebooks"] == notebooks and record["dataFiles"] == data
    again = Job.from_record(json.loads(json.dumps(record)))
    assert (again.notebooks, again.data_files) == (notebooks, data)
    # A record of an older version has neither: nothing to run.
    old = {key: value for key, value in record.items() if key not in ("notebooks", "dataFiles")}
    assert Job.from_record(old).notebooks == []
    broken = {**record, "notebooks": [{"workspacePath": 1}, "x"], "dataFiles": "y"}
    assert Job.from_record(broken).notebooks == [] and Job.from_record(broken).data_files == []

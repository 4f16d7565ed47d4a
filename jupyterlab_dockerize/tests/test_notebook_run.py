"""Verify re-executes the bundled notebooks in the built image (notebook_run.py).

The contract first (the verify request, the notebooks and data files a job remembers),
then real runs on the harness's engine, in small images made here from the stand-in base
with nbclient and ipykernel installed from the harness's wheel cache: a notebook that runs,
one that raises, a cell limit, a notebook limit, no network, the image's own user, the data
folder bound read-only, an image without nbclient, and cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import secrets
import tarfile
import threading
import time

import pytest

from jupyterlab_dockerize import contracts, schemas
from jupyterlab_dockerize.builds import bundle_entries_under
from jupyterlab_dockerize.bundle import BundleLimits
from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.containers import JOB_LABEL, ROLE_LABEL
from jupyterlab_dockerize.contracts import VerifyRequest
from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.jobs import Job
from jupyterlab_dockerize.notebook_run import (
    MAX_OUTPUT_BYTES,
    NOTEBOOK_MARKER,
    NotebookInImage,
    NotebookLimits,
    RunRecord,
    run_notebook,
)

from .buildjobs import (
    STANDIN,
    all_events,
    call,
    engine_server_config,
    log_text,
    start_build,
    wait_for,
)
from .generator import WheelServer, wheelhouse
from .helpers import JUPYTER_STAND_IN

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


# --- the runner's protocol, read back ----------------------------------------------------


def protocol(*events: dict) -> list[str]:
    return [NOTEBOOK_MARKER + json.dumps(event) for event in events]


START = {
    "event": "start",
    "kernel": "python3",
    "kernelNote": "",
    "cells": [
        {"index": 0, "source": "a", "tags": [], "saved": [{"output_type": "stream", "text": "1"}]},
        {"index": 2, "source": "b", "tags": ["x"], "saved": []},
    ],
}


def test_a_runner_that_vanishes_mid_cell_keeps_the_cells_done():
    record = RunRecord(NotebookInImage("w/n.ipynb", "notebooks/n.ipynb"), NotebookLimits(5, 9))
    lines = protocol(
        START,
        {"event": "running", "index": 0, "at": 100.0},
        {"event": "cell", "index": 0, "status": "ok", "seconds": 0.5, "produced": []},
        {"event": "alive"},
        {"event": "running", "index": 2, "at": 101.0},
    )
    progress = [record.feed(line) for line in [*lines, "kernel noise", lines[0][:40]]]
    assert "n.ipynb: cell 1 of 2, 0.5 s" in progress
    run = record.finish("exited", 3.0, 102.0)
    assert (run["status"], run["code"]) == ("failed", "runner_failed")
    assert [cell["status"] for cell in run["cells"]] == ["ok", "died"]
    assert run["cells"][0]["saved"] == START["cells"][0]["saved"] and run["cells"][1]["tags"] == [
        "x"
    ]


def test_at_the_notebook_limit_the_running_cell_times_out_with_its_time():
    record = RunRecord(NotebookInImage("w/n.ipynb", "notebooks/n.ipynb"), NotebookLimits(5, 9))
    for line in protocol(START, {"event": "running", "index": 0, "at": 100.0}):
        record.feed(line)
    run = record.finish("notebook_timeout", 9.2, 108.5)
    assert (run["status"], run["code"]) == ("timeout", "notebook_timeout")
    assert run["message"].endswith("Cell 1 was running.")
    first, second = run["cells"]
    assert (first["status"], first["seconds"]) == ("timeout", 8.5)
    assert (second["status"], second["seconds"]) == ("not-run", None)


# --- real runs in real images ----------------------------------------------------------------

#: The set the image tests already cache (test_image_build.py): jupyterlab brings nbclient,
#: nbformat and ipykernel, so no further download.
HARNESS_REQUIREMENTS = ["jupyterlab==4.6.6", "python-dateutil==4.0.0", "six==1.17.0"]
LABELS = {JOB_LABEL: "notebook-run-test", ROLE_LABEL: "verify"}


def code(source: str, outputs: list | None = None, tags: list | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": tags} if tags else {},
        "outputs": outputs or [],
        "source": source,
    }


def stdout(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def notebook_json(*cells: dict, kernel: str = "python3") -> str:
    body = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# A notebook"}, *cells],
        "metadata": {
            "kernelspec": {"display_name": "Python", "language": "python", "name": kernel}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(body)


NOTEBOOKS = {
    "runs.ipynb": notebook_json(
        code("print(6 * 7)", [stdout("42\n")]),
        code("import os\nos.getuid(), os.getcwd()"),
        code("{'a': 1}"),
        kernel="conda-env-analysis-py",
    ),
    "raises.ipynb": notebook_json(
        code("1 / 0", tags=["raises-exception"]),
        code("undefined_name"),
        code("print('after')"),
    ),
    "endless.ipynb": notebook_json(
        code("print('before')"),
        code("while True:\n    pass"),
        code("print('never')"),
    ),
    "slow.ipynb": notebook_json(
        code("print('first')"),
        code("import time\ntime.sleep(600)"),
        code("print('never')"),
    ),
    "network.ipynb": notebook_json(
        code(
            "import socket\n"
            "probe = socket.socket()\n"
            "probe.settimeout(5)\n"
            "try:\n"
            "    probe.connect(('1.1.1.1', 80))\n"
            "    print('connected')\n"
            "except OSError as error:\n"
            "    print('no network:', type(error).__name__)\n"
            "print(sorted(name for _, name in socket.if_nameindex()))"
        ),
    ),
    "data.ipynb": notebook_json(
        code("print(open('/data/input.txt').read())"),
        code("open('/data/written.txt', 'w').write('x')"),
    ),
    "dies.ipynb": notebook_json(
        code("print('alive')"),
        code("import os\nos._exit(1)"),
        code("print('never')"),
    ),
    "big.ipynb": notebook_json(
        code("print('a' * 1000)", [stdout("a" * 1000 + "\n")]),
        code("print('b' * 200_000)"),
        code("print('c')"),
    ),
}


def image_context(dockerfile: str, files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in {"Dockerfile": dockerfile, **files}.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_image(client, tag: str, dockerfile: str, files: dict[str, str], **build) -> str:
    log = []
    for chunk in client.build(
        fileobj=io.BytesIO(image_context(dockerfile, files)),
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,
        decode=True,
        **build,
    ):
        log.append(chunk.get("stream", ""))
        assert "error" not in chunk, f"{chunk}\n{''.join(log)[-4000:]}"
    return tag


def base_lines(pip: str = "") -> str:
    return (
        f"FROM {STANDIN}\n"
        "RUN useradd -m -u 1000 jovyan\n" + pip + "COPY --chown=1000:1000 notebooks/ /notebooks/\n"
        "COPY server.py /srv/server.py\n"
        "USER 1000\n"
        "WORKDIR /notebooks\n"
        'CMD ["python3", "/srv/server.py"]\n'
    )


@pytest.fixture(scope="module")
def images(engine_host):
    """(an image with nbclient and ipykernel, one without), each with NOTEBOOKS in
    /notebooks and the Jupyter stand-in as its command, user 1000."""
    docker = pytest.importorskip("docker")
    client = docker.APIClient(base_url=engine_host, version="auto", timeout=600)
    files = {f"notebooks/{name}": text for name, text in NOTEBOOKS.items()}
    files["server.py"] = JUPYTER_STAND_IN
    suffix = secrets.token_hex(6)
    kernel, bare = f"dz-notebook-run/kernel:{suffix}", f"dz-notebook-run/bare:{suffix}"
    try:
        client.inspect_image(STANDIN)
    except docker.errors.ImageNotFound:
        pytest.fail(f"no {STANDIN} in the engine: run scripts/harness/base-image.sh")
    try:
        with WheelServer(wheelhouse(HARNESS_REQUIREMENTS)) as wheels:
            pip = (
                "RUN pip install --no-cache-dir --disable-pip-version-check "
                f"--index-url {wheels.index_url} --trusted-host 127.0.0.1 nbclient ipykernel\n"
            )
            build_image(client, kernel, base_lines(pip), files, network_mode="host")
        build_image(client, bare, base_lines(), files)
        yield {"kernel": kernel, "bare": bare, "client": client}
    finally:
        for tag in (kernel, bare):
            with contextlib.suppress(Exception):
                client.remove_image(tag, force=True)
        client.close()


def run(
    images,
    name: str,
    *,
    image: str = "kernel",
    cell_timeout: float = 60,
    notebook_timeout: float = 120,
    cancellation: Cancellation | None = None,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    data_dir: str | None = None,
) -> tuple[dict, list[str]]:
    lines: list[str] = []
    record = run_notebook(
        images["client"],
        images[image],
        NotebookInImage(f"work/{name}", f"notebooks/{name}"),
        NotebookLimits(cell_timeout, notebook_timeout, max_output_bytes),
        cancellation or Cancellation(),
        labels=LABELS,
        data_dir=data_dir,
        log=lines.append,
    )
    return record, lines


def leftover_containers(client) -> list[dict]:
    return client.containers(all=True, filters={"label": f"{JOB_LABEL}=notebook-run-test"})


def texts(cell: dict) -> str:
    return "".join(
        "".join(o["text"]) if o["output_type"] == "stream" else json.dumps(o)
        for o in cell["produced"]
    )


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_notebook_runs_in_the_image_as_its_user_with_its_kernel(images):
    record, log = run(images, "runs.ipynb")
    assert set(record) == {
        "bundlePath", "workspacePath", "status", "message", "code", "kernel", "cellTimeout",
        "notebookTimeout", "seconds", "cells", "truncated",
    }  # fmt: skip
    assert record["bundlePath"] == "notebooks/runs.ipynb"
    assert record["workspacePath"] == "work/runs.ipynb"
    assert (record["status"], record["code"], record["message"]) == ("completed", "", "")
    assert record["kernel"] == "python3"  # the notebook's own kernel is not in the image
    assert (record["cellTimeout"], record["notebookTimeout"]) == (60, 120)
    assert record["truncated"] is False and record["seconds"] > 0
    cells = record["cells"]
    assert [cell["index"] for cell in cells] == [1, 2, 3]  # code cells; the markdown is 0
    for cell in cells:
        assert set(cell) == {"index", "source", "tags", "saved", "produced", "status", "seconds"}
        assert cell["status"] == "ok" and cell["seconds"] >= 0
    assert cells[0]["source"] == "print(6 * 7)"
    assert cells[0]["saved"] == [stdout("42\n")]
    assert cells[0]["produced"] == [stdout("42\n")]
    result = cells[1]["produced"][0]
    assert result["output_type"] == "execute_result"
    uid, cwd = result["data"]["text/plain"].strip("()").split(", ")
    assert uid == "1000"  # the image's own user, not root
    assert cwd == "'/notebooks'"
    assert cells[2]["produced"][0]["data"]["text/plain"] == "{'a': 1}"
    assert cells[2]["saved"] == []
    text = "\n".join(log)
    assert "conda-env-analysis-py" in text and "runs with python3" in text
    assert "runs.ipynb: cell 1 of 3" in text and "runs.ipynb: cell 3 of 3" in text
    assert not leftover_containers(images["client"])


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_cell_that_raises_is_an_error_and_the_run_goes_on(images):
    record, _ = run(images, "raises.ipynb")
    assert record["status"] == "completed"
    first, second, third = record["cells"]
    assert first["tags"] == ["raises-exception"]
    assert (first["status"], second["status"], third["status"]) == ("error", "error", "ok")
    error = first["produced"][-1]
    assert (error["output_type"], error["ename"]) == ("error", "ZeroDivisionError")
    assert second["produced"][-1]["ename"] == "NameError"
    assert isinstance(error["traceback"], list)
    assert third["produced"] == [stdout("after\n")]


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_an_endless_cell_stops_at_the_cell_limit(images):
    record, log = run(images, "endless.ipynb", cell_timeout=3)
    assert (record["status"], record["code"]) == ("timeout", "cell_timeout")
    assert "3 s" in record["message"]
    before, endless, never = record["cells"]
    assert before["status"] == "ok" and before["produced"] == [stdout("before\n")]
    assert endless["status"] == "timeout" and endless["seconds"] >= 3
    assert (never["status"], never["seconds"], never["produced"]) == ("not-run", None, [])
    assert record["seconds"] < 60
    assert "endless.ipynb: cell 2 of 3" in "\n".join(log)


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_the_server_stops_a_notebook_at_its_limit_and_keeps_the_cells_done(images):
    started = time.monotonic()
    record, _ = run(images, "slow.ipynb", cell_timeout=300, notebook_timeout=12)
    assert time.monotonic() - started < 60
    assert (record["status"], record["code"]) == ("timeout", "notebook_timeout")
    assert "12 s" in record["message"] and "Cell 2 was running" in record["message"]
    first, slow, never = record["cells"]
    assert first["status"] == "ok" and first["produced"] == [stdout("first\n")]
    assert slow["status"] == "timeout" and 0 < slow["seconds"] <= 13
    assert never["status"] == "not-run"
    assert not leftover_containers(images["client"])


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_kernel_that_dies_fails_the_run_at_its_cell(images):
    record, _ = run(images, "dies.ipynb")
    assert (record["status"], record["code"]) == ("failed", "kernel_died")
    assert "out of memory" in record["message"]
    assert [cell["status"] for cell in record["cells"]] == ["ok", "died", "not-run"]


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_notebook_has_no_network(images):
    record, _ = run(images, "network.ipynb")
    output = texts(record["cells"][0])
    assert "connected" not in output and "no network: OSError" in output
    assert "['lo']" in output  # loopback only


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_the_data_folder_is_bound_read_only(images, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    (data / "input.txt").write_text("sales 2024")
    (data / "input.txt").chmod(0o644)
    record, _ = run(images, "data.ipynb", data_dir=str(data))
    read, write = record["cells"]
    assert read["status"] == "ok" and "sales 2024" in texts(read)
    assert write["status"] == "error"
    assert write["produced"][-1]["ename"] == "OSError"
    assert "Read-only file system" in write["produced"][-1]["evalue"]
    assert not (data / "written.txt").exists()
    # Without the bind, the image's own /data (none here) is what the notebook sees.
    record, _ = run(images, "data.ipynb")
    assert record["cells"][0]["produced"][-1]["ename"] == "FileNotFoundError"


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_an_image_without_nbclient_says_what_to_install(images):
    record, log = run(images, "runs.ipynb", image="bare")
    assert (record["status"], record["code"]) == ("failed", "no_nbclient")
    assert "nbclient" in record["message"] and "jupyter_server" in record["message"]
    assert [cell["status"] for cell in record["cells"]] == ["not-run"] * 3
    assert record["cells"][0]["saved"] == [stdout("42\n")]
    assert any("no nbclient" in line for line in log)


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_an_image_without_python_says_so(images):
    client = images["client"]
    tag = build_image(
        client,
        f"dz-notebook-run/nopython:{secrets.token_hex(6)}",
        f"FROM {images['bare']}\nENV PATH=/nowhere\n",
        {},
    )
    try:
        record, _ = run({**images, "nopython": tag}, "runs.ipynb", image="nopython")
    finally:
        client.remove_image(tag, force=True)
    assert (record["status"], record["code"]) == ("failed", "runner_failed")
    assert "python3" in record["message"] and record["cells"] == []
    assert not leftover_containers(client)


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_user_without_a_home_folder_still_runs_notebooks(images):
    client = images["client"]
    dockerfile = f"FROM {images['kernel']}\nUSER 4242\n"
    tag = build_image(client, f"dz-notebook-run/nohome:{secrets.token_hex(6)}", dockerfile, {})
    try:
        record, _ = run({**images, "nohome": tag}, "raises.ipynb", image="nohome")
    finally:
        client.remove_image(tag, force=True)
    assert (record["status"], record["message"]) == ("completed", "")
    assert record["cells"][2]["produced"] == [stdout("after\n")]


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_a_notebook_the_image_lacks_is_named(images):
    record, _ = run(images, "absent.ipynb")
    assert (record["status"], record["code"]) == ("failed", "notebook_missing")
    assert "/notebooks/absent.ipynb" in record["message"] and record["cells"] == []


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_outputs_past_the_limit_are_left_out_and_said_so(images):
    record, _ = run(images, "big.ipynb", max_output_bytes=100_000)
    assert record["status"] == "completed" and record["truncated"] is True
    small, big, last = record["cells"]
    assert small["saved"] and small["produced"]
    assert big["status"] == "ok" and big["produced"] == [] and big["saved"] == []
    assert last["produced"] == [stdout("c\n")]
    assert "cell 2" in record["message"] and "0.095" in record["message"]
    # Under the limit, a long line (far past the engine's 16 KB log chunks) comes back whole.
    record, _ = run(images, "big.ipynb")
    assert record["truncated"] is False and record["message"] == ""
    assert record["cells"][1]["produced"] == [stdout("b" * 200_000 + "\n")]


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_cancel_kills_the_run(images):
    cancellation = Cancellation()
    threading.Timer(8, cancellation.cancel).start()
    started = time.monotonic()
    record, _ = run(
        images, "slow.ipynb", cell_timeout=300, notebook_timeout=300, cancellation=cancellation
    )
    assert time.monotonic() - started < 40
    assert (record["status"], record["code"]) == ("cancelled", "cancelled")
    assert record["cells"][0]["status"] == "ok"
    assert [cell["status"] for cell in record["cells"][1:]] == ["not-run", "not-run"]
    assert not leftover_containers(images["client"])


# --- through the routes ----------------------------------------------------------------------


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir)


@pytest.mark.engine
@pytest.mark.timeout(600)
async def test_verify_runs_the_bundled_notebooks_and_keeps_their_records(
    images, jp_fetch, jp_root_dir
):
    work = jp_root_dir / "work"
    (work / "folder").mkdir(parents=True)
    (work / "analysis.ipynb").write_text(
        notebook_json(
            code("print(open('/data/sales.csv').read().strip())", [stdout("12\n")]),
            code("while True:\n    pass"),
        )
    )
    (work / "sales.csv").write_text("12\n")
    include = [
        {"workspacePath": "work/analysis.ipynb", "bundlePath": "notebooks/analysis.ipynb"},
        {"workspacePath": "work/sales.csv", "bundlePath": "data/sales.csv"},
    ]
    dockerfile = (
        f"FROM {images['kernel']}\n"
        "COPY --chown=1000:1000 notebooks/ /notebooks/\n"
        "COPY --chown=1000:1000 data/ /data/\n"
    )
    image = f"dz-notebook-run/route:{secrets.token_hex(6)}"
    try:
        job = await start_build(jp_fetch, dockerfile, image, include=include)
        job = await wait_for(jp_fetch, job["id"], {"built", "failed"})
        assert job["state"] == "built", job
        assert job["notebooks"] == include[:1] and job["dataFiles"] == include[1:]

        body = {"cellTimeout": 3, "notebookTimeout": 90}
        status, _ = await call(jp_fetch, job["id"], "verify", method="POST", body=body)
        assert status == 202
        job = await wait_for(jp_fetch, job["id"], {"verified", "built", "failed"})
        assert job["state"] == "verified", job
        assert "1 notebook re-executed: 1 stopped at a time limit" in job["message"]
        verification = job["verification"]
        assert verification["ok"] is True and verification["jupyter"]["answered"] is True
        (run,) = verification["notebooks"]
        assert run["bundlePath"] == "notebooks/analysis.ipynb"
        assert run["workspacePath"] == "work/analysis.ipynb"
        assert (run["status"], run["code"], run["cellTimeout"]) == ("timeout", "cell_timeout", 3)
        reads, endless = run["cells"]
        assert reads["status"] == "ok" and reads["produced"] == reads["saved"] == [stdout("12\n")]
        assert endless["status"] == "timeout"
        log = log_text(await all_events(jp_fetch, job["id"]), "verify")
        assert "Running the 1 bundled notebook in the image" in log
        assert "analysis.ipynb: cell 1 of 2" in log

        # The record survives a reload (GET) as it is.
        status, again = await call(jp_fetch, job["id"])
        assert status == 200 and again["verification"]["notebooks"] == [run]

        status, _ = await call(
            jp_fetch, job["id"], "verify", method="POST", body={"notebooks": False}
        )
        assert status == 202
        job = await wait_for(jp_fetch, job["id"], {"verified", "built", "failed"})
        assert job["state"] == "verified" and job["verification"]["notebooks"] == []
        assert "re-executed" not in job["message"]

        status, refused = await call(
            jp_fetch, job["id"], "verify", method="POST", body={"dataDir": "work/sales.csv"}
        )
        assert status == 400 and "'dataDir' must name a folder" in refused["error"]["message"]
        status, refused = await call(
            jp_fetch, job["id"], "verify", method="POST", body={"dataDir": "../outside"}
        )
        assert status in (400, 403, 404), refused

        # Cancel while a notebook runs: its container is killed, the image stays built.
        status, _ = await call(
            jp_fetch, job["id"], "verify", method="POST", body={"cellTimeout": 600}
        )
        assert status == 202
        deadline = time.monotonic() + 120
        while "analysis.ipynb: cell 1 of 2" not in log_text(
            await all_events(jp_fetch, job["id"], job["eventCount"]), "verify"
        ):
            assert time.monotonic() < deadline, "the notebook never started"
            await asyncio.sleep(0.2)
        status, _ = await call(jp_fetch, job["id"], method="DELETE")
        assert status == 202
        cancelled = await wait_for(jp_fetch, job["id"], {"verified", "built", "failed"}, 60)
        assert cancelled["state"] == "verified" and "Cancelled" in cancelled["message"]
        containers = images["client"].containers(
            all=True, filters={"label": f"{JOB_LABEL}={job['id']}"}
        )
        assert containers == []
    finally:
        with contextlib.suppress(Exception):
            images["client"].remove_image(image, force=True)

"""The real-world round trip: a kernel of 80-odd PyPI distributions, three local installs and a
kernel named realworld-env, taken the whole way as the panel takes it (issue 11).

The environment comes from realworld.py (built once from PyPI, cached). The server is
configured as `make lab` configures it (buildjobs.engine_server_config: no network setting; only
its state folder and its root, the real-world root, are the test's own). Through the routes the
panel uses: the capture code from GET capture-snippet run silently by a real kernel of that venv;
the TypeScript core's plans in both modes (everything, only what the notebook imports); POST
preflight and unticking what cannot install, as the panel does; then, with the panel's default
choices (default template, no wheelhouse), build → verify → run; and a build with the offline
wheelhouse. The core's comparison must find every selected package in the image, and the
notebook in the image must ask for the image's kernel (python3).

Figures for `make bench` (group "realworld"): realworld_dists, fidelity_pct (everything mode,
reproduced over selected, with the default choices), realworld_build_ok (1 when the default
choices build, verify and run), realworld_wheelhouse_build_ok.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from .buildjobs import (
    all_events,
    call,
    engine_server_config,
    log_text,
    tag_standin_as_base,
    wait_for,
)
from .figures import Figures
from .generator import GeneratorUnavailable, run_node
from .realworld import EDITABLE, GIT_PACKAGE, KERNEL_NAME, LOCAL_WHEEL, PIP_CACHE, ensure_realworld
from .test_capture_snippet import normalize, parse_output

pytestmark = [pytest.mark.engine, pytest.mark.timeout(2400)]

docker = pytest.importorskip("docker")

NOTEBOOK = "analysis.ipynb"
IMAGE = "dockerize-test/realworld:1"
IMAGE_WHEELHOUSE = "dockerize-test/realworld-wheelhouse:1"
FIGURES = Figures("realworld")

# What the panel does between a capture and a request, in the TypeScript core: the imports of
# the notebook's code cells, the plan for the mode and the ticks, the pre-flight request for
# the form's defaults, and the bundle (the panel's default form: model.ts, bundleModel.ts).
PANEL = r"""
const path = require('path');
const core = name => require(path.join(process.argv[1], name + '.js'));
const { findImports } = core('imports/importScanner');
const { resolveImports } = core('imports/importResolution');
const { translateRequirements } = core('requirements/requirements');
const { preflightTarget, preflightRequest } = core('requirements/preflight');
const { generateBundle } = core('bundle/bundle');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const { snapshot, cells, mode, jupyterRoot, form } = input;
const imports = resolveImports(findImports(cells), snapshot);
const include = new Set(input.include || []);
const plan = translateRequirements(snapshot, {
  include,
  exclude: new Set(input.exclude || []),
  only: mode === 'imports' ? new Set(imports.distributions) : undefined,
  vendor: include,
  jupyterRoot
});
const target = preflightTarget({
  formPython: '',
  kernelPython: snapshot.python.version,
  template: form.template,
  machine: snapshot.platform.machine
});
const preflight = 'reason' in target ? target : preflightRequest(plan, target.target);
const options = {
  template: form.template,
  ui: 'lab',
  created: '2026-01-01T00:00:00Z',
  generatorVersion: '0.1.0',
  imageName: form.imageName
};
if (form.wheelhouse) options.wheelhouse = true;
const spec = generateBundle({ snapshot, plan, notebooks: input.notebooks, options });
process.stdout.write(JSON.stringify({ imports, plan, preflight, spec }));
"""

COMPARE = r"""
const path = require('path');
const { compareWithImage } = require(path.join(process.argv[1], 'jobs', 'reproduction.js'));
const { parseSnapshot } = require(path.join(process.argv[1], 'environment', 'snapshotParse.js'));
const { plan, image } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(compareWithImage(plan, parseSnapshot(image))));
"""

# Not "cannot install": each package installs alone (preflight.ts cannotInstall).
UNTICKED = {"unavailable", "refused", "source-only"}


@pytest.fixture(scope="module")
def realworld():
    return ensure_realworld()


@pytest.fixture
def jp_root_dir(realworld):
    """The server's root is the real-world root (the editable project and the wheel are in it)."""
    return realworld.root


@pytest.fixture
def jp_server_config(state_dir, realworld, monkeypatch):
    # The kernelspec lives in a folder on JUPYTER_PATH, as `ipykernel install --prefix` leaves it.
    monkeypatch.setenv("JUPYTER_PATH", str(realworld.jupyter_path))
    monkeypatch.setenv("PIP_CACHE_DIR", str(PIP_CACHE))
    return engine_server_config(state_dir)


def panel(payload: dict) -> dict:
    try:
        return run_node(PANEL, payload)
    except GeneratorUnavailable as error:
        pytest.fail(str(error))


def capture(realworld, code: str) -> dict:
    """The capture code run silently by a real kernel of the venv, started from its kernelspec."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    manager = KernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(realworld.kernels_dir)]),
    )
    manager.start_kernel(cwd=str(realworld.root), env=kernel_environment())
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
        stdout = []
        while True:
            message = client.get_iopub_msg(timeout=120)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                stdout.append(message["content"]["text"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return parse_output("".join(stdout))


def kernel_environment() -> dict[str, str]:
    import os

    # pytest-jupyter puts the test runner's sys.path in PYTHONPATH: the kernel sees its own venv.
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def code_cells(realworld, name: str) -> list[str]:
    cells = json.loads((realworld.root / name).read_text())["cells"]
    return ["".join(cell["source"]) if cell["cell_type"] == "code" else "" for cell in cells]


def entries(plan: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in plan["entries"]}


def selected(plan: dict) -> dict[str, str]:
    return {entry["name"]: entry["line"] for entry in plan["entries"] if entry["line"] is not None}


async def preflight(jp_fetch, request: dict) -> tuple[int, dict]:
    from tornado.httpclient import HTTPClientError

    try:
        # A cold check of 80+ packages asks the index for each: give it the panel's time.
        response = await jp_fetch(
            "jupyterlab-dockerize",
            "preflight",
            method="POST",
            body=json.dumps(request),
            request_timeout=300,
        )
    except HTTPClientError as error:
        body = error.response.body if error.response is not None else b""
        try:
            return error.code, json.loads(body)
        except ValueError:  # a server without the route answers with an HTML page
            return error.code, {"error": f"POST preflight answered {error.code} (not JSON)"}
    return response.code, json.loads(response.body)


async def test_realworld_capture_preflight_build_verify_run(
    realworld, engine_host, jp_fetch, jp_root_dir
):
    FIGURES.set(realworld_build_ok=0, realworld_wheelhouse_build_ok=0)
    # The server sees the notebook's kernel (the one a user would have picked).
    response = await jp_fetch("api", "kernelspecs")
    assert KERNEL_NAME in json.loads(response.body)["kernelspecs"]

    # Capture: the code the panel gets from the server, run silently by the real kernel.
    response = await jp_fetch("jupyterlab-dockerize", "capture-snippet")
    served = json.loads(response.body)
    snapshot = capture(realworld, served["code"])
    names = {normalize(d["name"]) for d in snapshot["distributions"]}
    FIGURES.set(realworld_dists=len(names))
    assert len(names) >= 60, sorted(names)
    for name in ("beautifulsoup4", "soupsieve", "pandas", "numpy", "scikit-learn", "pyyaml"):
        assert name in names
    assert {LOCAL_WHEEL[0], GIT_PACKAGE[0], EDITABLE[0]} <= names
    assert snapshot["python"]["version"].count(".") == 2, snapshot["python"]

    base = {
        "snapshot": snapshot,
        "cells": code_cells(realworld, NOTEBOOK),
        "jupyterRoot": str(jp_root_dir),
        "notebooks": [NOTEBOOK],
    }
    # The panel's defaults (bundleModel.ts defaultForm): template uv, no wheelhouse.
    default_form = {"template": "uv", "wheelhouse": False, "imageName": IMAGE.split(":")[0]}

    # Both modes: only what the notebook imports is a subset of everything installed.
    everything = panel({**base, "mode": "all", "form": default_form})
    imports = panel({**base, "mode": "imports", "form": default_form})
    all_lines, import_lines = selected(everything["plan"]), selected(imports["plan"])
    assert set(import_lines) < set(all_lines)
    for needed in ("pandas", "scikit-learn", "matplotlib", "beautifulsoup4", "soupsieve", "pyyaml"):
        assert needed in import_lines, (needed, sorted(import_lines))
    for unused in ("openpyxl", "xlsxwriter", "networkx"):
        assert unused in all_lines and unused not in import_lines
    assert set(imports["imports"]["distributions"]) >= {"pandas", "scikit-learn", "matplotlib"}

    # Pre-flight for the default form, then untick what cannot install, as the panel does.
    request = everything["preflight"]
    assert "requirements" in request, request
    assert request["python"] == snapshot["python"]["version"]
    status, checked = await preflight(jp_fetch, request)
    assert status == 200, checked
    assert [p["name"] for p in checked["packages"]] == [r["name"] for r in request["requirements"]]
    verdicts = {p["name"]: p for p in checked["packages"]}
    # soupsieve needs Python >= 3.11.5: resolved for the full version, it installs.
    assert verdicts["soupsieve"]["status"] == "ok", verdicts["soupsieve"]
    for name in ("pandas", "numpy", "scikit-learn", "beautifulsoup4", "python-dateutil"):
        assert verdicts[name]["status"] == "ok", verdicts[name]
    unticked = sorted(name for name, v in verdicts.items() if v["status"] in UNTICKED)
    # The local wheel's file is in the root: offered to travel in the bundle, never pinned to
    # an index that does not have it (issue 11, point 3).
    wheel_entry = entries(everything["plan"])[LOCAL_WHEEL[0]]
    assert wheel_entry["status"] == "vendorable", wheel_entry
    assert wheel_entry["workspacePath"] == f"wheels/{realworld.local_wheel.name}", wheel_entry
    final = panel({**base, "mode": "all", "form": default_form, "exclude": unticked})
    plan, spec = final["plan"], final["spec"]
    picked = selected(plan)
    assert set(picked) == set(all_lines) - set(unticked)

    client = docker.APIClient(base_url=engine_host)
    tagged = tag_standin_as_base(client, spec["files"]["Dockerfile"])
    try:
        job = await build(jp_fetch, spec, IMAGE)
        reproduced = await verify(jp_fetch, job, plan)
        FIGURES.set(fidelity_pct=round(100 * reproduced / len(picked), 2))
        assert notebook_kernel_in_image(client, IMAGE) == "python3"
        await run_and_stop(jp_fetch, client, job)
        FIGURES.set(realworld_build_ok=1)

        # The offline wheelhouse, with the offers taken: the local wheel and the editable
        # project travel in the bundle, the git install is built into a wheel on the server
        # (points 3, 9 and 10); every wheel is in the wheelhouse, the image builds offline.
        house_form = {**default_form, "wheelhouse": True, "imageName": IMAGE_WHEELHOUSE}
        local = [LOCAL_WHEEL[0], EDITABLE[0], GIT_PACKAGE[0]]
        housed = panel(
            {**base, "mode": "all", "form": house_form, "exclude": unticked, "include": local}
        )
        assert housed["spec"].get("wheelhouse"), housed["spec"].get("warnings")
        assert set(local) <= set(selected(housed["plan"])), entries(housed["plan"])
        job = await build(jp_fetch, housed["spec"], IMAGE_WHEELHOUSE)
        wheels = {normalize(entry["file"].split("-")[0]) for entry in job["wheelhouse"]}
        assert {"pandas", "soupsieve", *map(normalize, local)} <= wheels, sorted(wheels)
        await verify(jp_fetch, job, housed["plan"])
        FIGURES.set(realworld_wheelhouse_build_ok=1)
    finally:
        for image in (IMAGE, IMAGE_WHEELHOUSE):
            try:
                client.remove_image(image, force=True)
            except docker.errors.NotFound:
                pass
        if tagged:
            client.remove_image(tagged)
        client.close()


async def build(jp_fetch, spec: dict, image: str) -> dict:
    body = {"name": "realworld", "files": spec["files"], "include": spec["include"]}
    body.update(image=image, notebook=NOTEBOOK)
    if spec.get("wheelhouse"):
        body["wheelhouse"] = spec["wheelhouse"]
    status, job = await call(jp_fetch, method="POST", body=body)
    assert status == 202, job
    built = await wait_for(jp_fetch, job["id"], {"built", "failed"}, timeout=1200)
    events = await all_events(jp_fetch, job["id"])
    assert built["state"] == "built", (built["message"], log_text(events)[-4000:])
    return built


async def verify(jp_fetch, job: dict, plan: dict) -> int:
    """Verifies the image; every selected package is there with its version. Returns how many."""
    status, started = await call(jp_fetch, job["id"], "verify", method="POST")
    assert status == 202, started
    verified = await wait_for(jp_fetch, job["id"], {"verified", "failed"}, timeout=600)
    verification = verified.get("verification") or {}
    assert verified["state"] == "verified" or verification.get("snapshot"), verified
    result = run_node(COMPARE, {"plan": plan, "image": verification["snapshot"]})
    FIGURES.set(realworld_reproduced=result["reproduced"], realworld_selected=result["total"])
    assert result["mismatches"] == []
    assert result["reproduced"] == result["total"] == len(selected(plan))
    assert verified["state"] == "verified", verified
    assert verification["jupyter"]["answered"] is True
    return result["reproduced"]


def notebook_kernel_in_image(client, image: str) -> str:
    """The kernel the bundled notebook asks for, read from the image's own file."""
    script = (
        "import json, pathlib\n"
        f"found = [p for p in pathlib.Path('/').glob('**/{NOTEBOOK}') if '/proc/' not in str(p)]\n"
        "print(json.dumps([json.loads(p.read_text())['metadata']['kernelspec']['name'] "
        "for p in found]))\n"
    )
    container = client.create_container(
        image,
        command=["python", "-c", script],
        host_config=client.create_host_config(network_mode="none"),
    )
    try:
        client.start(container)
        assert client.wait(container, timeout=300)["StatusCode"] == 0
        kernels = json.loads(client.logs(container, stderr=False).decode().strip().splitlines()[-1])
    finally:
        client.remove_container(container, force=True)
    assert kernels and len(set(kernels)) == 1, kernels
    return kernels[0]


async def run_and_stop(jp_fetch, client, job: dict) -> None:
    status, running = await call(jp_fetch, job["id"], "run", method="POST", body={})
    assert status == 200, running
    url, token = running["run"]["url"], running["run"]["token"]
    deadline = time.monotonic() + 120
    while True:
        listing = subprocess.run(
            [sys.executable, "-c", _KERNELSPECS_AND_NOTEBOOKS, url, token],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if listing.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert listing.returncode == 0, listing.stderr[-2000:]
    answer = json.loads(listing.stdout)
    # The image's Jupyter has the kernel its notebook asks for.
    assert "python3" in answer["kernelspecs"], answer
    assert NOTEBOOK in answer["notebooks"], answer
    status, stopped = await call(jp_fetch, job["id"], "run", method="DELETE")
    assert status == 200 and stopped["run"] is None, stopped
    with pytest.raises(docker.errors.NotFound):
        client.inspect_container(running["run"]["containerId"])


_KERNELSPECS_AND_NOTEBOOKS = """
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def get(path):
    request = urllib.request.Request(url + path)
    request.add_header("Authorization", "token " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
notebooks = [item["name"] for item in get("api/contents")["content"]]
kernelspecs = sorted(get("api/kernelspecs")["kernelspecs"])
print(json.dumps({"kernelspecs": kernelspecs, "notebooks": notebooks}))
"""

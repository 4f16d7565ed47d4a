"""The notebook corpus (issue 13): every notebook re-executed in ONE real image, compared and
diagnosed by the TypeScript core, each verdict and diagnosis as expected.json says.

The corpus (notebook_corpus/, made by its make_corpus.py) is 16 notebooks executed for real in
a venv with numpy, pandas, matplotlib, scikit-learn and lightgbm, saved with their outputs and
edited only where a case needs it (expected.json says where). snapshot.json is that venv as the
capture code saw it. As the panel does it: the notebooks' imports, the plan of "only what the
notebook imports" with scikit-learn unticked, data/sales.csv chosen as a data file (not
measurements.csv), the bundle with the offline wheelhouse; then through the routes: build,
verify with the notebooks (a small cell limit for the endless loop), and the core's
compareNotebookRun and diagnoseNotebook on `job.verification.notebooks`.

Figures for `bench/run.py --only notebooks` (group "notebooks"): notebook_verdicts_correct_pct
(notebooks whose verdict is the expected one, over the corpus) and notebook_cells_compared.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import time
from pathlib import Path

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
from .generator import GeneratorUnavailable, compare_notebook_runs, run_node

CORPUS = Path(__file__).with_name("notebook_corpus")
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
SNAPSHOT = json.loads((CORPUS / "snapshot.json").read_text())
IMAGE = "dockerize-test/notebook-corpus:1"
FIGURES = Figures("notebooks")

# What the panel does in "only what the notebook imports" mode, for the corpus's notebooks
# together: their imports, the plan without what was unticked, the bundle with the data
# files and the offline wheelhouse.
BUNDLE = r"""
const path = require('path');
const core = name => require(path.join(process.argv[1], name + '.js'));
const { findImports } = core('imports/importScanner');
const { resolveImports } = core('imports/importResolution');
const { translateRequirements } = core('requirements/requirements');
const { generateBundle } = core('bundle/bundle');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const { snapshot, cells, notebooks, dataFiles } = input;
const imports = resolveImports(findImports(cells), snapshot);
const plan = translateRequirements(snapshot, {
  only: new Set(imports.distributions),
  exclude: new Set(input.exclude)
});
const spec = generateBundle({
  snapshot,
  plan,
  notebooks,
  dataFiles,
  dataLinks: true,
  options: {
    template: 'pip',
    ui: 'lab',
    created: '2026-01-01T00:00:00Z',
    generatorVersion: '0.1.0',
    imageName: 'dockerize-test/notebook-corpus',
    wheelhouse: true
  }
});
process.stdout.write(JSON.stringify({ imports, plan, spec }));
"""


def corpus_notebooks() -> list[str]:
    return sorted(EXPECTED["notebooks"])


def code_sources(name: str) -> list[str]:
    cells = json.loads((CORPUS / name).read_text())["cells"]
    return ["".join(cell["source"]) if cell["cell_type"] == "code" else "" for cell in cells]


def selected(plan: dict) -> list[str]:
    return sorted(entry["name"] for entry in plan["entries"] if entry["line"] is not None)


def corpus_bundle() -> dict:
    cells = [source for name in corpus_notebooks() for source in code_sources(name)]
    try:
        return run_node(
            BUNDLE,
            {
                "snapshot": SNAPSHOT,
                "cells": cells,
                "notebooks": corpus_notebooks(),
                "dataFiles": EXPECTED["dataFiles"],
                "exclude": EXPECTED["leftOut"],
            },
        )
    except GeneratorUnavailable as error:
        pytest.fail(str(error))


def lay_out_workspace(root: Path) -> None:
    """The corpus as a user's workspace: the notebooks and the data files beside them."""
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.suffix in {".ipynb", ".csv"}:
            target = root / path.relative_to(CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


# ---------------------------------------------------------------------------------------
# The corpus itself (no engine): what each case claims about its saved outputs holds


def test_corpus_has_every_case_with_saved_outputs():
    names = corpus_notebooks()
    assert len(names) >= 13
    assert sorted(p.name for p in CORPUS.glob("*.ipynb")) == names
    verdicts = {EXPECTED["notebooks"][name]["verdict"] for name in names}
    assert verdicts == {"reproduced", "differs", "failed", "timeout"}
    for name in names:
        notebook = json.loads((CORPUS / name).read_text())
        expected = EXPECTED["notebooks"][name]
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert len(code) == len(expected["cellVerdicts"]), name
        assert notebook["metadata"]["kernelspec"]["name"] == expected["kernel"], name
        for cell, verdict in zip(code, expected["cellVerdicts"]):
            # What the real run saved: outputs to compare, or none for a cell that "ran".
            if verdict in {"match", "differs", "raised-as-expected", "skipped"}:
                assert cell["outputs"], (name, cell["source"])
            if verdict == "ran":
                assert not cell["outputs"], (name, cell["source"])
    # Not python3: the image runs it with its own python3 kernel.
    assert EXPECTED["notebooks"]["kernel_name.ipynb"]["kernel"] != "python3"
    # The left-out distribution is in the captured kernel, and a notebook imports it.
    captured = {re.sub(r"[-_.]+", "-", d["name"]).lower() for d in SNAPSHOT["distributions"]}
    assert set(EXPECTED["leftOut"]) <= captured
    assert "lightgbm" in captured
    assert (CORPUS / "measurements.csv").is_file()
    for data_file in EXPECTED["dataFiles"]:
        assert (CORPUS / data_file).is_file()


def test_corpus_edits_are_what_expected_json_says():
    floats_9 = json.dumps(json.loads((CORPUS / "floats_9th_digit.ipynb").read_text()))
    assert "3141.592663589793" in floats_9 and "0.333333343333" in floats_9
    floats_3 = json.dumps(json.loads((CORPUS / "floats_3rd_digit.ipynb").read_text()))
    assert "3151.592653589793" in floats_3
    # The PNG was re-encoded at another zlib level: its data stream is not matplotlib's.
    png = next(
        base64.b64decode(output["data"]["image/png"])
        for cell in json.loads((CORPUS / "matplotlib_png.ipynb").read_text())["cells"]
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    )
    assert png.startswith(b"\x89PNG") and b"Matplotlib" not in png
    for name, expected in EXPECTED["notebooks"].items():
        if name in {"matplotlib_png.ipynb", "floats_9th_digit.ipynb", "floats_3rd_digit.ipynb"}:
            assert expected["edits"], name


def test_corpus_plan_leaves_out_what_expected_json_says():
    answer = corpus_bundle()
    picked = selected(answer["plan"])
    assert {"numpy", "pandas", "matplotlib", "lightgbm"} <= set(picked)
    assert "scikit-learn" in answer["imports"]["distributions"]
    assert not set(EXPECTED["leftOut"]) & set(picked)
    include = {entry["bundlePath"]: entry["workspacePath"] for entry in answer["spec"]["include"]}
    for name in corpus_notebooks():
        assert include[f"notebooks/{name}"] == name
    assert include["data/sales.csv"] == "data/sales.csv"
    assert "measurements.csv" not in include.values()


# ---------------------------------------------------------------------------------------
# The image: built, verified with its notebooks, compared and diagnosed


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir)


@pytest.mark.engine
@pytest.mark.timeout(1800)
async def test_corpus_verdicts_in_one_image(engine_host, jp_fetch, jp_root_dir):
    docker = pytest.importorskip("docker")
    lay_out_workspace(jp_root_dir)
    answer = corpus_bundle()
    plan, spec = answer["plan"], answer["spec"]
    client = docker.APIClient(base_url=engine_host)
    tagged = tag_standin_as_base(client, spec["files"]["Dockerfile"])
    try:
        started = time.monotonic()
        job = await build(jp_fetch, spec)
        built = time.monotonic()
        runs = await verify_notebooks(jp_fetch, job)
        FIGURES.set(
            notebook_corpus_build_s=round(built - started, 1),
            notebook_corpus_verify_s=round(time.monotonic() - built, 1),
            notebook_corpus_reexec_s=round(sum(run["seconds"] for run in runs), 1),
            # Against the cell limit: how close the slowest cell that ended came to it.
            notebook_corpus_slowest_cell_s=max(
                cell["seconds"] or 0
                for run in runs
                for cell in run["cells"]
                if cell["status"] != "timeout"
            ),
        )
    finally:
        try:
            client.remove_image(IMAGE, force=True)
        except docker.errors.NotFound:
            pass
        if tagged:
            client.remove_image(tagged)
        client.close()

    by_bundle_path = {run["bundlePath"]: run for run in runs}
    assert sorted(by_bundle_path) == [f"notebooks/{name}" for name in corpus_notebooks()]
    for name in corpus_notebooks():
        assert by_bundle_path[f"notebooks/{name}"]["workspacePath"] == name
    # Whatever kernel a notebook was saved with, the image's python3 ran it.
    assert {run["kernel"] for run in runs} == {"python3"}

    results = compare_notebook_runs(runs, SNAPSHOT, selected(plan), EXPECTED["dataFiles"])
    found = {}
    for run, result in zip(runs, results):
        name = run["bundlePath"].removeprefix("notebooks/")
        comparison, diagnoses = result["comparison"], result["diagnoses"]
        found[name] = {
            "verdict": comparison["verdict"],
            "cellVerdicts": [cell["verdict"] for cell in comparison["cells"]],
            "diagnosis": first_diagnosis(diagnoses),
            "summary": comparison["summary"],
            "diagnoses": diagnoses,
            "differences": [
                (cell["number"], d["label"], d["note"])
                for cell in comparison["cells"]
                for d in cell["differences"]
            ],
        }
    correct = sum(found[n]["verdict"] == EXPECTED["notebooks"][n]["verdict"] for n in found)
    FIGURES.set(
        notebook_verdicts_correct_pct=round(100 * correct / len(found), 2),
        notebook_cells_compared=sum(len(result["comparison"]["cells"]) for result in results),
        notebook_corpus_size=len(found),
    )

    wrong = {
        name: found[name]
        for name, expected in EXPECTED["notebooks"].items()
        if not matches(found[name], expected)
    }
    assert not wrong, json.dumps(wrong, indent=1)[:12000]
    for name, result in found.items():
        if EXPECTED["notebooks"][name]["verdict"] == "reproduced":
            assert result["diagnoses"] == [], (name, result["diagnoses"])
    # The figure matched by its pixels: the image's PNG bytes are not the saved ones.
    figure = by_bundle_path["notebooks/matplotlib_png.ipynb"]["cells"][1]
    assert png_of(figure["saved"]) != png_of(figure["produced"]) != b""
    assert by_bundle_path["notebooks/endless_loop.ipynb"]["status"] == "timeout"
    timeout = found["endless_loop.ipynb"]["diagnosis"]
    assert timeout["action"]["seconds"] > EXPECTED["cellTimeout"], timeout


def png_of(outputs: list[dict]) -> bytes:
    for output in outputs:
        if "image/png" in output.get("data", {}):
            return base64.b64decode(output["data"]["image/png"])
    return b""


def first_diagnosis(diagnoses: list[dict]) -> dict | None:
    if not diagnoses:
        return None
    first = diagnoses[0]
    return {"cell": first["cellNumber"], "kind": first["kind"], "action": first["action"]}


def matches(found: dict, expected: dict) -> bool:
    if found["verdict"] != expected["verdict"]:
        return False
    if found["cellVerdicts"] != expected["cellVerdicts"]:
        return False
    want = expected["diagnosis"]
    if want is None:
        return found["diagnosis"] is None
    got = found["diagnosis"]
    if got is None or got["cell"] != want["cell"] or got["kind"] != want["kind"]:
        return False
    # The expected action's fields must all be there (a time limit also says its seconds).
    action = got["action"] or {}
    return all(action.get(key) == value for key, value in want["action"].items())


async def build(jp_fetch, spec: dict) -> dict:
    body = {
        "name": "notebook-corpus",
        "files": spec["files"],
        "include": spec["include"],
        "image": IMAGE,
        "wheelhouse": spec["wheelhouse"],
    }
    status, job = await call(jp_fetch, method="POST", body=body)
    assert status == 202, job
    built = await wait_for(jp_fetch, job["id"], {"built", "failed"}, timeout=1200)
    events = await all_events(jp_fetch, job["id"])
    assert built["state"] == "built", (built["message"], log_text(events)[-4000:])
    # The job keeps the bundle's notebooks and data files (GET job shows them).
    assert sorted(n["bundlePath"] for n in built["notebooks"]) == [
        f"notebooks/{name}" for name in corpus_notebooks()
    ]
    assert [d["workspacePath"] for d in built["dataFiles"]] == EXPECTED["dataFiles"]
    return built


async def verify_notebooks(jp_fetch, job: dict) -> list[dict]:
    request = {
        "notebooks": True,
        "cellTimeout": EXPECTED["cellTimeout"],
        "notebookTimeout": EXPECTED["notebookTimeout"],
    }
    status, started = await call(jp_fetch, job["id"], "verify", method="POST", body=request)
    assert status == 202, started
    done = await wait_for(jp_fetch, job["id"], {"verified", "failed"}, timeout=1200)
    verification = done.get("verification") or {}
    runs = verification.get("notebooks")
    events = await all_events(jp_fetch, job["id"])
    assert isinstance(runs, list) and runs, (done["message"], log_text(events)[-4000:])
    return runs

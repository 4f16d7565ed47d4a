"""Makes the notebook corpus of test_notebook_corpus.py: runs each notebook for real, edits
the few outputs a case needs, captures the kernel's environment, writes expected.json.

The corpus is what a data scientist's machine would hand over: notebooks executed in a venv
that has everything they import (venv-requirements.txt: numpy, pandas, matplotlib,
scikit-learn, lightgbm, ipykernel, nbclient), saved with their outputs. The image the test
builds from snapshot.json leaves some of it out on purpose (scikit-learn, the data file
measurements.csv) and lacks a shared library (libgomp.so.1, which lightgbm loads), so those
notebooks fail in it the way real ones do.

Run it with the venv's own Python (the one that becomes the snapshot), from anywhere:

    python3.11 -m venv /tmp/corpus-venv
    /tmp/corpus-venv/bin/pip install -r venv-requirements.txt
    /tmp/corpus-venv/bin/python make_corpus.py

Use the Python the harness puts in the stand-in base image (the project venv's base Python,
3.11.7 here): the image must run the notebooks with the version that wrote their outputs.
Each edit is checked against the text it replaces, so a changed library fails loudly here
instead of giving a corpus whose edits do not say what they did.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
CORPUS_KERNEL = "corpus-env"
# The cell limit the test verifies with: the endless loop's cell stops there.
CELL_TIMEOUT = 20
NOTEBOOK_TIMEOUT = 240
# Distributions the image leaves out although the kernel has them.
LEFT_OUT = ["scikit-learn"]
# Data files chosen for the bundle (workspace paths); measurements.csv is not chosen.
DATA_FILES = ["data/sales.csv"]

PYTHON3 = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def code(source: str, tags: list[str] | None = None) -> dict:
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def markdown(text: str) -> dict:
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


# name → (what it is, its cells, expected verdict, expected per-code-cell verdicts,
#          expected diagnosis or None, kernelspec)
CASES: dict[str, dict] = {}


def case(name: str, title: str, cells: list[dict], **expected) -> None:
    CASES[name] = {"title": title, "cells": cells, **expected}


case(
    "deterministic_numbers",
    "Deterministic numbers: integers, floats, lists and numpy arrays",
    [
        markdown("# Deterministic numbers"),
        code("import math\nimport numpy as np\nsum(range(1, 101))"),
        code("[n * n for n in range(10)]"),
        code("math.factorial(20), math.sqrt(2)"),
        code('print(f"mean of 1..10 is {sum(range(1, 11)) / 10}")'),
        code("np.linspace(0, 1, 5)"),
        code("np.arange(12).reshape(3, 4).sum(axis=0)"),
    ],
    verdict="reproduced",
    cellVerdicts=["match"] * 6,
)
case(
    "seeded_random",
    "Seeded random numbers (numpy's Generator and the standard library's random)",
    [
        code(
            "import random\nimport numpy as np\n"
            "rng = np.random.default_rng(2026)\nrng.normal(size=4)"
        ),
        code("random.seed(7)\n[random.randint(1, 100) for _ in range(5)]"),
        code("rng.integers(0, 10, size=(2, 3))"),
    ],
    verdict="reproduced",
    cellVerdicts=["match"] * 3,
)
case(
    "dataframe_html",
    "A pandas DataFrame shown as HTML (and its describe() and a groupby)",
    [
        code(
            """
import pandas as pd
df = pd.DataFrame(
    {
        "city": ["Lyon", "Porto", "Graz", "Turku", "Lyon", "Graz"],
        "region": ["west", "west", "east", "north", "west", "east"],
        "sales": [120, 95, 143, 77, 130, 101],
        "growth": [0.12, -0.03, 0.07, 0.21, 0.05, -0.01],
    }
)
df
"""
        ),
        code("df.describe()"),
        code('df.groupby("region")["sales"].sum().to_frame()'),
    ],
    verdict="reproduced",
    cellVerdicts=["match"] * 3,
)
case(
    "matplotlib_png",
    "A matplotlib figure (PNG), saved re-encoded: other bytes, the same pixels",
    [
        code("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport numpy as np"),
        code(
            """
x = np.linspace(0, 2 * np.pi, 200)
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(x, np.sin(x), label="sin")
ax.plot(x, np.cos(x), label="cos")
ax.set_title("Two waves")
ax.legend()
plt.show()
"""
        ),
    ],
    verdict="reproduced",
    cellVerdicts=["ran", "match"],
    edits=[
        "cell 2: the PNG decoded and encoded again by Pillow at zlib level 1 (matplotlib "
        "writes level 6): the bytes differ, every pixel is the same"
    ],
)
case(
    "addresses_and_times",
    "Memory addresses, timestamps, durations, a temporary folder, %time and a progress bar",
    [
        code("class Sensor:\n    pass\n\nprint(Sensor())\nprint(object())\nprint(len)"),
        code(
            "import datetime\n"
            'print("run at", datetime.datetime.now().isoformat())\n'
            'print("today is", datetime.date.today())\n'
            'print("stamp", datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))'
        ),
        code(
            "import time\nstarted = time.perf_counter()\n"
            "total = sum(i * i for i in range(200_000))\n"
            'print(f"total {total}, took {time.perf_counter() - started:.4f} s")'
        ),
        code(
            "import tempfile\nfolder = tempfile.mkdtemp()\n"
            'with tempfile.NamedTemporaryFile(suffix=".csv", dir=folder, delete=False) as f:\n'
            "    print(folder)\n    print(f.name)"
        ),
        code("%time squares = sum(i * i for i in range(100_000))"),
        code(
            "for percent in range(0, 101, 20):\n"
            '    print(f"\\rloading {percent:3d}% " + "#" * (percent // 10), end="", flush=True)\n'
            'print()\nprint("loaded")'
        ),
        code("lambda value: value"),
    ],
    verdict="reproduced",
    cellVerdicts=["match"] * 7,
)
case(
    "floats_9th_digit",
    "Floats whose saved value differs in the 9th significant digit (within 1e-6: match)",
    [
        code("import math\nmath.pi * 1000"),
        code('print(f"one third is {1 / 3:.12f}")'),
    ],
    verdict="reproduced",
    cellVerdicts=["match", "match"],
    edits=[
        "cell 1: saved 3141.592653589793 edited to 3141.592663589793 (9th significant digit)",
        "cell 2: saved 0.333333333333 edited to 0.333333343333 (9th significant digit)",
    ],
)
case(
    "floats_3rd_digit",
    "A float whose saved value differs in the 3rd significant digit (beyond 1e-6: differs)",
    [
        code("import math\nmath.pi * 1000"),
        code("round(math.e, 10)"),
    ],
    verdict="differs",
    cellVerdicts=["differs", "match"],
    edits=["cell 1: saved 3141.592653589793 edited to 3151.592653589793 (3rd significant digit)"],
)
case(
    "changed_result",
    "A genuinely changed result: numbers drawn without a seed",
    [
        code("import numpy as np\nrng = np.random.default_rng()\nrng.normal(size=3).round(3)"),
        code('print("rows:", 3 * 4)'),
    ],
    verdict="differs",
    cellVerdicts=["differs", "match"],
)
case(
    "missing_module",
    "A module whose distribution (scikit-learn) the build left out",
    [
        code("import numpy as np"),
        code(
            """
from sklearn.linear_model import LinearRegression
x = np.arange(10.0).reshape(-1, 1)
model = LinearRegression().fit(x, 3 * x.ravel() + 2)
print(round(float(model.coef_[0]), 6), round(float(model.intercept_), 6))
"""
        ),
    ],
    verdict="failed",
    cellVerdicts=["ran", "error"],
    diagnosis={
        "cell": 2,
        "kind": "missing-module",
        "action": {"kind": "include-package", "name": "scikit-learn"},
    },
)
case(
    "missing_library",
    "lightgbm needs libgomp.so.1 (Debian's libgomp1), which the base image does not have",
    [
        code("import numpy as np"),
        code(
            """
import lightgbm as lgb
x = np.arange(40, dtype=float).reshape(-1, 1)
y = (x.ravel() > 20).astype(int)
params = {"objective": "binary", "min_data_in_leaf": 2, "verbose": -1, "num_threads": 1}
booster = lgb.train(params, lgb.Dataset(x, y), num_boost_round=5)
(booster.predict(np.array([[5.0], [30.0]])) > 0.5).astype(int)
"""
        ),
    ],
    verdict="failed",
    cellVerdicts=["ran", "error"],
    diagnosis={
        "cell": 2,
        "kind": "missing-library",
        "action": {"kind": "add-system-package", "name": "libgomp1"},
    },
    library="a real package: lightgbm's lib_lightgbm.so links libgomp.so.1 (not vendored in "
    "its wheel); the stand-in base (Debian bookworm minbase, like python:3.11-slim) has none",
)
case(
    "missing_data_file",
    "A data file next to the notebook (measurements.csv) that was not chosen for the bundle",
    [
        code("import pandas as pd"),
        code('readings = pd.read_csv("measurements.csv")\nreadings["celsius"].mean()'),
    ],
    verdict="failed",
    cellVerdicts=["ran", "error"],
    diagnosis={
        "cell": 2,
        "kind": "missing-file",
        "action": {"kind": "add-data-file", "path": "measurements.csv"},
    },
)
case(
    "endless_loop",
    "A cell that never ends: stopped at the cell limit; the cell after it does not run",
    [
        code('print("warming up")'),
        code("import itertools\nfor step in itertools.count():\n    pass"),
        code('print("never reached")'),
    ],
    verdict="timeout",
    cellVerdicts=["match", "timeout", "not-run"],
    diagnosis={
        "cell": 2,
        "kind": "timeout",
        "action": {"kind": "raise-time-limit", "setting": "verifyCellTimeout"},
    },
    edits=[
        "none: the real execution interrupted the loop at its cell limit, so the loop's saved "
        "output is the KeyboardInterrupt and the cell after it has none"
    ],
)
case(
    "expected_error",
    "An expected error (tag raises-exception): it must raise, and the run goes on",
    [
        code("values = [3, 1, 2]\nsorted(values)"),
        code("values.index(99)", tags=["raises-exception"]),
        code('print("after the error:", max(values))'),
    ],
    verdict="reproduced",
    cellVerdicts=["match", "raised-as-expected", "match"],
)
case(
    "kernel_name",
    "Saved with a kernel named corpus-env (not python3): the image's python3 runs it",
    [
        code("import sys\nsys.version_info[:2]"),
        code("import platform\nplatform.python_implementation()"),
    ],
    verdict="reproduced",
    cellVerdicts=["match", "match"],
    kernelspec={
        "name": CORPUS_KERNEL,
        "display_name": "Python (corpus-env)",
        "language": "python",
    },
)
case(
    "data_link",
    "Reads the chosen data file data/sales.csv relative to its own folder",
    [
        code('import pandas as pd\nsales = pd.read_csv("data/sales.csv")\nsales'),
        code('print("total:", sales["amount"].sum())'),
    ],
    verdict="reproduced",
    cellVerdicts=["match", "match"],
)
case(
    "tagged_cells",
    "Cells tagged not to compare (nbval's # NBVAL_IGNORE_OUTPUT and NBVAL_SKIP, ours)",
    [
        code("# NBVAL_IGNORE_OUTPUT\nimport os\nprint('process', os.getpid())"),
        code("import socket\nprint('host', socket.gethostname())", tags=["nbval-skip"]),
        code("print('user id', os.getuid())", tags=["dockerize-ignore-output"]),
        code("print(2 + 2)"),
    ],
    verdict="reproduced",
    cellVerdicts=["skipped", "skipped", "skipped", "match"],
)


# ---------------------------------------------------------------------------------------
# Edits: each replaces text that must be there


def replace_in_output(nb, cell_number: int, old: str, new: str) -> None:
    cell = code_cells(nb)[cell_number - 1]
    hits = 0
    for output in cell.outputs:
        if output.output_type == "stream":
            hits += old in output.text
            output.text = output.text.replace(old, new)
        elif "data" in output and "text/plain" in output.data:
            hits += old in output.data["text/plain"]
            output.data["text/plain"] = output.data["text/plain"].replace(old, new)
    if hits != 1:
        raise SystemExit(f"edit of cell {cell_number}: {old!r} found {hits} times")


def reencode_png(nb, cell_number: int) -> None:
    from PIL import Image

    cell = code_cells(nb)[cell_number - 1]
    (output,) = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    original = base64.b64decode(output.data["image/png"])
    image = Image.open(io.BytesIO(original))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    again = buffer.getvalue()
    if again == original or Image.open(io.BytesIO(again)).tobytes() != image.tobytes():
        raise SystemExit("the re-encoded PNG must differ in bytes and not in pixels")
    output.data["image/png"] = base64.b64encode(again).decode()


EDITS = {
    "matplotlib_png": lambda nb: reencode_png(nb, 2),
    "floats_9th_digit": lambda nb: (
        replace_in_output(nb, 1, "3141.592653589793", "3141.592663589793"),
        replace_in_output(nb, 2, "0.333333333333", "0.333333343333"),
    ),
    "floats_3rd_digit": lambda nb: replace_in_output(
        nb, 1, "3141.592653589793", "3151.592653589793"
    ),
}


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


# ---------------------------------------------------------------------------------------


def install_corpus_kernel() -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "ipykernel", "install", "--sys-prefix"),
            *("--name", CORPUS_KERNEL, "--display-name", "Python (corpus-env)"),
        ],
        check=True,
        capture_output=True,
    )


def execute(name: str, spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = copy.deepcopy(spec["cells"])
    kernelspec = spec.get("kernelspec", PYTHON3)
    nb.metadata["kernelspec"] = kernelspec
    client = NotebookClient(
        nb,
        kernel_name=kernelspec["name"],
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    try:
        client.execute()
    except CellTimeoutError:
        if spec["verdict"] != "timeout":
            raise
    return nb


def capture_snapshot() -> dict:
    """The capture code the server hands the panel, run silently in a kernel of this venv."""
    from jupyter_client.manager import KernelManager

    loaded = importlib.util.spec_from_file_location(
        "dz_capture", REPO / "jupyterlab_dockerize" / "capture.py"
    )
    capture = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(capture)
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(HERE))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        msg_id = client.execute(capture.capture_code(), silent=True, store_history=False)
        stdout = []
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                stdout.append(message["content"]["text"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    (line,) = [x for x in "".join(stdout).splitlines() if x.startswith(capture.SNAPSHOT_MARKER)]
    return json.loads(line[len(capture.SNAPSHOT_MARKER) :])


def expected_json() -> dict:
    notebooks = {}
    for name, spec in CASES.items():
        entry = {
            "case": spec["title"],
            "verdict": spec["verdict"],
            "cellVerdicts": spec["cellVerdicts"],
            "diagnosis": spec.get("diagnosis"),
            "kernel": spec.get("kernelspec", PYTHON3)["name"],
            "edits": spec.get("edits", []),
        }
        if "library" in spec:
            entry["sharedLibrary"] = spec["library"]
        notebooks[f"{name}.ipynb"] = entry
    return {
        "about": "Expected verdicts of test_notebook_corpus.py; written by make_corpus.py.",
        "cellTimeout": CELL_TIMEOUT,
        "notebookTimeout": NOTEBOOK_TIMEOUT,
        "leftOut": LEFT_OUT,
        "dataFiles": DATA_FILES,
        "notebooks": notebooks,
    }


def main() -> None:
    install_corpus_kernel()
    for name, spec in CASES.items():
        nb = execute(name, spec)
        if name in EDITS:
            EDITS[name](nb)
        nbformat.validate(nb)
        (HERE / f"{name}.ipynb").write_text(nbformat.writes(nb) + "\n")
        print(f"{name}.ipynb: {len(code_cells(nb))} code cells")
    snapshot = capture_snapshot()
    (HERE / "snapshot.json").write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")
    (HERE / "expected.json").write_text(json.dumps(expected_json(), indent=2) + "\n")


if __name__ == "__main__":
    main()

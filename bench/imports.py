"""imports_only_package_ratio: what "only what the notebook imports" keeps, in a real env.

The environment is the benchmark's ≥ 300-distribution venv (bench/capture.py), captured by
the real snippet; the selection is computed by the real TypeScript core (compiled to
.bench-build by tsconfig.bench.json) for a notebook that imports only pandas.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_CELLS = [
    "import pandas as pd\n",
    "df = pd.DataFrame({'a': [1, 2, 3]})\ndf.describe()\n",
    "!pip list | head\n%matplotlib inline\n",
]


def capture_snapshot(python: Path) -> dict:
    from jupyterlab_dockerize.capture import SNAPSHOT_MARKER, capture_code

    result = subprocess.run(
        [str(python), "-c", capture_code()], capture_output=True, text=True, check=True
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith(SNAPSHOT_MARKER))
    return json.loads(line[len(SNAPSHOT_MARKER) :])


def bench_imports_ratio(python: Path) -> dict[str, float]:
    subprocess.run(
        ["npx", "tsc", "-p", "tsconfig.bench.json"],
        cwd=REPO,
        check=True,
    )
    snapshot = capture_snapshot(python)
    with tempfile.TemporaryDirectory(prefix="dockerize-bench-") as scratch:
        snapshot_file = Path(scratch, "snapshot.json")
        cells_file = Path(scratch, "cells.json")
        snapshot_file.write_text(json.dumps(snapshot))
        cells_file.write_text(json.dumps(NOTEBOOK_CELLS))
        result = subprocess.run(
            ["node", "bench/imports_ratio.js", str(snapshot_file), str(cells_file)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    counts = json.loads(result.stdout)
    if "pandas" not in counts["roots"]:
        raise RuntimeError("the benchmark environment has no pandas to import")
    return {
        "imports_mode_packages": counts["importsModeLines"],
        "all_installed_mode_packages": counts["allModeLines"],
        "imports_only_package_ratio": round(counts["importsModeLines"] / counts["allModeLines"], 4),
    }

"""Image benchmark: our generated Dockerfile beside the blog post's recipe, on the real engine.

One run, side by side, on the python:3.11-slim stand-in, with a data-science environment
(DATA_SCIENCE and what it needs, about 25 packages, plus JupyterLab) installed from a local
wheel index on 127.0.0.1 (containers here cannot reach PyPI; the wheels are downloaded once
by the host's pip and cached, see jupyterlab_dockerize/tests/generator.py). Builds use
network mode host and the classic builder (the docker SDK's build API).

Figures (compare the ratios; the seconds are context):
- warm_rebuild_over_cold: our pip template, rebuild after editing one notebook (median of
  REBUILDS edits) over the cold build (--no-cache) (target <= 0.02);
- seed_recipe_rebuild_over_ours: the blog recipe's rebuild after the same edit over ours;
- image_overhead_pct / seed_recipe_overhead_pct: (image size - floor) / floor x 100, where
  the floor is the base image plus the installed packages;
- uv_over_pip_cold_build: the uv template's cold build over the pip template's. Both
  images hold the same packages with their bytecode (pip compiles at install, the uv
  template asks for it with --compile-bytecode); uv_image_mb also counts uv itself.

The floor is computed from layer sizes, not from a third build: our pip layer runs exactly
`pip install --no-cache-dir -r requirements.txt jupyterlab==X` on the base, which is the
floor's one layer, so floor = base image size + that layer's size. It saves a cold build
(about a third of the run) and measures the same packages by construction.

Run alone: `python bench/rebuild.py` (needs DOCKER_HOST and network access for the first
wheel download).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import statistics
import sys
import tarfile
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from jupyterlab_dockerize.tests.generator import (  # noqa: E402
    WheelServer,
    generate_bundles,
    wheel_versions,
    wheelhouse,
)

SEED_RECIPE = Path(
    os.environ.get(
        "DOCKERIZE_SEED_RECIPE", REPO.parent / "shared" / "bench" / "seed-recipe.Dockerfile"
    )
)
BASE = "python:3.11-slim"
DATA_SCIENCE = [
    "numpy",
    "pandas",
    "matplotlib",
    "scipy",
    "scikit-learn",
    "seaborn",
    "requests",
]
JUPYTERLAB = "jupyterlab==4.6.6"
UV = "uv==0.13.9"
# Rebuilds of ours (median); the seed recipe's rebuild (about 10 s, mostly apt) runs once.
REBUILDS = 3


def _notebook(edit: int) -> str:
    cells = [
        "import numpy as np\nimport pandas as pd\nimport seaborn as sns\n",
        "from sklearn.linear_model import LinearRegression\nimport requests\n",
        f"df = pd.DataFrame({{'x': np.arange(10)}})\ndf.describe()  # edit {edit}\n",
    ]
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"c{i}",
                    "metadata": {},
                    "outputs": [],
                    "source": source,
                }
                for i, source in enumerate(cells)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def _snapshot(versions: dict[str, str]) -> dict:
    """A kernel's environment holding exactly these distributions, installed by pip."""
    return {
        "schemaVersion": 1,
        "python": {"implementation": "CPython", "version": "3.11.2"},
        "platform": {"system": "Linux", "machine": "x86_64", "tag": "linux-x86_64"},
        "prefix": "/home/user/.venv",
        "basePrefix": "/usr",
        "kind": "venv",
        "conda": None,
        "distributions": [
            {
                "name": name,
                "displayName": name,
                "version": version,
                "installer": "pip",
                "requires": [],
                "topLevel": [],
                "directUrl": None,
                "location": "/home/user/.venv/lib/python3.11/site-packages",
            }
            for name, version in sorted(versions.items())
        ],
        "captureMs": 1,
    }


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Builder:
    def __init__(self, client: docker.APIClient, buildargs: dict[str, str]) -> None:
        self.client = client
        self.buildargs = buildargs
        self.tags: list[str] = []

    def build(self, context: bytes, tag: str, *, cold: bool) -> float:
        """Builds and returns the wall time in seconds; raises on a build error."""
        self.tags.append(tag)
        log: list[str] = []
        started = time.perf_counter()
        for chunk in self.client.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=tag,
            network_mode="host",
            buildargs=self.buildargs,
            nocache=cold,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            log.append(chunk.get("stream", ""))
            if "errorDetail" in chunk or "error" in chunk:
                raise RuntimeError(f"build of {tag} failed: {chunk}\n{''.join(log)[-4000:]}")
        return time.perf_counter() - started

    def size(self, tag: str) -> int:
        return self.client.inspect_image(tag)["Size"]

    def layer(self, tag: str, marker: str) -> int:
        """The size of the image's one layer whose instruction contains ``marker``."""
        sizes = [
            entry["Size"] for entry in self.client.history(tag) if marker in entry["CreatedBy"]
        ]
        if len(sizes) != 1:
            raise RuntimeError(f"{len(sizes)} layers of {tag} match {marker!r}")
        return sizes[0]

    def remove_all(self) -> None:
        for tag in reversed(self.tags):
            try:
                self.client.remove_image(tag, force=True)
            except docker.errors.NotFound:
                pass
        self.tags.clear()


#: Cold builds of each of the pip and uv templates, alternating.
UV_PAIRS = 3


def bench_rebuild(docker_host: str | None = None) -> dict:
    docker_host = docker_host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    started = time.perf_counter()
    client = docker.APIClient(base_url=docker_host, version="auto", timeout=1800)
    client.inspect_image(BASE)  # the stand-in must be there (scripts/harness/base-image.sh)

    # The environment: the data-science packages as pip resolves them today, pinned.
    versions = wheel_versions(wheelhouse(DATA_SCIENCE))
    specs = generate_bundles(
        [
            {
                "snapshot": _snapshot(versions),
                "notebooks": ["analysis.ipynb"],
                "options": {
                    "template": template,
                    "ui": "lab",
                    "pythonVersion": "3.11",
                    "created": "2025-01-02T03:04:05Z",
                    "generatorVersion": "0.0.0",
                },
            }
            for template in ("pip", "uv")
        ]
    )
    requirements = specs[0]["files"]["requirements.txt"]
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    if len(pins) != len(versions):
        raise RuntimeError(f"{len(versions)} packages but {len(pins)} pins:\n{requirements}")
    for spec in specs:
        if not re.search(rf" {re.escape(JUPYTERLAB)}( \\)?\n", spec["files"]["Dockerfile"]):
            raise RuntimeError("the generated Dockerfile does not add " + JUPYTERLAB)
        if not spec["files"]["Dockerfile"].startswith("# Dockerfile generated"):
            raise RuntimeError("unexpected Dockerfile")
        if f"FROM {BASE}\n" not in spec["files"]["Dockerfile"]:
            raise RuntimeError(f"the Dockerfile is not FROM {BASE}")
    house = wheelhouse([*pins, JUPYTERLAB, UV])

    def ours(spec: dict, edit: int) -> bytes:
        files = {name: text.encode() for name, text in spec["files"].items()}
        files["notebooks/analysis.ipynb"] = _notebook(edit).encode()
        return _tar(files)

    def seed(edit: int) -> bytes:
        # The post's context: its Dockerfile, `pip freeze > requirements.txt` (the same
        # pins, Jupyter included) and the notebook folder.
        return _tar(
            {
                "Dockerfile": SEED_RECIPE.read_bytes(),
                "requirements.txt": "\n".join([*pins, JUPYTERLAB, ""]).encode(),
                "notebooks/analysis.ipynb": _notebook(edit).encode(),
            }
        )

    run = secrets.token_hex(4)
    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    with WheelServer(house) as wheels:
        builder = Builder(
            client,
            {
                "PIP_INDEX_URL": wheels.index_url,
                "PIP_TRUSTED_HOST": "127.0.0.1",
                "WHEELS_URL": wheels.find_links,
            },
        )
        try:
            seconds["ours_cold"] = builder.build(
                ours(specs[0], 0), f"dz-bench-pip:{run}", cold=True
            )
            # Median of REBUILDS edits (each a different notebook text, on the cold cache).
            rebuilds = [
                builder.build(ours(specs[0], edit), f"dz-bench-pip:{run}-edit{edit}", cold=False)
                for edit in range(1, REBUILDS + 1)
            ]
            seconds["ours_rebuild"] = statistics.median(rebuilds)
            sizes["ours"] = builder.size(f"dz-bench-pip:{run}-edit1")
            packages = builder.layer(
                f"dz-bench-pip:{run}", "pip install --no-cache-dir -r requirements.txt"
            )
            sizes["floor"] = builder.size(BASE) + packages
            builder.remove_all()

            seconds["seed_cold"] = builder.build(seed(0), f"dz-bench-seed:{run}", cold=True)
            seconds["seed_rebuild"] = builder.build(
                seed(1), f"dz-bench-seed:{run}-edit", cold=False
            )
            sizes["seed"] = builder.size(f"dz-bench-seed:{run}-edit")
            builder.remove_all()

            uv_colds = [builder.build(ours(specs[1], 0), f"dz-bench-uv:{run}", cold=True)]
            sizes["uv"] = builder.size(f"dz-bench-uv:{run}")
            # The uv/pip ratio swings with the machine's load: more cold builds of each,
            # alternating, and the ratio of the medians.
            pip_colds = [seconds["ours_cold"]]
            for extra in range(1, UV_PAIRS):
                builder.remove_all()
                pip_colds.append(
                    builder.build(ours(specs[0], 0), f"dz-bench-pip:{run}-c{extra}", cold=True)
                )
                builder.remove_all()
                uv_colds.append(
                    builder.build(ours(specs[1], 0), f"dz-bench-uv:{run}-c{extra}", cold=True)
                )
            seconds["uv_cold"] = statistics.median(uv_colds)
            seconds["pip_cold_median"] = statistics.median(pip_colds)
            pairs = [round(uv / pip, 3) for uv, pip in zip(uv_colds, pip_colds)]
        finally:
            builder.remove_all()

    def pct(size: int) -> float:
        return round((size - sizes["floor"]) / sizes["floor"] * 100, 3)

    mb = 1_000_000
    return {
        "rebuild_packages": len(versions),
        "warm_rebuild_over_cold": round(seconds["ours_rebuild"] / seconds["ours_cold"], 4),
        "seed_recipe_rebuild_over_ours": round(
            seconds["seed_rebuild"] / seconds["ours_rebuild"], 1
        ),
        "seed_recipe_warm_rebuild_over_cold": round(
            seconds["seed_rebuild"] / seconds["seed_cold"], 4
        ),
        "image_overhead_pct": pct(sizes["ours"]),
        "image_overhead_mb": round((sizes["ours"] - sizes["floor"]) / mb, 3),
        "seed_recipe_overhead_pct": pct(sizes["seed"]),
        "uv_over_pip_cold_build": round(seconds["uv_cold"] / seconds["pip_cold_median"], 3),
        "uv_over_pip_cold_build_pairs": pairs,
        "cold_build_s": round(seconds["ours_cold"], 2),
        "warm_rebuild_s": round(seconds["ours_rebuild"], 3),
        "seed_recipe_cold_build_s": round(seconds["seed_cold"], 2),
        "seed_recipe_rebuild_s": round(seconds["seed_rebuild"], 3),
        "uv_cold_build_s": round(seconds["uv_cold"], 2),
        "pip_cold_build_median_s": round(seconds["pip_cold_median"], 2),
        "image_mb": round(sizes["ours"] / mb, 1),
        "seed_recipe_image_mb": round(sizes["seed"] / mb, 1),
        "uv_image_mb": round(sizes["uv"] / mb, 1),
        "image_floor_mb": round(sizes["floor"] / mb, 1),
        "rebuild_bench_wall_s": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(bench_rebuild(), indent=2))

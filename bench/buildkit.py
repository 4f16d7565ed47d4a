"""BuildKit figures (issue 14): the generated Dockerfile's BuildKit variant on the real engine.

One run, side by side, with the bench's 24-package data-science environment (rebuild.py's
DATA_SCIENCE as pip resolves it today, plus JupyterLab) installed from PyPI itself, as a
user's build does (the cache mounts are about what is downloaded again). Every build goes
through the docker CLI the server would use (builders/docker_cli.py: buildx, or the
integrated BuildKit client of Debian's 20.10) with an argument list; the classic builder is
the Engine API's (docker SDK). A "cold" build starts with the engine's build cache pruned
(cache mounts included) and the bench's images removed; the base image stays.

Figures (compare the ratios; the seconds are context):
- buildkit_over_classic_cold_build: the uv template's cold build, its BuildKit variant on
  BuildKit over its classic variant on the classic builder (what a user gets from the
  `bundleBuilder` setting either way);
- uv_over_pip_cold_build: on BuildKit, the uv template's cold build over the pip template's
  (median of alternating pairs; target <= 0.33);
- requirements_change_rebuild_over_cold: the uv template on BuildKit, one package added to
  the requirements and rebuilt (cache mounts warm), over its cold build (target <= 0.25);
- multiarch_build_over_single: the uv template on BuildKit, a cold build for linux/amd64
  and linux/arm64 (the arm64 one emulated through QEMU here) over a cold build for
  linux/amd64 alone, same environment.

Run alone: `python bench/buildkit.py` (needs DOCKER_HOST and the harness's arm64 stand-in).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rebuild import DATA_SCIENCE, _notebook, _snapshot, _tar  # noqa: E402

from jupyterlab_dockerize.builders.docker_cli import (  # noqa: E402
    cli_environment,
    find_docker_cli,
)
from jupyterlab_dockerize.config import Dockerize  # noqa: E402
from jupyterlab_dockerize.tests.generator import (  # noqa: E402
    generate_bundles,
    wheel_versions,
    wheelhouse,
)

BASE = "python:3.11-slim"
#: The package the requirements change adds (pure Python, small, not already present).
ADDED_PACKAGE = "tabulate==0.9.0"
#: Alternating cold builds of the uv and pip templates on BuildKit.
UV_PAIRS = 2
BUILD_TIMEOUT = 3600


class Engine:
    """The engine through both builders, and what a cold build needs removed."""

    def __init__(self, docker_host: str) -> None:
        self.docker_host = docker_host
        self.client = docker.APIClient(base_url=docker_host, version="auto", timeout=1800)
        self.client.inspect_image(BASE)  # the stand-in must be there (scripts/harness)
        config = Dockerize()
        self.cli = find_docker_cli(config)
        if self.cli is None or not self.cli.builds_with_buildkit:
            raise RuntimeError("no docker CLI that builds with BuildKit was found")
        self.env = cli_environment(config.engine_settings())
        self.tags: list[str] = []

    def buildkit(self, context: bytes, tag: str, platform: str | None = None) -> float:
        """A BuildKit build through the CLI; its wall time in seconds."""
        self.tags.append(tag)
        build = ["buildx", "build", "--load"] if self.cli.buildx else ["build"]
        args = [self.cli.path, *build, "--progress=plain", "--network", "host", "-t", tag]
        if platform:
            args += ["--platform", platform]
        env = {**self.env, "DOCKER_BUILDKIT": "1"}
        started = time.perf_counter()
        run = subprocess.run(
            [*args, "-"], input=context, env=env, capture_output=True, timeout=BUILD_TIMEOUT
        )
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            tail = run.stderr.decode(errors="replace")[-4000:]
            raise RuntimeError(f"BuildKit build of {tag} failed:\n{tail}")
        self.last_log = run.stderr.decode(errors="replace")
        return seconds

    def classic(self, context: bytes, tag: str) -> float:
        """A classic build through the Engine API; its wall time in seconds."""
        self.tags.append(tag)
        started = time.perf_counter()
        log = []
        for chunk in self.client.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=tag,
            network_mode="host",
            nocache=True,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            log.append(chunk.get("stream", ""))
            if "errorDetail" in chunk or "error" in chunk:
                tail = "".join(log)[-4000:]
                raise RuntimeError(f"classic build of {tag} failed: {chunk}\n{tail}")
        return time.perf_counter() - started

    def make_cold(self) -> None:
        """No image of the bench and no build cache (cache mounts included) is left."""
        for tag in reversed(self.tags):
            try:
                self.client.remove_image(tag, force=True)
            except docker.errors.NotFound:
                pass
        self.tags.clear()
        self.client.prune_builds()  # the classic builder's cache (dangling build images)
        subprocess.run(
            [self.cli.path, "builder", "prune", "--all", "--force"],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=600,
        )


def _bundles(versions: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, dict]:
    """The generated bundles of the environment, by (template, builder)."""
    cases = [
        (template, builder) for template in ("uv", "pip") for builder in ("buildkit", "classic")
    ]
    specs = generate_bundles(
        [
            {
                "snapshot": _snapshot({**versions, **(extra or {})}),
                "notebooks": ["analysis.ipynb"],
                "options": {
                    "template": template,
                    "builder": builder,
                    "ui": "lab",
                    "pythonVersion": "3.11",
                    "created": "2025-01-02T03:04:05Z",
                    "generatorVersion": "0.0.0",
                },
            }
            for template, builder in cases
        ]
    )
    bundles = {}
    for (template, builder), spec in zip(cases, specs):
        dockerfile = spec["files"]["Dockerfile"]
        if f"FROM {BASE}\n" not in dockerfile:
            raise RuntimeError(f"the {template} Dockerfile is not FROM {BASE}")
        mounts = "--mount=type=cache" in dockerfile
        if mounts != (builder == "buildkit"):
            raise RuntimeError(f"the {template}/{builder} Dockerfile has cache mounts: {mounts}")
        files = {name: text.encode() for name, text in spec["files"].items()}
        files["notebooks/analysis.ipynb"] = _notebook(0).encode()
        bundles[f"{template}/{builder}"] = {"context": _tar(files), "spec": spec}
    return bundles


def _downloads(log: str) -> int:
    """How many distributions uv says it downloaded in a build log ("Prepared N packages")."""
    found = re.findall(r"Prepared (\d+) packages?", log)
    return int(found[-1]) if found else -1


def bench_buildkit(docker_host: str | None = None) -> dict:
    docker_host = docker_host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    started = time.perf_counter()
    engine = Engine(docker_host)
    versions = wheel_versions(wheelhouse(DATA_SCIENCE))
    name, version = ADDED_PACKAGE.split("==")
    if name in versions:
        raise RuntimeError(f"{name} is already in the environment")
    bundles = _bundles(versions)
    changed = _bundles(versions, {name: version})["uv/buildkit"]["context"]
    run = secrets.token_hex(4)
    seconds: dict[str, float] = {}
    results: dict = {}
    try:
        # The uv template: BuildKit variant cold, then one requirement more (warm mounts).
        engine.make_cold()
        seconds["uv_buildkit_cold"] = engine.buildkit(
            bundles["uv/buildkit"]["context"], f"dz-bk-uv:{run}"
        )
        seconds["uv_requirements_change"] = engine.buildkit(changed, f"dz-bk-uv:{run}-added")
        results["requirements_change_downloads"] = _downloads(engine.last_log)

        engine.make_cold()
        seconds["uv_classic_cold"] = engine.classic(
            bundles["uv/classic"]["context"], f"dz-classic-uv:{run}"
        )

        uv_colds, pip_colds = [seconds["uv_buildkit_cold"]], []
        for pair in range(UV_PAIRS):
            engine.make_cold()
            pip_colds.append(
                engine.buildkit(bundles["pip/buildkit"]["context"], f"dz-bk-pip:{run}-{pair}")
            )
            if pair + 1 < UV_PAIRS:
                engine.make_cold()
                uv_colds.append(
                    engine.buildkit(bundles["uv/buildkit"]["context"], f"dz-bk-uv:{run}-{pair}")
                )

        # Both platforms over amd64 alone: the amd64 cold build above, then both, cold.
        engine.make_cold()
        both = engine.buildkit(
            bundles["uv/buildkit"]["context"], f"dz-bk-uv:{run}-amd64", "linux/amd64"
        ) + engine.buildkit(
            bundles["uv/buildkit"]["context"], f"dz-bk-uv:{run}-arm64", "linux/arm64"
        )
        seconds["multiarch_both"] = both
        arm64 = engine.client.inspect_image(f"dz-bk-uv:{run}-arm64")["Architecture"]
        if arm64 != "arm64":
            raise RuntimeError(f"the linux/arm64 build made an {arm64} image")
    finally:
        engine.make_cold()

    uv_cold = statistics.median(uv_colds)
    pip_cold = statistics.median(pip_colds)
    results.update(
        {
            "buildkit_over_classic_cold_build": round(
                seconds["uv_buildkit_cold"] / seconds["uv_classic_cold"], 3
            ),
            "uv_over_pip_cold_build": round(uv_cold / pip_cold, 3),
            "uv_over_pip_cold_build_pairs": [
                round(uv / pip, 3) for uv, pip in zip(uv_colds, pip_colds)
            ],
            "requirements_change_rebuild_over_cold": round(
                seconds["uv_requirements_change"] / seconds["uv_buildkit_cold"], 3
            ),
            "multiarch_build_over_single": round(
                seconds["multiarch_both"] / seconds["uv_buildkit_cold"], 2
            ),
            "buildkit_packages": len(versions),
            "buildkit_builder": engine.cli.describe(),
            "uv_buildkit_cold_build_s": round(seconds["uv_buildkit_cold"], 2),
            "uv_classic_cold_build_s": round(seconds["uv_classic_cold"], 2),
            "pip_buildkit_cold_build_median_s": round(pip_cold, 2),
            "requirements_change_rebuild_s": round(seconds["uv_requirements_change"], 2),
            "multiarch_both_cold_build_s": round(seconds["multiarch_both"], 2),
            "buildkit_bench_wall_s": round(time.perf_counter() - started, 1),
        }
    )
    return results


if __name__ == "__main__":
    print(json.dumps(bench_buildkit(), indent=2))

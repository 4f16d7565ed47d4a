"""Multi-platform figures (issue 14), through the product: a real Jupyter server with the
extension builds a small environment for linux/amd64 and linux/arm64 (the arm64 one
emulated through QEMU here), pushes both to the harness registry (password auth) under one
tag, and verifies both images; the index is then read back from the registry.

Figures (a figure that cannot be measured is written as null with ``<name>_reason``):
- multiarch_platforms_pushed: the platforms the index in the registry names, among
  linux/amd64 and linux/arm64 (target 2);
- arm64_verified: 1 when the arm64 image's verify passed: Jupyter answered with the token
  only, every package of the environment is in the image at its version, and the bundled
  notebook ran every cell without error;
- multiarch_build_s / multiarch_verify_s / multiarch_push_s: the job's phases, for scale.

Run alone: `python bench/multiarch.py` (needs the harness: `source .harness/env`).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from figures_from_tests import unmeasured  # noqa: E402
from rebuild import _snapshot  # noqa: E402

from jupyterlab_dockerize.tests.generator import generate_bundle  # noqa: E402

PLATFORMS = ["linux/amd64", "linux/arm64"]
ENVIRONMENT = {"tabulate": "0.9.0", "six": "1.16.0"}
FIGURES = ("multiarch_platforms_pushed", "arm64_verified")
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "tabulate",
            "metadata": {},
            "outputs": [],
            "source": "import platform, six, tabulate\n"
            "print(tabulate.tabulate([[six.__version__, platform.machine()]]))\n",
        }
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _wait(server, job: str, active: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.session.get(
            server.url(f"jupyterlab-dockerize/builds/{job}"), timeout=30
        ).json()
        if body["state"] not in active:
            return body
        time.sleep(1)
    raise RuntimeError(f"the job was still {sorted(active)} after {timeout:.0f} s")


def _index_platforms(
    registry: str, user: str, password: str, repository: str, tag: str
) -> list[str]:
    response = requests.get(
        f"http://{registry}/v2/{repository}/manifests/{tag}",
        auth=(user, password),
        headers={"Accept": ", ".join(INDEX_TYPES)},
        timeout=30,
    )
    response.raise_for_status()
    body = response.json()
    if body.get("mediaType") not in INDEX_TYPES and "manifests" not in body:
        return []
    return sorted(
        f"{entry['platform']['os']}/{entry['platform']['architecture']}"
        for entry in body.get("manifests", [])
        if entry.get("platform")
    )


def _arm64_verified(job: dict) -> tuple[int, str]:
    verification = job.get("verification") or {}
    arm64 = (verification.get("byPlatform") or {}).get("linux/arm64")
    if not arm64:
        return 0, "the job has no linux/arm64 verification"
    if not all((arm64.get("jupyter") or {}).values()):
        return 0, f"Jupyter checks: {arm64.get('jupyter')}"
    installed = {
        dist["name"].lower(): dist["version"]
        for dist in (arm64.get("snapshot") or {}).get("distributions", [])
    }
    wrong = {
        name: installed.get(name)
        for name, version in ENVIRONMENT.items()
        if installed.get(name) != version
    }
    if wrong:
        return 0, f"packages missing or at another version: {wrong}"
    for run in arm64.get("notebooks") or []:
        bad = [cell for cell in run.get("cells", []) if cell.get("status") != "ok"]
        if run.get("status") not in (None, "completed", "ok") or bad:
            return 0, f"notebook {run.get('path')}: {run.get('status')} {bad[:1]}"
    return 1, ""


def bench_multiarch(docker_host: str, server_class) -> dict:
    registry = os.environ.get("DOCKERIZE_TEST_REGISTRY")
    user = os.environ.get("DOCKERIZE_TEST_REGISTRY_USER", "")
    password = os.environ.get("DOCKERIZE_TEST_REGISTRY_PASSWORD", "")
    if not registry or os.environ.get("DOCKERIZE_TEST_ARM64") != "1":
        reason = "no harness registry or arm64 stand-in (source .harness/env)"
        return {k: v for name in FIGURES for k, v in unmeasured(name, reason).items()}
    server = server_class(docker_host)
    tag = secrets.token_hex(4)
    repository = "dockerize/bench-multiarch"
    results: dict = {}
    try:
        root = Path(server.root.name)
        (root / "analysis.ipynb").write_text(json.dumps(NOTEBOOK))
        spec = generate_bundle(
            {
                "snapshot": _snapshot(ENVIRONMENT),
                "notebooks": ["analysis.ipynb"],
                "options": {
                    "template": "uv",
                    "builder": "buildkit",
                    "ui": "lab",
                    "pythonVersion": "3.11",
                    "created": "2025-01-02T03:04:05Z",
                    "generatorVersion": "0.0.0",
                },
            }
        )
        started = time.perf_counter()
        response = server.session.post(
            server.url("jupyterlab-dockerize/builds"),
            json={
                "files": spec["files"],
                "include": spec["include"],
                "image": f"{repository}:{tag}",
                "notebook": "analysis.ipynb",
                "platforms": PLATFORMS,
            },
            timeout=60,
        )
        if response.status_code != 202:
            answer = f"{response.status_code}: {response.text[:300]}"
            raise RuntimeError(f"POST builds answered {answer}")
        job_id = response.json()["id"]
        job = _wait(server, job_id, {"queued", "building"}, 3600)
        results["multiarch_build_s"] = round(time.perf_counter() - started, 1)
        if job["state"] != "built":
            raise RuntimeError(f"the build ended {job['state']}: {job.get('message', '')[:300]}")

        started = time.perf_counter()
        response = server.session.post(
            server.url(f"jupyterlab-dockerize/builds/{job_id}/verify"), json={}, timeout=60
        )
        response.raise_for_status()
        job = _wait(server, job_id, {"verifying"}, 3600)
        results["multiarch_verify_s"] = round(time.perf_counter() - started, 1)
        verified, why = _arm64_verified(job)
        results["arm64_verified"] = verified
        if why:
            results["arm64_verified_reason"] = why[:400]

        started = time.perf_counter()
        response = server.session.post(
            server.url(f"jupyterlab-dockerize/builds/{job_id}/push"),
            json={
                "target": f"{registry}/{repository}:{tag}",
                "auth": {"username": user, "token": password},
            },
            timeout=60,
        )
        response.raise_for_status()
        job = _wait(server, job_id, {"pushing"}, 3600)
        results["multiarch_push_s"] = round(time.perf_counter() - started, 1)
        if job["state"] != "pushed":
            raise RuntimeError(f"the push ended {job['state']}: {job.get('message', '')[:300]}")
        named = _index_platforms(registry, user, password, repository, tag)
        results["multiarch_platforms_pushed"] = len(set(named) & set(PLATFORMS))
        results["multiarch_index_platforms"] = named
        return results
    except Exception as error:  # noqa: BLE001 - reported as the figures' reason
        reason = f"{type(error).__name__}: {error}"[:400]
        for name in FIGURES:
            if name not in results:
                results.update(unmeasured(name, reason))
        return results
    finally:
        server.close()


if __name__ == "__main__":
    from run import JupyterServer

    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    print(json.dumps(bench_multiarch(host, JupyterServer), indent=2))

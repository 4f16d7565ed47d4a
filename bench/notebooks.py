"""Notebook figures (issue 13): the corpus's verdicts, and what re-executing notebooks costs
beside building the image, on the real-world environment of issue 11.

Figures (a figure that cannot be measured is null with ``<name>_reason``):
- notebook_verdicts_correct_pct, notebook_cells_compared: written by
  jupyterlab_dockerize/tests/test_notebook_corpus.py (run here with a figures folder): the
  corpus's notebooks whose verdict (compareNotebookRun in the image built for the corpus) is
  the one expected.json gives, over the corpus; the code cells compared;
- reexec_over_build: on the environment of jupyterlab_dockerize/tests/realworld.py (80-odd
  PyPI distributions, three local packages, kernel realworld-env; analysis.ipynb and
  scrape.ipynb saved with their outputs), through a real Jupyter server's server as the panel
  goes: capture in the venv's kernel, the pre-flight, the plan of everything installed less
  what cannot install, the local packages taken, the offline wheelhouse; POST builds (timed from
  the request to "built", the image removed first so its layers are built anew; steps other
  images share with it may still come from the engine's cache, reexec_build_cached_steps
  lists them) then POST verify with the notebooks; the notebooks' re-execution seconds (the
  sum of each run's own seconds, kernel start included) over the build's seconds. Its parts:
  reexec_build_s, reexec_notebooks_s, reexec_verify_s (the whole verify: packages, Jupyter,
  notebooks), reexec_cells, reexec_notebooks (each notebook's summary from the core's
  comparison).

Run alone: `python bench/notebooks.py` (needs DOCKER_HOST).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from figures_from_tests import figures_from_test, unmeasured  # noqa: E402

CORPUS_TEST = (
    "jupyterlab_dockerize/tests/test_notebook_corpus.py::test_corpus_verdicts_in_one_image"
)
CORPUS_FIGURES = ("notebook_verdicts_correct_pct", "notebook_cells_compared")
REEXEC_FIGURES = ("reexec_over_build", "reexec_build_s", "reexec_notebooks_s", "reexec_cells")
IMAGE = "dockerize-bench/realworld-notebooks:1"
NOTEBOOKS = ["analysis.ipynb", "scrape.ipynb"]


def bench_corpus() -> dict:
    """Runs the corpus test with a figures folder and reads what it wrote."""
    results: dict = {}
    written, reason = figures_from_test([CORPUS_TEST], "notebooks.json")
    for name in CORPUS_FIGURES:
        if written.get(name) is None:
            results.update(unmeasured(name, f"the corpus test stopped before it: {reason}"))
        else:
            results[name] = written[name]
    if reason and written:  # verdicts were counted, and some were not the expected ones
        results["notebook_verdicts_correct_pct_reason"] = reason
    if "notebook_corpus_size" in written:
        results["notebook_corpus_size"] = written["notebook_corpus_size"]
    return results


class _Server:
    """A real `jupyter server` with the extension on loopback, its root the real-world root
    (bench/run.py's JupyterServer makes a temporary root of its own), and its server."""

    def __init__(self, docker_host: str, root: Path) -> None:
        import requests

        from jupyterlab_dockerize.tests.generator import free_port

        self.port = free_port()
        token = secrets.token_hex(16)
        args = [
            *(sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1"),
            *(f"--port={self.port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}"),
        ]
        if os.geteuid() == 0:
            args.append("--allow-root")
        env = {**os.environ, "DOCKER_HOST": docker_host, "JUPYTER_TOKEN": token}
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.session.get(self.url("api/status"), timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("jupyter server did not start")
            time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def post(self, path: str, body: dict, timeout: float = 300) -> tuple[int, dict]:
        response = self.session.post(
            self.url(f"jupyterlab-dockerize/{path}"), json=body, timeout=timeout
        )
        return response.status_code, response.json()

    def job(self, job_id: str) -> dict:
        url = self.url(f"jupyterlab-dockerize/builds/{job_id}")
        return self.session.get(url, timeout=30).json()

    def wait(self, job_id: str, states: set[str], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["state"] in states:
                return job
            time.sleep(0.2)
        raise RuntimeError(f"job {job_id} still {self.job(job_id)['state']} after {timeout:.0f} s")

    def log(self, job_id: str) -> str:
        lines, offset = [], 0
        while True:
            url = self.url(f"jupyterlab-dockerize/builds/{job_id}/events?offset={offset}")
            page = self.session.get(url, timeout=30).json()
            if not page["events"]:
                return "\n".join(lines)
            offset += len(page["events"])
            lines += [event["text"] for event in page["events"] if event["kind"] == "log"]


def _realworld_bundle(env, server: _Server) -> tuple[dict, dict, dict]:
    """The panel's way from the venv's kernel to a bundle: (snapshot, plan, spec)."""
    from jupyterlab_dockerize.capture import capture_code
    from jupyterlab_dockerize.tests.realworld import EDITABLE, GIT_PACKAGE, LOCAL_WHEEL
    from jupyterlab_dockerize.tests.test_realworld_round_trip import (
        UNTICKED,
        capture,
        code_cells,
        panel,
    )

    snapshot = capture(env, capture_code())
    base = {
        "snapshot": snapshot,
        "cells": [cell for name in NOTEBOOKS for cell in code_cells(env, name)],
        "jupyterRoot": str(env.root),
        "notebooks": NOTEBOOKS,
        "mode": "all",
    }
    form = {"template": "uv", "wheelhouse": True, "imageName": IMAGE.split(":")[0]}
    everything = panel({**base, "form": form})
    status, checked = server.post("preflight", everything["preflight"], timeout=1800)
    if status != 200:
        raise RuntimeError(f"POST preflight answered {status}: {json.dumps(checked)[:300]}")
    unticked = [p["name"] for p in checked["packages"] if p["status"] in UNTICKED]
    local = [LOCAL_WHEEL[0], EDITABLE[0], GIT_PACKAGE[0]]
    final = panel({**base, "form": form, "exclude": unticked, "include": local})
    if not final["spec"].get("wheelhouse"):
        raise RuntimeError(f"no wheelhouse in the bundle: {final['spec'].get('warnings')}")
    return snapshot, final["plan"], final["spec"]


def bench_reexec(docker_host: str) -> dict:
    """reexec_over_build and its parts, on the real-world environment."""
    import docker

    from jupyterlab_dockerize.tests.buildjobs import tag_standin_as_base
    from jupyterlab_dockerize.tests.generator import compare_notebook_runs
    from jupyterlab_dockerize.tests.realworld import ensure_realworld

    try:
        env = ensure_realworld()
    except Exception as error:  # noqa: BLE001 - reported as the figures' reason
        reason = f"the real-world environment could not be built: {error}"[:400]
        return {k: v for name in REEXEC_FIGURES for k, v in unmeasured(name, reason).items()}
    try:
        server = _Server(docker_host, env.root)
    except Exception as error:  # noqa: BLE001 - reported as the figures' reason
        reason = f"{type(error).__name__}: {error}"[:400]
        return {k: v for name in REEXEC_FIGURES for k, v in unmeasured(name, reason).items()}
    client = docker.APIClient(base_url=docker_host, version="auto")
    tagged = None
    try:
        snapshot, plan, spec = _realworld_bundle(env, server)
        tagged = tag_standin_as_base(client, spec["files"]["Dockerfile"])
        _remove_image(client, IMAGE)  # a cold build: no layer of an earlier run is reused
        started = time.perf_counter()
        status, job = server.post(
            "builds",
            {
                "name": "realworld-notebooks",
                "files": spec["files"],
                "include": spec["include"],
                "image": IMAGE,
                "notebook": NOTEBOOKS[0],
                "wheelhouse": spec["wheelhouse"],
            },
        )
        if status != 202:
            raise RuntimeError(f"POST builds answered {status}: {json.dumps(job)[:300]}")
        built = server.wait(job["id"], {"built", "failed", "cancelled"}, timeout=3600)
        build_s = time.perf_counter() - started
        if built["state"] != "built":
            raise RuntimeError(f"the build ended {built['state']}: {built['message'][:300]}")
        cached_steps = _cached_steps(server.log(job["id"]))

        started = time.perf_counter()
        status, answer = server.post(f"builds/{job['id']}/verify", {"notebooks": True})
        if status != 202:
            raise RuntimeError(f"POST verify answered {status}: {json.dumps(answer)[:300]}")
        verified = server.wait(job["id"], {"verified", "failed", "cancelled"}, timeout=3600)
        verify_s = time.perf_counter() - started
        runs = (verified.get("verification") or {}).get("notebooks") or []
        if not runs:
            raise RuntimeError(f"the verification ran no notebook: {verified['message'][:300]}")
        selected = [entry["name"] for entry in plan["entries"] if entry["line"] is not None]
        compared = compare_notebook_runs(runs, snapshot, selected, [])
        notebooks_s = sum(run["seconds"] for run in runs)
        return {
            "reexec_over_build": round(notebooks_s / build_s, 4),
            "reexec_build_s": round(build_s, 1),
            # Steps the engine took from its cache: the base's own (user, folders) that other
            # images share can be; the install is not, since the image was removed first.
            "reexec_build_cached_steps": cached_steps,
            "reexec_notebooks_s": round(notebooks_s, 2),
            "reexec_verify_s": round(verify_s, 1),
            "reexec_cells": sum(len(run["cells"]) for run in runs),
            "reexec_notebooks": {
                run["workspacePath"]: result["comparison"]["summary"]
                for run, result in zip(runs, compared)
            },
        }
    except Exception as error:  # noqa: BLE001 - reported as the figures' reason
        reason = f"{type(error).__name__}: {error}"[:400]
        return {k: v for name in REEXEC_FIGURES for k, v in unmeasured(name, reason).items()}
    finally:
        _remove_image(client, IMAGE)
        if tagged:
            _remove_image(client, tagged)
        client.close()
        server.close()


def _cached_steps(log: str) -> list[str]:
    """The build steps ("Step 3/12 : RUN …") the classic builder answered from its cache."""
    cached, step = [], ""
    for line in log.splitlines():
        if line.startswith("Step "):
            step = line.strip()[:120]
        elif "Using cache" in line and step:
            cached.append(step)
    return cached


def _remove_image(client, image: str) -> None:
    import docker

    try:
        client.remove_image(image, force=True)
    except docker.errors.NotFound:
        pass


def bench_notebooks(docker_host: str) -> dict:
    results: dict = {}
    results.update(bench_corpus())
    results.update(bench_reexec(docker_host))
    return results


if __name__ == "__main__":
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    print(json.dumps(bench_notebooks(host), indent=2))

"""Benchmarks of jupyterlab-dockerize; writes bench/results.json and BENCHMARKS.md.

Figures are measured side by side in one run on a shared machine, so compare the
ratios; the absolute milliseconds are kept for context only.

Figures now:
- engine_route_*: GET /jupyterlab-dockerize/engine through a real Jupyter server against
  the real engine, beside the docker SDK asking the same engine directly.
- status_route_*: the server's /api/status while 8 engine probes hang on an engine that
  never answers, beside the same route with nothing hanging (the event loop stays free).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import docker
import requests
from buildkit import bench_buildkit
from capture import bench_capture, ensure_env
from capture_click import bench_capture_click
from imports import bench_imports_ratio
from multiarch import bench_multiarch
from notebooks import bench_notebooks
from realworld import bench_realworld
from rebuild import bench_rebuild

from jupyterlab_dockerize.tests.helpers import SilentEngine

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class JupyterServer:
    """A real `jupyter server` with the extension, on loopback, with a token."""

    def __init__(self, docker_host: str, extra_args: list[str] | None = None) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.root = tempfile.TemporaryDirectory(prefix="dockerize-bench-")
        env = {**os.environ, "DOCKER_HOST": docker_host, "JUPYTER_TOKEN": self.token}
        args = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root.name}",
            *(extra_args or []),
        ]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        self._wait_ready()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.session.get(self.url("api/status"), timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("jupyter server did not start")

    def timed_get(self, path: str, timeout: float = 30) -> tuple[float, int]:
        started = time.perf_counter()
        response = self.session.get(self.url(path), timeout=timeout)
        return (time.perf_counter() - started) * 1000, response.status_code

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.root.cleanup()


def bench_engine_route(docker_host: str, rounds: int) -> dict[str, float]:
    server = JupyterServer(docker_host)
    client = docker.APIClient(base_url=docker_host, version="auto")
    try:
        for _ in range(5):  # warm both paths
            server.timed_get("jupyterlab-dockerize/engine")
            client.version()
        route, sdk = [], []
        for _ in range(rounds):
            elapsed, status = server.timed_get("jupyterlab-dockerize/engine")
            if status != 200:
                raise RuntimeError(f"engine route answered {status}")
            route.append(elapsed)
            started = time.perf_counter()
            client.version()
            sdk.append((time.perf_counter() - started) * 1000)
    finally:
        client.close()
        server.close()
    return {
        "engine_route_p50_ms": round(statistics.median(route), 3),
        "engine_route_p99_ms": round(percentile(route, 0.99), 3),
        "engine_sdk_direct_p50_ms": round(statistics.median(sdk), 3),
        "engine_route_to_sdk_ratio_p50": round(
            statistics.median(route) / statistics.median(sdk), 3
        ),
    }


def bench_event_loop_under_hung_probes(rounds: int, hung: int = 8) -> dict[str, float]:
    engine = SilentEngine()
    server = JupyterServer(f"tcp://127.0.0.1:{engine.port}", ["--Dockerize.engine_timeout=30"])
    try:
        for _ in range(5):
            server.timed_get("api/status")
        idle = [server.timed_get("api/status")[0] for _ in range(rounds)]
        with ThreadPoolExecutor(max_workers=hung) as pool:
            probes = [
                pool.submit(server.timed_get, "jupyterlab-dockerize/engine", 60)
                for _ in range(hung)
            ]
            time.sleep(0.5)
            loaded = [server.timed_get("api/status")[0] for _ in range(rounds)]
            still_hung = sum(not probe.done() for probe in probes)
            engine.close()  # releases the probes
            for probe in probes:
                probe.result()
    finally:
        engine.close()
        server.close()
    if still_hung < hung:
        raise RuntimeError("the hung probes ended before the measurement did")
    return {
        "status_route_idle_p99_ms": round(percentile(idle, 0.99), 3),
        "status_route_with_8_hung_probes_p99_ms": round(percentile(loaded, 0.99), 3),
        "status_route_hung_to_idle_ratio_p99": round(
            percentile(loaded, 0.99) / percentile(idle, 0.99), 3
        ),
    }


def bench_api_during_build(docker_host: str, rounds: int) -> dict[str, float]:
    """The contents API while a build streams thousands of log lines to a following client."""
    server = JupyterServer(docker_host, ["--Dockerize.build_network_mode=host"])
    dockerfile = (
        "FROM python:3.11-slim\n"
        # The random word keeps the engine from reusing the step from a previous run.
        f"RUN echo {secrets.token_hex(8)} && for i in $(seq 1 4000); do "
        'echo "log line $i of a chatty build step"; sleep 0.002; done\n'
    )
    try:
        for _ in range(5):
            server.timed_get("api/contents")
        idle = [server.timed_get("api/contents")[0] for _ in range(rounds)]
        response = server.session.post(
            server.url("jupyterlab-dockerize/builds"),
            json={"name": "bench", "files": {"Dockerfile": dockerfile}, "image": "bench/chatty:1"},
            timeout=30,
        )
        response.raise_for_status()
        job = response.json()["id"]
        offset, during = 0, []
        while True:
            # A UI client following the log, and the light route being timed.
            page = server.session.get(
                server.url(f"jupyterlab-dockerize/builds/{job}/events?offset={offset}"), timeout=30
            ).json()
            offset = page["next"]
            during.append(server.timed_get("api/contents")[0])
            if page["job"]["state"] not in {"queued", "building"}:
                break
        if page["job"]["state"] != "built":
            raise RuntimeError(f"the bench build ended {page['job']['state']}")
        if offset < 4000:
            raise RuntimeError(f"the bench build streamed only {offset} events (cached?)")
    finally:
        server.close()
    return {
        "api_p99_ms_idle": round(percentile(idle, 0.99), 3),
        "api_p99_ms_during_build": round(percentile(during, 0.99), 3),
        "api_p99_during_build_over_idle": round(
            percentile(during, 0.99) / percentile(idle, 0.99), 3
        ),
        "build_events_streamed": offset,
        "api_samples_during_build": len(during),
    }


HARDENING_FIGURES = (
    "hostile_paths_tried",
    "hostile_paths_escaped",
    "hostile_requirements_tried",
    "hostile_requirements_escaped",
    "injection_inputs_tried",
    "injection_instructions_injected",
    "faults_tried",
    "faults_survived",
    "concurrent_builds_lost",
    "secret_leaks_found",
)


def hardening_figures(folder: Path) -> dict[str, float]:
    """The counts the hardening tests wrote as they ran; every expected one must be there."""
    merged: dict[str, float] = {}
    for path in sorted(folder.glob("*.json")):
        for name, value in json.loads(path.read_text()).items():
            merged[name] = merged.get(name, 0) + value
    missing = [name for name in HARDENING_FIGURES if name not in merged]
    if missing:
        raise RuntimeError(f"the hardening tests did not report {', '.join(missing)}")
    return merged


def machine() -> str:
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    return f"{system}, Python {platform.python_version()}"


def write_markdown(results: dict, path: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py) from one run; the raw figures are in",
        "`bench/results.json`. The machines are shared and noisy: read the ratios, and take the",
        "milliseconds as context, not as results.",
        "",
        f"- machine: {results['machine']}",
        f"- date: {results['date']}",
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    for key, value in results.items():
        if key not in {"machine", "date"}:
            lines.append(f"| `{key}` | {'null' if value is None else value} |")
    lines += [
        "",
        "What they mean:",
        "- `engine_route_to_sdk_ratio_p50`: the engine route through a real Jupyter server, over",
        "  the docker SDK asking the same engine directly (HTTP + auth + thread hop overhead).",
        "- `status_route_hung_to_idle_ratio_p99`: `/api/status` while 8 engine probes hang on an",
        "  engine that never answers, over the same route idle; near 1 means the probes never",
        "  block the server's event loop.",
        "- `capture_vs_pip_freeze_speedup`: `python -m pip freeze` over the capture snippet,",
        "  both in the same ≥ 300-distribution environment (target ≥ 20); `capture_ms_300`",
        "  is the capture itself (target < 50 ms), `capture_roundtrip_ms_300` the same through a",
        "  real kernel",
        "  (jupyter_client, silent execute; target < 150 ms).",
        '- `imports_only_package_ratio`: packages kept by "only what the notebook imports" for a',
        '  notebook importing only pandas, over packages kept in "everything installed" mode, in',
        "  that environment (which also has scikit-learn, matplotlib and jupyterlab).",
        "- Hardening (counted by the tests as they run, see scripts/bench.sh):",
        "  `hostile_paths_tried`/`hostile_paths_escaped` (zip and build routes; target ≥ 200",
        "  and 0), `hostile_requirements_tried`/`hostile_requirements_escaped` (requirements",
        "  texts through bundle, pre-flight and build; ≥ 200 and 0: no file from outside the",
        "  root, no build the policy did not allow),",
        "  `injection_inputs_tried`/`injection_instructions_injected` (the generator;",
        "  ≥ 10,000 and 0), `faults_tried`/`faults_survived` (engine, registry, disk, timeout,",
        "  restart), `concurrent_builds_lost` (20 builds at a cap of 2; 0),",
        "  `secret_leaks_found` (places a pushed token could end up; 0).",
        "- `api_p99_ms_during_build`: p99 of `GET /api/contents` while a build streams about",
        "  4,000 log lines to a client following its events (target < 50 ms), beside the same",
        "  route idle (`api_p99_during_build_over_idle`, near 1: the build never blocks the loop).",
        "- Real-world figures (bench/realworld.py, `bench/run.py --only realworld`), on the",
        "  environment of jupyterlab_dockerize/tests/realworld.py (80-odd PyPI distributions, a",
        "  local wheel, a git install, an editable project, kernel `realworld-env`):",
        "  `realworld_dists` (≥ 60); `fidelity_pct` (everything mode, the default choices:",
        "  packages the image reproduces over packages selected; target 100);",
        "  `realworld_build_ok` (1 when the default choices build, verify and run) and",
        "  `realworld_wheelhouse_build_ok` (the same with the offline wheelhouse), both from",
        "  test_realworld_round_trip.py; `realworld_env_build_s` (building that environment).",
        "- `context_rss_growth_mb_1gib`: the Jupyter server's RSS peak over its baseline",
        "  (psutil from outside, every 2 ms) while a build sends a context with a 1 GiB random",
        "  file to the engine (target < 64).",
        "- `preflight_ms_200_cold` / `preflight_ms_200_warm`: the pre-flight of 200 pinned",
        "  requirements, with empty caches (pre-flight cache and pip's HTTP cache), then with",
        "  both as the first run left them; `pip_freeze_ms`: `pip freeze` of the real-world",
        "  venv, for scale.",
        "- `capture_click_to_table_ms_200` (bench/capture_click.py, `bench/run.py --only",
        '  capture-click`): in Chromium through Galata, from the click on "Package this',
        "  notebook\" to the package table's rows painted, for a kernel with 200 PyPI",
        "  distributions (median of several clicks; target < 300 ms), beside the capture's",
        "  kernel round trip alone (`capture_kernel_roundtrip_ms_200`, their ratio",
        "  `capture_click_over_roundtrip_200`) and a silent `pass`",
        "  (`capture_kernel_pass_ms_200`); the `capture_click_*_ms_200` figures cut one click",
        "  into its segments (User Timing marks).",
        "- Notebook figures (bench/notebooks.py, `bench/run.py --only notebooks`):",
        "  `notebook_verdicts_correct_pct` (the corpus of jupyterlab_dockerize/tests/",
        "  notebook_corpus/ re-executed in one image: notebooks whose verdict is the expected",
        "  one; target 100) and `notebook_cells_compared`; `reexec_over_build` (the real-world",
        "  environment's two notebooks re-executed by Verify, the sum of their runs' seconds,",
        "  over the cold build of its image; parts `reexec_build_s`, `reexec_notebooks_s`,",
        "  `reexec_verify_s`, `reexec_cells`): what Verify with notebooks costs beside a build.",
        "- A figure that could not be measured is `null`, with `<figure>_reason` saying why.",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--figures", type=Path, help="folder of counts the hardening tests wrote (scripts/bench.sh)"
    )
    parser.add_argument(
        "--only-figures", action="store_true", help="merge the test figures, measure nothing"
    )
    parser.add_argument(
        "--only",
        choices=[
            "api-during-build",
            "realworld",
            "capture-click",
            "notebooks",
            "buildkit",
            "multiarch",
        ],
        help=(
            "measure this one part and merge it (realworld: the issue 11 figures; "
            "capture-click: click to package table in the browser, bench/capture_click.py; "
            "notebooks: the notebook corpus's verdicts and re-execution over build, "
            "bench/notebooks.py; buildkit: BuildKit cold builds, cache mounts and both platforms, "
            "bench/buildkit.py; multiarch: amd64 + arm64 built, verified and pushed through the "
            "server, bench/multiarch.py)"
        ),
    )
    args = parser.parse_args()
    docker_host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"

    results: dict = {
        "machine": machine(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if args.figures:
        results.update(hardening_figures(args.figures))
    if args.only == "api-during-build":
        results.update(bench_api_during_build(docker_host, args.rounds))
    elif args.only == "realworld":
        results.update(bench_realworld(docker_host, JupyterServer))
    elif args.only == "capture-click":
        results.update(bench_capture_click())
    elif args.only == "notebooks":
        results.update(bench_notebooks(docker_host))
    elif args.only == "buildkit":
        results.update(bench_buildkit(docker_host))
    elif args.only == "multiarch":
        results.update(bench_multiarch(docker_host, JupyterServer))
    elif not args.only_figures:
        results.update(bench_engine_route(docker_host, args.rounds))
        results.update(bench_event_loop_under_hung_probes(args.rounds))
        results.update(bench_api_during_build(docker_host, args.rounds))
        results.update(bench_capture())
        results.update(bench_imports_ratio(ensure_env()[0]))
        results.update(bench_rebuild(docker_host))
        results.update(bench_realworld(docker_host, JupyterServer))
        results.update(bench_notebooks(docker_host))
        results.update(bench_buildkit(docker_host))
        results.update(bench_multiarch(docker_host, JupyterServer))

    out = REPO / "bench" / "results.json"
    existing = json.loads(out.read_text()) if out.exists() else {}
    existing.update(results)  # keep figures other benchmarks wrote
    for name, value in results.items():  # a figure measured now has no reason left
        if value is not None and f"{name}_reason" not in results:
            existing.pop(f"{name}_reason", None)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
    tmp.replace(out)
    write_markdown(existing, REPO / "BENCHMARKS.md")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

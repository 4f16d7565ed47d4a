"""Real-world figures (issue 11): fidelity and the default choices on a real environment, the
server's memory while it sends a 1 GiB build context, and the pre-flight's time.

Figures (a figure that cannot be measured is written as null with ``<name>_reason``):
- realworld_dists, fidelity_pct, realworld_build_ok, realworld_wheelhouse_build_ok: written by
  jupyterlab_dockerize/tests/test_realworld_round_trip.py (run here with a figures folder) on
  the environment of jupyterlab_dockerize/tests/realworld.py; realworld_env_build_s is the
  time that environment's (cached) build took;
- context_rss_growth_mb_1gib: the Jupyter server's RSS (psutil, sampled from outside every
  2 ms) while it sends a build context holding a 1 GiB file of random bytes to the engine, over
  its RSS before the build (peak minus baseline, MB);
- preflight_ms_200_cold / preflight_ms_200_warm: run_preflight (jupyterlab_dockerize/preflight.py)
  for 200 pinned requirements, first with an empty pre-flight cache and pip's HTTP cache in an
  empty folder, then again with both caches as the first run left them; pip_freeze_ms is
  `python -m pip freeze` of the real-world venv (median of 5), for scale.

Run alone: `python bench/realworld.py` (needs DOCKER_HOST for the engine parts).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from figures_from_tests import figures_from_test, unmeasured  # noqa: E402

from jupyterlab_dockerize.tests.realworld import ensure_realworld  # noqa: E402

ROUND_TRIP = "jupyterlab_dockerize/tests/test_realworld_round_trip.py"
ROUND_TRIP_FIGURES = (
    "realworld_dists",
    "fidelity_pct",
    "realworld_build_ok",
    "realworld_wheelhouse_build_ok",
)
GIB = 1 << 30


def bench_round_trip() -> dict:
    """Runs the real-world round trip with a figures folder and reads what it wrote."""
    results: dict = {}
    try:
        results["realworld_env_build_s"] = ensure_realworld().build_s
    except Exception as error:  # noqa: BLE001 - reported as the figure's reason
        reason = f"the real-world environment could not be built: {error}"[:400]
        for name in (*ROUND_TRIP_FIGURES, "realworld_env_build_s"):
            results.update(unmeasured(name, reason))
        return results
    written, reason = figures_from_test(["-x", "--tb=short", ROUND_TRIP], "realworld.json")
    for name in ROUND_TRIP_FIGURES:
        value = written.get(name)
        if value is None:
            results.update(unmeasured(name, f"the round trip stopped before it: {reason}"))
        else:
            results[name] = value
            if reason and not value:  # a build that failed says why
                results[f"{name}_reason"] = reason
    for name in ("realworld_reproduced", "realworld_selected"):
        if name in written:
            results[name] = written[name]
    return results


class RssSampler:
    """Samples a process's RSS from another thread until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return self.process.memory_info().rss

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def write_random_file(path: Path, size: int) -> None:
    chunk = 8 << 20
    with open(path, "wb") as handle:
        for _ in range(size // chunk):
            handle.write(os.urandom(chunk))


def bench_context_rss(docker_host: str, server_class) -> dict:
    """The server's RSS growth while a build sends a context with a 1 GiB file to the engine."""
    name = "context_rss_growth_mb_1gib"
    # The default limit (512 MiB) refuses such a bundle; an administrator can raise it.
    server = server_class(docker_host, [f"--Dockerize.bundle_max_bytes={2 * GIB}"])
    image = f"dockerize-bench/context:{secrets.token_hex(4)}"
    try:
        write_random_file(Path(server.root.name) / "big.bin", GIB)
        # The file travels in the context but no step copies it: the engine receives all of
        # it (the classic builder reads the whole context first) and no 1 GiB layer is kept.
        dockerfile = f"FROM python:3.11-slim\nRUN echo {secrets.token_hex(8)}\n"
        baseline = statistics.median(_rss_samples(server.process.pid, 50))
        with RssSampler(server.process.pid) as sampler:
            started = time.perf_counter()
            response = server.session.post(
                server.url("jupyterlab-dockerize/builds"),
                json={
                    "name": "context",
                    "files": {"Dockerfile": dockerfile},
                    "include": [{"workspacePath": "big.bin", "bundlePath": "data/big.bin"}],
                    "image": image,
                },
                timeout=60,
            )
            if response.status_code != 202:
                return unmeasured(name, f"POST builds answered {response.status_code}: "
                                        f"{response.text[:300]}")  # fmt: skip
            job = response.json()["id"]
            state = _wait_job(server, job, timeout=900)
            elapsed = time.perf_counter() - started
        if state["state"] != "built":
            return unmeasured(name, f"the 1 GiB context build ended {state['state']}: "
                                    f"{state.get('message', '')[:300]}")  # fmt: skip
        return {
            name: round((sampler.peak - baseline) / 2**20, 1),
            "context_1gib_build_s": round(elapsed, 1),
            "context_rss_samples": sampler.samples,
        }
    except Exception as error:  # noqa: BLE001 - reported as the figure's reason
        return unmeasured(name, f"{type(error).__name__}: {error}"[:400])
    finally:
        server.close()
        _remove_image(docker_host, image)


def _rss_samples(pid: int, count: int) -> list[int]:
    import psutil

    process, samples = psutil.Process(pid), []
    for _ in range(count):
        samples.append(process.memory_info().rss)
        time.sleep(0.01)
    return samples


def _wait_job(server, job: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = server.session.get(server.url(f"jupyterlab-dockerize/builds/{job}"), timeout=30)
        body = state.json()
        if body["state"] not in {"queued", "building"}:
            return body
        time.sleep(0.5)
    return {"state": "timed out", "message": f"still building after {timeout:.0f} s"}


def _remove_image(docker_host: str, image: str) -> None:
    import docker

    client = docker.APIClient(base_url=docker_host, version="auto")
    try:
        client.remove_image(image, force=True)
    except docker.errors.NotFound:  # the build did not make it
        return
    finally:
        client.close()


def preflight_requirements(count: int = 200) -> list[dict]:
    """``count`` pins of one consistent environment (the capture bench's 300-package one)."""
    from capture import CONSTRAINTS

    pins = sorted(CONSTRAINTS, key=str.lower)[:count]
    return [{"name": re.split(r"==", pin)[0], "line": pin} for pin in pins]


def bench_preflight(root: Path) -> dict:
    names = ("preflight_ms_200_cold", "preflight_ms_200_warm")
    try:
        from jupyterlab_dockerize.pip_runner import effective_index_config
        from jupyterlab_dockerize.preflight import PreflightCache, run_preflight
    except ImportError as error:
        reason = f"the pre-flight is not there to measure: {error}"
        return {k: v for name in names for k, v in unmeasured(name, reason).items()}
    request = {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}",
        "platform": "linux/amd64",
        "binaryOnly": True,
        "requirements": preflight_requirements(),
    }
    results: dict = {}
    previous = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory(prefix="dockerize-preflight-bench-") as folder:
        # pip runs --isolated (PIP_CACHE_DIR is ignored): its HTTP cache follows XDG_CACHE_HOME.
        os.environ["XDG_CACHE_HOME"] = str(Path(folder) / "xdg")
        cache = PreflightCache(Path(folder) / "preflight")
        try:
            for name in names:
                started = time.perf_counter()
                answer = run_preflight(
                    request, root=root, index=effective_index_config(), cache=cache, timeout=1800
                )
                results[name] = round((time.perf_counter() - started) * 1000, 1)
                statuses: dict[str, int] = {}
                for package in answer["packages"]:
                    statuses[package["status"]] = statuses.get(package["status"], 0) + 1
                results[f"{name}_statuses"] = statuses
                results[f"{name}_cached"] = answer.get("cached")
        except Exception as error:  # noqa: BLE001 - reported as the figure's reason
            for name in names:
                if name not in results:
                    results.update(unmeasured(name, f"{type(error).__name__}: {error}"[:400]))
        finally:
            if previous is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = previous
    return results


def bench_pip_freeze(python: Path, rounds: int = 5) -> dict:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [str(python), "-m", "pip", "--disable-pip-version-check", "freeze"],
            capture_output=True,
            check=True,
        )
        samples.append((time.perf_counter() - started) * 1000)
    return {"pip_freeze_ms": round(statistics.median(samples), 1)}


def bench_realworld(docker_host: str, server_class) -> dict:
    results: dict = {}
    results.update(bench_round_trip())
    results.update(bench_context_rss(docker_host, server_class))
    try:
        env = ensure_realworld()
    except Exception as error:  # noqa: BLE001 - reported as the figures' reason
        reason = f"the real-world environment could not be built: {error}"[:400]
        for name in ("preflight_ms_200_cold", "preflight_ms_200_warm", "pip_freeze_ms"):
            results.update(unmeasured(name, reason))
        return results
    results.update(bench_preflight(env.root))
    results.update(bench_pip_freeze(env.python))
    freeze = results.get("pip_freeze_ms")
    for kind in ("cold", "warm"):
        measured = results.get(f"preflight_ms_200_{kind}")
        if freeze and measured is not None:  # side by side, from the same run
            results[f"preflight_{kind}_over_pip_freeze"] = round(measured / freeze, 4)
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from run import JupyterServer

    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    print(json.dumps(bench_realworld(host, JupyterServer), indent=2))

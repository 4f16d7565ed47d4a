"""The docker command-line client: finding it, its environment, and running it.

BuildKit is reached through the docker CLI (the docker SDK for Python has no BuildKit
client, docker/docker-py#2230), and so is ``docker manifest``. Everything here runs the
CLI with an argument list, never a shell string, in its own process group with a minimal
environment: the configured engine's address and TLS files, the user's HOME (where
``~/.docker`` keeps the buildx plugin, its builders and the registry logins), PATH, and
nothing else of the server's environment.

Blocking: callers run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..cancellation import Cancellation
from ..errors import DockerizeError

if TYPE_CHECKING:
    from ..config import Dockerize
    from ..engine import EngineSettings

#: Where a docker CLI often lives besides PATH (a Jupyter started from a desktop launcher
#: may have a short PATH): Debian/Ubuntu, the static install, Homebrew, Docker Desktop.
KNOWN_LOCATIONS = (
    "/usr/local/bin/docker",
    "/usr/bin/docker",
    "/opt/homebrew/bin/docker",
    "/Applications/Docker.app/Contents/Resources/bin/docker",
)

#: The first client major version whose ``docker build`` needs the buildx plugin for
#: BuildKit (Docker 23 made buildx the builder; without it DOCKER_BUILDKIT=1 refuses).
BUILDX_ONLY_FROM_MAJOR = 23
#: The first client with the integrated BuildKit client (DOCKER_BUILDKIT=1, Docker 18.09).
INTEGRATED_BUILDKIT_FROM = (18, 9)

#: Variables of the server's environment the CLI may see: the engine's address and TLS
#: files, where the CLI keeps its configuration, and the ssh agent for ssh:// engines.
PASSED_VARIABLES = (
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CONFIG",
    "SSH_AUTH_SOCK",
)

#: Seconds a probe of the CLI (``--version``, ``buildx version``) may take.
PROBE_TIMEOUT = 20.0
#: Seconds between asking a cancelled CLI to stop (SIGTERM) and killing its group. The
#: 20.10 client sometimes ignores SIGTERM and SIGINT during a build; killed, it drops its
#: connection and the engine cancels the build all the same (its step's process ends).
KILL_GRACE_SECONDS = 2.0

VERSION = re.compile(r"^Docker version (\d+)\.(\d+)\.(\S+?),?(?:\s|$)")


@dataclass(frozen=True)
class DockerCli:
    #: Absolute path of the docker binary.
    path: str
    #: Client version, e.g. "20.10.24+dfsg1".
    version: str
    #: ``docker buildx version`` works.
    buildx: bool
    #: A client before Docker 23 that builds with BuildKit given DOCKER_BUILDKIT=1.
    integrated_buildkit: bool

    @property
    def builds_with_buildkit(self) -> bool:
        return self.buildx or self.integrated_buildkit

    def describe(self) -> str:
        """One line: which CLI, and how it reaches BuildKit."""
        if self.buildx:
            return f"BuildKit via {self.path} buildx build (docker {self.version})"
        if self.integrated_buildkit:
            return f"BuildKit via DOCKER_BUILDKIT=1 {self.path} build (docker {self.version})"
        return f"docker {self.version} at {self.path} (no BuildKit: buildx is missing)"


_cache: dict[tuple[str, str], DockerCli | None] = {}
_cache_lock = threading.Lock()


def find_docker_cli(config: Dockerize) -> DockerCli | None:
    """The docker CLI to use: ``c.Dockerize.docker_cli`` when set, else the first one on
    PATH (or a known place) that has buildx, else the first with the integrated BuildKit
    client, else the first found at all (still good for ``docker manifest``); None when
    there is none. Probed once per setting and PATH."""
    key = (config.docker_cli, os.environ.get("PATH", ""))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    found = _find(config.docker_cli)
    with _cache_lock:
        _cache[key] = found
    return found


def forget_docker_cli() -> None:
    """Probe again at the next ``find_docker_cli`` (a CLI installed or removed meanwhile)."""
    with _cache_lock:
        _cache.clear()


def _find(setting: str) -> DockerCli | None:
    if setting:
        path = shutil.which(setting) if os.sep not in setting else setting
        return probe_docker_cli(path) if path and os.access(path, os.X_OK) else None
    probed = [cli for cli in map(probe_docker_cli, candidate_paths()) if cli is not None]
    for usable in (
        [cli for cli in probed if cli.buildx],
        [cli for cli in probed if cli.integrated_buildkit],
        probed,
    ):
        if usable:
            return usable[0]
    return None


def candidate_paths() -> list[str]:
    """Every docker executable on PATH, then the known places; one path per real file."""
    paths: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder:
            paths.append(os.path.join(folder, "docker"))
    paths.extend(KNOWN_LOCATIONS)
    seen: set[str] = set()
    found: list[str] = []
    for path in paths:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        found.append(os.path.abspath(path))
    return found


def probe_docker_cli(path: str) -> DockerCli | None:
    """What the docker CLI at ``path`` is; None when it is not a docker CLI (podman's
    ``docker`` shim, a broken file)."""
    env = base_environment()
    version = _output([path, "--version"], env)
    match = VERSION.match(version or "")
    if match is None:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    number = f"{major}.{minor}.{match.group(3)}"
    buildx = _output([path, "buildx", "version"], env) is not None
    integrated = INTEGRATED_BUILDKIT_FROM <= (major, minor) and major < BUILDX_ONLY_FROM_MAJOR
    return DockerCli(
        path=os.path.abspath(path), version=number, buildx=buildx, integrated_buildkit=integrated
    )


def _output(args: list[str], env: Mapping[str, str]) -> str | None:
    """The command's standard output when it succeeds, else None."""
    try:
        done = subprocess.run(  # noqa: S603 - an argument list, no shell
            args,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip()


def base_environment() -> dict[str, str]:
    """PATH, HOME and DOCKER_CONFIG of the server: where the CLI finds its plugins (buildx),
    its builders and its registry logins (``~/.docker``, or DOCKER_CONFIG when set)."""
    env = {"PATH": os.environ.get("PATH") or os.defpath}
    env["HOME"] = os.environ.get("HOME") or str(Path.home())
    if os.environ.get("DOCKER_CONFIG"):
        env["DOCKER_CONFIG"] = os.environ["DOCKER_CONFIG"]
    return env


def cli_environment(
    settings: EngineSettings, *, docker_config: str | None = None
) -> dict[str, str]:
    """A minimal environment for the CLI: PATH, HOME, the configured engine's DOCKER_HOST
    (always set, so the CLI and the docker SDK talk to the same engine whatever the CLI's
    current context) and TLS variables, the ssh agent, and DOCKER_CONFIG (``docker_config``
    when given, such as a temporary folder holding only a credential helper's name; else
    the server's own, if any). Nothing else of the server's environment: no secrets."""
    env = base_environment()
    engine_env = settings.environment()
    for name in PASSED_VARIABLES:
        value = engine_env.get(name)
        if value:
            env[name] = value
    env["DOCKER_HOST"] = settings.host()
    if docker_config is not None:
        env["DOCKER_CONFIG"] = docker_config
    return env


def run_cli(
    cli: DockerCli,
    args: list[str],
    env: Mapping[str, str],
    cancellation: Cancellation,
    on_line: Callable[[str], None],
    *,
    stdin: Iterable[bytes] | None = None,
) -> int:
    """Runs ``docker ARGS`` and returns its exit code; each line it prints (standard output
    and error together) goes to ``on_line`` as it comes.

    The process runs in its own process group (a plugin such as docker-buildx is a child of
    the CLI), and ``cancellation.on_cancel`` ends that group: SIGTERM, then SIGKILL after
    a grace period. ``stdin`` (such as a tar build context) is written from a thread, so a
    CLI that reads slowly never blocks the reading of its output. An error of ``stdin``'s
    producer stops the CLI and is raised here. The caller checks the cancellation after.
    """
    try:
        process = subprocess.Popen(  # noqa: S603 - an argument list, no shell
            [cli.path, *args],
            env=dict(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        # Not the engine's fault: the CLI found at start is gone or no longer runs.
        raise DockerizeError(
            f"The docker CLI at {cli.path} could not be started: {error.strerror or error}.",
            "Check that it is still installed, or set c.Dockerize.docker_cli to a docker that "
            "runs (and restart Jupyter).",
            code="no_docker_cli",
        ) from None
    stopper = _GroupStopper(process)
    cancellation.on_cancel(stopper.stop)
    feeder: _StdinFeeder | None = None
    if stdin is not None:
        feeder = _StdinFeeder(process, stdin, cancellation, on_error=stopper.stop)
        feeder.start()
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        code = process.wait()
    except BaseException:
        stopper.stop()
        process.wait()
        raise
    finally:
        if process.stdout is not None:
            process.stdout.close()
        stopper.done()
        if feeder is not None:
            feeder.join()
    if feeder is not None and feeder.error is not None:
        raise feeder.error
    return code


class _GroupStopper:
    """Ends the CLI's process group once: SIGTERM now (the CLI cancels its build on the
    engine), SIGKILL for whatever remains after ``KILL_GRACE_SECONDS``."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._lock = threading.Lock()
        self._stopped = False
        self._finished = False
        self._timer: threading.Timer | None = None

    def stop(self) -> None:
        with self._lock:
            if self._stopped or self._finished:
                return
            self._stopped = True
            self._signal(signal.SIGTERM)
            self._timer = threading.Timer(KILL_GRACE_SECONDS, self._kill)
            self._timer.daemon = True
            self._timer.start()

    def _kill(self) -> None:
        with self._lock:
            self._signal(signal.SIGKILL)

    def done(self) -> None:
        """The CLI has exited; once stopped, whatever is left of its group is killed now."""
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
                self._signal(signal.SIGKILL)

    def _signal(self, which: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, which)


class _StdinFeeder(threading.Thread):
    """Writes the chunks to the CLI's standard input, then closes it."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        chunks: Iterable[bytes],
        cancellation: Cancellation,
        on_error: Callable[[], None],
    ) -> None:
        super().__init__(name="docker-cli-stdin", daemon=True)
        self._process = process
        self._chunks = chunks
        self._cancellation = cancellation
        self._on_error = on_error
        self.error: BaseException | None = None

    def run(self) -> None:
        stream = self._process.stdin
        assert stream is not None
        try:
            for chunk in self._chunks:
                if self._cancellation.cancelled:
                    break
                stream.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the CLI stopped reading: it exits and says why
        except BaseException as error:  # noqa: BLE001 - raised again by run_cli
            self.error = error
            self._on_error()
        finally:
            with contextlib.suppress(OSError):
                stream.close()

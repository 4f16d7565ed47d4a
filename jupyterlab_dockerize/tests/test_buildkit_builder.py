"""The BuildKit builder through the docker CLI (builders/buildkit_cli.py, docker_cli.py).

The parser and the argument lists are checked against recorded ``--progress=plain`` output
of both styles (Debian's docker 20.10 integrated client, recorded on this machine; buildx,
written from its public output format, since no buildx runs here); the builds, the failing
step, the cancel and the parity with the classic builder run on the harness's real engine
with the CLI found on this machine.
"""

# The recorded output keeps its long lines as the CLI printed them.
# ruff: noqa: E501

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
import time
from pathlib import Path

import pytest

from jupyterlab_dockerize.builders import (
    BuildEvents,
    BuildFailed,
    BuildInput,
    BuildKitCliBuilder,
    EngineApiBuilder,
    builder_status,
    make_builder,
)
from jupyterlab_dockerize.builders.buildkit_cli import (
    PlainProgress,
    buildkit_arguments,
    buildkit_environment,
)
from jupyterlab_dockerize.builders.docker_cli import (
    DockerCli,
    cli_environment,
    find_docker_cli,
    probe_docker_cli,
    run_cli,
)
from jupyterlab_dockerize.bundle import BundleLimits, BundleSpec, plan_bundle
from jupyterlab_dockerize.cancellation import Cancellation, Cancelled
from jupyterlab_dockerize.config import Dockerize
from jupyterlab_dockerize.containers import JOB_LABEL
from jupyterlab_dockerize.engine import EngineSettings
from jupyterlab_dockerize.errors import DockerizeError
from jupyterlab_dockerize.jobs import Job

from .buildjobs import STANDIN
from .conftest import skip_unless_ci
from .helpers import fetch_engine

#: DOCKER_BUILDKIT=1 /usr/bin/docker build (20.10.24) of four steps, one with a cache mount.
RECORDED_2010_OK = """\
#1 [internal] load remote build context
#1 sha256:33acb2d974f8648ed2688bd43130d9689965a027dcb24e42ab23250ede665616
#1 DONE 0.0s

#2 copy /context /
#2 sha256:4c7105d8989af167af87d979373335e8aa0973fc590a711285cec1302c2e3abe
#2 DONE 0.1s

#3 [internal] load metadata for docker.io/library/python:3.11-slim
#3 sha256:fec50dacbb21839eefab803f73dbb4d9623839a8f78459ebb826d917bc361c9b
#3 DONE 0.0s

#4 [stage-0 1/4] FROM docker.io/library/python:3.11-slim
#4 sha256:393f53992145d4e66db06c6fc234cc485994eafdf13c53302514ff86dbc4b283
#4 CACHED

#5 [stage-0 2/4] COPY note.txt /note.txt
#5 sha256:97477d938c3984eb47120974a4fef82064cd81781d76746780f86ed5d64086b3
#5 DONE 0.0s

#6 [stage-0 3/4] RUN echo step-output && cat /note.txt
#6 sha256:a6c0ce3261eb42775134e64fec5991a51a5923120581ecbe72d17c54467ee084
#6 0.143 step-output
#6 0.148 hi
#6 DONE 0.2s

#7 [stage-0 4/4] RUN --mount=type=cache,target=/root/.cache echo cached
#7 sha256:e1017c8cd26c75c8f606d7b98285263be584b9a49cc5fcc01de2660362a62d53
#7 0.115 cached
#7 DONE 0.1s

#8 exporting to image
#8 sha256:e8c613e07b0b7ff33893b694f7759a10d42e180f2b4dc349fb57dc6b71dcab00
#8 exporting layers 0.0s done
#8 writing image sha256:8fc12d677f3fe2ca57d475f2d6248e01941b54168e33feb5d912700c1a8bcffc done
#8 naming to docker.io/dz-rec/ok:1 done
#8 DONE 0.0s
"""

#: The same client, a RUN that exits 3.
RECORDED_2010_FAIL = """\
#1 [internal] load remote build context
#1 sha256:1914af53b0eebeb7089794ff3875fd7f071508a87f7237b71cb2b7b311a5cc1f
#1 DONE 0.0s

#2 copy /context /
#2 sha256:8306f8ce19bf02441d6723f8fe9c039338a674207616478649a6a03ac93da5b8
#2 DONE 0.1s

#3 [internal] load metadata for docker.io/library/python:3.11-slim
#3 sha256:fec50dacbb21839eefab803f73dbb4d9623839a8f78459ebb826d917bc361c9b
#3 DONE 0.0s

#4 [1/2] FROM docker.io/library/python:3.11-slim
#4 sha256:393f53992145d4e66db06c6fc234cc485994eafdf13c53302514ff86dbc4b283
#4 CACHED

#5 [2/2] RUN echo about-to-fail && exit 3
#5 sha256:4cb464485d706872ab134e3f64204c6f48480478614285a147f2c8f7f0a4c1cf
#5 0.056 about-to-fail
#5 ERROR: executor failed running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3
------
 > [2/2] RUN echo about-to-fail && exit 3:
------
executor failed running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3
"""

#: The same client, FROM an image no registry has.
RECORDED_2010_NO_BASE = """\
#1 [internal] load remote build context
#1 sha256:0f4b67fea17cb5981cd92d6d469443b1bdbc0092f5e44b1a2f868ce913de9a66
#1 DONE 0.0s

#2 copy /context /
#2 sha256:18fa672f0d449cfb82ecb69e0ef9d7e8101eb4dc45071c0d1166cdf8ef85fc63
#2 DONE 0.1s

#3 [internal] load metadata for docker.io/dockerize-test/no-such-base:0
#3 sha256:879847e0d14393d302d2a1e3d95a7c471cb5420e353ba7baebe8b00f83938d64
#3 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/dockerize-test/no-such-base/manifests/0": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
------
 > [internal] load metadata for docker.io/dockerize-test/no-such-base:0:
------
failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head "https://registry-1.docker.io/v2/dockerize-test/no-such-base/manifests/0": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
"""

#: buildx's plain output (v0.12 and later) of a two-stage build whose pip step fails while
#: the other stage still runs: written from buildx's public output format (no buildx here).
BUILDX_FAIL = """\
#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 312B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/python:3.11-slim
#2 DONE 0.4s

#3 [internal] load .dockerignore
#3 transferring context: 2B done
#3 DONE 0.0s

#4 [wheels 1/2] FROM docker.io/library/python:3.11-slim@sha256:6ed5bff4d7d377e2a27d9285553b8c21cfccc4f00881de1b24c9bc8d90016e82
#4 resolve docker.io/library/python:3.11-slim@sha256:6ed5bff4d7d377e2a27d9285553b8c21cfccc4f00881de1b24c9bc8d90016e82 done
#4 CACHED

#5 [internal] load build context
#5 transferring context: 1.02kB done
#5 DONE 0.0s

#6 [stage-1  2/3] COPY requirements.txt /tmp/requirements.txt
#6 DONE 0.0s

#7 [wheels 2/2] RUN pip wheel --no-deps -w /wheels six==1.17.0
#7 1.204 Collecting six==1.17.0
#7 ...

#8 [stage-1  3/3] RUN pip install -r /tmp/requirements.txt
#8 0.912 ERROR: Could not find a version that satisfies the requirement pandas==0.0.1 (from versions: none)
#8 0.913 ERROR: No matching distribution found for pandas==0.0.1
#8 ERROR: process "/bin/sh -c pip install -r /tmp/requirements.txt" did not complete successfully: exit code: 1

#7 [wheels 2/2] RUN pip wheel --no-deps -w /wheels six==1.17.0
#7 CANCELED
------
 > [stage-1  3/3] RUN pip install -r /tmp/requirements.txt:
0.912 ERROR: Could not find a version that satisfies the requirement pandas==0.0.1 (from versions: none)
0.913 ERROR: No matching distribution found for pandas==0.0.1
------
Dockerfile:6
--------------------
   4 |     FROM python:3.11-slim
   5 |     COPY requirements.txt /tmp/requirements.txt
   6 | >>> RUN pip install -r /tmp/requirements.txt
--------------------
ERROR: failed to solve: process "/bin/sh -c pip install -r /tmp/requirements.txt" did not complete successfully: exit code: 1
"""

#: buildx's success, with the padded step numbers it prints for ten steps or more.
BUILDX_OK = """\
#0 building with "remote-k8s" instance using kubernetes driver

#1 [internal] load metadata for docker.io/library/python:3.11-slim
#1 DONE 0.3s

#2 [ 1/10] FROM docker.io/library/python:3.11-slim@sha256:6ed5bff4d7d377e2a27d9285553b8c21cfccc4f00881de1b24c9bc8d90016e82
#2 CACHED

#3 [ 2/10] RUN echo two
#3 0.101 two
#3 DONE 0.2s

#4 [10/10] COPY note.txt /note.txt
#4 DONE 0.0s

#5 exporting to docker image format
#5 exporting layers 0.3s done
#5 exporting manifest sha256:1111111111111111111111111111111111111111111111111111111111111111 done
#5 exporting config sha256:2222222222222222222222222222222222222222222222222222222222222222 done
#5 sending tarball 1.2s done
#5 DONE 1.6s

#6 importing to docker
#6 DONE 0.4s
"""


def recorded_job() -> tuple[Job, BuildEvents]:
    job = Job(id="0123456789abcdef", image="dz-buildkit/recorded:1")
    return job, BuildEvents(job)


def feed(progress: PlainProgress, transcript: str) -> None:
    for line in transcript.splitlines():
        progress.feed(line)


def logged(job: Job) -> list[str]:
    return [e["text"] for e in job.events_since(0) if e["kind"] == "log"]


def steps_of(job: Job) -> list[tuple[int, int, str]]:
    return [
        (e["step"], e["steps"], e["instruction"])
        for e in job.events_since(0)
        if e["kind"] == "progress"
    ]


# --- the CLI's arguments and environment ---------------------------------------------------

INTEGRATED = DockerCli("/usr/bin/docker", "20.10.24+dfsg1", buildx=False, integrated_buildkit=True)
BUILDX = DockerCli("/usr/local/bin/docker", "28.2.2", buildx=True, integrated_buildkit=False)


def assembly_of(root: Path, files: dict[str, str]):
    spec = BundleSpec(name="t", files={k: v.encode() for k, v in files.items()}, include=())
    return plan_bundle(root, spec, BundleLimits())


def test_the_integrated_client_builds_a_tar_from_stdin_with_plain_progress(tmp_path):
    what = BuildInput(
        context=assembly_of(tmp_path, {"Dockerfile": "FROM x\n"}),
        image="jane/a:1.0",
        labels={JOB_LABEL: "abc", "org.opencontainers.image.title": "a b"},
        platform="linux/arm64",
    )
    args = buildkit_arguments(INTEGRATED, what, "/tmp/iid", network="host")
    assert args == [
        "build",
        "--progress=plain",
        "--iidfile",
        "/tmp/iid",
        "--tag",
        "jane/a:1.0",
        "--label",
        f"{JOB_LABEL}=abc",
        "--label",
        "org.opencontainers.image.title=a b",
        "--platform",
        "linux/arm64",
        "--network",
        "host",
        "-",
    ]
    env = buildkit_environment(INTEGRATED, {"PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin", "DOCKER_BUILDKIT": "1"}


def test_buildx_loads_into_the_engine_with_the_configured_builder(tmp_path):
    what = BuildInput(
        context=assembly_of(tmp_path, {"Dockerfile": "FROM x\n"}),
        image="jane/a:1.0",
        labels={JOB_LABEL: "abc"},
    )
    args = buildkit_arguments(BUILDX, what, "/tmp/iid", network="host", buildx_builder="k8s")
    assert args == [
        "buildx",
        "build",
        "--progress=plain",
        "--load",
        "--builder",
        "k8s",
        "--iidfile",
        "/tmp/iid",
        "--tag",
        "jane/a:1.0",
        "--label",
        f"{JOB_LABEL}=abc",
        "--network",
        "host",
        "--allow",
        "network.host",
        "-",
    ]
    plain = buildkit_arguments(BUILDX, what, "/tmp/iid", network=None)
    assert plain[:4] == ["buildx", "build", "--progress=plain", "--load"]
    assert "--builder" not in plain and "--network" not in plain and "--platform" not in plain
    assert buildkit_environment(BUILDX, {"PATH": "/usr/bin"}) == {"PATH": "/usr/bin"}


def test_the_cli_sees_the_engine_and_nothing_else_of_the_servers_environment(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-pass")
    monkeypatch.setenv("JUPYTER_TOKEN", "do-not-pass")
    monkeypatch.setenv("DOCKERIZE_TEST_REGISTRY_PASSWORD", "do-not-pass")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/certs")
    monkeypatch.setenv("DOCKER_HOST", "unix:///from/the/environment.sock")
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    settings = EngineSettings(docker_host="tcp://engine.example:2376")
    env = cli_environment(settings)
    assert set(env) == {"PATH", "HOME", "DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"}
    assert env["DOCKER_HOST"] == "tcp://engine.example:2376"
    assert "do-not-pass" not in json.dumps(env)
    # The engine's default when nothing names one: the CLI must not follow its own context.
    monkeypatch.delenv("DOCKER_HOST")
    assert cli_environment(EngineSettings())["DOCKER_HOST"] == EngineSettings().host()
    chosen = cli_environment(settings, docker_config="/tmp/private-config")
    assert chosen["DOCKER_CONFIG"] == "/tmp/private-config"


# --- reading --progress=plain ----------------------------------------------------------------


def test_the_20_10_output_becomes_steps_and_log_lines():
    job, events = recorded_job()
    progress = PlainProgress(events)
    feed(progress, RECORDED_2010_OK)
    assert steps_of(job) == [
        (1, 4, "FROM docker.io/library/python:3.11-slim"),
        (2, 4, "COPY note.txt /note.txt"),
        (3, 4, "RUN echo step-output && cat /note.txt"),
        (4, 4, "RUN --mount=type=cache,target=/root/.cache echo cached"),
    ]
    lines = logged(job)
    assert "Step 3/4 : RUN echo step-output && cat /note.txt" in lines
    assert lines.index("Step 3/4 : RUN echo step-output && cat /note.txt") + 1 == lines.index(
        "#6 [stage-0 3/4] RUN echo step-output && cat /note.txt"
    )
    assert "#6 0.143 step-output" in lines
    # The vertex digests 20.10 prints under each name say nothing to a reader.
    assert not [line for line in lines if line.split(" ", 1)[-1].startswith("sha256:")]
    assert "" not in lines
    assert progress.failed is None
    assert progress.image_id == (
        "sha256:8fc12d677f3fe2ca57d475f2d6248e01941b54168e33feb5d912700c1a8bcffc"
    )


def test_a_failing_step_of_20_10_is_named_with_buildkits_words():
    _job, events = recorded_job()
    progress = PlainProgress(events)
    feed(progress, RECORDED_2010_FAIL)
    failure = progress.failure(1)
    assert failure.message == (
        "The build failed at step 2/2 (RUN echo about-to-fail && exit 3): executor failed "
        "running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3"
    )
    assert failure.hint
    assert progress.failed is not None
    assert list(progress.failed.output) == ["about-to-fail"]


def test_a_missing_base_image_is_named_at_its_from():
    job, events = recorded_job()
    progress = PlainProgress(events)
    feed(progress, RECORDED_2010_NO_BASE)
    failure = progress.failure(1)
    assert failure.message.startswith(
        "The build failed at FROM dockerize-test/no-such-base:0 (the base image): "
    )
    assert failure.message.endswith("lookup registry-1.docker.io on 10.255.255.53:53: no such host")
    assert failure.hint.startswith(
        "BuildKit could not find the base image dockerize-test/no-such-base:0 on the engine nor "
        "get it from its registry"
    )
    assert steps_of(job) == []


def test_buildx_output_of_parallel_stages_names_the_failing_vertex_and_its_output():
    job, events = recorded_job()
    progress = PlainProgress(events)
    feed(progress, BUILDX_FAIL)
    assert [(step, steps) for step, steps, _ in steps_of(job)] == [(1, 2), (2, 3), (2, 2), (3, 3)]
    assert steps_of(job)[-1][2] == "RUN pip install -r /tmp/requirements.txt"
    failure = progress.failure(1)
    assert failure.message.startswith(
        "The build failed at step 3/3 (RUN pip install -r /tmp/requirements.txt): "
        "the index has no release of a package that fits. failed to solve: process "
    )
    assert failure.message.endswith("did not complete successfully: exit code: 1")
    assert "pin another version" in failure.hint
    # The other stage's output and its pause ("...") are not the failing step's.
    assert progress.failed is not None
    assert list(progress.failed.output) == [
        "ERROR: Could not find a version that satisfies the requirement pandas==0.0.1 "
        "(from versions: none)",
        "ERROR: No matching distribution found for pandas==0.0.1",
    ]


def test_buildx_padded_step_numbers_and_its_export_to_the_engine():
    job, events = recorded_job()
    progress = PlainProgress(events)
    feed(progress, BUILDX_OK)
    assert [(step, steps) for step, steps, _ in steps_of(job)] == [(1, 10), (2, 10), (10, 10)]
    assert logged(job)[0] == '#0 building with "remote-k8s" instance using kubernetes driver'
    assert "Step 2/10 : RUN echo two" in logged(job)
    assert progress.failed is None and progress.image_id is None  # the iidfile says it


def test_output_after_no_vertex_fails_with_the_clis_last_words():
    job, events = recorded_job()
    progress = PlainProgress(events)
    progress.feed('ERROR: "docker buildx build" requires exactly 1 argument.')
    failure = progress.failure(1)
    assert failure.message.startswith("The build failed: ")
    assert logged(job) == ['ERROR: "docker buildx build" requires exactly 1 argument.']
    empty = PlainProgress(recorded_job()[1]).failure(125)
    assert empty.message == "The build failed: docker exited with code 125"


# --- finding the CLI and choosing the builder ------------------------------------------------

DEBIAN_DOCKER = "/usr/bin/docker"


def needs_debian_docker() -> None:
    if not os.access(DEBIAN_DOCKER, os.X_OK):
        reason = f"no {DEBIAN_DOCKER} (Debian's docker.io 20.10, the harness's BuildKit client)"
        skip_unless_ci(reason)


def test_a_cli_before_23_has_the_integrated_buildkit_client():
    needs_debian_docker()
    cli = probe_docker_cli(DEBIAN_DOCKER)
    assert cli is not None
    assert cli.version.startswith("20.10.")
    assert cli.integrated_buildkit and cli.builds_with_buildkit
    assert (
        cli.describe()
        == f"BuildKit via DOCKER_BUILDKIT=1 {DEBIAN_DOCKER} build (docker {cli.version})"
    )
    assert probe_docker_cli("/bin/echo") is None  # answers --version, but is no docker
    assert probe_docker_cli("/nonexistent/docker") is None


def test_auto_takes_the_docker_that_runs_buildkit_not_the_first_on_path():
    needs_debian_docker()
    chosen = find_docker_cli(Dockerize())
    assert chosen is not None and chosen.builds_with_buildkit
    assert find_docker_cli(Dockerize()) is chosen  # probed once
    assert isinstance(make_builder(Dockerize()), BuildKitCliBuilder)
    assert builder_status(Dockerize()) == {"name": "buildkit-cli", "detail": chosen.describe()}


def test_the_settings_choose_the_builder(tmp_path):
    assert isinstance(make_builder(Dockerize(builder="engine-api")), EngineApiBuilder)
    assert builder_status(Dockerize(builder="engine-api"))["name"] == "engine-api"
    missing = Dockerize(docker_cli=str(tmp_path / "docker"))
    assert find_docker_cli(missing) is None
    assert isinstance(make_builder(missing), EngineApiBuilder)
    assert builder_status(missing) == {
        "name": "engine-api",
        "detail": "Engine API (classic builder): no docker CLI with BuildKit found",
    }
    forced = Dockerize(builder="buildkit", docker_cli=str(tmp_path / "docker"))
    builder = make_builder(forced)
    assert isinstance(builder, BuildKitCliBuilder)
    assert builder_status(forced)["detail"].startswith("BuildKit was chosen, but it cannot run")
    _job, events = recorded_job()
    what = BuildInput(assembly_of(tmp_path, {"Dockerfile": "FROM x\n"}), "a/b:1", {})
    with pytest.raises(DockerizeError) as raised:
        builder.build(what, events, Cancellation())
    assert raised.value.code == "no_docker_cli"
    assert "c.Dockerize.builder = 'engine-api'" in raised.value.hint


def test_a_podman_engine_is_named_with_its_classic_builder():
    needs_debian_docker()
    status = builder_status(Dockerize(), "Podman Engine")
    assert status["name"] == "engine-api" and "Podman" in status["detail"]
    assert builder_status(Dockerize(builder="buildkit"), "Podman Engine")["name"] == "buildkit-cli"


# --- running the CLI ------------------------------------------------------------------------


def test_a_cli_that_no_longer_runs_is_said_so_not_blamed_on_the_engine(tmp_path):
    gone = DockerCli(str(tmp_path / "docker"), "20.10.24", buildx=False, integrated_buildkit=True)
    with pytest.raises(DockerizeError) as raised:
        run_cli(gone, ["version"], {"PATH": "/usr/bin"}, Cancellation(), lambda _line: None)
    assert raised.value.code == "no_docker_cli"
    assert str(tmp_path / "docker") in raised.value.message


def test_cancel_ends_the_clis_whole_process_group():
    """What a buildx build is: the docker CLI and its docker-buildx plugin, a child process.
    Here a shell stands for the CLI and its child ignores SIGTERM: the kill after the grace
    period ends it too, and the lines printed before come through."""
    seconds = 300 + secrets.randbelow(600)
    shell = DockerCli("/bin/sh", "0", buildx=False, integrated_buildkit=False)
    script = f"sh -c 'trap \"\" TERM; echo child; exec sleep {seconds}' & wait"
    cancellation = Cancellation()
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        threading.Timer(0.2, cancellation.cancel).start()

    started = time.monotonic()
    code = run_cli(shell, ["-c", script], {"PATH": "/usr/bin:/bin"}, cancellation, on_line)
    assert code != 0
    assert lines == ["child"]
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 10
    while processes_mentioning(f"sleep {seconds}"):
        assert time.monotonic() < deadline, "the child outlived the cancel"
        time.sleep(0.1)


# --- real builds on the harness engine -------------------------------------------------------


def processes_mentioning(text: str) -> list[str]:
    """Command lines of this machine's processes that contain ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command and str(os.getpid()) != entry.name:
            found.append(command.strip())
    return found


@pytest.fixture
def buildkit(engine_host):
    needs_debian_docker()
    config = Dockerize(docker_host=engine_host)
    builder = make_builder(config)
    assert isinstance(builder, BuildKitCliBuilder)
    return builder


@pytest.fixture
def image_tags(engine):
    tags: list[str] = []
    yield tags
    for tag in tags:
        try:
            engine.remove_image(tag, force=True)
        except Exception:  # noqa: BLE001 - a build that failed made no image
            pass


@pytest.mark.engine
@pytest.mark.timeout(300)
def test_a_buildkit_build_reports_its_steps_and_labels_the_image(
    buildkit, engine, tmp_path, image_tags
):
    tag = f"dz-buildkit/steps:{secrets.token_hex(4)}"
    image_tags.append(tag)
    marker = secrets.token_hex(6)
    dockerfile = (
        f"FROM {STANDIN}\n"
        "COPY note.txt /note.txt\n"
        f"RUN echo step-output-{marker} && cat /note.txt\n"
        "RUN --mount=type=cache,target=/root/.cache/dz echo cached > /root/.cache/dz/x\n"
    )
    what = BuildInput(
        context=assembly_of(tmp_path, {"Dockerfile": dockerfile, "note.txt": "hi\n"}),
        image=tag,
        labels={JOB_LABEL: "buildkit-steps"},
    )
    job, events = recorded_job()
    image_id = buildkit.build(what, events, Cancellation())
    image = engine.inspect_image(tag)
    assert image["Id"] == image_id and image_id.startswith("sha256:")
    assert image["Config"]["Labels"][JOB_LABEL] == "buildkit-steps"
    assert [(step, what) for step, _, what in steps_of(job)] == [
        (1, f"FROM docker.io/library/{STANDIN}"),
        (2, "COPY note.txt /note.txt"),
        (3, f"RUN echo step-output-{marker} && cat /note.txt"),
        (4, "RUN --mount=type=cache,target=/root/.cache/dz echo cached > /root/.cache/dz/x"),
    ]
    # BuildKit names a step that another build shares (the same FROM, the same COPY after
    # it) as that build numbered it, total included: only this build's own steps are sure.
    assert [steps for _, steps, _ in steps_of(job)][2:] == [4, 4]
    lines = logged(job)
    assert lines[:2] == [
        f"Building with {buildkit.cli.describe()}.",
        "The engine has no bridge network: build steps use the host's network.",
    ]
    assert any(line.startswith("#") and line.endswith(f" step-output-{marker}") for line in lines)
    assert any(line.startswith("#") and line.endswith(" hi") for line in lines)
    # A cache mount is no layer: the image does not hold what the step wrote there.
    probe = "test -e /root/.cache/dz/x && echo kept || echo not-kept"
    container = engine.create_container(tag, ["sh", "-c", probe])
    try:
        engine.start(container)
        engine.wait(container, timeout=60)
        assert engine.logs(container) == b"not-kept\n"
    finally:
        engine.remove_container(container, force=True)


@pytest.mark.engine
@pytest.mark.timeout(300)
def test_a_failing_pip_step_fails_with_its_hint(buildkit, tmp_path, image_tags):
    tag = f"dz-buildkit/fails:{secrets.token_hex(4)}"
    image_tags.append(tag)
    dockerfile = (
        f"FROM {STANDIN}\n"
        "RUN python -m pip install --no-index --disable-pip-version-check "
        "dockerize-no-such-package==1.0\n"
    )
    what = BuildInput(assembly_of(tmp_path, {"Dockerfile": dockerfile}), tag, {})
    job, events = recorded_job()
    with pytest.raises(BuildFailed) as raised:
        buildkit.build(what, events, Cancellation())
    message = raised.value.message
    assert message.startswith(
        "The build failed at step 2/2 (RUN python -m pip install --no-index "
        "--disable-pip-version-check dockerize-no-such-package==1.0): the index has no "
        "release of a package that fits."
    ), message
    assert "exit code: 1" in message
    assert "pin another version" in raised.value.hint
    lines = logged(job)
    assert any("No matching distribution found for dockerize-no-such-package" in x for x in lines)
    assert [e for e in job.events_since(0) if e.get("stream") == "stderr"][-1]["text"] == message


@pytest.mark.engine
@pytest.mark.timeout(300)
def test_cancel_stops_the_build_and_leaves_nothing_behind(buildkit, engine, tmp_path, image_tags):
    tag = f"dz-buildkit/cancel:{secrets.token_hex(4)}"
    image_tags.append(tag)
    seconds = 300 + secrets.randbelow(600)  # `sleep N`: this test's own process
    dockerfile = f"FROM {STANDIN}\nRUN echo started && sleep {seconds}\n"
    what = BuildInput(assembly_of(tmp_path, {"Dockerfile": dockerfile}), tag, {JOB_LABEL: "c"})
    before = {c["Id"] for c in engine.containers(all=True)}
    job, events = recorded_job()
    cancellation = Cancellation()
    outcome: dict[str, BaseException] = {}

    def build() -> None:
        try:
            buildkit.build(what, events, cancellation)
        except BaseException as error:  # noqa: BLE001 - looked at below
            outcome["error"] = error

    worker = threading.Thread(target=build)
    worker.start()
    deadline = time.monotonic() + 120
    while not any(line.endswith(" started") for line in logged(job)):
        assert time.monotonic() < deadline and worker.is_alive(), logged(job)
        time.sleep(0.1)
    assert processes_mentioning(f"sleep {seconds}"), "the step should be running"
    assert processes_mentioning(tag), "the docker CLI should be running"
    cancelled_at = time.monotonic()
    cancellation.cancel("Cancelled by the user.")
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 10
    assert isinstance(outcome.get("error"), Cancelled), outcome
    deadline = time.monotonic() + 20
    while processes_mentioning(f"sleep {seconds}") or processes_mentioning(tag):
        assert time.monotonic() < deadline, processes_mentioning(tag)
        time.sleep(0.2)
    assert not {c["Id"] for c in engine.containers(all=True)} - before
    assert not engine.images(name=tag.split(":")[0])


@pytest.mark.engine
@pytest.mark.timeout(600)
def test_buildkit_and_classic_builders_install_identical_packages(
    buildkit, engine, engine_host, tmp_path, image_tags
):
    """The same Dockerfile and requirements through both builders: pip freeze agrees."""
    requirements = "python-dateutil==2.9.0.post0\npackaging==24.2\n"
    dockerfile = (
        f"FROM {STANDIN}\n"
        "COPY requirements.txt /tmp/requirements.txt\n"
        "RUN python -m pip install --no-cache-dir --disable-pip-version-check "
        "-r /tmp/requirements.txt\n"
    )
    files = {"Dockerfile": dockerfile, "requirements.txt": requirements}
    classic = EngineApiBuilder(Dockerize(docker_host=engine_host))
    freezes = {}
    for builder in (buildkit, classic):
        tag = f"dz-buildkit/parity-{builder.name}:{secrets.token_hex(4)}"
        image_tags.append(tag)
        _job, events = recorded_job()
        what = BuildInput(assembly_of(tmp_path, files), tag, {JOB_LABEL: "parity"})
        image_id = builder.build(what, events, Cancellation())
        freezes[builder.name] = pip_freeze(engine, image_id)
    assert freezes["buildkit-cli"] == freezes["engine-api"]
    assert {"python-dateutil==2.9.0.post0", "packaging==24.2"} <= set(freezes["buildkit-cli"])
    assert any(line.startswith("six==") for line in freezes["buildkit-cli"])


def pip_freeze(engine, image_id: str) -> list[str]:
    container = engine.create_container(
        image_id,
        ["python", "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        host_config=engine.create_host_config(network_mode="host"),
    )
    try:
        engine.start(container)
        assert engine.wait(container, timeout=120)["StatusCode"] == 0
        output = engine.logs(container, stderr=False).decode()
    finally:
        engine.remove_container(container, force=True)
    return sorted(line for line in output.splitlines() if line.strip())


@pytest.mark.engine
@pytest.mark.timeout(120)
def test_a_producer_error_stops_the_cli_and_is_raised(buildkit, tmp_path):
    """A workspace file that vanishes while the context streams fails the build with that
    error, and leaves no docker CLI behind."""
    cli = buildkit.cli
    assert cli is not None
    marker = f"dz-vanished:{secrets.token_hex(4)}"

    def context():
        yield b"\0" * 512
        time.sleep(0.5)
        raise FileNotFoundError("analysis.csv vanished")

    env = buildkit_environment(cli, cli_environment(buildkit.config.engine_settings()))
    with pytest.raises(FileNotFoundError):
        run_cli(
            cli,
            ["build", "--progress=plain", "-t", marker, "-"],
            env,
            Cancellation(),
            lambda _line: None,
            stdin=context(),
        )
    assert not processes_mentioning(marker)


# --- the engine status names the builder -----------------------------------------------------


@pytest.mark.engine
async def test_the_engine_status_names_the_builder(jp_fetch, jp_serverapp, engine_host):
    needs_debian_docker()
    config = jp_serverapp.web_app.settings["jupyterlab_dockerize"]
    code, body = await fetch_engine(jp_fetch)
    assert code == 200, body
    assert body["builder"] == await asyncio.to_thread(builder_status, config, body["product"])
    assert body["builder"]["name"] == "buildkit-cli"
    assert body["builder"]["detail"].startswith("BuildKit via ")
    config.builder = "engine-api"
    code, body = await fetch_engine(jp_fetch)
    assert body["builder"] == {
        "name": "engine-api",
        "detail": "Engine API (classic builder): chosen by c.Dockerize.builder",
    }

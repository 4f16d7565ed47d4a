"""linux/amd64 and linux/arm64 under one tag, through the server's routes, on the real engine
and the real registry.

The harness engine is amd64; arm64 builds and runs under QEMU (binfmt_misc), with the arm64
``python:3.11-slim`` from the harness's hub mirror (``DOCKERIZE_TEST_ARM64=1`` in
.harness/env once it is there). Builds go through the BuildKit builder (the classic builder
cannot build a foreign platform here: it never pulls). Under CI=true nothing here is
skipped: a missing arm64 base fails.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from jupyterlab_dockerize import contracts
from jupyterlab_dockerize.builders.docker_cli import find_docker_cli
from jupyterlab_dockerize.bundle import BundleLimits
from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.config import Dockerize
from jupyterlab_dockerize.containers import JOB_LABEL
from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.jobs import Job
from jupyterlab_dockerize.manifest_list import (
    ManifestListFailed,
    PlatformDigest,
    _cli_config,
    push_manifest_list,
)
from jupyterlab_dockerize.platforms import build_order, platform_image
from jupyterlab_dockerize.push import PushFailed, parse_push_target, run_platforms_push

from .buildjobs import all_events, call, engine_server_config, log_text, wait_for
from .conftest import skip_unless_ci
from .figures import Figures

pytestmark = pytest.mark.engine

docker = pytest.importorskip("docker")

STANDIN = "python:3.11-slim"
BOTH = ["linux/arm64", "linux/amd64"]  # the engine's own is built first whatever the order
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
#: The arm64 stand-in's Python (Debian 12's), so the wheelhouse fits the image exactly.
IMAGE_PYTHON = "3.11.2"
CLI = shutil.which("docker") or "/usr/bin/docker"
LIMITS = BundleLimits(max_bytes=10**8, max_request_bytes=10**7)

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "a1",
            "metadata": {},
            "outputs": [],
            "source": ["from dateutil import parser\n", "parser.parse('2024-05-06').year"],
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def request_body(**fields) -> bytes:
    return json.dumps({"files": {"Dockerfile": "FROM x\n"}, "image": "jane/a:1", **fields}).encode()


# --- the contract (no engine) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"platforms": []}, "'platforms' must name 1 to 2 platforms"),
        (
            {"platforms": ["linux/amd64", "linux/arm64", "linux/amd64"]},
            "'platforms' must name 1 to 2 platforms",
        ),
        ({"platforms": ["linux/arm64", "linux/arm64"]}, "names a platform twice"),
        ({"platforms": ["linux/s390x"]}, "may name only linux/amd64, linux/arm64"),
        (
            {"platform": "linux/amd64", "platforms": ["linux/arm64"]},
            "Send 'platforms' or the older 'platform', not both",
        ),
        ({"platforms": "linux/arm64"}, "platforms must be a list or null"),
        ({"platforms": [64]}, r"platforms\[0\] must be a string"),
    ],
)
def test_the_contract_refuses_bad_platforms(fields, message):
    with pytest.raises(BadRequest, match=message):
        contracts.parse_build_request(request_body(**fields), LIMITS)


def test_the_contract_takes_platforms_and_the_older_platform():
    both = contracts.parse_build_request(request_body(platforms=BOTH), LIMITS)
    assert both.platforms == ("linux/arm64", "linux/amd64") and both.platform is None
    one = contracts.parse_build_request(request_body(platforms=["linux/arm64"]), LIMITS)
    assert one.platforms == ("linux/arm64",) and one.platform == "linux/arm64"
    older = contracts.parse_build_request(request_body(platform="linux/arm64"), LIMITS)
    assert older.platforms == ("linux/arm64",)
    assert contracts.parse_build_request(request_body(), LIMITS).platforms is None
    assert contracts.parse_build_request(request_body(platforms=None), LIMITS).platforms is None


def test_the_engines_platform_is_built_first_and_the_others_get_their_own_tag():
    assert build_order(BOTH, "linux/amd64") == ["linux/amd64", "linux/arm64"]
    assert build_order(BOTH, "linux/arm64") == ["linux/arm64", "linux/amd64"]
    assert build_order(["linux/arm64"], "linux/amd64") == ["linux/arm64"]
    assert build_order(BOTH, None) == BOTH
    assert platform_image("jane/a:1.0", "linux/arm64") == "jane/a:1.0-linux-arm64"


# --- real builds --------------------------------------------------------------------------


@pytest.fixture
def arm64_base(engine):
    """The arm64 python:3.11-slim reachable through the harness's hub mirror."""
    if os.environ.get("DOCKERIZE_TEST_ARM64") != "1":
        reason = (
            "DOCKERIZE_TEST_ARM64 is not 1: the harness has no arm64 python:3.11-slim in its "
            "hub mirror yet (scripts/harness/multiarch-base.sh); source .harness/env again"
        )
        print(f"\n!!! SKIPPED: {reason} !!!")
        skip_unless_ci(reason)
    engine.inspect_image(STANDIN)  # the amd64 one, local


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, builder="buildkit", max_concurrent_builds=1)


def job_images(engine, job_id: str) -> list[dict]:
    return engine.images(all=True, filters={"label": f"{JOB_LABEL}={job_id}"})


def remove_quietly(engine, *references: str) -> None:
    for reference in references:
        try:
            engine.remove_image(reference, force=True)
        except docker.errors.APIError:
            pass


def read_index(address: str, user: str, password: str, path: str, tag: str) -> tuple[dict, str]:
    """The manifest list under ``tag``, read back from the registry, and its digest."""
    request = urllib.request.Request(
        f"http://{address}/v2/{path}/manifests/{tag}",
        headers={
            "Accept": ", ".join(INDEX_TYPES),
            "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), response.headers["Docker-Content-Digest"]


def docker_cli(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout.strip()


def files_holding(folder: Path, secret: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and secret.encode() in path.read_bytes():
            found.append(str(path))
    return found


@pytest.mark.timeout(3600)
async def test_two_platforms_build_push_pull_run_and_verify(
    jp_fetch, jp_root_dir, engine, engine_host, arm64_base, registry, state_dir
):
    address, user, password = registry
    name = f"dockerize-test/multi-{uuid.uuid4().hex[:8]}"
    image = f"{name}:1"
    target_path = f"dockerize/multi-{uuid.uuid4().hex[:8]}"
    target = f"{address}/{target_path}:1"
    (jp_root_dir / "dates.ipynb").write_text(json.dumps(NOTEBOOK))
    dockerfile = (
        f"FROM {STANDIN}\n"
        "RUN useradd --create-home --uid 1000 --user-group jovyan\n"
        "WORKDIR /opt/bundle\n"
        'COPY ["wheelhouse/", "wheelhouse/"]\n'
        "RUN pip install --no-cache-dir --no-index --find-links=wheelhouse --require-hashes "
        "-r wheelhouse/requirements.lock\n"
        "ENV JUPYTER_PORT=8888\nEXPOSE 8888\nWORKDIR /notebooks\n"
        'COPY --chown=1000:1000 ["notebooks/", "/notebooks/"]\n'
        'VOLUME ["/data", "/notebooks"]\nUSER 1000\n'
        'CMD ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]\n'
    )
    body = {
        "name": "multi",
        "files": {"Dockerfile": dockerfile, "requirements.txt": "python-dateutil==2.9.0.post0\n"},
        "include": [{"workspacePath": "dates.ipynb", "bundlePath": "notebooks/dates.ipynb"}],
        "image": image,
        "platforms": BOTH,
        "wheelhouse": {
            "python": IMAGE_PYTHON,
            "platform": "linux/amd64",  # replaced by each platform's
            "requirements": "requirements.txt",
            "extra": ["jupyterlab==4.6.6"],
        },
    }
    references = [image, platform_image(image, "linux/arm64"), target]
    try:
        status, job = await call(jp_fetch, method="POST", body=body)
        assert status == 202, job
        started = time.monotonic()
        built = await wait_for(jp_fetch, job["id"], {"built", "failed"}, timeout=1500)
        build_seconds = time.monotonic() - started
        events = await all_events(jp_fetch, job["id"])
        assert built["state"] == "built", (built["message"], log_text(events)[-4000:])

        # One image a platform: the engine's own first, with the job's tag.
        assert [(p["platform"], p["image"], p["emulated"]) for p in built["platforms"]] == [
            ("linux/amd64", image, False),
            ("linux/arm64", f"{image}-linux-arm64", True),
        ]
        assert built["imageId"] == built["platforms"][0]["imageId"]
        for entry, arch in zip(built["platforms"], ("amd64", "arm64"), strict=True):
            inspected = engine.inspect_image(entry["image"])
            assert inspected["Id"] == entry["imageId"]
            assert inspected["Architecture"] == arch

        # Events: each build event names its platform; a line starts each platform; each
        # platform had its own wheelhouse.
        build_events = [e for e in events if e["phase"] == "build" and e["kind"] != "phase"]
        assert {e.get("platform") for e in build_events} == {"linux/amd64", "linux/arm64"}
        lines = [e["text"] for e in build_events if e["kind"] == "log"]
        assert "Building for linux/amd64" in lines
        assert "Building for linux/arm64 (emulated through QEMU)" in lines
        assert lines.index("Building for linux/amd64") < lines.index(
            "Building for linux/arm64 (emulated through QEMU)"
        )
        for platform in ("linux/amd64", "linux/arm64"):
            said = [
                e["text"]
                for e in build_events
                if e["kind"] == "log" and e.get("platform") == platform
            ]
            assert f"Downloading wheels for Python {IMAGE_PYTHON} ({platform})." in said
            assert any(
                e.get("platform") == platform for e in build_events if e["kind"] == "progress"
            )

        # Push: each platform's image, then one manifest list under the tag.
        status, pushing = await call(
            jp_fetch,
            built["id"],
            "push",
            method="POST",
            body={"target": target, "auth": {"username": user, "token": password}},
        )
        assert status == 202, pushing
        pushed = await wait_for(jp_fetch, job["id"], {"pushed", "failed"}, timeout=900)
        events = await all_events(jp_fetch, job["id"])
        assert pushed["state"] == "pushed", (pushed["message"], log_text(events, "push")[-3000:])
        result = pushed["pushed"]
        assert result["reference"] == target
        assert pushed["message"] == (
            f"Pushed {target} for linux/amd64 and linux/arm64 (one manifest list)."
        )
        by_platform = {item["platform"]: item["digest"] for item in result["platforms"]}
        assert set(by_platform) == {"linux/amd64", "linux/arm64"}

        index, index_digest = read_index(address, user, password, target_path, "1")
        assert index["mediaType"] in INDEX_TYPES
        assert index_digest == result["digest"]
        listed = {
            f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
            for m in index["manifests"]
        }
        assert listed == by_platform

        # Nothing of the credentials in a file: the state folder, the temporary folders.
        assert files_holding(state_dir, password) == []
        leftovers = list(Path(tempfile.gettempdir()).glob("dockerize-manifest-*"))
        assert leftovers == [] or all(files_holding(p, password) == [] for p in leftovers)
        assert password not in json.dumps(pushed) and password not in json.dumps(events)

        # docker pull --platform of each, through the docker CLI (credentials from the same
        # in-memory helper), and a run of each: arm64 under emulation.
        with _cli_config({"username": user, "password": password}, address) as (
            config_dir,
            secret_env,
        ):
            assert config_dir is not None
            env = {
                "PATH": f"{config_dir}:{os.environ['PATH']}",
                "HOME": os.environ.get("HOME", "/root"),
                "DOCKER_HOST": engine_host,
                "DOCKER_CONFIG": config_dir,
                **secret_env,
            }
            for entry, machine in zip(built["platforms"], ("x86_64", "aarch64"), strict=True):
                platform = entry["platform"]
                docker_cli(["pull", "--platform", platform, target], env)
                pulled = engine.inspect_image(target)
                assert pulled["Architecture"] == platform.split("/")[1]
                assert pulled["Id"] == entry["imageId"]
                ran = docker_cli(
                    ["run", "--rm", "--platform", platform, "--network", "none", target,
                     "uname", "-m"],
                    env,
                )  # fmt: skip
                assert ran == machine
            assert files_holding(Path(config_dir), password) == []

        # Verify: every platform; the emulated one with longer limits.
        status, verifying = await call(jp_fetch, job["id"], "verify", method="POST", body={})
        assert status == 202, verifying
        verified = await wait_for(jp_fetch, job["id"], {"verified", "pushed"}, timeout=1500)
        events = await all_events(jp_fetch, job["id"])
        assert verified["state"] == "verified", (
            verified["message"],
            log_text(events, "verify")[-4000:],
        )
        verification = verified["verification"]
        arm = verification["byPlatform"]["linux/arm64"]
        for one, machine in ((verification, "x86_64"), (arm, "aarch64")):
            assert one["ok"] is True
            assert one["jupyter"] == {
                "answered": True,
                "refusedWithoutToken": True,
                "refusedWrongToken": True,
            }
            assert one["snapshot"]["platform"]["machine"] == machine
            names = {d["name"].lower() for d in one["snapshot"]["distributions"]}
            assert {"python-dateutil", "jupyterlab"} <= names
            [run] = one["notebooks"]
            assert run["status"] == "completed", run
        verify_lines = log_text(events, "verify")
        assert "Verifying linux/arm64 (emulated through QEMU: time limits 5 times longer)" in (
            verify_lines
        )
        assert "linux/arm64: verified" in verified["message"]
        Figures("multiplatform").set(
            multiarch_platforms_pushed=len(listed),
            arm64_verified=1,
            multiarch_build_seconds=round(build_seconds, 1),
        )
    finally:
        remove_quietly(engine, *references)


@pytest.mark.timeout(900)
async def test_an_emulated_program_that_cannot_run_says_how_to_enable_emulation(
    jp_fetch, engine, arm64_base
):
    """A file no emulator is registered for, run in an arm64 build, fails as a missing
    emulator does ("exec format error"): the job says how to enable emulation."""
    dockerfile = (
        f"FROM {STANDIN}\n"
        "RUN python3 -c \"import os; open('/unknown-cpu', 'wb').write(b'\\x7fELF\\x02\\x01\\x01' "
        "+ bytes(9) + b'\\x02\\x00\\xef\\xbe' + bytes(48)); os.chmod('/unknown-cpu', 0o755); "
        "os.execv('/unknown-cpu', ['/unknown-cpu'])\"\n"
    )
    image = f"dockerize-test/no-emulator-{uuid.uuid4().hex[:8]}:1"
    try:
        status, job = await call(
            jp_fetch,
            method="POST",
            body={
                "files": {"Dockerfile": dockerfile},
                "image": image,
                "platforms": ["linux/arm64"],
            },
        )
        assert status == 202, job
        failed = await wait_for(jp_fetch, job["id"], {"built", "failed"}, timeout=600)
        events = await all_events(jp_fetch, job["id"])
        assert failed["state"] == "failed", log_text(events)[-3000:]
        error = failed["error"]
        assert error["code"] == "emulation_unavailable", error
        assert "linux/arm64" in error["message"]
        assert "Use Rosetta/QEMU" in error["hint"]
        assert "qemu-user-static binfmt-support" in error["hint"]
        assert "tonistiigi/binfmt --install arm64" in error["hint"]
        assert "Building for linux/arm64 (emulated through QEMU)" in log_text(events)
    finally:
        remove_quietly(engine, image)


@pytest.mark.timeout(900)
async def test_cancel_of_a_two_platform_build_leaves_nothing_behind(jp_fetch, engine, arm64_base):
    """The amd64 image is built, the arm64 build is cancelled mid-step: no image of the
    job, no container, no docker CLI still running."""
    dockerfile = (
        f"FROM {STANDIN}\n"
        f'RUN echo {uuid.uuid4().hex} && if [ "$(uname -m)" = aarch64 ]; then '
        "echo slow-step-started; sleep 600; fi\n"
    )
    image = f"dockerize-test/cancel-multi-{uuid.uuid4().hex[:8]}:1"
    try:
        status, job = await call(
            jp_fetch,
            method="POST",
            body={"files": {"Dockerfile": dockerfile}, "image": image, "platforms": BOTH},
        )
        assert status == 202, job
        deadline = time.monotonic() + 600
        while True:
            events = await all_events(jp_fetch, job["id"])
            if any(
                "slow-step-started" in e.get("text", "") and e.get("platform") == "linux/arm64"
                for e in events
            ):
                break
            status, now = await call(jp_fetch, job["id"])
            assert now["state"] in {"queued", "building"}, (now, log_text(events)[-3000:])
            assert time.monotonic() < deadline, log_text(events)[-3000:]
            await asyncio.sleep(0.2)
        assert job_images(engine, job["id"]), "the amd64 image should be built by now"
        status, _ = await call(jp_fetch, job["id"], method="DELETE")
        assert status == 202
        cancelled = await wait_for(jp_fetch, job["id"], {"cancelled", "failed", "built"}, 120)
        assert cancelled["state"] == "cancelled", cancelled
        assert cancelled["platforms"] == [] and cancelled["imageId"] is None
        deadline = time.monotonic() + 30
        while job_images(engine, job["id"]) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert job_images(engine, job["id"]) == []
        for reference in (image, platform_image(image, "linux/arm64")):
            with pytest.raises(docker.errors.ImageNotFound):
                engine.inspect_image(reference)
        assert engine.containers(all=True, filters={"label": f"{JOB_LABEL}={job['id']}"}) == []
        running = subprocess.run(
            ["ps", "-eo", "args"], capture_output=True, text=True, check=True
        ).stdout
        assert image not in running
    finally:
        remove_quietly(engine, image, platform_image(image, "linux/arm64"))


# --- the manifest list's credentials and failures ------------------------------------------


def test_the_credential_helper_answers_from_its_environment_and_no_file_holds_the_secret():
    secret = f"s3cret-{uuid.uuid4().hex}"
    auth = {"username": "jane", "password": secret}
    with _cli_config(auth, "127.0.0.1:5000") as (config_dir, secret_env):
        assert config_dir is not None
        folder = Path(config_dir)
        assert files_holding(folder, secret) == []
        assert json.loads((folder / "config.json").read_text()) == {
            "credHelpers": {"127.0.0.1:5000": "dockerize"}
        }
        helper = str(folder / "docker-credential-dockerize")
        env = {"PATH": os.environ["PATH"], **secret_env}
        asked = subprocess.run(
            [helper, "get"], input="127.0.0.1:5000\n", env=env, capture_output=True, text=True
        )
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout) == {
            "ServerURL": "127.0.0.1:5000",
            "Username": "jane",
            "Secret": secret,
        }
        other = subprocess.run(
            [helper, "get"], input="ghcr.io\n", env=env, capture_output=True, text=True
        )
        assert other.returncode == 1 and secret not in other.stdout
        without = subprocess.run(
            [helper, "get"], input="127.0.0.1:5000\n", env={"PATH": os.environ["PATH"]},
            capture_output=True, text=True,
        )  # fmt: skip
        assert without.returncode != 0 and secret not in without.stdout
    assert not folder.exists()
    with _cli_config(None, "127.0.0.1:5000") as (config_dir, secret_env):
        assert (config_dir, secret_env) == (None, {})


def test_several_platforms_without_a_docker_cli_are_refused_before_any_push():
    job = Job(id="j1", image="jane/a:1")
    job.image_id = "sha256:" + "1" * 64
    job.platforms = [
        {"platform": "linux/amd64", "image": "jane/a:1", "imageId": job.image_id},
        {"platform": "linux/arm64", "image": "jane/a:1-linux-arm64", "imageId": "sha256:2"},
    ]
    config = Dockerize(docker_cli="/nonexistent/docker")
    with pytest.raises(PushFailed) as raised:
        run_platforms_push(
            None, job, parse_push_target("jane/a:1"), Cancellation(), None, config=config
        )  # type: ignore[arg-type]
    assert raised.value.code == "no_docker_cli"
    assert "docker manifest" in raised.value.message


def test_a_manifest_list_of_images_the_registry_lacks_fails_with_the_clis_words(registry):
    address, user, password = registry
    cli = find_docker_cli(Dockerize())
    if cli is None:
        skip_unless_ci("no docker CLI")
    lines: list[str] = []
    with pytest.raises(ManifestListFailed) as raised:
        push_manifest_list(
            cli,
            Dockerize().engine_settings(),
            f"{address}/dockerize/no-such-{uuid.uuid4().hex[:8]}",
            "1",
            address,
            [PlatformDigest("linux/amd64", "sha256:" + "0" * 64)],
            auth={"username": user, "password": password},
            insecure=True,
            cancellation=Cancellation(),
            log=lines.append,
        )
    assert "Making the manifest list" in raised.value.message
    assert "no such manifest" in raised.value.message
    assert password not in "\n".join(lines) + raised.value.message

"""A failed build step is said as what its output shows (issue 11, point 14): a network failure
is a network failure, never "a package version that does not exist".

The texts below are real outputs of pip 26.3 and uv 0.13.9 (captured on this machine against
an unresolvable host, a closed port, a silent port, a network namespace without routes and
PyPI), and of Debian 12's pip 23.0.1 inside a build. Real pip runs here too, and real builds on
the harness engine with no network.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from jupyterlab_dockerize.build_hints import BUILD_FAILURES, classify_build_output
from jupyterlab_dockerize.builders import BuildFailed, build_failure

from .buildjobs import STANDIN, all_events, engine_server_config, log_text, start_build, wait_for

NO_MATCH = (
    "ERROR: Could not find a version that satisfies the requirement requests==2.31.0 "
    "(from versions: none)\nERROR: No matching distribution found for requests==2.31.0"
)

REAL_OUTPUTS = {
    # --- the network: pip ends with "No matching distribution" there too ---------------
    "pip-dns-temporary": (
        "network",
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NameResolutionError(\"HTTPSConnection(host='pypi.org', "
        "port=443): Failed to resolve 'pypi.org' ([Errno -3] Temporary failure in name "
        "resolution)\")': /simple/requests/\n" + NO_MATCH,
    ),
    "pip-dns-unknown-host": (
        "network",
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NameResolutionError(\"HTTPSConnection(host='nonexistent."
        "invalid', port=443): Failed to resolve 'nonexistent.invalid' ([Errno -2] Name or "
        "service not known)\")': /simple/requests/\n" + NO_MATCH,
    ),
    "pip-refused": (
        "network",
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NewConnectionError(\"HTTPConnection(host='127.0.0.1', "
        "port=9): Failed to establish a new connection: [Errno 111] Connection refused\")': "
        "/simple/requests/\n" + NO_MATCH,
    ),
    "pip-unreachable": (
        "network",
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NewConnectionError(\"HTTPConnection(host='10.1.2.3', "
        "port=80): Failed to establish a new connection: [Errno 101] Network is "
        "unreachable\")': /simple/requests/\n" + NO_MATCH,
    ),
    "pip-read-timeout": (
        "network",
        " WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, "
        "status=None)) after connection broken by 'ReadTimeoutError(\"HTTPConnectionPool("
        "host='127.0.0.1', port=48199): Read timed out. (read timeout=2.0)\")': "
        "/simple/requests/\n" + NO_MATCH,
    ),
    "debian-pip-23-dns": (
        "network",
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection."
        "HTTPSConnection object at 0x7f2b1c0b5d50>: Failed to establish a new connection: "
        "[Errno -3] Temporary failure in name resolution')': /simple/pandas/\n"
        "ERROR: Could not find a version that satisfies the requirement pandas==2.2.3 (from "
        "versions: none)\nERROR: No matching distribution found for pandas==2.2.3",
    ),
    "uv-dns-unknown-host": (
        "network",
        "error: Failed to fetch: https://nonexistent.invalid/simple/requests/\n"
        "  cause: error sending request for url (https://nonexistent.invalid/simple/requests/)\n"
        "  cause: client error (Connect)\n  cause: dns error\n  cause: error resolving DNS\n"
        "  cause: failed to lookup address information: Name or service not known",
    ),
    "uv-dns-temporary": (
        "network",
        "  cause: error sending request for url (https://pypi.org/simple/requests/)\n"
        "  cause: client error (Connect)\n  cause: dns error\n  cause: error resolving DNS\n"
        "  cause: failed to lookup address information: Temporary failure in name resolution",
    ),
    "uv-refused": (
        "network",
        "error: Failed to fetch: http://127.0.0.1:9/simple/requests/\n"
        "  cause: error sending request for url (http://127.0.0.1:9/simple/requests/)\n"
        "  cause: client error (Connect)\n  cause: tcp connect error\n"
        "  cause: Connection refused (os error 111)",
    ),
    "uv-unreachable": (
        "network",
        "  cause: Failed to fetch: http://10.1.2.3/simple/requests/\n"
        "  cause: error sending request for url (http://10.1.2.3/simple/requests/)\n"
        "  cause: client error (Connect)\n  cause: tcp connect error\n"
        "  cause: Network is unreachable (os error 101)",
    ),
    "uv-timeout": (
        "network",
        "error: Request failed after 3 retries in 23.1s\n"
        "  cause: Failed to fetch: http://127.0.0.1:48199/simple/requests/\n"
        "  cause: error sending request for url (http://127.0.0.1:48199/simple/requests/)\n"
        "  cause: operation timed out",
    ),
    "apt-get-dns": (
        "network",
        "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary "
        "failure resolving 'deb.debian.org'",
    ),
    # --- what is a package's business ----------------------------------------------------
    "pip-missing-version": (
        "missing_version",
        "ERROR: Ignored the following yanked versions: 2.32.0, 2.32.1\nERROR: Could not find a "
        "version that satisfies the requirement requests==0.0.999 (from versions: 0.2.0, "
        "2.31.0, 2.32.2)\nERROR: No matching distribution found for requests==0.0.999",
    ),
    "uv-missing-version": (
        "missing_version",
        "error: No solution found when resolving dependencies\n  cause: Because there is no "
        "version of requests==0.0.999 and you require requests==0.0.999, we can conclude that "
        "your requirements are unsatisfiable.",
    ),
    "pip-requires-python": (
        "python_version",
        "ERROR: Ignored the following versions that require a different python version: "
        "4.1.3 Requires-Python >=3.11.5\nERROR: Could not find a version that satisfies the "
        "requirement soupsieve==4.1.3 (from versions: 2.5, 2.6)\n"
        "ERROR: No matching distribution found for soupsieve==4.1.3",
    ),
    "pip-no-compiler": (
        "compile",
        "      building 'psutil._psutil_linux' extension\n      error: command 'gcc' failed: "
        "No such file or directory\n      [end of output]\n  ERROR: Failed building wheel "
        "for psutil\nERROR: Failed to build installable wheels for some pyproject.toml based "
        "projects (psutil)",
    ),
    "pip-hashes": (
        "hashes",
        "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have "
        "updated the package versions, please update the hashes.",
    ),
    "disk-full": ("disk", "head: error writing 'standard output': No space left on device"),
    "tls-inspecting-proxy": (
        "tls",
        "Could not fetch URL https://pypi.org/simple/pandas/: There was a problem confirming "
        "the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries "
        "exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed')))",
    ),
    "a-plain-failure": (None, "about-to-fail"),
}


@pytest.mark.parametrize("name", sorted(REAL_OUTPUTS))
def test_real_outputs_are_classified(name):
    expected, text = REAL_OUTPUTS[name]
    kind = classify_build_output(text)
    assert (kind.name if kind else None) == expected


@pytest.mark.parametrize("name", sorted(n for n, (k, _) in REAL_OUTPUTS.items() if k == "network"))
def test_a_network_failure_is_never_blamed_on_a_package(name):
    failure = build_failure(
        "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1",
        {"step": 5, "steps": 9, "instruction": "RUN pip install -r requirements.txt"},
        REAL_OUTPUTS[name][1],
    )
    assert isinstance(failure, BuildFailed) and failure.code == "build_failed"
    assert "could not reach the network" in failure.message
    assert "at step 5/9 (RUN pip install -r requirements.txt)" in failure.message
    assert "returned a non-zero code: 1" in failure.message
    assert "c.Dockerize.build_network_mode" in failure.hint
    assert "Offline wheelhouse" in failure.hint and "proxy" in failure.hint
    assert "version" not in failure.hint.lower()


def test_an_unexplained_failure_keeps_the_engines_words_and_a_neutral_hint():
    failure = build_failure("returned a non-zero code: 3", {}, "about-to-fail")
    assert failure.message == "The build failed: returned a non-zero code: 3"
    assert "does not exist" not in failure.hint


def test_every_kind_has_words_and_a_hint():
    names = [kind.name for kind in BUILD_FAILURES]
    assert len(names) == len(set(names))
    assert names.index("network") < names.index("missing_version")  # pip says both
    for kind in BUILD_FAILURES:
        assert kind.what and kind.hint.endswith(".")


PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps"]
PIP_DOWNLOAD += ["--retries", "1", "--timeout", "2", "--disable-pip-version-check"]


def pip_download(*args: str) -> str:
    run = subprocess.run(
        [*PIP_DOWNLOAD, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    return run.stdout + run.stderr


def test_live_pip_against_a_closed_port_is_a_network_failure(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends
    output = pip_download(
        "-d",
        str(tmp_path),
        "--index-url",
        f"http://127.0.0.1:{port}/simple",
        "--trusted-host",
        "127.0.0.1",
        "requests==2.31.0",
    )
    assert "No matching distribution found" in output  # what misled the old hint
    assert classify_build_output(output).name == "network"


def test_live_pip_against_an_unresolvable_host_is_a_network_failure(tmp_path):
    output = pip_download(
        "-d", str(tmp_path), "--index-url", "https://index.invalid/simple", "requests==2.31.0"
    )
    assert classify_build_output(output).name == "network"


def test_live_pip_without_the_version_is_a_missing_version(tmp_path):
    (tmp_path / "links").mkdir()
    output = pip_download(
        "-d", str(tmp_path), "--no-index", "--find-links", str(tmp_path / "links"), "nosuch==1.0"
    )
    assert classify_build_output(output).name == "missing_version"


# --- real builds on the harness engine ------------------------------------------------------


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, max_concurrent_builds=1, build_network_mode="none")


@pytest.mark.engine
async def test_a_build_without_network_is_hinted_as_a_network_problem(jp_fetch, engine):
    dockerfile = (
        f"FROM {STANDIN}\n"
        "RUN pip install --disable-pip-version-check --retries 1 --timeout 2 requests==2.31.0\n"
    )
    job = await start_build(jp_fetch, dockerfile, "dockerize-test/no-network:1")
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"}, 180)

    assert done["state"] == "failed", done
    text = log_text(await all_events(jp_fetch, job["id"]), "build")
    assert "No matching distribution found" in text
    assert "could not reach the network" in done["error"]["message"]
    assert "build_network_mode" in done["error"]["hint"]
    assert "does not exist" not in done["error"]["hint"]


@pytest.mark.engine
async def test_a_build_missing_a_version_is_hinted_as_such(jp_fetch, engine):
    dockerfile = (
        f"FROM {STANDIN}\n"
        "RUN mkdir /links && pip install --no-index --find-links /links nosuchpkg==1.0\n"
    )
    job = await start_build(jp_fetch, dockerfile, "dockerize-test/no-version:1")
    done = await wait_for(jp_fetch, job["id"], {"built", "failed"}, 180)

    assert done["state"] == "failed", done
    assert "the index has no release of a package" in done["error"]["message"]
    assert "pin another version" in done["error"]["hint"]

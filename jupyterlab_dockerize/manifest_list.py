"""One tag for several platforms: the manifest list (OCI image index) made and pushed by the
docker CLI's ``docker manifest`` (a maintained client of the registry protocol, not ours).

The images are in the registry already (push.py pushed each, by digest); ``docker manifest
create`` reads their manifests there and ``docker manifest push`` writes the list under the
target tag. Credentials stay in memory: the CLI runs with a temporary DOCKER_CONFIG whose
config.json names only a credential helper, ``docker-credential-dockerize``, a script in
that folder that answers the CLI with the user name and token from its own environment
(the CLI passes its environment to the helpers it starts). No file holds a secret, and the
folder is removed when the push ends.

Blocking: the build service calls it in a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .builders.docker_cli import DockerCli, cli_environment, run_cli
from .cancellation import Cancellation
from .engine import EngineSettings
from .errors import DockerizeError
from .image_reference import DEFAULT_DOMAIN

#: The credential helper's name: the CLI runs ``docker-credential-<name>``.
HELPER_NAME = "dockerize"
#: The variables the helper reads (only in the CLI's environment, never on disk).
USERNAME_VARIABLE = "DOCKERIZE_CREDENTIAL_USERNAME"
SECRET_VARIABLE = "DOCKERIZE_CREDENTIAL_SECRET"  # noqa: S105 - a name, not a secret
SERVERS_VARIABLE = "DOCKERIZE_CREDENTIAL_SERVERS"
#: How the docker CLI names Docker Hub in its configuration.
DOCKER_HUB_SERVER = "https://index.docker.io/v1/"
DIGEST = re.compile(r"\b(sha256:[0-9a-f]{64})\b")
#: Lines of the CLI's output kept to explain a failure.
TAIL_LINES = 20

#: The helper (credential helper protocol: ``get`` reads a server on stdin and prints
#: {ServerURL, Username, Secret}; nothing is ever stored or erased).
HELPER_CODE = f"""
import json, os, sys
action = sys.argv[1] if len(sys.argv) > 1 else ""
if action == "get":
    server = sys.stdin.read().strip()
    if server in os.environ.get({SERVERS_VARIABLE!r}, "").split():
        print(json.dumps({{"ServerURL": server,
                          "Username": os.environ[{USERNAME_VARIABLE!r}],
                          "Secret": os.environ[{SECRET_VARIABLE!r}]}}))
        sys.exit(0)
    print("credentials not found in native keychain")
    sys.exit(1)
if action == "list":
    print("{{}}")
sys.stdin.read()
"""


class ManifestListFailed(DockerizeError):
    status = 422
    default_code = "manifest_list_failed"


@dataclass(frozen=True)
class PlatformDigest:
    platform: str
    digest: str


def push_manifest_list(
    cli: DockerCli,
    settings: EngineSettings,
    repository: str,
    tag: str,
    registry: str,
    images: list[PlatformDigest],
    *,
    auth: dict[str, str] | None,
    insecure: bool,
    cancellation: Cancellation,
    log: Callable[[str], None],
) -> str:
    """Makes the manifest list of ``images`` (each pushed to ``repository`` by digest) and
    pushes it as ``repository:tag``; returns its digest."""
    target = f"{repository}:{tag}"
    members = [f"{repository}@{image.digest}" for image in images]
    flags = ["--insecure"] if insecure else []
    with _cli_config(auth, registry) as (config_dir, secret_env):
        env = {**cli_environment(settings, docker_config=config_dir), **secret_env}
        if config_dir is not None:
            env["PATH"] = f"{config_dir}:{env['PATH']}"
        log(
            f"Making the manifest list {target} of "
            + ", ".join(f"{image.platform} ({image.digest[:19]}…)" for image in images)
        )
        _run(cli, ["manifest", "create", *flags, "--amend", target, *members], env,
             cancellation, log, f"Making the manifest list {target}")  # fmt: skip
        output = _run(cli, ["manifest", "push", *flags, "--purge", target], env, cancellation,
                      log, f"Pushing the manifest list {target}")  # fmt: skip
    found = [match.group(1) for line in output for match in DIGEST.finditer(line)]
    if not found:
        raise ManifestListFailed(
            f"`docker manifest push` of {target} named no digest.",
            "See the push log; the manifest list may be in the registry all the same.",
        )
    log(f"Pushed the manifest list {target}: {found[-1]}")
    return found[-1]


def _run(
    cli: DockerCli,
    args: list[str],
    env: dict[str, str],
    cancellation: Cancellation,
    log: Callable[[str], None],
    what: str,
) -> list[str]:
    lines: list[str] = []

    def on_line(line: str) -> None:
        if line.strip():
            lines.append(line)
            log(line)

    code = run_cli(cli, args, env, cancellation, on_line)
    cancellation.check()
    if code != 0:
        said = " ".join(lines[-TAIL_LINES:]) or f"exit code {code}"
        raise ManifestListFailed(f"{what} failed: {said}", _hint(said))
    return lines


def _hint(said: str) -> str:
    lower = said.lower()
    if "unauthorized" in lower or "authentication required" in lower:
        return "Check the user name and token for the registry."
    if "http response to https client" in lower or "server gave http response" in lower:
        return "The registry speaks plain HTTP: mark it insecure in the engine's daemon.json."
    return (
        "The registry may not take manifest lists (OCI image indexes); each platform's image "
        "was pushed by digest. See the push log."
    )


@contextlib.contextmanager
def _cli_config(
    auth: dict[str, str] | None, registry: str
) -> Iterator[tuple[str | None, dict[str, str]]]:
    """A temporary DOCKER_CONFIG naming only the credential helper, and the variables the
    helper reads; (None, {}) when ``auth`` is None (the user's own docker login)."""
    if auth is None:
        yield None, {}
        return
    directory = Path(tempfile.mkdtemp(prefix="dockerize-manifest-"))
    try:
        servers = [registry]
        if registry == DEFAULT_DOMAIN:
            servers += [DOCKER_HUB_SERVER, "index.docker.io", "registry-1.docker.io"]
        config = {"credHelpers": {server: HELPER_NAME for server in servers}}
        (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
        helper = directory / f"docker-credential-{HELPER_NAME}"
        helper.write_text(
            "#!/bin/sh\n"
            f'exec {shlex.quote(sys.executable)} -I -c {shlex.quote(HELPER_CODE)} "$@"\n',
            encoding="utf-8",
        )
        helper.chmod(0o700)
        yield (
            str(directory),
            {
                USERNAME_VARIABLE: auth["username"],
                SECRET_VARIABLE: auth["password"],
                SERVERS_VARIABLE: " ".join(servers),
            },
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)

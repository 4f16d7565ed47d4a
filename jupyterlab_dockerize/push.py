"""Pushing a built image to Docker Hub or any registry with the docker SDK.

Credentials are either the user's Docker config (credential helpers included: the SDK reads
it when ``auth`` is None) or a user name and access token passed in for this one push. They
live only in this call's arguments: never in the job, a log line, an event or a file.

The digest of what was pushed comes from the stream: Docker sends it twice (an ``aux``
object and a "<tag>: digest: sha256:… size: N" status line), podman's compat API only as
that line, in some versions not at all. Without it, the registry is asked (a HEAD of the
manifest with the same credentials), then Docker's RepoDigests; podman's RepoDigests name
the local manifest, not the one it converted and pushed, so they are not used for podman.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .builders.docker_cli import find_docker_cli
from .cancellation import Cancellation, JobAPIClient
from .config import Dockerize
from .engine import engine_product
from .errors import BadRequest, DockerizeError
from .image_reference import (
    DEFAULT_DOMAIN,
    InvalidImageReference,
    familiar_name,
    parse_normalized_image_reference,
)
from .jobs import Job
from .manifest_list import PlatformDigest, push_manifest_list
from .platforms import platform_images
from .registry import (
    engine_says_insecure,
    is_loopback_registry,
    manifest_digest,
)

#: Seconds between two progress events of the same layer.
PROGRESS_INTERVAL = 0.25
#: The status line that names the pushed manifest (Docker and podman alike).
DIGEST_LINE = re.compile(r"^(\S+): digest: (sha256:[0-9a-f]{64}) size: (\d+)$")
#: Seconds the registry may take to answer the digest question after a push.
REGISTRY_TIMEOUT = 15.0


class PushFailed(DockerizeError):
    status = 422
    default_code = "push_failed"


@dataclass(frozen=True)
class PushTarget:
    repository: str  # familiar name without tag, as `docker push` takes it
    tag: str
    registry: str  # the host, docker.io for Docker Hub

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def parse_push_target(text: object) -> PushTarget:
    """A taggable reference ([registry/]user/repo[:tag]); 400 with Docker's words otherwise."""
    try:
        normalized = parse_normalized_image_reference(text)  # type: ignore[arg-type]
    except InvalidImageReference as error:
        raise BadRequest(
            f"The push target is not a valid image reference: {error.message}.",
            "Use [registry/]namespace/repository[:tag], such as jane/analysis:1.0 for Docker "
            "Hub or ghcr.io/jane/analysis:1.0.",
            code="invalid_image_reference",
        ) from None
    if normalized.digest is not None:
        raise BadRequest(
            "A push target cannot name a digest.",
            "Name a tag instead (the registry computes the digest).",
            code="invalid_image_reference",
        )
    name = familiar_name(normalized).rsplit("@", 1)[0]
    repository = name if normalized.latest_implied else name.rsplit(":", 1)[0]
    return PushTarget(
        repository=repository,
        tag=normalized.tag or "latest",
        registry=normalized.domain or DEFAULT_DOMAIN,
    )


def run_push(
    client: JobAPIClient,
    job: Job,
    target: PushTarget,
    cancellation: Cancellation,
    auth: dict[str, str] | None,
) -> dict[str, Any]:
    """Tags the job's image as the target and pushes it; returns {reference, digest, size}."""
    assert job.image_id is not None
    return push_image(client, job, job.image_id, target, cancellation, auth)


def push_image(
    client: JobAPIClient,
    job: Job,
    image_id: str,
    target: PushTarget,
    cancellation: Cancellation,
    auth: dict[str, str] | None,
    platform: str | None = None,
) -> dict[str, Any]:
    """Tags ``image_id`` as the target and pushes it; returns {reference, digest, size}.
    The events of a ``platform``'s push carry it."""
    client.cancellation = cancellation
    product = engine_product(client)
    client.tag(image_id, target.repository, target.tag)
    emit = _emitter(job, platform)
    emit("log", text=f"Pushing {target.reference}" + (f" ({platform})" if platform else ""))
    layers: dict[str, dict[str, Any]] = {}
    job.progress["push"] = {"layers": layers}
    last_sent: dict[str, float] = {}
    result: dict[str, Any] = {"reference": target.reference}
    try:
        stream = client.push(
            target.repository, tag=target.tag, stream=True, decode=True, auth_config=auth
        )
        for chunk in stream:
            cancellation.check()
            _handle_chunk(chunk, job, target, layers, last_sent, result, product, platform)
    except DockerizeError:
        raise
    except Exception:
        cancellation.check()
        raise
    cancellation.check()
    if "digest" not in result:
        digest = digest_after_push(client, job, target, auth, product)
        cancellation.check()
        if digest is None:
            raise PushFailed(
                f"The push of {target.reference} ended without the registry's digest, and "
                f"neither the registry nor {product} could tell it afterwards.",
                "See the push log: the registry or the engine may have stopped during the "
                "push. If the log ends with every layer pushed, the image may be in the "
                "registry all the same: check it there, or push again.",
            )
        result["digest"] = digest
    return result


def run_platforms_push(
    client: JobAPIClient,
    job: Job,
    target: PushTarget,
    cancellation: Cancellation,
    auth: dict[str, str] | None,
    *,
    config: Dockerize,
) -> dict[str, Any]:
    """Every platform's image pushed to the target tag in turn (the first built last, so
    the engine's local target tag ends on it), each digest kept; then one manifest list
    of them all under the target tag. Returns {reference, digest (the list's), platforms:
    [{platform, digest}]}."""
    images = platform_images(job)
    cli = find_docker_cli(config)
    if cli is None:
        raise PushFailed(
            f"Pushing {len(images)} platforms under one tag needs the docker CLI "
            "(`docker manifest` makes the manifest list), and none was found.",
            "Install the docker CLI (Docker Desktop, or Debian's docker.io) or set "
            "c.Dockerize.docker_cli to its path; or build for one platform only.",
            code="no_docker_cli",
        )
    digests: dict[str, str] = {}
    for image in reversed(images):
        cancellation.check()
        pushed = push_image(
            client, job, image.image_id, target, cancellation, auth, platform=image.platform
        )
        digests[image.platform] = pushed["digest"]
    insecure = is_loopback_registry(target.registry) or engine_says_insecure(
        _engine_info(client), target.registry
    )
    members = [PlatformDigest(image.platform, digests[image.platform]) for image in images]
    digest = push_manifest_list(
        cli,
        config.engine_settings(),
        target.repository,
        target.tag,
        target.registry,
        members,
        auth=auth,
        insecure=insecure,
        cancellation=cancellation,
        log=lambda text: job.emit("log", phase="push", text=text),
    )
    return {
        "reference": target.reference,
        "digest": digest,
        "platforms": [{"platform": m.platform, "digest": m.digest} for m in members],
    }


def _emitter(job: Job, platform: str | None) -> Callable[..., None]:
    """``emit(kind, **fields)`` of the push phase, with ``platform`` when given."""
    extra = {"platform": platform} if platform else {}

    def emit(kind: str, **fields: Any) -> None:
        job.emit(kind, phase="push", **fields, **extra)

    return emit


def digest_after_push(
    client: Any, job: Job, target: PushTarget, auth: dict[str, str] | None, product: str
) -> str | None:
    """The pushed manifest's digest when the stream did not name it: the registry's answer,
    else (never on podman) the engine's RepoDigests for the target's repository."""
    normalized = parse_normalized_image_reference(target.reference)
    if _registry_reachable_like_the_engine(client, target.registry):
        plain_http = is_loopback_registry(target.registry) or engine_says_insecure(
            _engine_info(client), target.registry
        )
        digest = manifest_digest(
            target.registry,
            normalized.path,
            target.tag,
            _credentials(auth, target.registry),
            plain_http=plain_http,
            timeout=REGISTRY_TIMEOUT,
        )
        if digest is not None:
            job.emit("log", phase="push", text=f"{product} sent no digest; the registry: {digest}")
            return digest
    if "podman" in product.lower():
        return None
    digest = _repo_digest(client, target)
    if digest is not None:
        job.emit("log", phase="push", text=f"{product} sent no digest; its RepoDigests: {digest}")
    return digest


def _registry_reachable_like_the_engine(client: Any, registry: str) -> bool:
    """A loopback registry is the engine's own only where the engine runs on this machine."""
    if not is_loopback_registry(registry):
        return True
    base_url = str(getattr(client, "base_url", ""))
    if base_url.startswith("http+docker://"):
        return "ssh" not in base_url  # a unix socket (or a named pipe), not ssh
    return is_loopback_registry(re.sub(r"^\w+://", "", base_url).split("/", 1)[0])


def _engine_info(client: Any) -> dict[str, Any]:
    try:
        info = client.info()
    except Exception:  # noqa: BLE001 - only a hint for the scheme; https is tried anyway
        return {}
    return info if isinstance(info, dict) else {}


def _credentials(auth: dict[str, str] | None, registry: str) -> tuple[str, str] | None:
    """The push's user name and token, or the Docker config's for the registry (in memory)."""
    if auth is not None:
        return auth["username"], auth["password"]
    try:
        import docker.auth

        found = docker.auth.resolve_authconfig(docker.auth.load_config(), registry) or {}
    except Exception:  # noqa: BLE001 - a broken config or credential helper: ask anonymously
        return None
    username = found.get("username") or found.get("Username")
    password = found.get("password") or found.get("Password")
    if isinstance(username, str) and isinstance(password, str) and username and password:
        return username, password
    return None


def _repo_digest(client: Any, target: PushTarget) -> str | None:
    wanted = parse_normalized_image_reference(target.reference)
    try:
        repo_digests = client.inspect_image(target.reference).get("RepoDigests") or []
    except Exception:  # noqa: BLE001 - the last resort: its failure is the push's failure
        return None
    for item in repo_digests:
        try:
            found = parse_normalized_image_reference(str(item))
        except InvalidImageReference:
            continue
        if (found.domain, found.path) == (wanted.domain, wanted.path) and found.digest:
            return found.digest
    return None


def _handle_chunk(
    chunk: Any,
    job: Job,
    target: PushTarget,
    layers: dict[str, dict[str, Any]],
    last_sent: dict[str, float],
    result: dict[str, Any],
    product: str = "Docker Engine",
    platform: str | None = None,
) -> None:
    if not isinstance(chunk, dict):
        return
    emit = _emitter(job, platform)
    # The SDK returns some failures (unauthorized, denied) inside a 200 stream: every chunk
    # is checked.
    if "error" in chunk or "errorDetail" in chunk:
        detail = chunk.get("errorDetail") or {}
        message = str(detail.get("message") or chunk.get("error") or "unknown error").strip()
        emit("log", text=message, stream="stderr")
        raise push_error(message, target, product)
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
        result["digest"] = aux["Digest"]
        if isinstance(aux.get("Size"), int):
            result["size"] = aux["Size"]
        return
    status = chunk.get("status")
    if not isinstance(status, str):
        return
    named = DIGEST_LINE.match(status.strip())
    if named and named.group(1) == target.tag:
        result.setdefault("digest", named.group(2))
        result.setdefault("size", int(named.group(3)))
    layer = chunk.get("id")
    detail = chunk.get("progressDetail") or {}
    if isinstance(layer, str) and len(layer) == 12:
        entry = layers.setdefault(layer, {"status": "", "current": 0, "total": 0})
        changed = entry["status"] != status
        entry["status"] = status
        if isinstance(detail, dict):
            entry["current"] = int(detail.get("current") or entry["current"])
            entry["total"] = int(detail.get("total") or entry["total"])
        now = time.monotonic()
        if changed or now - last_sent.get(layer, 0.0) >= PROGRESS_INTERVAL:
            last_sent[layer] = now
            emit("progress", layer=layer, **entry)
        if changed:
            emit("log", text=f"{layer}: {status}")
    else:
        emit("log", text=status)


def push_error(message: str, target: PushTarget, product: str = "Docker Engine") -> PushFailed:
    lower = message.lower()
    hub = target.registry == DEFAULT_DOMAIN
    where = "Docker Hub" if hub else target.registry
    if any(word in lower for word in ("unauthorized", "authentication required", "no basic auth")):
        return PushFailed(
            f"{where} refused the push of {target.reference}: not logged in or wrong "
            f"credentials ({message}).",
            (
                "Use your Docker Hub user name and an access token with Read & Write scope "
                "(hub.docker.com → Account settings → Personal access tokens), or run "
                '`docker login` and choose "use my docker login".'
                if hub
                else f"Check the user name and token for {target.registry}, or run "
                f'`docker login {target.registry}` and choose "use my docker login".'
            ),
            code="push_unauthorized",
        )
    if "denied" in lower or "forbidden" in lower:
        return PushFailed(
            f"{where} denied the push of {target.reference}: {message}",
            "The account may not write to this repository: check its name (your user or "
            "organisation first) and the token's scope.",
            code="push_denied",
        )
    if "toomanyrequests" in lower or "rate limit" in lower:
        return PushFailed(
            f"{where} rate-limited the push: {message}",
            "Wait a few minutes, or log in: authenticated users get higher limits.",
            code="push_rate_limited",
        )
    if "http response to https client" in lower:
        return PushFailed(
            f"{product} reached {target.registry} over HTTPS, but the registry speaks plain "
            f"HTTP: {message}",
            _plain_http_hint(target.registry, product),
            code="registry_unreachable",
        )
    if "connection refused" in lower or "no such host" in lower or "dial tcp" in lower:
        return PushFailed(
            f"The registry {target.registry} cannot be reached: {message}",
            f"Check the registry's address and that {product} can reach it.",
            code="registry_unreachable",
        )
    return PushFailed(f"The push of {target.reference} failed: {message}", "See the push log.")


def _plain_http_hint(registry: str, product: str) -> str:
    if "podman" in product.lower():
        return (
            "podman uses plain HTTP only for registries that registries.conf marks insecure: "
            f'add [[registry]] location = "{registry}" insecure = true to '
            "/etc/containers/registries.conf (~/.config/containers/registries.conf for "
            "rootless podman), restart the podman service, and push again. Better: give the "
            "registry TLS."
        )
    return (
        f'{product} uses plain HTTP only for insecure registries: add "insecure-registries": '
        f'["{registry}"] to the engine\'s daemon.json, restart it, and push again. Better: '
        "give the registry TLS."
    )

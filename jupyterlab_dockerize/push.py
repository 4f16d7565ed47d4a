"""Pushing a built image to Docker Hub or any registry with the docker SDK.

Credentials are either the user's Docker config (credential helpers included: the SDK reads
it when ``auth`` is None) or a user name and access token passed in for this one push. They
live only in this call's arguments: never in the job, a log line, an event or a file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .cancellation import Cancellation, JobAPIClient
from .errors import BadRequest, DockerizeError
from .image_reference import (
    DEFAULT_DOMAIN,
    InvalidImageReference,
    familiar_name,
    parse_normalized_image_reference,
)
from .jobs import Job

#: Seconds between two progress events of the same layer.
PROGRESS_INTERVAL = 0.25


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
    client.cancellation = cancellation
    assert job.image_id is not None
    client.tag(job.image_id, target.repository, target.tag)
    job.emit("log", phase="push", text=f"Pushing {target.reference}")
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
            _handle_chunk(chunk, job, target, layers, last_sent, result)
    except DockerizeError:
        raise
    except Exception:
        cancellation.check()
        raise
    cancellation.check()
    if "digest" not in result:
        raise PushFailed(
            f"The push of {target.reference} ended without the registry's digest.",
            "See the push log; the registry or the engine may have stopped during the push.",
        )
    return result


def _handle_chunk(
    chunk: Any,
    job: Job,
    target: PushTarget,
    layers: dict[str, dict[str, Any]],
    last_sent: dict[str, float],
    result: dict[str, Any],
) -> None:
    if not isinstance(chunk, dict):
        return
    # The SDK returns some failures (unauthorized, denied) inside a 200 stream: every chunk
    # is checked.
    if "error" in chunk or "errorDetail" in chunk:
        detail = chunk.get("errorDetail") or {}
        message = str(detail.get("message") or chunk.get("error") or "unknown error").strip()
        job.emit("log", phase="push", text=message, stream="stderr")
        raise push_error(message, target)
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
        result["digest"] = aux["Digest"]
        if isinstance(aux.get("Size"), int):
            result["size"] = aux["Size"]
        return
    status = chunk.get("status")
    if not isinstance(status, str):
        return
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
            job.emit("progress", phase="push", layer=layer, **entry)
        if changed:
            job.emit("log", phase="push", text=f"{layer}: {status}")
    else:
        job.emit("log", phase="push", text=status)


def push_error(message: str, target: PushTarget) -> PushFailed:
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
    if "connection refused" in lower or "no such host" in lower or "dial tcp" in lower:
        return PushFailed(
            f"The registry {target.registry} cannot be reached: {message}",
            "Check the registry's address and that the Docker engine can reach it.",
            code="registry_unreachable",
        )
    return PushFailed(f"The push of {target.reference} failed: {message}", "See the push log.")

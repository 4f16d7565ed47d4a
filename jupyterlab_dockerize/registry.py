"""Asking a registry for the digest of a tag it holds (the Registry HTTP API V2).

Used after a push whose stream named no digest (podman's compat API sends none in its own
format). One HEAD of the manifest, authenticated the way the registry asks (Basic, or a
Bearer token from its realm) with the push's credentials, held in memory for this call only.
Plain HTTP is tried only for registries the engine treats as insecure: loopback ones, which
Docker and podman alike reach over HTTP, and those the engine lists as not secure.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import requests

DOCKER_HUB_API = "registry-1.docker.io"
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    )
)
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')

Credentials = tuple[str, str]


def manifest_digest(
    registry: str,
    path: str,
    tag: str,
    credentials: Credentials | None,
    *,
    plain_http: bool = False,
    timeout: float = 10.0,
) -> str | None:
    """The registry's Docker-Content-Digest of ``path:tag``, or None when it does not say."""
    host = DOCKER_HUB_API if registry == "docker.io" else registry
    schemes = ("https", "http") if plain_http else ("https",)
    with requests.Session() as session:
        for scheme in schemes:
            url = f"{scheme}://{host}/v2/{path}/manifests/{tag}"
            try:
                response = _head(session, url, path, credentials, timeout)
            except requests.exceptions.RequestException:
                continue  # the next scheme, if any
            digest = response.headers.get("Docker-Content-Digest", "")
            if response.status_code == 200 and DIGEST.fullmatch(digest):
                return digest
            return None
    return None


def _head(
    session: requests.Session,
    url: str,
    path: str,
    credentials: Credentials | None,
    timeout: float,
) -> requests.Response:
    headers = {"Accept": MANIFEST_TYPES}
    response = session.head(url, headers=headers, timeout=timeout, allow_redirects=True)
    if response.status_code != 401:
        return response
    scheme, _, rest = response.headers.get("WWW-Authenticate", "").partition(" ")
    if scheme.lower() == "basic" and credentials is not None:
        return session.head(url, headers=headers, auth=credentials, timeout=timeout)
    if scheme.lower() == "bearer":
        token = _bearer_token(
            session, dict(CHALLENGE_PARAM.findall(rest)), path, credentials, timeout
        )
        if token:
            headers["Authorization"] = f"Bearer {token}"
            return session.head(url, headers=headers, timeout=timeout, allow_redirects=True)
    return response


def _bearer_token(
    session: requests.Session,
    challenge: dict[str, str],
    path: str,
    credentials: Credentials | None,
    timeout: float,
) -> str | None:
    realm = challenge.get("realm", "")
    if not realm.startswith("https://") and not _is_loopback_url(realm):
        return None  # never send credentials to a realm in clear text off this machine
    params = {"scope": challenge.get("scope") or f"repository:{path}:pull"}
    if challenge.get("service"):
        params["service"] = challenge["service"]
    response = session.get(realm, params=params, auth=credentials, timeout=timeout)
    if response.status_code != 200:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        return None
    token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else None


def is_loopback_registry(registry: str) -> bool:
    """localhost[:port], 127.0.0.0/8[:port] or [::1][:port]: reached over plain HTTP by default."""
    host = _host_of(registry)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(registry: str) -> str:
    if registry.startswith("["):
        return registry[1:].split("]", 1)[0]
    return registry.rsplit(":", 1)[0]


def _is_loopback_url(url: str) -> bool:
    match = re.match(r"^http://([^/]+)", url)
    return bool(match) and is_loopback_registry(match.group(1))


def engine_says_insecure(info: dict[str, Any], registry: str) -> bool:
    """The engine's /info lists the registry as not secure (insecure-registries)."""
    config = info.get("RegistryConfig") or {}
    index = (config.get("IndexConfigs") or {}).get(registry)
    if isinstance(index, dict) and index.get("Secure") is False:
        return True
    host = _host_of(registry)
    for cidr in config.get("InsecureRegistryCIDRs") or []:
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False

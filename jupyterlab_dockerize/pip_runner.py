"""Running the host's pip for the image: isolated, with the administrator's index, and
reading its output without blaming a package for a network failure.

pip always runs with ``--isolated`` (no pip.conf, no PIP_* variables) and gets the index
settings explicitly: the ``pip_*`` settings of the server, or, where they are empty, the
effective configuration of the server's own pip, read once in a subprocess. Every pip run
is a subprocess with an argument list; no text from a request reaches a shell.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.error import HTTPError
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit
from urllib.request import HTTPSHandler, ProxyHandler, Request, build_opener, url2pathname

from packaging.utils import canonicalize_name

from .cancellation import Cancellation, Cancelled
from .errors import DockerizeError

PYPI = "https://pypi.org/simple"
#: Docker platforms an image can be made for, and the machine name pip's tags use.
PLATFORMS = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
#: The platform of a wheelhouse or pre-flight that names none.
DEFAULT_PLATFORM = "linux/amd64"
#: glibc of Debian 12 (python:*-slim). pip does not widen a given manylinux_2_N tag to the
#: older ones, so every glibc from 2.17 up is named (manylinux2014 adds 2010 and 1).
GLIBC_MINOR = 36
PYTHON_FULL = re.compile(r"^3\.(?P<minor>[0-9]{1,2})\.(?P<patch>[0-9]{1,3})$")
PYTHON_SHORT = re.compile(r"^3\.[0-9]{1,2}$")


class IndexUnreachable(DockerizeError):
    """pip could not reach the package index at all: a network fault, not a package's."""

    status = 503
    default_code = "index_unreachable"


def python_error(value: object, field_name: str) -> str | None:
    """Why ``value`` is not a full Python version X.Y.Z (None when it is one)."""
    if isinstance(value, str) and PYTHON_FULL.match(value):
        return None
    if isinstance(value, str) and PYTHON_SHORT.match(value):
        return (
            f"{field_name} is '{value}': send the image's full Python version such as "
            f"'{value}.7'. pip reads '{value}' as {value}.0 and would refuse packages that "
            "need a later patch release."
        )
    return f"{field_name} must be the image's full Python version, such as 3.11.7."


@dataclass(frozen=True)
class IndexConfig:
    """Where pip looks for packages, passed explicitly to an isolated pip."""

    index_url: str = PYPI
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    cert: str = ""
    client_cert: str = ""
    trusted_hosts: tuple[str, ...] = ()
    proxy: str = ""
    timeout: float | None = None
    retries: int | None = None

    def options(self) -> list[str]:
        args: list[str] = []
        if self.no_index:
            args.append("--no-index")
        else:
            args += ["--index-url", self.index_url or PYPI]
            for url in self.extra_index_urls:
                args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        for host in self.trusted_hosts:
            args += ["--trusted-host", host]
        if self.cert:
            args += ["--cert", self.cert]
        if self.client_cert:
            args += ["--client-cert", self.client_cert]
        if self.proxy:
            args += ["--proxy", self.proxy]
        if self.timeout is not None:
            args += ["--timeout", str(self.timeout)]
        if self.retries is not None:
            args += ["--retries", str(self.retries)]
        return args

    def key(self) -> str:
        """What identifies the package source (for caches); network tuning is left out."""
        data = [self.index_url, self.extra_index_urls, self.find_links, self.no_index]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]

    def describe(self) -> str:
        """The index as a message names it (no credentials: only scheme, host, path)."""
        if self.no_index:
            return "the configured wheel folders"
        main = re.sub(r"//[^/@]*@", "//", self.index_url or PYPI)
        more = len(self.extra_index_urls) + len(self.find_links)
        return main + (f" and {more} more location(s)" if more else "")


_EFFECTIVE_SCRIPT = """
import json
from pip._internal.commands import create_command
options, _ = create_command("download").parse_args([])
print(json.dumps({
    "index_url": options.index_url, "extra_index_urls": options.extra_index_urls,
    "find_links": options.find_links, "no_index": options.no_index, "cert": options.cert,
    "client_cert": options.client_cert, "trusted_hosts": options.trusted_hosts,
    "proxy": options.proxy, "timeout": options.timeout, "retries": options.retries,
}))
"""
_effective: IndexConfig | None = None
_effective_lock = threading.Lock()


def effective_index_config() -> IndexConfig:
    """The server's own pip configuration (pip.conf, PIP_* variables), read once."""
    global _effective
    with _effective_lock:
        if _effective is None:
            _effective = _read_effective()
        return _effective


def _read_effective() -> IndexConfig:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list
            [sys.executable, "-c", _EFFECTIVE_SCRIPT],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return IndexConfig()
    return IndexConfig(
        index_url=data.get("index_url") or PYPI,
        extra_index_urls=tuple(data.get("extra_index_urls") or ()),
        find_links=tuple(data.get("find_links") or ()),
        no_index=bool(data.get("no_index")),
        cert=data.get("cert") or "",
        client_cert=data.get("client_cert") or "",
        trusted_hosts=tuple(data.get("trusted_hosts") or ()),
        proxy=data.get("proxy") or "",
        timeout=data.get("timeout"),
        retries=data.get("retries"),
    )


def index_config_from(settings: Any) -> IndexConfig:
    """The index of the server's settings; where none is set, the server's pip's own.

    Certificates, proxy and timeouts always come from the server's pip configuration.
    """
    effective = effective_index_config()
    index_url = getattr(settings, "pip_index_url", "") or ""
    extra = tuple(getattr(settings, "pip_extra_index_urls", ()) or ())
    links = tuple(getattr(settings, "pip_find_links", ()) or ())
    if not (index_url or extra or links):
        return effective
    return IndexConfig(
        index_url=index_url or PYPI,
        extra_index_urls=extra,
        find_links=links,
        cert=effective.cert,
        client_cert=effective.client_cert,
        trusted_hosts=effective.trusted_hosts,
        proxy=effective.proxy,
        timeout=effective.timeout,
        retries=effective.retries,
    )


def pip_command(*args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "--isolated",
        "--disable-pip-version-check",
        "--no-input",
        "--no-color",
        *args,
    ]


def platform_options(arch: str) -> list[str]:
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MINOR, 16, -1)]
    tags += [f"manylinux2014_{arch}", f"linux_{arch}"]
    return [option for tag in tags for option in ("--platform", tag)]


def target_options(python: str, platform: str) -> list[str]:
    """pip's options for the image's interpreter: full version, CPython, its ABIs, platform."""
    major, minor = python.split(".")[:2]
    return [
        "--python-version", python,
        "--implementation", "cp",
        "--abi", f"cp{major}{minor}", "--abi", "abi3", "--abi", "none",
        *platform_options(PLATFORMS[platform]),
    ]  # fmt: skip


def target_tags(python: str, platform: str) -> frozenset[str]:
    """Every wheel tag the image's pip accepts (for wheels that come with the bundle)."""
    from packaging import tags

    arch = PLATFORMS[platform]
    version = tuple(int(part) for part in python.split(".")[:2])
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MINOR, 16, -1)]
    platforms += [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    platforms.append(f"linux_{arch}")
    abi = f"cp{version[0]}{version[1]}"
    found = list(tags.cpython_tags(version, abis=[abi, "abi3", "none"], platforms=platforms))
    found += list(tags.compatible_tags(version, abi, platforms))
    return frozenset(str(tag) for tag in found)


@dataclass
class PipResult:
    code: int
    lines: list[str] = field(default_factory=list)
    #: Lines of pip's debug log that tell of a network failure.
    network: list[str] = field(default_factory=list)


def run_pip(
    command: list[str],
    cwd: str | os.PathLike[str],
    *,
    cancellation: Cancellation | None = None,
    timeout: float | None = None,
    log: Callable[[str], None] | None = None,
) -> PipResult:
    """Runs pip; its output lines (stdout and stderr) come back, and go to ``log`` live.

    A cancellation or the timeout kills the process; the timeout raises Cancelled as a
    failure, a cancellation raises Cancelled.
    """
    env = {**os.environ, "PIP_NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    # pip logs a connection error to an index at debug level only: its --log file has it.
    debug = tempfile.NamedTemporaryFile(prefix="pip-", suffix=".log", delete=False)
    debug.close()
    try:
        result = _run([*command, "--log", debug.name], cwd, env, cancellation, timeout, log)
        result.network = _network_lines(debug.name)
    finally:
        os.unlink(debug.name)
    return result


def _network_lines(path: str) -> list[str]:
    found: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if _NETWORK.search(line):
                found.append(line.strip()[-400:])
    return found[-5:]


def _run(
    command: list[str],
    cwd: str | os.PathLike[str],
    env: dict[str, str],
    cancellation: Cancellation | None,
    timeout: float | None,
    log: Callable[[str], None] | None,
) -> PipResult:
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        process = subprocess.Popen(  # noqa: S603 - an argument list, no shell
            command,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        deadline = None if timeout is None else time.monotonic() + timeout
        read = 0
        lines: list[str] = []
        try:
            while True:
                try:
                    code = process.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    pass
                read = _drain(output, read, lines, log)
                if cancellation is not None and cancellation.cancelled:
                    raise Cancelled(cancellation.reason)
                if deadline is not None and time.monotonic() > deadline:
                    raise Cancelled(f"pip took longer than {timeout:.0f} s.", failure=True)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        _drain(output, read, lines, log, final=True)
    return PipResult(code, lines)


def _drain(
    output: Any,
    read: int,
    lines: list[str],
    log: Callable[[str], None] | None,
    final: bool = False,
) -> int:
    output.flush()
    output.seek(read)
    chunk = output.read()
    if not chunk:
        return read
    complete = chunk if final or chunk.endswith("\n") else chunk[: chunk.rfind("\n") + 1]
    for line in complete.splitlines():
        line = line.rstrip()
        if line:
            lines.append(line)
            if log is not None:
                log(line)
    return read + len(complete.encode("utf-8", "replace"))


# --- reading pip's output -----------------------------------------------------------------

_NETWORK = re.compile(
    r"(NewConnectionError|Max retries exceeded|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Name or service not known|Connection refused|"
    r"Network is unreachable|No route to host|ConnectTimeoutError|Read timed out|"
    r"ProxyError|SSLError|CERTIFICATE_VERIFY_FAILED|"
    r"connection error|RemoteDisconnected|ConnectionResetError)",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(
    r"Could not find a version that satisfies the requirement (?P<requirement>\S+)"
    r"(?: \(from (?!versions:)(?P<parent>[^)]*)\))?(?: \(from versions: (?P<versions>[^)]*)\))?"
)
_NO_MATCH = re.compile(r"No matching distribution found for (?P<requirement>\S+)")
_PYTHON_IGNORED = re.compile(
    r"Ignored the following versions that require a different python version: (?P<list>.*)$",
    re.MULTILINE,
)
_IGNORED_ITEM = re.compile(r"(?P<version>[^\s;]+) Requires-Python (?P<spec>[^;]+)")
_CANNOT_INSTALL = re.compile(r"Cannot install (?P<names>.+?)(?: because|$)")
_REQUIREMENT_NAME = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(?P<rest>.*)$")


@dataclass(frozen=True)
class PipFailure:
    """What a failed pip run says, read from its output."""

    kind: str  # "network", "python", "not-found", "conflict", "other"
    requirement: str = ""  # the requirement pip names ("soupsieve==4.1.3")
    name: str = ""  # its project name as written
    parent: str = ""  # the requirement that pulled it in (a dependency), if any
    versions: tuple[str, ...] = ()  # versions pip saw (from versions: ...)
    python_spec: str = ""  # Requires-Python of the requested version, for "python"
    conflicting: tuple[str, ...] = ()  # "Cannot install a==1 and b==2"
    causes: tuple[str, ...] = ()  # the lines after "The conflict is caused by:"
    detail: str = ""  # the most telling line


def read_failure(lines: list[str], network_log: list[str] | None = None) -> PipFailure:
    text = "\n".join(lines)
    network = [line for line in lines if _NETWORK.search(line)] + list(network_log or [])
    found = _NOT_FOUND.search(text)
    no_match = _NO_MATCH.search(text) if found is None else None
    if "ResolutionImpossible" in text or "conflicting dependencies" in text:
        names: tuple[str, ...] = ()
        cannot = _CANNOT_INSTALL.search(text)
        if cannot:
            raw = cannot.group("names").replace(" and ", ", ")
            names = tuple(part.strip() for part in raw.split(",") if part.strip())
        causes: list[str] = []
        if "The conflict is caused by:" in text:
            after = text.split("The conflict is caused by:", 1)[1].splitlines()
            for line in after[1:] if after and not after[0].strip() else after:
                if not line.startswith((" ", "\t")) or not line.strip():
                    if causes:
                        break
                    continue
                causes.append(line.strip())
        return PipFailure("conflict", conflicting=names, causes=tuple(causes[:8]))
    if found or no_match:
        requirement = (found or no_match).group("requirement")  # type: ignore[union-attr]
        name_match = _REQUIREMENT_NAME.match(requirement)
        name = name_match.group("name") if name_match else requirement
        versions_text = found.group("versions") if found else None
        versions = tuple(v.strip() for v in (versions_text or "").split(",") if v.strip())
        parent = (found.group("parent") or "") if found else ""
        if versions_text in (None, "none") and network:
            return PipFailure("network", detail=network[-1])
        wanted = requirement.split("==", 1)[1] if "==" in requirement else ""
        ignored = _PYTHON_IGNORED.search(text)
        if ignored and wanted:
            for item in ignored.group("list").split(";"):
                match = _IGNORED_ITEM.search(item.strip())
                if match and match.group("version") == wanted:
                    return PipFailure(
                        "python",
                        requirement=requirement,
                        name=name,
                        parent=parent,
                        versions=versions,
                        python_spec=match.group("spec").strip(),
                    )
        return PipFailure(
            "not-found", requirement=requirement, name=name, parent=parent, versions=versions
        )
    if network:
        return PipFailure("network", detail=network[-1])
    errors = [line for line in lines if line.startswith("ERROR")]
    return PipFailure("other", detail=(errors or lines or [""])[-1])


def short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unreachable(index: IndexConfig, failure: PipFailure) -> IndexUnreachable:
    return IndexUnreachable(
        f"pip could not reach the package index ({index.describe()}): {short(failure.detail)}",
        "Check this server's network and its index settings (c.Dockerize.pip_index_url, "
        "or the server's pip configuration); no package is at fault. Try again once the "
        "index answers.",
    )


def versions_shown(versions: tuple[str, ...], limit: int = 6) -> str:
    if not versions:
        return "none"
    shown = ", ".join(versions[-limit:])
    return shown if len(versions) <= limit else f"... {shown}"


# --- the files of a resolution, as a colleague's installer reaches them ----------------------


@dataclass(frozen=True)
class ResolvedFile:
    """A distribution pip resolved, with the file it would install."""

    name: str
    version: str
    url: str  # as pip's report gives it (an index URL, or file:// for a local source)
    sha256: str  # "" when pip's report gives none


def resolved_files(report: dict[str, Any]) -> list[ResolvedFile]:
    """Every distribution of an ``install --dry-run --report`` (dependencies included)."""
    found = []
    for item in report.get("install") or []:
        metadata = item.get("metadata") or {}
        info = item.get("download_info") or {}
        hashes = (info.get("archive_info") or {}).get("hashes") or {}
        found.append(
            ResolvedFile(
                name=canonicalize_name(str(metadata.get("name", ""))),
                version=str(metadata.get("version", "")),
                url=str(info.get("url") or ""),
                sha256=str(hashes.get("sha256") or "").lower(),
            )
        )
    return sorted(found, key=lambda item: item.name)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The characters pylock.ts accepts in a URL.
_PLAIN_URL = re.compile(r"[!#-&(-\[\]-~]+")


def without_credentials(url: str) -> str:
    """``url`` without a user or password (they never go into a bundle)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class IndexFiles:
    """Where a colleague fetches each file of a resolution: its http(s) URL on an index.

    pip may take a file from a source only this server reaches (a ``file://`` index, a
    find-links folder such as ``/opt/wheels``, an index on a loopback address). Such a
    file is looked up by name on the other configured http(s) indexes (the Simple API,
    JSON or HTML, PEP 691/503) and its URL there is used when the index gives the same
    sha256; otherwise it has no reachable URL and ``locate`` says why. Credentials of an
    index URL are used to read it and never appear in a returned URL. Blocking: call it
    in a worker thread.
    """

    def __init__(
        self, index: IndexConfig, cancellation: Cancellation | None = None, timeout: float = 30
    ) -> None:
        urls = () if index.no_index else (index.index_url or PYPI, *index.extra_index_urls)
        self.indexes = [url for url in urls if shared_url(url)]
        self.index = index
        self.cancellation = cancellation
        self.timeout = min(timeout, index.timeout or timeout)
        self._pages: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        #: Index pages that could not be read (a network fault): the answer is not final.
        self.unread: list[str] = []

    def locate(self, item: ResolvedFile) -> tuple[ResolvedFile | None, str]:
        """(the file with its reachable URL and sha256, "") or (None, why there is none)."""
        local = item.url.startswith("file:")
        sha256 = item.sha256 or (_file_sha256(item.url) if local else "")
        filename = _file_name(item.url)
        if not _SHA256.match(sha256):
            return None, f"pip found no sha256 for {filename}."
        if shared_url(item.url):
            return ResolvedFile(item.name, item.version, without_credentials(item.url), sha256), ""
        for base in self.indexes:
            found = self._page(base, item.name).get(filename)
            if found is not None and found[1] == sha256 and shared_url(found[0]):
                return ResolvedFile(item.name, item.version, found[0], sha256), ""
        unread = f" (not read: {short(self.unread[-1], 200)})" if self.unread else ""
        return None, (
            f"{filename} comes from {_source_of(item.url)}, a source only this server "
            f"reaches, and no http(s) index of this server has the same file{unread}."
        )

    def _page(self, base: str, project: str) -> dict[str, tuple[str, str]]:
        key = (base, project)
        if key not in self._pages:
            if self.cancellation is not None:
                self.cancellation.check()
            try:
                self._pages[key] = self._read_page(base, project)
            except HTTPError as error:
                if error.code not in (404, 410):  # the index has no such project
                    self.unread.append(f"{without_credentials(base)}: {error}")
                self._pages[key] = {}
            except (OSError, ValueError) as error:
                self.unread.append(f"{without_credentials(base)}: {error}")
                self._pages[key] = {}
        return self._pages[key]

    def _read_page(self, base: str, project: str) -> dict[str, tuple[str, str]]:
        page = base.rstrip("/") + f"/{project}/"
        parts = urlsplit(page)
        request = Request(  # noqa: S310 - the index URLs are http(s) only (__init__)
            without_credentials(page),
            headers={
                "Accept": "application/vnd.pypi.simple.v1+json, "
                "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1",
                "User-Agent": "jupyterlab-dockerize",
            },
        )
        if parts.username is not None:
            user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
        context = ssl.create_default_context(cafile=self.index.cert or None)
        if self.index.client_cert:
            context.load_cert_chain(self.index.client_cert)
        handlers: list[Any] = [HTTPSHandler(context=context)]
        if self.index.proxy:
            proxy = {"http": self.index.proxy, "https": self.index.proxy}
            handlers.append(ProxyHandler(proxy))
        with build_opener(*handlers).open(request, timeout=self.timeout) as response:
            kind = response.headers.get("Content-Type", "")
            body = response.read(64 * 1024 * 1024).decode("utf-8", "replace")
            final = response.geturl()
        files: dict[str, tuple[str, str]] = {}
        if "json" in kind:
            for entry in json.loads(body).get("files") or []:
                url = urljoin(final, str(entry.get("url", "")))
                sha256 = str((entry.get("hashes") or {}).get("sha256", "")).lower()
                files[str(entry.get("filename", ""))] = (without_credentials(url), sha256)
            return files
        for href in _links(body):
            url, _, fragment = urljoin(final, href).partition("#")
            sha256 = fragment[7:].lower() if fragment.startswith("sha256=") else ""
            files[_file_name(url)] = (without_credentials(url), sha256)
        return files


def _links(html: str) -> list[str]:
    found: list[str] = []

    class Anchors(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                href = dict(attrs).get("href")
                if href:
                    found.append(href)

    Anchors().feed(html)
    return found


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _local_path(url: str) -> str:
    return url2pathname(urlsplit(url).path)


def shared_url(url: str) -> bool:
    """Whether a colleague's machine can reach ``url``: http(s), not a loopback host, and
    plain enough to be written in a lock (printable ASCII, no space, quote or backslash)."""
    if not _PLAIN_URL.fullmatch(url):
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return not (host == "localhost" or host.endswith(".localhost") or _loopback(host))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _source_of(url: str) -> str:
    """Where a file only this server reaches comes from: its folder, or its host."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return os.path.dirname(_local_path(url)) or "a local folder"


def _file_sha256(url: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(_local_path(url), "rb") as handle:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()

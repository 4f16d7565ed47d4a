"""Hostile workspace paths against the zip and the build routes, through a real Jupyter server.

Each case is one value of ``workspacePath`` (or of ``bundlePath``, or a key of ``files``)
sent to POST bundle and to POST builds. A hostile case must get a 4xx (400/403/404/413) with
a JSON error ``{code, message, hint}`` whose message names the problem and holds neither a
traceback nor a server path the client did not send itself. A case *escapes* when a route
accepts it (a 200 zip, a 202 job) or when any answer carries bytes from outside the root.

A few controls (symlinks and '..' that end inside the root) must succeed, and their zip must
hold the inside file: the suite proves it does not refuse too much either.

The server's engine is a socket that does not exist: refusals happen before any engine call,
and the jobs the controls start fail at once, without touching the harness's engine.
Counts go to ``Figures("paths")`` for ``make bench``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_dockerize.bundle import plan_bundle
from jupyterlab_dockerize.contracts import parse_build_request
from jupyterlab_dockerize.routes import BUILDS_KEY
from jupyterlab_dockerize.workspace import show

from .figures import Figures

BUNDLE_ROUTE = ("jupyterlab-dockerize", "bundle")
BUILDS_ROUTE = ("jupyterlab-dockerize", "builds")
IMAGE = "dockerize-test/hostile:1"
DOCKERFILE = "FROM scratch\nCOPY payload /payload\n"
TOP = "hostile"
MIN_PATHS_PER_ROUTE = 200
#: Seconds one request may take (each takes milliseconds; a hang means something escaped).
REQUEST_TIMEOUT = 10.0

INSIDE = b"INSIDE-FILE: the file a control may bundle\n"
README = b"INSIDE-README\n"
DEEP = b"INSIDE-DEEP\n"
OK_TXT = b"INSIDE-OK next to a FIFO and a socket\n"
INSIDE_CONTENTS = {INSIDE, README, DEEP, OK_TXT}
DOCS = {"readme.md": README, "sub/deep.txt": DEEP}
#: Bytes from outside the root (the test's files, the host's): served, they are an escape.
OUTSIDE_BYTES = (b"OUTSIDE-SECRET", b"root:x:0:0")
#: Bytes of hidden files inside the root: never served either, but not an escape.
HIDDEN_BYTES = b"HIDDEN-SECRET"
#: An allowed control that bundles the whole root (checked by invariants, not a fixed list).
WHOLE_ROOT = "whole root"
#: What an error message says for each code (one of the words).
SAYS = {
    "bad_workspace_path": ("non-empty string", "control character", "backslash", "absolute"),
    "bad_request": ("bundle path", "control character", "backslash", "absolute", "component"),
    "bad_request_body": ("must be",),
    "outside_root": ("outside the Jupyter root",),
    "hidden_path": ("hidden",),
    "special_file": ("not a regular file",),
    "unreadable": ("cannot be read",),
    "workspace_not_found": ("does not exist",),
    "request_too_large": ("over the limit",),
}


# --- the cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    value: Any
    field: str = "workspacePath"  # or "bundlePath", or "filesKey" (a key of "files")
    status: int = 0  # the refusal expected; 0 for an allowed control
    code: str = ""
    #: Allowed: the inside file's bytes, the {bundle path: bytes} of a folder, or WHOLE_ROOT.
    inside: Any = None
    raw: bytes | None = None  # the value's JSON text on the wire, when not json.dumps(value)
    hostile: bool = True  # plain controls are not counted as hostile paths

    @property
    def allowed(self) -> bool:
        return self.status == 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.field, repr(self.raw) if self.raw is not None else repr(self.value))

    @property
    def name(self) -> str:
        return f"{self.group}:{self.label}"

    @property
    def sent(self) -> str:
        """The value as the client wrote it (for what a message may echo)."""
        if isinstance(self.value, str):
            return self.value
        if self.raw is not None:
            return self.raw.decode("utf-8", "replace")
        return repr(self.value)


def _label(value: Any) -> str:
    return show(value, 60) if isinstance(value, str) else repr(value)[:60]


def refuse(group: str, value: Any, status: int, code: str, **kw: Any) -> Case:
    return Case(
        group, kw.pop("label", None) or _label(value), value, status=status, code=code, **kw
    )


def allow(group: str, value: str, inside: Any, **kw: Any) -> Case:
    return Case(group, kw.pop("label", None) or _label(value), value, inside=inside, **kw)


def bad(group: str, value: Any, **kw: Any) -> Case:
    return refuse(group, value, 400, "bad_workspace_path", **kw)


def out(group: str, value: Any, **kw: Any) -> Case:
    return refuse(group, value, 403, "outside_root", **kw)


def missing(group: str, value: Any, **kw: Any) -> Case:
    return refuse(group, value, 404, "workspace_not_found", **kw)


def hidden(group: str, value: Any, **kw: Any) -> Case:
    return refuse(group, value, 403, "hidden_path", **kw)


def traversal_cases() -> list[Case]:
    g = "traversal"
    cases = [
        out(g, ".."),
        out(g, "../"),
        out(g, "../x"),
        out(g, "../outside/secret.txt"),
        out(g, "../parent-secret.txt"),
        out(g, "a/../../x"),
        out(g, "a/../../outside/secret.txt"),
        out(g, "a/./../.."),
        out(g, "a/./../../outside"),
        out(g, "./../outside/secret.txt"),
        out(g, ".././outside/secret.txt"),
        out(g, "a//../../x"),
        out(g, "docs/../.."),
        out(g, "docs/sub/../../.."),
        out(g, "docs/./../../outside/secret.txt"),
        out(g, "docs/sub/../../../outside/secret.txt"),
        out(g, "nowhere/../../outside/secret.txt"),
        out(g, "linkdir-in/../../outside/secret.txt"),
        out(g, "docs/sub/deep.txt/../../../../outside"),
        out(g, "../../../../../../../../../../../../../../../../../../../../../../etc/shadow"),
        # Look like traversal, are names: a leading '.' makes them hidden.
        hidden(g, "..."),
        hidden(g, "..../x"),
        hidden(g, ".. /x"),
        hidden(g, "..;/x"),
        hidden(g, "..%00/x"),
    ]
    cases += [out(g, "../" * k + "etc/passwd") for k in range(1, 26)]
    cases += [out(g, "docs/" + "../" * (k + 1) + "x") for k in range(1, 11)]
    cases += [out(g, "a/b/c/d/" + "../" * k) for k in range(5, 10)]
    cases += [out(g, "/".join([".."] * k)) for k in range(2, 12)]
    cases += [out(g, "docs/" + "/".join([".."] * k)) for k in range(3, 8)]  # trailing '/..'
    # Backslash and mixed separators: refused as written, whatever they would resolve to.
    for base in (
        "../x",
        "a/../../x",
        "../../etc/passwd",
        "docs/../../outside/secret.txt",
        "../root_dir2/file.txt",
        "../",
        "docs/sub/../../../x",
    ):
        cases.append(bad(g, base.replace("/", "\\")))
        if base.rstrip("/").count("/") >= 2:
            first = base.index("/")
            cases.append(bad(g, base[:first] + "\\" + base[first + 1 :], label=f"mixed {base}"))
    cases += [
        bad(g, "\\.."),
        bad(g, "..\\..\\..\\windows\\win.ini"),
        bad(g, "..\\/x"),
        bad(g, "docs\\../../outside"),
        bad(g, "../..\\x"),
    ]
    return cases


def absolute_cases(root: Path) -> list[Case]:
    g = "absolute"
    parent = root.parent
    return [
        bad(g, "/etc/passwd"),
        bad(g, "//etc/passwd"),
        bad(g, "///etc/passwd"),
        bad(g, "/"),
        bad(g, "//"),
        bad(g, "/tmp"),
        bad(g, "/root/.ssh/id_rsa"),
        bad(g, str(root), label="the root's absolute path"),
        bad(g, str(root) + "/", label="the root's absolute path/"),
        bad(g, str(root / "inside.txt"), label="an inside file's absolute path"),
        bad(g, str(parent), label="the root's parent"),
        bad(g, str(parent / "outside" / "secret.txt"), label="an outside file's absolute path"),
        bad(g, str(root) + "/../outside/secret.txt", label="root/../outside"),
        bad(g, str(root) + "2/file.txt", label="the sibling <root>2's absolute path"),
        bad(g, "C:\\x"),
        bad(g, "C:/x"),
        bad(g, "C:x"),
        bad(g, "c:/windows/win.ini"),
        bad(g, "Z:"),
        bad(g, "\\\\server\\share"),
        bad(g, "\\\\server\\share\\x"),
        bad(g, "\\\\?\\C:\\x"),
        bad(g, "\\\\.\\pipe\\x"),
        bad(g, "\\etc\\passwd"),
        # Not absolute to a file system: names (inside the root, missing).
        missing(g, "file:///etc/passwd"),
        missing(g, "file://localhost/etc/passwd"),
        missing(g, "file:/etc/passwd"),
        missing(g, "~/x"),
        missing(g, "~root/x"),
        missing(g, "$HOME/x"),
        missing(g, "${PWD}/../x"),
        missing(g, "http://example.com/x"),
    ]


def encoded_cases() -> list[Case]:
    g = "encoded"
    cases = [
        missing(g, "%2e%2e/x"),
        missing(g, "%2e%2e%2fx"),
        missing(g, "%2E%2E/x"),
        missing(g, "%2e%2e/%2e%2e/etc/passwd"),
        missing(g, "%2e./x"),
        missing(g, "%252e%252e/x"),
        missing(g, "%25252e%25252e/x"),
        missing(g, "%c0%ae%c0%ae/x"),
        missing(g, "%c0%ae%c0%ae%c0%afx"),
        missing(g, "%e0%80%ae%e0%80%ae/x"),
        missing(g, "%2e%2e%5cx"),
        missing(g, "%u002e%u002e/x"),
        missing(g, "&#46;&#46;/x"),
        missing(g, "x%2f..%2f..%2fetc"),
        missing(g, "%00"),
        missing(g, "\uff0e\uff0e/x", label="fullwidth full stops"),
        missing(g, "\uff0e\uff0e\uff0fx", label="fullwidth dots and slash"),
        missing(g, "\u2024\u2024/x", label="one-dot leaders"),
        missing(g, "\u2025/x", label="two-dot leader"),
        missing(g, "\ufe52\ufe52/x", label="small full stops"),
        missing(g, "x\u2215..", label="division slash"),
        missing(g, "\u2215etc\u2215passwd", label="division slashes"),
        missing(g, "x\uff0f..\uff0f..", label="fullwidth solidus"),
        missing(g, "\u2044etc\u2044passwd", label="fraction slash"),
        missing(g, "x\u29f5..", label="reverse solidus operator"),
        missing(g, "\u0662\u0662/x", label="arabic digits"),
        missing(g, "\u2e2e\u2e2e/x", label="reversed question marks"),
        # A leading '.' (or one after a look-alike) still makes a hidden name.
        hidden(g, "..%2fx"),
        hidden(g, ".%2e/x"),
        hidden(g, "..%c0%af..%c0%afetc"),
        hidden(g, "..\u2215x", label="dots then division slash"),
        hidden(g, "..\uff0fx", label="dots then fullwidth solidus"),
        hidden(g, ".\u0338./x", label="combining overlay"),
        # JSON escapes decode to the real characters: refused as such.
        out(g, "../x", raw=b'"\\u002e\\u002e/x"', label="JSON \\u002e\\u002e/x"),
        out(g, "../x", raw=b'"..\\u002fx"', label="JSON ..\\u002fx"),
        out(g, "../x", raw=b'"\\u002E\\u002E\\u002Fx"', label="JSON \\u002E\\u002E\\u002Fx"),
        out(g, "../outside", raw=b'"..\\/outside"', label="JSON ..\\/outside"),
        bad(g, "/etc/passwd", raw=b'"\\/etc\\/passwd"', label="JSON \\/etc\\/passwd"),
        bad(g, "..\\x", raw=b'"..\\u005cx"', label="JSON ..\\u005cx"),
        bad(g, "a\0b", raw=b'"a\\u0000b"', label="JSON a\\u0000b"),
    ]
    cases += [missing(g, "%2e%2e%2f" * k + "etc%2fpasswd") for k in range(1, 6)]
    cases += [missing(g, "%2e%2e/" * k + "etc/passwd") for k in range(3, 7)]
    # Invalid UTF-8 on the wire: overlong dots and a lone continuation byte.
    for raw in (b'"\xc0\xae\xc0\xae/x"', b'"\xe0\x80\xae\xe0\x80\xae/x"', b'"\x80/x"', b'"\xff"'):
        cases.append(refuse(g, None, 400, "bad_request", raw=raw, label=f"raw bytes {raw!r}"))
    return cases


def symlink_cases() -> list[Case]:
    g = "symlinks"
    return [
        out(g, "to-root"),
        out(g, "to-root/etc/passwd"),
        out(g, "to-etc"),
        out(g, "to-etc/passwd"),
        out(g, "to-etc/hostname"),
        out(g, "to-parent"),
        out(g, "to-parent/parent-secret.txt"),
        out(g, "to-parent/outside/secret.txt"),
        out(g, "to-parent-rel"),
        out(g, "to-parent-rel/outside/secret.txt"),
        out(g, "to-outside"),
        out(g, "to-outside/secret.txt"),
        out(g, "to-outside/"),
        out(g, "to-outside/."),
        out(g, "to-outside-file"),
        out(g, "to-outside/missing.txt"),
        out(g, "chain1"),
        out(g, "chain1/secret.txt"),
        out(g, "chain-in1"),
        out(g, "rel-escape"),
        out(g, "to-proc-root/etc/passwd"),
        out(g, "dangling-out"),
        out(g, "docs/escape"),
        out(g, "docs/escape/secret.txt"),
        out(g, "linkdir-in/escape/secret.txt"),
        out(g, "to-parent/root_dir2/file.txt"),
        out(g, "to-self/../outside/secret.txt"),
        refuse(g, "loop-a", 403, "unreadable"),
        refuse(g, "loop-a/x", 403, "unreadable"),
        refuse(g, "self-loop", 403, "unreadable"),
        missing(g, "dangling-in"),
        hidden(g, "hidden-links/env", label="a plain name linking to .env"),
        hidden(g, "hidden-links/git", label="a plain name linking to .git"),
        hidden(g, "hidden-links/git/config", label="a file in a link to .git"),
        # Controls: symlinks that stay inside are followed.
        allow(g, "alias.txt", INSIDE, hostile=False),
        allow(g, "alias-abs.txt", INSIDE, hostile=False),
        allow(g, "linkdir-in/readme.md", README, hostile=False),
        allow(g, "linkdir-in", DOCS, hostile=False),
        allow(g, "to-self/inside.txt", INSIDE, hostile=False),
        allow(g, "docs", DOCS, label="docs (holds an escaping symlink, left out)", hostile=False),
        # Out and back in: the path resolves inside, so it is the inside file.
        allow(g, "to-parent/root_dir/inside.txt", INSIDE),
        allow(g, "to-parent-rel/root_dir/docs", DOCS),
    ]


def sibling_cases() -> list[Case]:
    g = "siblings"
    cases = []
    for sibling in ("root_dir2", "root_dir-evil", "root_dir.bak", "root_dir_"):
        cases += [
            out(g, f"../{sibling}/file.txt"),
            out(g, f"../{sibling}"),
            out(g, f"../{sibling}/"),
            out(g, f"docs/../../{sibling}/file.txt"),
            out(g, f"./../{sibling}/file.txt"),
            out(g, f"../root_dir/../{sibling}/file.txt"),
        ]
    cases += [
        out(g, "to-sibling2"),
        out(g, "to-sibling2/file.txt"),
        out(g, "to-evil"),
        out(g, "to-evil/file.txt"),
        out(g, "to-bak/file.txt"),
        out(g, "to-evil-file"),
        out(g, "docs/to-underscore/file.txt"),
        # Out by the root's own name and back in: inside, so allowed.
        allow(g, "../root_dir/inside.txt", INSIDE),
        allow(g, "../root_dir2/../root_dir/inside.txt", INSIDE),
    ]
    return cases


def special_cases() -> list[Case]:
    g = "special"
    special = {"status": 403, "code": "special_file"}
    return [
        refuse(g, "fifo", **special),
        refuse(g, "sock", **special),
        refuse(g, "specials/fifo", **special),
        refuse(g, "specials/sock", **special),
        refuse(g, "fifo-link", label="a symlink to the FIFO", **special),
        refuse(g, "fifo/x", 403, "unreadable"),
        refuse(g, "inside.txt/x", 403, "unreadable"),
        out(g, "to-dev-null"),
        out(g, "to-dev-zero"),
        out(g, "to-dev-random"),
        out(g, "to-proc-environ"),
        out(g, "to-proc-cwd"),
        out(g, "to-proc-cwd/pyproject.toml"),
        out(g, "to-fd0"),
        bad(g, "/dev/null"),
        bad(g, "/dev/zero"),
        bad(g, "/dev/random"),
        bad(g, "/dev/stdin"),
        bad(g, "/dev/fd/0"),
        bad(g, "/proc/self/environ"),
        bad(g, "/proc/self/cwd/pyproject.toml"),
        bad(g, "/proc/self/cwd/"),
        bad(g, "/proc/self/root/etc/passwd"),
        bad(g, "/proc/1/environ"),
        bad(g, "/proc/self/fd/0"),
        bad(g, "/sys/kernel/notes"),
        # Control: the folder holding them is bundled without them.
        allow(g, "specials", {"ok.txt": OK_TXT}, label="a folder with a FIFO and a socket"),
    ]


def odd_name_cases() -> list[Case]:
    g = "odd names"
    cases = [
        bad(g, "a\0b"),
        bad(g, "inside.txt\0.png"),
        bad(g, "\0"),
        bad(g, "../\0"),
        bad(g, "a\nb"),
        bad(g, "\n"),
        bad(g, "inside.txt\n"),
        bad(g, "a\rb"),
        bad(g, "a\r\nb"),
        bad(g, "a\tb"),
        bad(g, "\t"),
        bad(g, "a\x7fb"),
        bad(g, "a\x1b[31mb"),
        bad(g, "a\x0bb"),
        bad(g, "a\x0cb"),
        bad(g, "a\x08b"),
        bad(g, "\ud800"),
        bad(g, "a\udfffb"),
        bad(g, "\udc80\udc80/x"),
        bad(g, "../\ud800"),
        bad(g, "", label="empty string"),
        refuse(g, "a" * 5000, 403, "unreadable", label="5,000 characters in one name"),
        refuse(g, "/".join(["b" * 250] * 20), 403, "unreadable", label="5,000 characters"),
        missing(g, "/".join(["a"] * 300), label="300 components"),
        missing(g, "/".join(["d"] * 1000), label="1,000 components"),
        out(g, "../" * 1000 + "etc/passwd", label="1,000 '../' then etc/passwd"),
        refuse(
            g,
            "a" * (9 * 1024 * 1024),
            413,
            "request_too_large",
            label="9 MiB (over the request limit)",
        ),
        missing(g, " "),
        missing(g, "inside.txt "),
        missing(g, "CON"),
        missing(g, "aux.txt"),
        missing(g, "*"),
        missing(g, "?"),
        missing(g, "inside.txt;rm -rf x"),
        missing(g, "$(id)"),
        missing(g, "`id`"),
        missing(g, "inside.txt::$DATA"),
        missing(g, "\u202eexe.txt", label="right-to-left override"),
        missing(g, "\u200b", label="zero-width space"),
        missing(g, "\ufeffx", label="byte order mark"),
        missing(g, "i\u0307nside.txt", label="combining dot"),
        # Hidden files and folders: refused, as Jupyter hides them.
        hidden(g, ".env"),
        hidden(g, ".git"),
        hidden(g, ".git/config"),
        hidden(g, "a/.ssh/id_rsa"),
        hidden(g, "a/.ssh"),
        hidden(g, ".ipynb_checkpoints/x"),
        hidden(g, ".ipynb_checkpoints"),
        hidden(g, "__pycache__/m.pyc"),
        hidden(g, "docs/.hidden"),
        hidden(g, "docs/sub/../.hidden"),
        hidden(g, "./.env"),
        hidden(g, ".env/"),
        # The root itself and names that stay inside: allowed (the walk skips the rest).
        allow(g, ".", WHOLE_ROOT),
        allow(g, "./", WHOLE_ROOT),
        allow(g, "docs/..", WHOLE_ROOT),
        allow(g, "docs/.", DOCS),
        allow(g, "inside.txt/", INSIDE),
        allow(g, "inside.txt", INSIDE, label="the plain inside file", hostile=False),
    ]
    return cases


BUNDLE_PATH_VALUES: list[Any] = [
    "/etc/passwd",
    "/x",
    "//x",
    "/",
    "..",
    "../x",
    "../../../../etc/cron.d/x",
    "a/../../x",
    "a/..",
    "./x",
    ".",
    "x/.",
    "x/",
    "a//b",
    "",
    "..\\x",
    "a\\b",
    "\\\\server\\share",
    "C:\\x",
    "C:/x",
    "C:x",
    "a\0b",
    "\0",
    "a\nb",
    "a\tb",
    "a\x7fb",
    "\ud800",
    "x/\udfff",
]


def bundle_path_cases(root: Path) -> list[Case]:
    cases = []
    values = [*BUNDLE_PATH_VALUES, str(root / "x"), str(root.parent / "outside" / "x")]
    for field in ("bundlePath", "filesKey"):
        group = "bundle path" if field == "bundlePath" else "files key"
        for value in values:
            label = _label(value) if not value.startswith(str(root.parent)) else "absolute tmp"
            if value.startswith(str(root)):
                label = "absolute inside the root"
            cases.append(Case(group, label, value, field=field, status=400, code="bad_request"))
    cases += [
        Case("bundle path", repr(value), value, field="bundlePath", status=400,
             code="bad_request_body")
        for value in (None, 3, ["..", "x"], {"path": "/etc/passwd"}, True)
    ]  # fmt: skip
    return cases


def type_cases() -> list[Case]:
    g = "types"
    return [
        refuse(g, value, 400, "bad_request_body")
        for value in (None, 0, 1.5, True, ["../x"], {"path": "/etc/passwd"}, [])
    ]


def all_cases(root: Path) -> list[Case]:
    cases = [
        *traversal_cases(),
        *absolute_cases(root),
        *encoded_cases(),
        *symlink_cases(),
        *sibling_cases(),
        *special_cases(),
        *odd_name_cases(),
        *bundle_path_cases(root),
        *type_cases(),
    ]
    keys = Counter(case.key for case in cases)
    twice = [key for key, count in keys.items() if count > 1]
    assert not twice, f"cases listed twice: {twice}"
    return cases


# --- the workspace ------------------------------------------------------------------------


@pytest.fixture
def jp_server_config(tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_dockerize": True}},
        "Dockerize": {
            # No engine: refusals must not need one, and accepted builds fail at once.
            "docker_host": f"unix://{tmp_path}/no-engine.sock",
            "engine_timeout": 2.0,
            "state_dir": str(tmp_path / "dockerize-state"),
        },
    }


@pytest.fixture
def hostile_root(jp_root_dir):
    """The Jupyter root with files, hidden files, special files and symlinks; secrets around it.

    The root is <tmp>/root_dir; <tmp> also holds outside/, parent-secret.txt and the
    siblings root_dir2, root_dir-evil, root_dir.bak and root_dir_ (a string prefix of the root).
    """
    root = Path(jp_root_dir)
    parent = root.parent
    (root / "inside.txt").write_bytes(INSIDE)
    (root / "docs" / "sub").mkdir(parents=True)
    (root / "docs" / "readme.md").write_bytes(README)
    (root / "docs" / "sub" / "deep.txt").write_bytes(DEEP)
    (root / "docs" / ".hidden").write_bytes(b"HIDDEN-SECRET docs\n")
    (root / "a" / ".ssh").mkdir(parents=True)
    (root / "a" / ".ssh" / "id_rsa").write_bytes(b"HIDDEN-SECRET key\n")
    (root / ".env").write_bytes(b"HIDDEN-SECRET TOKEN=1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(b"HIDDEN-SECRET git\n")
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "x").write_bytes(b"HIDDEN-SECRET checkpoint\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "m.pyc").write_bytes(b"HIDDEN-SECRET pyc\n")
    (root / "specials").mkdir()
    (root / "specials" / "ok.txt").write_bytes(OK_TXT)

    (parent / "outside").mkdir()
    (parent / "outside" / "secret.txt").write_bytes(b"OUTSIDE-SECRET outside\n")
    (parent / "parent-secret.txt").write_bytes(b"OUTSIDE-SECRET parent\n")
    for sibling in ("root_dir2", "root_dir-evil", "root_dir.bak", "root_dir_"):
        (parent / sibling).mkdir()
        (parent / sibling / "file.txt").write_bytes(f"OUTSIDE-SECRET {sibling}\n".encode())
        (parent / sibling / "inside.txt").write_bytes(f"OUTSIDE-SECRET {sibling}\n".encode())

    os.mkfifo(root / "fifo")
    os.mkfifo(root / "specials" / "fifo")
    sockets = [unix_socket_at(root / "sock"), unix_socket_at(root / "specials" / "sock")]

    links = {
        "to-root": "/",
        "to-etc": "/etc",
        "to-parent": str(parent),
        "to-parent-rel": "..",
        "to-outside": str(parent / "outside"),
        "to-outside-file": str(parent / "outside" / "secret.txt"),
        "chain1": "chain2",
        "chain2": "chain3",
        "chain3": str(parent / "outside"),
        "chain-in1": "chain-in2",
        "chain-in2": "../outside/secret.txt",
        "rel-escape": "../" * 12 + "etc/passwd",
        "loop-a": "loop-b",
        "loop-b": "loop-a",
        "self-loop": "self-loop",
        "dangling-in": "missing-inside.txt",
        "dangling-out": str(parent / "outside" / "missing.txt"),
        "docs/escape": "../../outside",
        "docs/to-underscore": "../../root_dir_",
        "linkdir-in": "docs",
        "alias.txt": "inside.txt",
        "alias-abs.txt": str(root / "inside.txt"),
        "to-self": str(root),
        "to-sibling2": str(parent / "root_dir2"),
        "to-evil": "../root_dir-evil",
        "to-evil-file": "../root_dir-evil/file.txt",
        "to-bak": "../root_dir.bak/",
        "to-dev-null": "/dev/null",
        "to-dev-zero": "/dev/zero",
        "to-dev-random": "/dev/random",
        "to-proc-environ": "/proc/self/environ",
        "to-proc-cwd": "/proc/self/cwd",
        "to-proc-root": "/proc/self/root",
        "to-fd0": "/proc/self/fd/0",
        "fifo-link": "fifo",
    }
    for name, target in links.items():
        (root / name).symlink_to(target)
    yield root
    for server in sockets:
        server.close()


def unix_socket_at(path: Path) -> socket.socket:
    """A listening unix socket file at ``path`` (bound in a short folder if the path is long)."""
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    except OSError:  # AF_UNIX paths are limited to about 107 bytes
        short = Path(tempfile.mkdtemp(prefix="hp-"))
        server.bind(str(short / "s"))
        os.rename(short / "s", path)
        short.rmdir()
    server.listen(1)
    return server


def add_links_to_hidden_files(root: Path) -> None:
    """hidden-links/env -> ../.env and hidden-links/git -> ../.git: plain names, hidden targets.

    Only while the cases that name them run: a folder walk does not leave them out yet (see
    test_a_folder_walk_leaves_out_symlinks_to_hidden_files), which would spoil the controls
    that bundle the whole root.
    """
    (root / "hidden-links").mkdir()
    (root / "hidden-links" / "env").symlink_to("../.env")
    (root / "hidden-links" / "git").symlink_to("../.git")


def remove_links_to_hidden_files(root: Path) -> None:
    for name in ("env", "git"):
        (root / "hidden-links" / name).unlink()
    (root / "hidden-links").rmdir()


def leak_markers(root: Path) -> list[str]:
    """Server paths and contents an error must not show unless the client sent them."""
    markers = {str(root.parent), os.path.realpath(root.parent), sys.prefix, os.getcwd()}
    markers |= {"/etc/", "/proc/", "/dev/", "Traceback", 'File "', "OUTSIDE-SECRET"}
    markers |= {"HIDDEN-SECRET", "root:x:0:0"}
    return sorted(markers)


# --- requests and verdicts ----------------------------------------------------------------

PLACEHOLDER = "@@HOSTILE-VALUE@@"


def request_body(case: Case, route: str) -> bytes:
    files: dict[str, Any] = {"Dockerfile": DOCKERFILE}
    include: list[dict[str, Any]] = [{"workspacePath": PLACEHOLDER, "bundlePath": "payload"}]
    if case.field == "bundlePath":
        include = [{"workspacePath": "inside.txt", "bundlePath": PLACEHOLDER}]
    elif case.field == "filesKey":
        files[PLACEHOLDER] = "text"
        include = []
    body: dict[str, Any] = {"name": TOP, "files": files, "include": include}
    if route == "build":
        body["image"] = IMAGE
    text = json.dumps(body).encode()
    literal = case.raw if case.raw is not None else json.dumps(case.value).encode()
    return text.replace(json.dumps(PLACEHOLDER).encode(), literal, 1)


@dataclass
class Verdict:
    problems: list[str]
    escaped: bool = False
    job_id: str | None = None
    answer: str = ""  # "403 outside_root", "200 zip", "202 job"


def judge_zip(case: Case, body: bytes, verdict: Verdict) -> None:
    """A 200 of an allowed control: the zip holds the inside bytes and nothing else."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        files = {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }
    except (zipfile.BadZipFile, OSError) as error:
        verdict.problems.append(f"the zip does not open: {error}")
        return
    for name, data in files.items():
        if any(marker in data for marker in OUTSIDE_BYTES):
            verdict.escaped = True
            verdict.problems.append(f"the zip's {name} holds bytes from outside the root")
        if HIDDEN_BYTES in data:
            verdict.problems.append(f"the zip's {name} holds the bytes of a hidden file")
    payload = {
        name.removeprefix(f"{TOP}/payload"): data
        for name, data in files.items()
        if name.startswith(f"{TOP}/payload")
    }
    if isinstance(case.inside, bytes):
        if payload != {"": case.inside}:
            verdict.problems.append(f"the zip holds {sorted(payload)}, not the inside file")
    elif isinstance(case.inside, dict):
        expected = {f"/{name}": data for name, data in case.inside.items()}
        if payload != expected:
            verdict.problems.append(f"the zip holds {sorted(payload)}, not {sorted(expected)}")
    elif case.inside == WHOLE_ROOT:  # inside files only, no hidden or special ones
        names = {name.lstrip("/") for name in payload}
        if payload.get("/inside.txt") != INSIDE or payload.get("/docs/readme.md") != README:
            verdict.problems.append(f"the root's zip lacks inside files: {sorted(names)}")
        for name, data in payload.items():
            parts = name.lstrip("/").split("/")
            if data not in INSIDE_CONTENTS:
                verdict.problems.append(f"the root's zip holds {name} with unknown bytes")
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                verdict.problems.append(f"the root's zip holds the hidden {name}")
            if parts[-1] in {"fifo", "sock", "fifo-link"}:
                verdict.problems.append(f"the root's zip holds the special file {name}")


def judge_error(
    case: Case, status: int, headers: Any, body: bytes, markers: list[str], verdict: Verdict
) -> None:
    text = body.decode("utf-8", "replace")
    if any(marker.decode() in text for marker in OUTSIDE_BYTES):
        verdict.escaped = True
        verdict.problems.append("the error body holds bytes from outside the root")
    if HIDDEN_BYTES.decode() in text:
        verdict.problems.append("the error body holds the bytes of a hidden file")
    if status not in (400, 403, 404, 413):
        verdict.problems.append(f"status {status} is not one of 400/403/404/413")
    if case.allowed:
        verdict.problems.append(f"an allowed control was refused ({status}): {text[:300]}")
        return
    if not headers.get("Content-Type", "").startswith("application/json"):
        verdict.problems.append(f"the error is not JSON: {headers.get('Content-Type')}")
    try:
        error = json.loads(body)["error"]
        code, message, hint = error["code"], error["message"], error["hint"]
        verdict.answer = f"{status} {code}"
    except (ValueError, KeyError, TypeError):
        verdict.problems.append(f"no {{error: {{code, message, hint}}}}: {text[:300]}")
        return
    if not all(isinstance(part, str) and part for part in (code, message, hint)):
        verdict.problems.append(f"an empty code, message or hint: {error}")
        return
    if (status, code) != (case.status, case.code):
        verdict.problems.append(f"expected {case.status} {case.code}, got {status} {code}")
    if code == "bad_request" and case.raw is not None and case.value is None:
        says: tuple[str, ...] = ("not valid JSON",)
    else:
        says = SAYS.get(code, ())
    if says and not any(word in message for word in says):
        verdict.problems.append(f"the message does not say {says}: {message!r}")
    if isinstance(case.value, str) and case.value and status != 413 and case.raw is None:
        if show(case.value, 120)[:30] not in message:
            verdict.problems.append(f"the message does not name the path: {message!r}")
    whole = json.dumps(error, ensure_ascii=False)
    for marker in markers:
        if marker in whole and marker not in case.sent and marker not in show(case.sent):
            verdict.problems.append(f"the error shows {marker!r}: {whole[:300]}")


async def post(jp_fetch, route: str, body: bytes) -> tuple[int, Any, bytes]:
    """(status, headers, body); 599 when no whole answer came (a timeout, a broken stream)."""
    parts = BUNDLE_ROUTE if route == "zip" else BUILDS_ROUTE
    try:
        response = await jp_fetch(
            *parts, method="POST", body=body, raise_error=False, request_timeout=REQUEST_TIMEOUT
        )
    except HTTPClientError as error:
        return error.code, {}, str(error).encode()
    return response.code, response.headers, response.body


async def try_case(jp_fetch, case: Case, route: str, markers: list[str]) -> Verdict:
    status, headers, body = await post(jp_fetch, route, request_body(case, route))
    verdict = Verdict(problems=[], answer=f"{status} {'zip' if route == 'zip' else 'job'}")
    if status == 599:
        # No whole answer: a timeout (walking '/', reading /dev/zero) or a zip stream that
        # broke after its 200 went out, which means the route had accepted the path.
        verdict.answer = "no answer"
        verdict.escaped = not case.allowed
        verdict.problems.append(f"no whole answer within {REQUEST_TIMEOUT:.0f} s: {body[:200]!r}")
        return verdict
    if status < 300:
        if not case.allowed:
            verdict.escaped = True
            verdict.problems.append(f"accepted with {status}: it must be refused")
        if route == "zip":
            if status != 200:
                verdict.problems.append(f"status {status}, expected 200 with a zip")
            else:
                judge_zip(case, body, verdict)
        else:
            if status != 202:
                verdict.problems.append(f"status {status}, expected 202 with a job")
            verdict.job_id = json.loads(body).get("id")
    else:
        judge_error(case, status, headers, body, markers, verdict)
    return verdict


async def end_jobs(jp_fetch, job_ids: list[str]) -> list[str]:
    """Waits for the controls' jobs to end (no engine: they fail at once); cancels laggards."""
    problems = []
    deadline = time.monotonic() + 20
    for job_id in job_ids:
        while True:
            response = await jp_fetch(*BUILDS_ROUTE, job_id, raise_error=False)
            job = json.loads(response.body)
            if job.get("state") in {"built", "failed", "cancelled", "interrupted"}:
                break
            if time.monotonic() > deadline:
                await jp_fetch(
                    *BUILDS_ROUTE, job_id, method="DELETE", allow_nonstandard_methods=True,
                    raise_error=False,
                )  # fmt: skip
                problems.append(f"job {job_id} still {job.get('state')}: cancelled")
                break
            await asyncio.sleep(0.05)
    return problems


async def run_route(jp_fetch, root: Path, route: str) -> None:
    figures = Figures("paths")
    cases = all_cases(root)
    markers = leak_markers(root)
    failures: list[str] = []
    tried: set[tuple[str, str]] = set()
    answers: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    job_ids: list[str] = []
    escaped = 0
    for case in cases:
        linked = isinstance(case.value, str) and case.value.startswith("hidden-links/")
        if linked:
            add_links_to_hidden_files(root)
        try:
            verdict = await try_case(jp_fetch, case, route, markers)
        finally:
            if linked:
                remove_links_to_hidden_files(root)
        if case.hostile:
            tried.add(case.key)
            groups[case.group] += 1
            figures.add(hostile_paths_tried=1, hostile_paths_escaped=int(verdict.escaped))
        escaped += int(verdict.escaped)
        answers[verdict.answer] += 1
        if verdict.job_id:
            job_ids.append(verdict.job_id)
        failures += [f"[{route}] {case.name}: {problem}" for problem in verdict.problems]
    failures += [f"[{route}] {problem}" for problem in await end_jobs(jp_fetch, job_ids)]
    print(f"\n{route} route: {len(tried)} distinct hostile paths, {escaped} escaped")
    print(f"  hostile cases per group: {dict(sorted(groups.items()))}")
    print(f"  answers (controls included): {dict(sorted(answers.items()))}")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:80])
    assert escaped == 0
    assert len(tried) >= MIN_PATHS_PER_ROUTE, f"only {len(tried)} distinct hostile paths"


async def test_hostile_paths_never_escape_the_zip_route(jp_fetch, hostile_root):
    await run_route(jp_fetch, hostile_root, "zip")


async def test_hostile_paths_never_escape_the_build_route(jp_fetch, hostile_root):
    await run_route(jp_fetch, hostile_root, "build")


# Found by this suite and fixed: a folder holding a plainly named symlink to a hidden file
# or folder of the root (.env, .git) put its content in the zip and the build context,
# although the same path asked for directly was refused (403 hidden_path). The walk now
# skips entries whose resolved path has a hidden component.
async def test_a_folder_walk_leaves_out_symlinks_to_hidden_files(jp_fetch, hostile_root):
    add_links_to_hidden_files(hostile_root)
    case = allow("hidden path", "hidden-links", {}, label="a folder of links to hidden files")
    verdict = await try_case(jp_fetch, case, "zip", leak_markers(hostile_root))
    assert verdict.answer == "200 zip"
    assert not verdict.problems, verdict.problems


async def test_a_build_context_leaves_out_symlinks_to_hidden_files(
    jp_fetch, jp_serverapp, hostile_root
):
    """The same through the build route: POST builds accepts it (202) and plans the context
    with plan_bundle, as BuildService.submit does; the engine would receive .env."""
    add_links_to_hidden_files(hostile_root)
    case = allow("hidden path", "hidden-links", {}, label="a folder of links to hidden files")
    body = request_body(case, "build")
    status, _, answer = await post(jp_fetch, "build", body)
    assert status == 202, answer
    await end_jobs(jp_fetch, [json.loads(answer)["id"]])
    builds = jp_serverapp.web_app.settings[BUILDS_KEY]
    assembly = plan_bundle(
        builds.root, parse_build_request(body, builds.limits).spec, builds.limits
    )
    leaked = [entry.path for entry in assembly.entries if entry.path.startswith("payload/")]
    assert leaked == [], f"the build context holds {leaked}"  # fails: env, git, git/config

"""Safe access to files of the Jupyter root (the "workspace") on behalf of a client.

A client names workspace files by '/'-separated paths relative to the server root. Every
path is resolved with ``os.path.realpath`` and checked to stay inside the (equally resolved)
root with ``os.path.commonpath``, so ``..``, absolute paths and symlinks that point out of
the root are refused. Only regular files and directories are ever read. Messages name the
path as the client wrote it, never an absolute path of the server.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import BadRequest, WorkspaceForbidden, WorkspaceNotFound

#: Names skipped when walking a directory (besides every name starting with a dot).
SKIPPED_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints"})


@dataclass(frozen=True)
class WorkspaceFile:
    """A regular file found inside the root, with what identifies it at planning time."""

    relative: str  # '/'-separated, relative to the directory walked (or the file name)
    real_path: str  # resolved, inside the root
    size: int
    executable: bool
    device: int
    inode: int
    mtime: int = 0  # whole seconds since the epoch, as the file system says


def show(text: str, limit: int = 120) -> str:
    """A path as the client wrote it, printable (control characters escaped) and bounded."""
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def has_control_character(text: str) -> bool:
    """Control characters, and lone surrogates (names that are not valid UTF-8)."""
    return any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def is_skipped_name(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES


def is_inside(root_real: str, target_real: str) -> bool:
    """Containment by path components, not string prefix (/srv/root2 is not in /srv/root)."""
    try:
        return os.path.commonpath([root_real, target_real]) == root_real
    except ValueError:  # different drives on Windows
        return False


def check_relative_syntax(relative: object, what: str = "workspace path") -> str:
    """Reject what is malformed whatever the file system holds (400)."""
    if not isinstance(relative, str) or not relative:
        raise BadRequest(
            f"The {what} must be a non-empty string.",
            "Give a '/'-separated path relative to the Jupyter root, such as 'notebooks/a.ipynb'.",
            code="bad_workspace_path",
        )
    if has_control_character(relative):
        raise BadRequest(
            f"The {what} '{show(relative)}' contains a control character or invalid UTF-8.",
            "Rename the file without newlines, tabs, NUL or undecodable characters.",
            code="bad_workspace_path",
        )
    if "\\" in relative:
        raise BadRequest(
            f"The {what} '{show(relative)}' contains a backslash.",
            "Separate path components with '/'.",
            code="bad_workspace_path",
        )
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise BadRequest(
            f"The {what} '{show(relative)}' is absolute.",
            "Give the path relative to the Jupyter root, without a leading '/'.",
            code="bad_workspace_path",
        )
    return relative


def _outside(relative: str) -> WorkspaceForbidden:
    return WorkspaceForbidden(
        f"'{show(relative)}' is outside the Jupyter root.",
        "Only files under the directory Jupyter serves can be bundled; copy what you need "
        "there (a symlink pointing elsewhere is not followed).",
        code="outside_root",
    )


def _not_regular(relative: str) -> WorkspaceForbidden:
    return WorkspaceForbidden(
        f"'{show(relative)}' is not a regular file or directory (a device, FIFO or socket).",
        "Remove it from the bundle; only regular files and directories can be included.",
        code="special_file",
    )


def resolve_workspace_path(root: str | os.PathLike[str], relative: str) -> Path:
    """The resolved path of ``relative`` inside ``root``; a regular file or a directory.

    Raises BadRequest (400) for a malformed path, WorkspaceForbidden (403) for a path that
    leaves the root, is hidden or is a special file, WorkspaceNotFound (404) when missing.
    """
    check_relative_syntax(relative)
    root_real = os.path.realpath(root)
    target_real = os.path.realpath(os.path.join(root_real, *relative.split("/")))
    if not is_inside(root_real, target_real):
        raise _outside(relative)
    # Jupyter hides dot-files from its contents API by default; so do we.
    inner = os.path.relpath(target_real, root_real)
    named = [part for part in relative.split("/") if part not in ("", ".", "..")]
    resolved = [] if inner == os.curdir else inner.split(os.sep)
    if any(is_skipped_name(part) for part in named + resolved):
        raise WorkspaceForbidden(
            f"'{show(relative)}' is hidden or a cache ({', '.join(sorted(SKIPPED_NAMES))}, "
            "or a name starting with '.').",
            "Hidden files are not served by Jupyter; rename the file if it belongs in the bundle.",
            code="hidden_path",
        )
    try:
        mode = os.stat(target_real).st_mode
    except FileNotFoundError:
        raise WorkspaceNotFound(
            f"'{show(relative)}' does not exist in the Jupyter root.",
            "Check the path (it is relative to the directory Jupyter serves) or save the file.",
            code="workspace_not_found",
        ) from None
    except OSError:
        raise WorkspaceForbidden(
            f"'{show(relative)}' cannot be read.",
            "Check the file's permissions.",
            code="unreadable",
        ) from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise _not_regular(relative)
    return Path(target_real)


def workspace_file(real_path: str, relative: str) -> WorkspaceFile:
    info = os.stat(real_path)
    return WorkspaceFile(
        relative=relative,
        real_path=real_path,
        size=info.st_size,
        executable=bool(info.st_mode & stat.S_IXUSR),
        device=info.st_dev,
        inode=info.st_ino,
        mtime=int(info.st_mtime),
    )


def _reaches_hidden(root_real: str, real: str) -> bool:
    """A plainly named symlink may lead to a hidden file (.env, .git/…): skipped as well."""
    relative = os.path.relpath(real, root_real)
    return relative != "." and any(is_skipped_name(part) for part in relative.split(os.sep))


def walk_workspace_dir(
    root: str | os.PathLike[str], directory: str | os.PathLike[str]
) -> Iterator[tuple[str, WorkspaceFile | None]]:
    """Entries under ``directory`` (already resolved inside ``root``), sorted, recursively.

    Yields ``(relative, file)`` for regular files and ``(relative, None)`` for directories
    (so empty ones survive). Hidden names, ``__pycache__`` and ``.ipynb_checkpoints`` are
    skipped, and so is any entry whose resolved path leaves the root or goes through a
    hidden name (a symlink to .env), any special file, and
    any symlinked directory that loops back to one being walked.
    """
    root_real = os.path.realpath(root)

    def walk(real_dir: str, prefix: str, active: frozenset[str]) -> Iterator:
        try:
            names = sorted(entry.name for entry in os.scandir(real_dir))
        except OSError:
            return
        for name in names:
            if is_skipped_name(name) or has_control_character(name) or "\\" in name:
                continue
            relative = f"{prefix}{name}"
            real = os.path.realpath(os.path.join(real_dir, name))
            if not is_inside(root_real, real) or _reaches_hidden(root_real, real):
                continue
            try:
                mode = os.stat(real).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                if real in active:
                    continue
                yield relative, None
                yield from walk(real, relative + "/", active | {real})
            elif stat.S_ISREG(mode):
                yield relative, workspace_file(real, relative)

    directory_real = os.path.realpath(directory)
    yield from walk(directory_real, "", frozenset({directory_real}))

"""The downloadable bundle: generated texts plus workspace files, as a zip or a tar.

``bundle_spec_from`` (the files of a request, ``contracts.py``) and ``plan_bundle`` validate
everything and list every entry with its size up front, so every error is reported before a
single byte is streamed. ``iter_zip`` and ``iter_tar`` then write the same assembly
incrementally, a chunk at a time, never holding the archive (or a whole file) in memory.
Both are deterministic: sorted entries, owner root, modes 0o644/0o755, and times taken from
the input: each workspace file keeps its own modification time, and generated entries
(texts, folders, a wheelhouse) take the newest of those (see ``clamp_mtime``), so the same
files give the same bytes.

Notebooks are the one workspace file the assembly changes: a Python notebook is pointed at
the image's kernel (``notebook_kernel``), in the zip and the build context alike.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from .errors import BadRequest, PayloadTooLarge, WorkspaceChanged
from .notebook_kernel import MAX_REWRITE_BYTES, point_at_image_kernel
from .workspace import (
    WorkspaceFile,
    check_relative_syntax,
    has_control_character,
    resolve_workspace_path,
    show,
    walk_workspace_dir,
    workspace_file,
)

DEFAULT_NAME = "bundle"
#: 1980-01-01 00:00:00 UTC, the earliest date a zip can hold: the time of an entry when the
#: input has none (a bundle of generated texts only).
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_MTIME = 315532800
#: The zip's extended timestamp field (Info-ZIP "UT"): the exact UTC time, which unzip and
#: most archive tools restore; the DOS date beside it has no time zone and 2 s steps.
EXTENDED_TIMESTAMP = 0x5455
MAX_ZIP_MTIME = 0x7FFFFFFF
READ_SIZE = 1024 * 1024
FLUSH_SIZE = 256 * 1024
FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755


@dataclass(frozen=True)
class BundleLimits:
    max_bytes: int = 512 * 1024 * 1024
    max_request_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class IncludeSpec:
    workspace_path: str
    bundle_path: str


@dataclass(frozen=True)
class BundleSpec:
    name: str
    files: dict[str, bytes]
    include: tuple[IncludeSpec, ...]


Source = Union[bytes, WorkspaceFile, None]  # text, workspace file, or a directory


@dataclass(frozen=True)
class BundleEntry:
    """One archive member; ``path`` is relative to the bundle root, without a trailing '/'."""

    path: str
    source: Source
    mtime: int | None = None  # None: the assembly's time of generated entries

    @property
    def is_dir(self) -> bool:
        return self.source is None

    @property
    def size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        if isinstance(self.source, WorkspaceFile):
            return self.source.size
        return 0

    @property
    def mode(self) -> int:
        if self.is_dir:
            return DIR_MODE
        if isinstance(self.source, WorkspaceFile) and self.source.executable:
            return EXEC_MODE
        return FILE_MODE


@dataclass(frozen=True)
class BundleAssembly:
    name: str
    entries: tuple[BundleEntry, ...]  # sorted by path, directories included
    total_bytes: int
    file_count: int = field(default=0)
    mtime: int = FIXED_MTIME  # of generated entries: the newest workspace file's

    def mtime_of(self, entry: BundleEntry) -> int:
        return self.mtime if entry.mtime is None else entry.mtime


# --- parsing -----------------------------------------------------------------------------


def sanitize_name(name: object) -> str:
    """The zip's base name, restricted to [A-Za-z0-9._-]; "bundle" when nothing is left."""
    if name is None:
        return DEFAULT_NAME
    if not isinstance(name, str):
        raise BadRequest(
            "'name' must be a string.", "Send the zip's base name, such as 'my-notebook'."
        )
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:100]
    return cleaned or DEFAULT_NAME


def check_bundle_path(path: object, where: str) -> str:
    """A relative, normalized, '/'-separated path inside the bundle (400 otherwise)."""
    hint = "Use a relative '/'-separated path such as 'vendor/mypkg' (no '..', no '\\')."
    if not isinstance(path, str) or not path:
        raise BadRequest(f"{where}: the bundle path must be a non-empty string.", hint)
    if has_control_character(path):
        raise BadRequest(
            f"{where}: '{show(path)}' contains a control character or invalid UTF-8.", hint
        )
    if "\\" in path:
        raise BadRequest(f"{where}: '{show(path)}' contains a backslash.", hint)
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise BadRequest(f"{where}: '{show(path)}' is absolute.", hint)
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadRequest(
            f"{where}: '{show(path)}' has an empty, '.' or '..' component.",
            hint,
        )
    return path


def bundle_spec_from(data: dict[str, Any]) -> BundleSpec:
    name = sanitize_name(data.get("name"))
    files = _parse_files(data.get("files"))
    include = _parse_include(data.get("include"))
    return BundleSpec(name=name, files=files, include=include)


def _parse_files(raw: Any) -> dict[str, bytes]:
    if not isinstance(raw, dict):
        raise BadRequest(
            "'files' is missing or not an object.",
            'Send "files": {"<path in the bundle>": "<text>"} (it may be empty).',
        )
    files: dict[str, bytes] = {}
    for path, text in raw.items():
        check_bundle_path(path, "files")
        if not isinstance(text, str):
            raise BadRequest(f"files['{show(path)}'] must be a string.", "Send the file's text.")
        try:
            files[path] = text.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(
                f"files['{show(path)}'] is not valid Unicode (a lone surrogate).",
                "Send the text as proper UTF-8.",
            ) from None
    return files


def _parse_include(raw: Any) -> tuple[IncludeSpec, ...]:
    if raw is None:
        return ()
    hint = 'Send "include": [{"workspacePath": "data/x.csv", "bundlePath": "data/x.csv"}].'
    if not isinstance(raw, list):
        raise BadRequest("'include' must be a list.", hint)
    include = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise BadRequest(f"include[{index}] must be an object.", hint)
        workspace_path = item.get("workspacePath")
        check_relative_syntax(workspace_path, f"include[{index}].workspacePath")
        bundle_path = check_bundle_path(item.get("bundlePath"), f"include[{index}].bundlePath")
        include.append(IncludeSpec(workspace_path=workspace_path, bundle_path=bundle_path))
    return tuple(include)


# --- planning ----------------------------------------------------------------------------


def plan_bundle(
    root: str | os.PathLike[str], spec: BundleSpec, limits: BundleLimits
) -> BundleAssembly:
    """Every entry of the bundle, checked: paths, collisions, workspace access, total size."""
    entries: dict[str, Source] = {}
    origin: dict[str, str] = {}
    mtimes: dict[str, int] = {}

    def add(path: str, source: Source, where: str) -> None:
        if path in entries:
            if source is None and entries[path] is None:
                return  # a directory named twice is fine
            raise BadRequest(
                f"'{show(path)}' would be written twice in the bundle ({origin[path]} and "
                f"{where}).",
                "Give every file and included path its own bundle path.",
                code="bundle_path_collision",
            )
        entries[path] = source
        origin[path] = where
        if isinstance(source, WorkspaceFile):
            mtimes[path] = clamp_mtime(source.mtime)
            entries[path] = _for_the_image(path, source)

    for path, data in spec.files.items():
        add(path, data, "files")
    for index, item in enumerate(spec.include):
        where = f"include[{index}]"
        real = resolve_workspace_path(root, item.workspace_path)
        if real.is_dir():
            add(item.bundle_path, None, where)
            for relative, found in walk_workspace_dir(root, real):
                add(f"{item.bundle_path}/{relative}", found, where)
        else:
            add(item.bundle_path, workspace_file(str(real), item.workspace_path), where)

    # Parents become directories; a path cannot be both a file and a directory.
    for path in list(entries):
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in entries and entries[parent] is not None:
                raise BadRequest(
                    f"'{show(parent)}' is a file in the bundle ({origin[parent]}) and also the "
                    f"folder of '{show(path)}' ({origin[path]}).",
                    "Give the file or the folder another bundle path.",
                    code="bundle_path_collision",
                )
            entries.setdefault(parent, None)
            origin.setdefault(parent, origin[path])

    ordered = tuple(BundleEntry(path, entries[path], mtimes.get(path)) for path in sorted(entries))
    total = sum(entry.size for entry in ordered)  # a rewritten notebook counts as rewritten
    if total > limits.max_bytes:
        raise PayloadTooLarge(
            f"The bundle would hold {_mib(total)} of files, over the limit of "
            f"{_mib(limits.max_bytes)}.",
            "Leave big data files out of the bundle (mount them at run time instead), or ask "
            "the server's administrator to raise c.Dockerize.bundle_max_bytes.",
            code="bundle_too_large",
        )
    files = sum(1 for entry in ordered if not entry.is_dir)
    return BundleAssembly(
        name=spec.name,
        entries=ordered,
        total_bytes=total,
        file_count=files,
        mtime=max(mtimes.values(), default=FIXED_MTIME),
    )


def clamp_mtime(mtime: float, now: float | None = None) -> int:
    """A file's time as the archives hold it: whole seconds, not before 1980 (a zip cannot
    say it) and not in the future (a clock set wrong on the author's machine)."""
    latest = int(time.time() if now is None else now)
    return max(FIXED_MTIME, min(int(mtime), latest, MAX_ZIP_MTIME))


def _for_the_image(path: str, found: WorkspaceFile) -> Source:
    """A notebook pointed at the image's kernel (its bytes, read now); any other file as is."""
    if not path.lower().endswith(".ipynb") or found.size > MAX_REWRITE_BYTES:
        return found
    data = b"".join(iter_source(BundleEntry(path, found)))
    rewritten = point_at_image_kernel(data)
    return found if rewritten is None else rewritten


def with_entries(assembly: BundleAssembly, extra: dict[str, Source]) -> BundleAssembly:
    """The assembly plus generated entries (a wheelhouse); their paths must be new."""
    entries = {entry.path: entry.source for entry in assembly.entries}
    mtimes = {entry.path: entry.mtime for entry in assembly.entries}
    for path, source in extra.items():
        if path in entries and not (source is None and entries[path] is None):
            raise BadRequest(
                f"'{show(path)}' is generated by the server and cannot come from the request.",
                "Leave that path out of the bundle.",
                code="bundle_path_collision",
            )
        entries[path] = source
        mtimes[path] = None  # generated: a downloaded wheel's own time is not the input's
    ordered = tuple(BundleEntry(path, entries[path], mtimes.get(path)) for path in sorted(entries))
    return BundleAssembly(
        name=assembly.name,
        entries=ordered,
        total_bytes=sum(entry.size for entry in ordered),
        file_count=sum(1 for entry in ordered if not entry.is_dir),
        mtime=assembly.mtime,
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


# --- reading -----------------------------------------------------------------------------


def iter_source(entry: BundleEntry, size: int = READ_SIZE) -> Iterator[bytes]:
    """The entry's bytes in chunks; a workspace file must still be the one planned."""
    source = entry.source
    if isinstance(source, bytes):
        for start in range(0, len(source), size):
            yield source[start : start + size]
        return
    assert isinstance(source, WorkspaceFile)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(source.real_path, flags)
    except OSError:
        raise _changed(entry) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if (
            not stat.S_ISREG(info.st_mode)
            or (info.st_dev, info.st_ino) != (source.device, source.inode)
            or info.st_size != source.size
        ):
            raise _changed(entry)
        left = source.size
        while left:
            chunk = handle.read(min(size, left))
            if not chunk:
                raise _changed(entry)
            left -= len(chunk)
            yield chunk


def _changed(entry: BundleEntry) -> WorkspaceChanged:
    return WorkspaceChanged(
        f"'{show(entry.path)}' changed while the bundle was being written.",
        "Download the bundle again once the file is saved.",
    )


# --- archives ----------------------------------------------------------------------------


class _ChunkSink(io.RawIOBase):
    """A write-only, non-seekable stream whose written bytes are taken out by ``drain``."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()
        self.position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._buffer += view
        self.position += view.nbytes
        return view.nbytes

    def pending(self) -> int:
        return len(self._buffer)

    def drain(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def iter_zip(assembly: BundleAssembly) -> Iterator[bytes]:
    """The bundle as a zip, every entry under ``<name>/``, in chunks of about FLUSH_SIZE.

    Some chunks are empty (see below); they carry nothing and can be skipped.
    """
    sink = _ChunkSink()
    top = assembly.name
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(_zip_info(f"{top}/", DIR_MODE, assembly.mtime, is_dir=True), b"")
        for entry in assembly.entries:
            mtime = assembly.mtime_of(entry)
            if entry.is_dir:
                zf.writestr(_zip_info(f"{top}/{entry.path}/", DIR_MODE, mtime, is_dir=True), b"")
                continue
            info = _zip_info(f"{top}/{entry.path}", entry.mode, mtime, is_dir=False)
            info.file_size = entry.size  # lets zipfile pick zip64 up front for big files
            with zf.open(info, "w") as member:
                for chunk in iter_source(entry):
                    member.write(chunk)
                    # Highly compressible input gives little output: yield b"" anyway, so
                    # the consumer gets control back (to notice a disconnect) every READ_SIZE.
                    yield sink.drain() if sink.pending() >= FLUSH_SIZE else b""
            if sink.pending() >= FLUSH_SIZE:
                yield sink.drain()
    if sink.pending():
        yield sink.drain()


def _zip_info(name: str, mode: int, mtime: int, *, is_dir: bool) -> zipfile.ZipInfo:
    # UTC in the DOS field too, so that the bytes do not depend on the server's time zone.
    info = zipfile.ZipInfo(name, date_time=time.gmtime(mtime)[:6])
    info.extra = struct.pack("<HHBl", EXTENDED_TIMESTAMP, 5, 1, mtime)
    info.create_system = 3  # unix, so that external_attr carries the mode
    if is_dir:
        info.external_attr = ((stat.S_IFDIR | mode) << 16) | 0x10
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = (stat.S_IFREG | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def iter_tar(assembly: BundleAssembly, *, top_folder: bool = False) -> Iterator[bytes]:
    """The bundle as an uncompressed PAX tar (a ``docker build`` context by default).

    Entries sit at the archive root unless ``top_folder`` puts them under ``<name>/``.
    Owner 0:0, no user names, the entries' times (as the zip's), modes 0o644/0o755.
    """
    sink = _ChunkSink()
    prefix = f"{assembly.name}/" if top_folder else ""
    entries = list(assembly.entries)
    if top_folder:
        sink.write(_tar_header(assembly.name, None, DIR_MODE, assembly.mtime))
    for entry in entries:
        sink.write(_tar_header(prefix + entry.path, entry, entry.mode, assembly.mtime_of(entry)))
        if entry.is_dir:
            continue
        for chunk in iter_source(entry):
            sink.write(chunk)
            if sink.pending() >= FLUSH_SIZE:
                yield sink.drain()
        remainder = entry.size % tarfile.BLOCKSIZE
        if remainder:
            sink.write(b"\0" * (tarfile.BLOCKSIZE - remainder))
        if sink.pending() >= FLUSH_SIZE:
            yield sink.drain()
    # End of archive: two zero blocks, padded to a whole record, as tarfile does.
    sink.write(b"\0" * (2 * tarfile.BLOCKSIZE))
    remainder = sink.position % tarfile.RECORDSIZE
    if remainder:
        sink.write(b"\0" * (tarfile.RECORDSIZE - remainder))
    yield sink.drain()


def _tar_header(name: str, entry: BundleEntry | None, mode: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = mode
    if entry is None or entry.is_dir:
        info.type = tarfile.DIRTYPE
        info.size = 0
    else:
        info.type = tarfile.REGTYPE
        info.size = entry.size
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")

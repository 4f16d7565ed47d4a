"""POST /jupyterlab-dockerize/bundle through a real Jupyter server, on real files."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import struct
import subprocess
import tarfile
import time
import zipfile

import pytest
from tornado.simple_httpclient import HTTPStreamClosedError

from jupyterlab_dockerize import routes
from jupyterlab_dockerize.bundle import (
    FIXED_MTIME,
    BundleLimits,
    clamp_mtime,
    iter_tar,
    iter_zip,
    plan_bundle,
)
from jupyterlab_dockerize.contracts import parse_bundle_request
from jupyterlab_dockerize.errors import WorkspaceChanged

BUNDLE_ROUTE = ("jupyterlab-dockerize", "bundle")
MiB = 1024 * 1024

DOCKERFILE = "FROM python:3.11-slim\nCOPY . /home/jovyan\n"
SECRET = "TOP-SECRET-CONTENT"
README = "Ünïcode — 日本語 ✓\n"


async def post_bundle(jp_fetch, body, **kwargs):
    """(status, headers, body bytes) for a success and an error alike."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await jp_fetch(*BUNDLE_ROUTE, method="POST", body=raw, raise_error=False, **kwargs)
    return response.code, response.headers, response.body


def error_of(code, headers, body) -> dict:
    assert headers["Content-Type"].startswith("application/json"), (code, body[:200])
    error = json.loads(body)["error"]
    assert error["code"] and error["message"] and error["hint"]
    assert "Traceback" not in body.decode()
    return error


@pytest.fixture
def workspace(jp_root_dir):
    """A notebook, a data file and a vendored project with the usual clutter."""
    (jp_root_dir / "analysis.ipynb").write_text('{"cells": []}')
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "table.csv").write_bytes(b"a,b\n1,2\n" * 100)
    project = jp_root_dir / "mypkg"
    (project / "src" / "mypkg").mkdir(parents=True)
    (project / "src" / "mypkg" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text("[project]\nname = 'mypkg'\n")
    (project / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (project / "run.sh").chmod(0o755)
    (project / "empty").mkdir()
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / ".env").write_text("TOKEN=secret\n")
    (project / "src" / "mypkg" / "__pycache__").mkdir()
    (project / "src" / "mypkg" / "__pycache__" / "x.pyc").write_bytes(b"\0\1")
    (project / ".ipynb_checkpoints").mkdir()
    (project / ".ipynb_checkpoints" / "n-checkpoint.ipynb").write_text("{}")
    for path in jp_root_dir.rglob("*"):
        if path.is_file():
            os.utime(path, (OLDER, OLDER))
    os.utime(jp_root_dir / "analysis.ipynb", (NEWEST, NEWEST))
    return jp_root_dir


#: The workspace's file times: the notebook is the newest input (an odd second on purpose:
#: the zip's DOS field has 2 s steps, its extended timestamp has the exact second).
OLDER = 1_650_000_000
NEWEST = 1_700_000_001


def zip_mtime(info: zipfile.ZipInfo) -> int | None:
    """The exact UTC time of the zip's extended timestamp field (0x5455), if present."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        if kind == 0x5455 and size >= 5 and extra[4] & 1:
            return struct.unpack("<l", extra[5:9])[0]
        extra = extra[4 + size :]
    return None


def dos_time(mtime: int) -> tuple[int, ...]:
    year, month, day, hour, minute, second = time.gmtime(mtime)[:6]
    return (year, month, day, hour, minute, second - second % 2)


def request_body(name="my analysis"):
    return {
        "name": name,
        "files": {"Dockerfile": DOCKERFILE, "README.md": README, "requirements.txt": ""},
        "include": [
            {"workspacePath": "analysis.ipynb", "bundlePath": "analysis.ipynb"},
            {"workspacePath": "data/table.csv", "bundlePath": "data/table.csv"},
            {"workspacePath": "mypkg", "bundlePath": "vendor/mypkg"},
        ],
    }


async def test_zip_holds_texts_and_workspace_files_under_one_folder(jp_fetch, workspace):
    code, headers, body = await post_bundle(jp_fetch, request_body())

    assert code == 200
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"] == 'attachment; filename="my_analysis.zip"'
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    names = archive.namelist()
    assert all(name.startswith("my_analysis/") for name in names)
    assert names == sorted(names)
    files = {
        info.filename.removeprefix("my_analysis/"): archive.read(info)
        for info in archive.infolist()
        if not info.is_dir()
    }
    project = workspace / "mypkg"
    assert files == {
        "Dockerfile": DOCKERFILE.encode(),
        "README.md": README.encode("utf-8"),
        "requirements.txt": b"",
        "analysis.ipynb": (workspace / "analysis.ipynb").read_bytes(),
        "data/table.csv": (workspace / "data" / "table.csv").read_bytes(),
        "vendor/mypkg/pyproject.toml": (project / "pyproject.toml").read_bytes(),
        "vendor/mypkg/run.sh": (project / "run.sh").read_bytes(),
        "vendor/mypkg/src/mypkg/__init__.py": (project / "src/mypkg/__init__.py").read_bytes(),
    }
    assert "my_analysis/vendor/mypkg/empty/" in names
    modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes["my_analysis/vendor/mypkg/run.sh"] == 0o100755
    assert modes["my_analysis/Dockerfile"] == 0o100644
    assert modes["my_analysis/vendor/"] == 0o40755
    times = {info.filename.removeprefix("my_analysis/"): info for info in archive.infolist()}
    for name, info in times.items():
        # Workspace files keep their own time; generated entries take the newest input's.
        expected = OLDER if name.startswith(("data/", "vendor/mypkg/")) and "." in name else NEWEST
        assert (name, zip_mtime(info)) == (name, expected)
        assert (name, info.date_time) == (name, dos_time(expected))
    if shutil.which("unzip"):  # a second, independent reader of the zip
        path = workspace.parent / "out.zip"
        path.write_bytes(body)
        check = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


async def test_same_request_gives_identical_bytes(jp_fetch, workspace):
    first = await post_bundle(jp_fetch, request_body())
    second = await post_bundle(jp_fetch, request_body())
    (workspace / "analysis.ipynb").write_text('{"cells": []}')  # same bytes, saved again
    os.utime(workspace / "analysis.ipynb", (NEWEST, NEWEST))
    third = await post_bundle(jp_fetch, request_body())

    assert first[0] == second[0] == third[0] == 200
    assert first[2] == second[2] == third[2]


async def test_a_newer_file_time_is_the_only_change(jp_fetch, workspace):
    """The time is part of the input: a notebook saved later gives a zip that says so."""
    first = await post_bundle(jp_fetch, request_body())
    os.utime(workspace / "analysis.ipynb", (NEWEST + 3600, NEWEST + 3600))
    second = await post_bundle(jp_fetch, request_body())

    assert first[2] != second[2]
    before = zipfile.ZipFile(io.BytesIO(first[2]))
    after = zipfile.ZipFile(io.BytesIO(second[2]))
    assert [i.filename for i in before.infolist()] == [i.filename for i in after.infolist()]
    for old, new in zip(before.infolist(), after.infolist()):
        assert before.read(old) == after.read(new)
    assert zip_mtime(after.getinfo("my_analysis/analysis.ipynb")) == NEWEST + 3600
    assert zip_mtime(after.getinfo("my_analysis/Dockerfile")) == NEWEST + 3600
    assert zip_mtime(after.getinfo("my_analysis/data/table.csv")) == OLDER


def test_file_times_are_clamped_to_what_an_archive_can_say():
    now = 1_800_000_000
    assert clamp_mtime(0, now) == FIXED_MTIME  # before 1980: the zip's earliest date
    assert clamp_mtime(-5, now) == FIXED_MTIME
    assert clamp_mtime(1_700_000_000.9, now) == 1_700_000_000
    assert clamp_mtime(now + 86_400, now) == now  # a clock set in the future
    assert clamp_mtime(2**40, 2**40) == 0x7FFFFFFF  # the zip's 32-bit field


def test_a_bundle_of_texts_only_is_dated_1980(workspace):
    spec = parse_bundle_request(json.dumps({"files": {"a": "x"}}).encode(), BundleLimits()).spec
    assembly = plan_bundle(workspace, spec, BundleLimits())
    assert assembly.mtime == FIXED_MTIME
    archive = zipfile.ZipFile(io.BytesIO(b"".join(iter_zip(assembly))))
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_an_old_or_future_file_is_clamped_in_both_archives(workspace):
    os.utime(workspace / "data" / "table.csv", (86_400, 86_400))  # 1970
    future = int(time.time()) + 10 * 86_400
    os.utime(workspace / "analysis.ipynb", (future, future))
    spec = parse_bundle_request(json.dumps(request_body()).encode(), BundleLimits()).spec
    before = int(time.time())
    assembly = plan_bundle(workspace, spec, BundleLimits())
    after = int(time.time())

    archive = zipfile.ZipFile(io.BytesIO(b"".join(iter_zip(assembly))))
    tar = tarfile.open(fileobj=io.BytesIO(b"".join(iter_tar(assembly))))
    assert zip_mtime(archive.getinfo("my_analysis/data/table.csv")) == FIXED_MTIME
    assert tar.getmember("data/table.csv").mtime == FIXED_MTIME
    assert before <= tar.getmember("analysis.ipynb").mtime <= after
    assert before <= tar.getmember("Dockerfile").mtime <= after


@pytest.mark.parametrize(
    ("name", "filename", "top"),
    [
        (None, "bundle.zip", "bundle/"),
        ("", "bundle.zip", "bundle/"),
        ("../../etc/pass wd", "etc_pass_wd.zip", "etc_pass_wd/"),
        ('a"b\r\nSet-Cookie: x', "a_b_Set-Cookie_x.zip", "a_b_Set-Cookie_x/"),
    ],
)
async def test_zip_name_is_sanitized(jp_fetch, workspace, name, filename, top):
    body = {"files": {"Dockerfile": DOCKERFILE}}
    if name is not None:
        body["name"] = name
    code, headers, raw = await post_bundle(jp_fetch, body)

    assert code == 200
    assert headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert zipfile.ZipFile(io.BytesIO(raw)).namelist() == [top, top + "Dockerfile"]


def test_zip_and_tar_hold_byte_identical_files(workspace):
    spec = parse_bundle_request(json.dumps(request_body()).encode(), BundleLimits()).spec
    assembly = plan_bundle(workspace, spec, BundleLimits())

    archive = zipfile.ZipFile(io.BytesIO(b"".join(iter_zip(assembly))))
    tar_bytes = b"".join(iter_tar(assembly))
    tar = tarfile.open(fileobj=io.BytesIO(tar_bytes))

    top = f"{assembly.name}/"
    zip_files = {
        i.filename.removeprefix(top): (archive.read(i), i.external_attr >> 16 & 0o777)
        for i in archive.infolist()
        if not i.is_dir()
    }
    tar_files = {m.name: (tar.extractfile(m).read(), m.mode) for m in tar if m.isfile()}
    assert zip_files == tar_files
    assert len(tar_files) == 8
    zip_dirs = {i.filename.removeprefix(top).rstrip("/") for i in archive.infolist() if i.is_dir()}
    assert zip_dirs - {""} == {m.name for m in tar if m.isdir()}
    zip_times = {i.filename.removeprefix(top).rstrip("/"): zip_mtime(i) for i in archive.infolist()}
    for member in tar:
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        assert member.mtime == zip_times[member.name]
    assert tar.getmember("data/table.csv").mtime == OLDER
    assert tar.getmember("analysis.ipynb").mtime == NEWEST
    assert tar.getmember("Dockerfile").mtime == NEWEST
    assert tar.getmember("vendor").mtime == NEWEST
    assert len(tar_bytes) % tarfile.RECORDSIZE == 0
    assert b"".join(iter_tar(assembly)) == tar_bytes
    with_top = tarfile.open(fileobj=io.BytesIO(b"".join(iter_tar(assembly, top_folder=True))))
    assert all(n == "my_analysis" or n.startswith("my_analysis/") for n in with_top.getnames())


def test_a_file_changed_after_planning_aborts_the_stream(workspace):
    spec = parse_bundle_request(
        json.dumps(
            {"files": {}, "include": [{"workspacePath": "data", "bundlePath": "data"}]}
        ).encode(),
        BundleLimits(),
    ).spec
    assembly = plan_bundle(workspace, spec, BundleLimits())
    with open(workspace / "data" / "table.csv", "ab") as handle:
        handle.write(b"3,4\n")
    with pytest.raises(WorkspaceChanged):
        b"".join(iter_zip(assembly))
    (workspace / "data" / "table.csv").unlink()
    (workspace / "data" / "table.csv").write_text("replaced")
    with pytest.raises(WorkspaceChanged):
        b"".join(iter_tar(assembly))


def rss_kib(field="VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


async def test_big_bundle_streams_in_bounded_memory(jp_fetch, jp_root_dir):
    """3 x 64 MiB in; the server (in this process) never holds a file, the client never buffers.

    Holding any one file in memory would alone exceed the 48 MiB bound.
    """
    (jp_root_dir / "big").mkdir()
    for index in range(3):
        with open(jp_root_dir / "big" / f"part{index}.bin", "wb") as handle:
            handle.truncate(64 * MiB)
    received = io.BytesIO()
    samples = []

    def on_chunk(chunk):
        received.write(chunk)
        samples.append(rss_kib())

    try:  # reset the peak RSS (VmHWM) so that it measures this request only
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        peak_is_reset = True
    except OSError:
        peak_is_reset = False
    before = rss_kib()
    body = {"name": "big", "files": {}, "include": [{"workspacePath": "big", "bundlePath": "big"}]}
    response = await jp_fetch(
        *BUNDLE_ROUTE, method="POST", body=json.dumps(body), streaming_callback=on_chunk
    )
    peak = rss_kib("VmHWM") if peak_is_reset else max(samples)
    growth_mib = (peak - before) / 1024
    print(f"\nbundle of 192 MiB: peak RSS growth {growth_mib:.1f} MiB ({peak_is_reset=})")

    assert response.code == 200
    assert growth_mib < 48
    archive = zipfile.ZipFile(received)
    assert [i.file_size for i in archive.infolist() if not i.is_dir()] == [64 * MiB] * 3
    assert archive.testzip() is None


async def test_incompressible_data_is_written_in_many_chunks(jp_fetch, jp_root_dir, monkeypatch):
    payload = os.urandom(6 * MiB)
    (jp_root_dir / "noise.bin").write_bytes(payload)
    writes = []
    original_write = routes.BundleHandler.write

    def counting_write(self, chunk):
        writes.append(len(chunk))
        return original_write(self, chunk)

    monkeypatch.setattr(routes.BundleHandler, "write", counting_write)
    body = {"files": {}, "include": [{"workspacePath": "noise.bin", "bundlePath": "noise.bin"}]}
    code, _, raw = await post_bundle(jp_fetch, body)

    assert code == 200
    assert len(writes) >= 5  # about one chunk per MiB read, never the whole zip at once
    assert max(writes) < 2 * MiB
    assert zipfile.ZipFile(io.BytesIO(raw)).read("bundle/noise.bin") == payload


@pytest.fixture
def attack_tree(workspace, tmp_path):
    """Things next to the root (tmp/root_dir): a prefix sibling, a secret, and links to them."""
    assert workspace.name == "root_dir"
    evil = tmp_path / "root_dir-evil"
    evil.mkdir()
    (evil / "loot.txt").write_text("loot")
    (tmp_path / "secret.txt").write_text(SECRET)
    (workspace / "link-file").symlink_to(tmp_path / "secret.txt")
    (workspace / "link-dir").symlink_to(tmp_path)
    (workspace / "link-evil").symlink_to(evil)
    os.mkfifo(workspace / "pipe")
    return workspace


@pytest.mark.parametrize(
    ("workspace_path", "status"),
    [
        ("..", 403),
        ("../..", 403),
        ("../secret.txt", 403),
        ("mypkg/../../secret.txt", 403),
        ("../root_dir-evil/loot.txt", 403),
        ("../root_dir-evil", 403),
        ("link-file", 403),
        ("link-dir", 403),
        ("link-dir/secret.txt", 403),
        ("link-evil/loot.txt", 403),
        ("pipe", 403),
        ("mypkg/.env", 403),
        ("mypkg/.git", 403),
        ("/etc/passwd", 400),
        ("a\nb", 400),
        ("a\0b", 400),
        ("mypkg\\pyproject.toml", 400),
        ("", 400),
        ("%2e%2e/secret.txt", 404),
        ("%2e%2e", 404),
        ("missing.txt", 404),
    ],
)
async def test_workspace_path_attacks_are_refused_before_streaming(
    jp_fetch, attack_tree, tmp_path, workspace_path, status
):
    body = {
        "files": {"Dockerfile": DOCKERFILE},
        "include": [{"workspacePath": workspace_path, "bundlePath": "x"}],
    }
    code, headers, raw = await post_bundle(jp_fetch, body)

    assert code == status
    error = error_of(code, headers, raw)
    assert str(tmp_path) not in raw.decode()
    assert SECRET.encode() not in raw
    assert "Content-Disposition" not in headers
    if status == 403:
        assert error["code"] in {"outside_root", "special_file", "hidden_path"}


@pytest.mark.parametrize(
    "bundle_path",
    [
        "../x",
        "../../etc/cron.d/x",
        "/etc/passwd",
        "a\\b",
        "a\nb",
        "a\0b",
        "a\udcffb",
        "a/./b",
        "a//b",
        "",
    ],
)
async def test_bad_bundle_paths_are_400(jp_fetch, workspace, bundle_path):
    for body in (
        {"files": {bundle_path: "x"}},
        {"files": {}, "include": [{"workspacePath": "analysis.ipynb", "bundlePath": bundle_path}]},
    ):
        code, headers, raw = await post_bundle(jp_fetch, body)
        assert code == 400, (bundle_path, body)
        error_of(code, headers, raw)


@pytest.mark.parametrize(
    "body",
    [
        {"files": {"Dockerfile": "a"}, "include": [{"workspacePath": "analysis.ipynb",
                                                      "bundlePath": "Dockerfile"}]},
        {"files": {}, "include": [
            {"workspacePath": "analysis.ipynb", "bundlePath": "n.ipynb"},
            {"workspacePath": "data/table.csv", "bundlePath": "n.ipynb"},
        ]},
        # a generated file inside an included directory
        {"files": {"vendor/mypkg/pyproject.toml": "x"},
         "include": [{"workspacePath": "mypkg", "bundlePath": "vendor/mypkg"}]},
        # a file where a folder is needed
        {"files": {"vendor": "x", "vendor/a.txt": "y"}},
        {"files": {"data": "x"}, "include": [{"workspacePath": "data", "bundlePath": "data"}]},
    ],
)  # fmt: skip
async def test_colliding_bundle_paths_are_400(jp_fetch, workspace, body):
    code, headers, raw = await post_bundle(jp_fetch, body)

    assert code == 400
    assert error_of(code, headers, raw)["code"] == "bundle_path_collision"


async def test_duplicate_json_keys_are_400(jp_fetch, workspace):
    raw_body = b'{"files": {"Dockerfile": "a", "Dockerfile": "b"}}'
    code, headers, raw = await post_bundle(jp_fetch, raw_body)

    assert code == 400
    assert error_of(code, headers, raw)["code"] == "bundle_path_collision"


@pytest.mark.parametrize(
    "raw_body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"{}",
        b'{"files": []}',
        b'{"files": {"a": 1}}',
        b'{"files": {"a": "\\ud800"}}',
        b'{"files": {}, "include": {}}',
        b'{"files": {}, "include": ["a"]}',
        b'{"files": {}, "include": [{"workspacePath": "analysis.ipynb"}]}',
        b'{"files": {}, "include": [{"bundlePath": "x"}]}',
        b'{"files": {}, "include": [{"workspacePath": 1, "bundlePath": "x"}]}',
        b'{"name": 5, "files": {}}',
    ],
)
async def test_malformed_bodies_are_400(jp_fetch, workspace, raw_body):
    code, headers, raw = await post_bundle(jp_fetch, raw_body)

    assert code == 400
    error_of(code, headers, raw)


async def test_bundle_over_the_size_limit_is_413(jp_fetch, jp_serverapp, workspace):
    jp_serverapp.web_app.settings["jupyterlab_dockerize"].bundle_max_bytes = 500
    code, headers, raw = await post_bundle(jp_fetch, request_body())

    assert code == 413
    error = error_of(code, headers, raw)
    assert error["code"] == "bundle_too_large"
    assert "bundle_max_bytes" in error["hint"]


async def test_request_over_the_body_limit_is_413(jp_fetch, jp_serverapp, workspace):
    jp_serverapp.web_app.settings["jupyterlab_dockerize"].bundle_max_request_bytes = 1024
    code, headers, raw = await post_bundle(jp_fetch, {"files": {"big.txt": "x" * 2000}})

    assert code == 413
    error = error_of(code, headers, raw)
    assert error["code"] == "request_too_large"
    assert "include" in error["hint"]


async def test_client_disconnect_stops_the_stream(
    jp_serverapp, http_server_client, jp_auth_header, jp_base_url, jp_root_dir, monkeypatch
):
    (jp_root_dir / "noise.bin").write_bytes(os.urandom(32 * MiB))
    produced = {"chunks": 0, "finished": False, "closed": asyncio.Event()}
    loop = asyncio.get_running_loop()
    real_iter_zip = routes.iter_zip

    def tracking_iter_zip(assembly):
        try:
            for chunk in real_iter_zip(assembly):
                produced["chunks"] += 1
                yield chunk
            produced["finished"] = True
        finally:
            loop.call_soon_threadsafe(produced["closed"].set)

    monkeypatch.setattr(routes, "iter_zip", tracking_iter_zip)

    def hang_up(chunk):
        raise ConnectionAbortedError("the user cancelled the download")

    body = {"files": {}, "include": [{"workspacePath": "noise.bin", "bundlePath": "noise.bin"}]}
    with pytest.raises((ConnectionAbortedError, HTTPStreamClosedError)):
        await http_server_client.fetch(
            f"{jp_base_url}jupyterlab-dockerize/bundle",
            method="POST",
            body=json.dumps(body),
            headers=jp_auth_header,
            streaming_callback=hang_up,
        )
    await asyncio.wait_for(produced["closed"].wait(), timeout=30)

    print(f"\ndisconnect: the server stopped after {produced['chunks']} of ~32 chunks")
    assert produced["finished"] is False
    assert produced["chunks"] < 32  # about one per MiB read: it stopped well before the end
    status = await http_server_client.fetch(f"{jp_base_url}api/status", headers=jp_auth_header)
    assert status.code == 200


async def test_a_file_changing_mid_stream_breaks_the_download(jp_fetch, jp_root_dir, monkeypatch):
    """Headers are sent by then: the client must see a failed download, never a short zip."""
    (jp_root_dir / "a.txt").write_text("a")

    def changing_iter_zip(assembly):
        yield b"PK\x03\x04 partial"
        raise WorkspaceChanged("'a.txt' changed while the bundle was being written.", "Retry.")

    monkeypatch.setattr(routes, "iter_zip", changing_iter_zip)
    body = {"files": {}, "include": [{"workspacePath": "a.txt", "bundlePath": "a.txt"}]}
    with pytest.raises(HTTPStreamClosedError):
        await jp_fetch(*BUNDLE_ROUTE, method="POST", body=json.dumps(body))
    assert (await jp_fetch("api", "status")).code == 200


async def test_zip_carries_the_offline_wheelhouse_and_cleans_its_temp(jp_fetch, jp_serverapp):
    body = {
        "name": "offline",
        "files": {"Dockerfile": "FROM x\n", "requirements.txt": "six==1.16.0\n"},
        "wheelhouse": {"python": "3.11.7", "platform": "linux/amd64", "extra": []},
    }
    code, _, raw = await post_bundle(jp_fetch, body)
    assert code == 200
    archive = zipfile.ZipFile(io.BytesIO(raw))
    names = archive.namelist()
    assert "offline/wheelhouse/six-1.16.0-py2.py3-none-any.whl" in names
    lock = archive.read("offline/wheelhouse/requirements.lock").decode()
    assert "six==1.16.0 --hash=sha256:" in lock
    # Removed just after the last byte went out.
    temp_root = jp_serverapp.web_app.settings["jupyterlab_dockerize_builds"].temp_root
    for _ in range(50):
        if not any(temp_root.iterdir()):
            break
        await asyncio.sleep(0.1)
    assert not any(temp_root.iterdir())

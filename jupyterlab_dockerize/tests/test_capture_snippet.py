"""The capture snippet, run for real: in a venv built here from PyPI, a local wheel, a local git
repository and two editable projects, as a script and silently through a real ipykernel.

Every expectation comes from the real tools beside it: `pip list`, importlib.metadata run in
the same interpreter, `git rev-parse`, the kernel's own namespace and history.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jupyterlab_dockerize import capture_snippet

SNIPPET = Path(capture_snippet.__file__)
MARKER = "__DOCKERIZE_SNAPSHOT__"
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "src" / "core" / "__tests__" / "fixtures"
STABLE_ROOT = "/home/user/project"
STABLE_BASE_PREFIX = "/usr"

pytestmark = pytest.mark.timeout(600)


def snippet_code() -> str:
    """What the server route serves and the frontend executes: the file plus one call line."""
    return SNIPPET.read_text() + "\n_dockerize_capture()\n"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_output(stdout: str) -> dict:
    """Exactly one marker line, carrying one JSON object."""
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    assert len(lines) == 1, stdout[-2000:]
    return json.loads(lines[0][len(MARKER) :])


def run(args: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def pyproject(name: str, backend: str, extra: str = "", dependencies: str = "[]") -> str:
    requires, build_backend = {
        "hatchling": ('["hatchling"]', "hatchling.build"),
        "setuptools": ('["setuptools>=64"]', "setuptools.build_meta"),
    }[backend]
    return (
        f"[build-system]\nrequires = {requires}\nbuild-backend = {build_backend!r}\n\n"
        f'[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = {dependencies}\n\n'
        f"{extra}"
    ).replace("'", '"')


# The projects the venv gets, one per way of installing; import names differ from dist names.
PROJECTS = {
    # a local wheel (hatchling: no top_level.txt, so import names come from RECORD)
    "dz-wheel-pkg": {
        "pyproject.toml": pyproject(
            "dz-wheel-pkg",
            "hatchling",
            '[tool.hatch.build.targets.wheel]\npackages = ["dzwheel"]\n',
            '["six>=1.10"]',
        ),
        "dzwheel/__init__.py": "VALUE = 'wheel'\n",
    },
    # installed later with %pip from inside the kernel: a single module
    "dz-extra-pkg": {
        "pyproject.toml": pyproject(
            "dz-extra-pkg",
            "hatchling",
            '[tool.hatch.build.targets.wheel]\nonly-include = ["dzextra.py"]\n',
        ),
        "dzextra.py": "VALUE = 'extra'\n",
    },
    # a local git repository (setuptools: top_level.txt)
    "dz-git-pkg": {
        "pyproject.toml": pyproject(
            "dz-git-pkg", "setuptools", '[tool.setuptools]\npackages = ["dzgit"]\n'
        ),
        "dzgit/__init__.py": "VALUE = 'git'\n",
    },
    # editable, flat layout: setuptools writes an __editable__ finder with a MAPPING literal
    "dz-edit-flat": {
        "pyproject.toml": pyproject(
            "dz-edit-flat", "setuptools", '[tool.setuptools]\npackages = ["dzflat"]\n'
        ),
        "dzflat/__init__.py": "VALUE = 'flat'\n",
        "setup_helpers_not_a_package.txt": "",
    },
    # editable, src layout: setuptools writes a plain .pth holding the src directory
    "dz-edit-src": {
        "pyproject.toml": pyproject(
            "dz-edit-src",
            "setuptools",
            '[tool.setuptools]\npackage-dir = {"" = "src"}\npackages = ["dzsrc"]\n'
            'py-modules = ["dzsrc_tool"]\n',
        ),
        "src/dzsrc/__init__.py": "VALUE = 'src'\n",
        "src/dzsrc_tool.py": "VALUE = 'module beside the package'\n",
        "tests/__init__.py": "",
    },
}


IMPORTLIB_VIEW = """
import importlib.metadata as md, json, re
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
try:
    top = {}
    for module, names in md.packages_distributions().items():
        for name in names:
            top.setdefault(norm(name), set()).add(module)
except TypeError:  # importlib itself fails here on a dist-info without a Name
    top = None
out = {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    if not name or norm(name) in out:
        continue
    out[norm(name)] = {
        "version": dist.version,
        "requires": dist.requires or [],
        "top": top and sorted(m for m in top.get(norm(name), ()) if m.isidentifier()),
    }
print(json.dumps(out))
"""


SETUPTOOLS_READY = """
import setuptools, sys
major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
sys.exit((major, minor) < (70, 1))
"""


@dataclass
class CaptureEnv:
    root: Path  # stands for /home/user/project in the fixture file
    venv: Path
    python: Path
    wheels: dict[str, Path]
    projects: dict[str, Path]
    git_commit: str
    timings: dict[str, float] = field(default_factory=dict)

    def pip_list(self) -> dict[str, str]:
        out = run([str(self.python), "-m", "pip", "list", "--format=json"])
        return {normalize(item["name"]): item["version"] for item in json.loads(out)}

    def importlib_view(self, extra_path: str | None = None) -> dict[str, dict]:
        """What importlib.metadata (the slow reference) says, run in the same interpreter."""
        script = IMPORTLIB_VIEW
        env = dict(os.environ)
        if extra_path is not None:
            env["PYTHONPATH"] = str(extra_path)
        return json.loads(run([str(self.python), "-c", script], env=env))

    def capture_script(self, extra_path: str | None = None, prelude: str = "") -> tuple[str, dict]:
        """Runs the snippet as a script in the venv's interpreter; (stdout, snapshot)."""
        script = self.root / "capture_run.py"
        script.write_text(prelude + snippet_code())
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if extra_path is not None:
            env["PYTHONPATH"] = str(extra_path)
        stdout = run([str(self.python), str(script)], env=env)
        return stdout, parse_output(stdout)


@pytest.fixture(scope="session")
def capture_env(tmp_path_factory) -> CaptureEnv:
    """One venv for every capture test (built once per session, in tmp)."""
    timings = {}
    root = tmp_path_factory.mktemp("capture") / "project"
    root.mkdir()
    started = time.perf_counter()
    venv = root / ".venv"
    python = venv / "bin" / "python"
    # system site-packages off (the default); made while the wheels and the git repo are built
    making_venv = subprocess.Popen(
        [sys.executable, "-m", "venv", str(venv)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    projects = {
        name: write_tree(root / "packages" / name, files) for name, files in PROJECTS.items()
    }
    git = ["git", "-c", "user.name=dz", "-c", "user.email=dz@example.invalid"]
    repo = projects["dz-git-pkg"]
    run([*git, "init", "-q"], cwd=repo)
    run([*git, "add", "."], cwd=repo)
    run([*git, "commit", "-q", "-m", "dz-git-pkg 0.1.0"], cwd=repo)
    commit = run(["git", "rev-parse", "HEAD"], cwd=repo).strip()

    # Local wheels with `pip wheel`, hatchling taken from the test runner's own venv (it is
    # pinned in requirements-dev.txt): no isolated build environment to download.
    wheel_dir = root / "wheels"
    wheel_projects = [str(projects["dz-wheel-pkg"]), str(projects["dz-extra-pkg"])]
    quiet = ["--disable-pip-version-check", "-q"]
    no_isolation = ["--no-build-isolation"]
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            *quiet,
            *no_isolation,
            "--no-deps",
            "-w",
            str(wheel_dir),
            *wheel_projects,
        ]
    )
    wheels = {normalize(path.name.split("-")[0]): path for path in wheel_dir.glob("*.whl")}
    timings["wheels_s"] = time.perf_counter() - started

    assert making_venv.wait(timeout=300) == 0, making_venv.stderr.read()
    timings["venv_s"] = time.perf_counter() - started
    pip = [str(python), "-m", "pip", *quiet]
    # The git and editable projects are built by the venv's setuptools (no isolated build env
    # to fill from the index): >= 64 for PEP 660, >= 70.1 to build wheels without `wheel`.
    if subprocess.run([str(python), "-c", SETUPTOOLS_READY], check=False).returncode:
        run([*pip, "install", "setuptools>=70.1"])
    started = time.perf_counter()
    run(
        [
            *pip,
            "install",
            *no_isolation,
            "six",
            "ipykernel",
            str(wheels["dz-wheel-pkg"]),
            f"git+file://{repo}@{commit}",
            "-e",
            str(projects["dz-edit-flat"]),
            "-e",
            str(projects["dz-edit-src"]),
        ]
    )
    timings["install_s"] = time.perf_counter() - started
    return CaptureEnv(root, venv, python, wheels, projects, commit, timings)


class Kernel:
    """A real ipykernel started by jupyter_client with the venv's interpreter."""

    def __init__(self, env: CaptureEnv) -> None:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        specs = env.root / "kernels"
        write_tree(
            specs,
            {
                "dz-venv/kernel.json": json.dumps(
                    {
                        "argv": [
                            str(env.python),
                            "-m",
                            "ipykernel_launcher",
                            "-f",
                            "{connection_file}",
                        ],
                        "display_name": "dz venv",
                        "language": "python",
                    }
                )
            },
        )
        self.manager = KernelManager(
            kernel_name="dz-venv", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)])
        )
        notebooks = env.root / "notebooks"
        notebooks.mkdir(exist_ok=True)
        self.manager.start_kernel(cwd=str(notebooks))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=90)

    def execute(self, code: str, silent: bool, **options) -> tuple[str, dict, list[str]]:
        """(stdout, execute_reply content, iopub message types) of one execute_request."""
        msg_id = self.client.execute(code, silent=silent, allow_stdin=False, **options)
        stdout, kinds = [], []
        while True:
            message = self.client.get_iopub_msg(timeout=120)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kinds.append(message["msg_type"])
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                stdout.append(message["content"]["text"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        while True:
            reply = self.client.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == msg_id:
                return "".join(stdout), reply["content"], kinds

    def capture(self) -> tuple[str, dict, dict, list[str]]:
        """As the frontend does it: silent, no history; (stdout, snapshot, reply, iopub kinds)."""
        stdout, reply, kinds = self.execute(snippet_code(), silent=True, store_history=False)
        assert reply["status"] == "ok", reply
        return stdout, parse_output(stdout), reply, kinds

    def inspect(self) -> dict:
        """Namespace, history length and `_` through user_expressions of a silent request."""
        expressions = {"names": "sorted(globals())", "history": "len(In)", "last": "repr(_)"}
        _, reply, _ = self.execute("", silent=True, user_expressions=expressions)
        return {
            key: ast.literal_eval(value["data"]["text/plain"])
            for key, value in reply["user_expressions"].items()
        }

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="session")
def kernel(capture_env):
    started = time.perf_counter()
    running = Kernel(capture_env)
    capture_env.timings["kernel_start_s"] = time.perf_counter() - started
    yield running
    running.close()


@pytest.fixture(scope="session")
def kernel_snapshot(capture_env, kernel) -> dict:
    return kernel.capture()[1]


def by_name(snapshot: dict) -> dict[str, dict]:
    return {item["name"]: item for item in snapshot["distributions"]}


def assert_matches_the_venv(env: CaptureEnv, snapshot: dict) -> None:
    interpreter = run([str(env.python), "-c", "import platform; print(platform.python_version())"])
    check_contract(snapshot)
    assert snapshot["kind"] == "venv"
    assert snapshot["conda"] is None
    assert snapshot["python"] == {"implementation": "CPython", "version": interpreter.strip()}
    assert snapshot["prefix"] == str(env.venv)
    assert snapshot["basePrefix"] == sys.base_prefix
    assert snapshot["platform"]["system"] == os.uname().sysname
    assert snapshot["platform"]["machine"] == os.uname().machine
    assert snapshot["platform"]["tag"].startswith(sys.platform)
    names = [item["name"] for item in snapshot["distributions"]]
    assert names == sorted(set(names))
    captured = {item["name"]: item["version"] for item in snapshot["distributions"]}
    assert captured == env.pip_list()  # same names (normalized) and versions as pip
    assert snapshot["captureMs"] > 0


def test_script_capture_matches_pip_list(capture_env):
    stdout, snapshot = capture_env.capture_script()
    assert stdout.count("\n") == 1 and stdout.startswith(MARKER)  # one line, nothing else
    assert_matches_the_venv(capture_env, snapshot)


def test_kernel_capture_matches_pip_list_and_script(capture_env, kernel_snapshot):
    assert_matches_the_venv(capture_env, kernel_snapshot)
    _, script = capture_env.capture_script()
    kernel_snapshot = json.loads(json.dumps(kernel_snapshot))  # a copy: the fixture is shared
    for snapshot in (kernel_snapshot, script):
        for item in snapshot["distributions"]:
            item.pop("location")
        snapshot.pop("captureMs")
    assert by_name(kernel_snapshot) == by_name(script)


def test_agrees_with_importlib_metadata(capture_env, kernel_snapshot):
    reference = capture_env.importlib_view()
    captured = by_name(kernel_snapshot)
    assert set(captured) == set(reference)
    for name, expected in reference.items():
        item = captured[name]
        assert item["version"] == expected["version"], name
        assert item["requires"] == expected["requires"], name
        if name not in {"dz-edit-flat", "dz-edit-src"}:  # importlib names the finder/.pth there
            assert item["topLevel"] == expected["top"], name


def test_direct_url_of_each_way_of_installing(capture_env, kernel_snapshot):
    found = by_name(kernel_snapshot)
    six = found["six"]
    assert six["directUrl"] is None and six["installer"] == "pip"

    wheel = found["dz-wheel-pkg"]["directUrl"]
    assert wheel["url"] == capture_env.wheels["dz-wheel-pkg"].as_uri()
    assert "archive_info" in wheel

    git = found["dz-git-pkg"]["directUrl"]
    assert git["url"] == f"file://{capture_env.projects['dz-git-pkg']}"
    assert git["vcs_info"]["vcs"] == "git"
    assert git["vcs_info"]["commit_id"] == capture_env.git_commit

    for name in ("dz-edit-flat", "dz-edit-src"):
        editable = found[name]["directUrl"]
        assert editable["dir_info"] == {"editable": True}
        assert editable["url"] == capture_env.projects[name].as_uri()


def test_import_names_of_each_way_of_installing(capture_env, kernel_snapshot):
    found = by_name(kernel_snapshot)
    assert found["six"]["topLevel"] == ["six"]  # top_level.txt
    assert found["ipykernel"]["topLevel"] == ["ipykernel", "ipykernel_launcher"]  # RECORD
    assert found["dz-wheel-pkg"]["topLevel"] == ["dzwheel"]  # RECORD of a local wheel
    assert found["dz-git-pkg"]["topLevel"] == ["dzgit"]
    # editables: the setuptools finder's MAPPING, the .pth's source directory
    assert found["dz-edit-flat"]["topLevel"] == ["dzflat"]
    assert found["dz-edit-src"]["topLevel"] == ["dzsrc", "dzsrc_tool"]
    assert found["dz-wheel-pkg"]["requires"] == ["six>=1.10"]
    assert found["dz-wheel-pkg"]["displayName"] == "dz-wheel-pkg"
    assert any(req.startswith("jupyter-client") for req in found["ipykernel"]["requires"])


def test_kernel_namespace_and_history_untouched(kernel):
    _, reply, _ = kernel.execute("dz_user_value = 41 + 1\ndz_user_value", silent=False)
    before = kernel.inspect()
    count = reply["execution_count"]

    stdout, snapshot, capture_reply, kinds = kernel.capture()

    after = kernel.inspect()
    assert after == before  # globals(), len(In) and `_` exactly as they were
    assert "_dockerize_capture" not in after["names"]
    assert capture_reply["execution_count"] == count  # silent: the counter does not move
    assert "execute_input" not in kinds and "execute_result" not in kinds
    assert [line for line in stdout.splitlines() if line] == [stdout.strip()]
    _, next_reply, _ = kernel.execute("dz_user_value", silent=False)
    assert next_reply["execution_count"] == count + 1
    assert snapshot["distributions"]


def test_exec_wrapped_variant_leaves_no_name_at_all(kernel):
    """The snippet also runs as one exec() of a string in a fresh dict (bench: the faster
    round trip): same snapshot, and not even a transient name in the user's namespace."""
    code = f"exec(compile({snippet_code()!r}, '<dockerize-capture>', 'exec'), {{}})\n"
    kernel.execute("_dockerize_capture = 'the user\\'s own value'", silent=False)
    before = kernel.inspect()
    stdout, reply, _ = kernel.execute(code, silent=True, store_history=False)
    assert reply["status"] == "ok"
    assert kernel.inspect() == before
    wrapped = parse_output(stdout)
    assert kernel.execute("del _dockerize_capture", silent=False)[1]["status"] == "ok"
    plain = kernel.capture()[1]
    for snapshot in (wrapped, plain):
        snapshot.pop("captureMs")
    assert wrapped == plain


def test_pip_install_in_the_running_kernel_shows_up(capture_env, kernel):
    wheel = capture_env.wheels["dz-extra-pkg"]
    assert "dz-extra-pkg" not in by_name(kernel.capture()[1])
    try:
        _, reply, _ = kernel.execute(f"%pip install -q --no-deps --no-index {wheel}", silent=False)
        assert reply["status"] == "ok", reply
        snapshot = kernel.capture()[1]
        extra = by_name(snapshot)["dz-extra-pkg"]
        assert extra["version"] == "0.1.0"
        assert extra["topLevel"] == ["dzextra"]
        assert extra["directUrl"]["url"] == wheel.as_uri()
        assert {item["name"]: item["version"] for item in snapshot["distributions"]} == (
            capture_env.pip_list()
        )
    finally:
        run([str(capture_env.python), "-m", "pip", "uninstall", "-q", "-y", "dz-extra-pkg"])


BROKEN = {
    # METADATA is a directory: unreadable; name and version come from the directory name
    "unreadable-1.2.dist-info/METADATA/x": "",
    "unreadable-1.2.dist-info/RECORD": "unreadable/__init__.py,,\n",
    # binary junk instead of METADATA
    "junk-3.0.dist-info/METADATA": "\x00\x01\x02 not a header\n\nRequires-Dist: nope\n",
    # no version anywhere: cannot be pinned, so it is left out
    "noversion.dist-info/METADATA": "Metadata-Version: 2.1\nName: noversion\n",
    # fine, and its body mentions headers that must not be read
    "good_pkg-2.0.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: Good.Pkg\nVersion: 2.0\n"
        "Requires-Dist: six>=1;\n  python_version >= '3'\nRequires-Dist: attrs\n"
        "Description-Content-Type: text/plain\n\nRequires-Dist: from-the-body\n"
        + "x" * 300_000
        + "\n"
    ),
    "good_pkg-2.0.dist-info/RECORD": (
        "good_pkg/__init__.py,,\ngood_pkg/__pycache__/__init__.cpython-311.pyc,,\n"
        '"odd,name.py",sha256=x,1\n../../../bin/good,,\ngood_pkg-2.0.dist-info/METADATA,,\n'
        "_good_speedups.cpython-311-x86_64-linux-gnu.so,,\nLICENSE,,\n"
    ),
    "good_pkg-2.0.dist-info/INSTALLER": "uv\n",
    "good_pkg-2.0.dist-info/direct_url.json": "{not json",
    # setuptools egg-info directory: requirements in requires.txt with sections
    "eggy-0.5-py3.11.egg-info/PKG-INFO": "Metadata-Version: 1.2\nName: eggy\nVersion: 0.5\n",
    "eggy-0.5-py3.11.egg-info/requires.txt": (
        "six\n\n[:python_version < '4']\nattrs>=1\n\n[extra]\nrequests\n\n"
        "[test:sys_platform == 'linux']\npytest @ https://example.invalid/pytest.whl\n"
    ),
    "eggy-0.5-py3.11.egg-info/top_level.txt": "eggy\n",
    # a distutils-era single-file egg-info
    "oldfile-0.1-py3.11.egg-info": "Metadata-Version: 1.0\nName: oldfile\nVersion: 0.1\n",
}


def test_broken_distributions_do_not_break_the_capture(capture_env, tmp_path):
    write_tree(tmp_path, BROKEN)
    # a second copy of a name further down sys.path: the first one wins, as for imports
    later = write_tree(
        tmp_path / "later",
        {"Good_Pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: Good-Pkg\nVersion: 1\n"},
    )
    stdout, snapshot = capture_env.capture_script(extra_path=f"{tmp_path}{os.pathsep}{later}")
    assert stdout.count("\n") == 1
    found = {
        item["name"]: item
        for item in snapshot["distributions"]
        if item["location"] == str(tmp_path)
    }
    assert set(found) == {"unreadable", "junk", "good-pkg", "eggy", "oldfile"}
    assert found["unreadable"]["version"] == "1.2"
    assert found["unreadable"]["topLevel"] == ["unreadable"]
    assert found["junk"]["version"] == "3.0"
    assert found["junk"]["requires"] == []
    good = found["good-pkg"]
    assert good["displayName"] == "Good.Pkg" and good["version"] == "2.0"
    assert good["requires"] == ["six>=1; python_version >= '3'", "attrs"]
    assert good["topLevel"] == ["_good_speedups", "good_pkg"]
    assert good["installer"] == "uv" and good["directUrl"] is None
    assert found["oldfile"]["installer"] is None
    # egg-info requirements read as importlib.metadata reads them
    reference = capture_env.importlib_view(extra_path=f"{tmp_path}{os.pathsep}{later}")
    assert found["eggy"]["requires"] == reference["eggy"]["requires"]
    # (for the folded Requires-Dist of good-pkg importlib keeps the newline and indent: not us)
    # and the venv's own distributions are all still there
    assert {item["name"] for item in snapshot["distributions"]} >= set(capture_env.pip_list())


def test_an_internal_error_is_one_marker_line_not_an_exception(capture_env, kernel):
    stdout, body = capture_env.capture_script(prelude="import sys\nsys.path = None\n")
    assert set(body) == {"error"} and body["error"]
    # in the kernel: sys.path swapped for the call only, and the reply is still "ok"
    code = (
        "import sys as _dz_sys\n_dz_saved, _dz_sys.path = _dz_sys.path, None\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in snippet_code().splitlines())
        + "finally:\n    _dz_sys.path = _dz_saved\n    del _dz_sys, _dz_saved\n"
    )
    stdout, reply, _ = kernel.execute(code, silent=True, store_history=False)
    assert reply["status"] == "ok"
    assert "error" in parse_output(stdout)


CONDA_META = {
    # conda: sorted keys, indent 2, the channel URL ends with the subdir
    "python-3.11.8-hab00c5b_0_cpython.json": {
        "build": "hab00c5b_0_cpython",
        "build_number": 0,
        "channel": "https://conda.anaconda.org/conda-forge/linux-64",
        "depends": ["libgcc-ng >=12"],
        "files": ["bin/python3.11"] * 2000,
        "name": "python",
        "subdir": "linux-64",
        "version": "3.11.8",
    },
    "openssl-3.0.13-h7f8727e_0.json": {
        "build": "h7f8727e_0",
        "channel": "https://repo.anaconda.com/pkgs/main/linux-64",
        "name": "openssl",
        "version": "3.0.13",
    },
    # a private channel reached with a token: the token never reaches the snapshot
    "mylib-1.0-py_0.json": {
        "build": "py_0",
        "channel": "https://conda.anaconda.org/t/secret-token/acme/noarch",
        "name": "mylib",
        "version": "1.0",
    },
    "tool-2.0-0.json": {
        "build": "0",
        "channel": "https://user:pw@conda.example.org/channels/internal/osx-arm64",
        "name": "tool",
        "version": "2.0",
    },
    # old conda: schannel beside a channel
    "zlib-1.2.11-0.json": {
        "build": "0",
        "channel": "https://repo.continuum.io/pkgs/free/linux-64",
        "name": "zlib",
        "schannel": "defaults",
        "version": "1.2.11",
    },
}


def test_conda_environment(capture_env, tmp_path):
    prefix = tmp_path / "env"
    run([sys.executable, "-m", "venv", "--without-pip", str(prefix)])
    meta = prefix / "conda-meta"
    meta.mkdir()
    for name, body in CONDA_META.items():
        (meta / name).write_text(json.dumps(body, indent=2, sort_keys=True))
    # written on one line, unsorted: read in full, name and version from the body
    (meta / "renamed.json").write_text(
        json.dumps({"version": "0.9", "name": "minified", "build": "b1", "channel": "bioconda"})
    )
    (meta / "broken-1-0.json").write_text("{")
    (meta / "history").write_text("==> 2024-01-01 <==\n")
    script = tmp_path / "capture_run.py"
    script.write_text(snippet_code())
    snapshot = parse_output(run([str(prefix / "bin" / "python"), str(script)]))
    assert snapshot["kind"] == "conda"
    assert snapshot["conda"]["packages"] == [
        {"name": "minified", "version": "0.9", "build": "b1", "channel": "bioconda"},
        {"name": "mylib", "version": "1.0", "build": "py_0", "channel": "acme"},
        {"name": "openssl", "version": "3.0.13", "build": "h7f8727e_0", "channel": "defaults"},
        {
            "name": "python",
            "version": "3.11.8",
            "build": "hab00c5b_0_cpython",
            "channel": "conda-forge",
        },
        {
            "name": "tool",
            "version": "2.0",
            "build": "0",
            "channel": "https://conda.example.org/channels/internal",
        },
        {"name": "zlib", "version": "1.2.11", "build": "0", "channel": "defaults"},
    ]
    assert "secret" not in json.dumps(snapshot) and "pw@" not in json.dumps(snapshot)


def other_interpreters() -> list[str]:
    """Other CPythons on this machine (3.8 and up): PATH, then pyenv's versions."""
    found = {}
    candidates = [shutil.which(f"python3.{minor}") for minor in range(8, 16)]
    candidates += [str(path) for path in Path.home().glob(".pyenv/versions/3.*/bin/python")]
    for candidate in filter(None, candidates):
        done = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        version = done.stdout.strip()
        if done.returncode == 0 and tuple(map(int, version.split("."))) >= (3, 8):
            found.setdefault(version, candidate)
    return [
        found[version] for version in sorted(found, key=lambda v: tuple(map(int, v.split("."))))
    ]


OTHERS = other_interpreters()


@pytest.mark.parametrize(
    "python", [OTHERS[0], OTHERS[-1]] if len(OTHERS) > 1 else OTHERS or ["missing"]
)
def test_runs_on_the_oldest_and_newest_python_here(python, tmp_path):
    """Python 3.8 syntax and APIs is a promise: run it on 3.8 when the machine has one."""
    if python == "missing":
        pytest.skip("no other Python 3.8+ interpreter on this machine")
    script = tmp_path / "capture_run.py"
    script.write_text(snippet_code())
    snapshot = parse_output(run([python, str(script)], cwd=tmp_path))
    check_contract(snapshot)
    reference = json.loads(
        run(
            [
                python,
                "-c",
                "import importlib.metadata as md, json\n"
                "print(json.dumps({d.metadata['Name']: d.version for d in md.distributions()}))",
            ],
            cwd=tmp_path,
        )
    )
    expected = {normalize(name): version for name, version in reference.items() if name}
    assert {item["name"]: item["version"] for item in snapshot["distributions"]} == expected
    version = run([python, "-c", "import platform; print(platform.python_version())"])
    assert snapshot["python"]["version"] == version.strip()


ALLOWED_IMPORTS = {"csv", "json", "os", "platform", "re", "sys", "sysconfig", "time"}


def test_snippet_is_one_function_in_python_38_syntax_and_stdlib_only():
    tree = ast.parse(SNIPPET.read_text(), feature_version=(3, 8))
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)  # docstring
    assert [type(node) for node in body[1:]] == [ast.FunctionDef]
    assert body[1].name == "_dockerize_capture"
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported <= ALLOWED_IMPORTS


def test_imported_module_keeps_its_function(capture_env, capsys):
    """Imported (the bench does this), the function stays: it forgets itself only as __main__."""
    capture_snippet._dockerize_capture()
    capture_snippet._dockerize_capture()
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if line.startswith(MARKER)]) == 2


# ----- fixtures for the TypeScript side ------------------------------------------------------


def stable(snapshot: dict, env: CaptureEnv) -> dict:
    """Paths of this tmp venv rewritten as a user's project, for a checked-in fixture."""
    text = json.dumps(snapshot)
    text = text.replace(str(env.root), STABLE_ROOT)
    text = text.replace(json.dumps(sys.base_prefix)[1:-1], STABLE_BASE_PREFIX)
    return json.loads(text)


def check_contract(snapshot: dict) -> None:
    """The JSON shape of src/core/environment/snapshot.ts (IEnvironmentSnapshot), field by field."""
    assert set(snapshot) == {
        "schemaVersion",
        "python",
        "platform",
        "prefix",
        "basePrefix",
        "kind",
        "conda",
        "distributions",
        "captureMs",
    }
    assert snapshot["schemaVersion"] == 1
    assert set(snapshot["python"]) == {"implementation", "version"}
    assert set(snapshot["platform"]) == {"system", "machine", "tag"}
    strings = [*snapshot["python"].values(), *snapshot["platform"].values()]
    assert all(isinstance(value, str) and value for value in strings)
    assert isinstance(snapshot["prefix"], str) and isinstance(snapshot["basePrefix"], str)
    assert snapshot["kind"] in {"venv", "conda", "system"}
    assert isinstance(snapshot["captureMs"], (int, float))
    if snapshot["conda"] is not None:
        for package in snapshot["conda"]["packages"]:
            assert set(package) == {"name", "version", "build", "channel"}
            assert all(isinstance(value, str) and value for value in package.values())
    for item in snapshot["distributions"]:
        assert set(item) == {
            "name",
            "displayName",
            "version",
            "installer",
            "requires",
            "topLevel",
            "directUrl",
            "location",
        }
        assert item["name"] == normalize(item["displayName"])
        assert isinstance(item["version"], str) and item["version"]
        assert item["installer"] is None or isinstance(item["installer"], str)
        assert all(isinstance(value, str) for value in item["requires"] + item["topLevel"])
        assert all(name.isidentifier() for name in item["topLevel"])
        assert isinstance(item["location"], str)
        direct = item["directUrl"]
        if direct is not None:
            assert isinstance(direct["url"], str)
            assert set(direct) <= {"url", "subdirectory", "vcs_info", "archive_info", "dir_info"}
            if "vcs_info" in direct:
                assert isinstance(direct["vcs_info"]["commit_id"], str)


def test_venv_fixture_is_a_real_capture(capture_env, kernel_snapshot):
    path = FIXTURES / "snapshot-venv.json"
    if os.environ.get("DOCKERIZE_WRITE_FIXTURES") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stable(kernel_snapshot, capture_env), indent=2) + "\n")
        prettier = REPO / "node_modules" / ".bin" / "prettier"
        if prettier.exists():  # the lint checks src/ with prettier
            run([str(prettier), "--write", str(path)], cwd=REPO)
    fixture = json.loads(path.read_text())
    check_contract(fixture)
    assert len(fixture["distributions"]) <= 40
    assert STABLE_ROOT + "/.venv" == fixture["prefix"]
    assert "/tmp" not in path.read_text()
    names = {item["name"] for item in fixture["distributions"]}
    assert {
        "six",
        "ipykernel",
        "dz-wheel-pkg",
        "dz-git-pkg",
        "dz-edit-flat",
        "dz-edit-src",
    } <= names


def test_conda_fixture_has_the_capture_shape():
    fixture = json.loads((FIXTURES / "snapshot-conda.json").read_text())
    assert "hand-made" in fixture.pop("_comment")
    check_contract(fixture)
    assert fixture["kind"] == "conda" and fixture["prefix"] == fixture["basePrefix"]
    assert fixture["conda"]["packages"]
    assert len(fixture["distributions"]) <= 40
    installers = {item["installer"] for item in fixture["distributions"]}
    assert installers == {"conda", "pip"}

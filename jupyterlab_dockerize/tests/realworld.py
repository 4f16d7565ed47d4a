"""A real-world kernel environment from PyPI, for the round-trip test, the bench and Galata.

What a data scientist's machine holds (issue 11): a venv with more than 60 real PyPI
distributions (beautifulsoup4 with soupsieve, pandas, scikit-learn, matplotlib, pillow, PyYAML,
python-dateutil, requests, ...), plus one package installed from a local wheel file, one from a
local git repository at a commit (``git+file:///...@<commit>``) and one editable project inside
the Jupyter root; a kernelspec named ``realworld-env`` (not python3); notebooks that import
them, saved with that kernel and with the outputs of running them in it (what Verify compares).

Layout of one build (``<cache>/realworld-<recipe hash>``, a symlink to the folder it was built
in, because a venv and its install records hold absolute paths and cannot be moved)::

    root/                      the Jupyter root (ServerApp.root_dir)
      analysis.ipynb           pandas, numpy, sklearn, matplotlib (%matplotlib inline), seaborn,
                               and everything scrape.ipynb imports
      scrape.ipynb             bs4, requests, yaml, dateutil, the three local packages
      projects/myproj/         the editable project (distribution "myproj")
      wheels/localwheel-0.3.1-py3-none-any.whl   the local wheel, installed from this file
    venv/                      the kernel's venv (outside the root, as a user's usually is)
    root/src/dz-git-pkg/       the local git repository, inside the root as a user's
                               projects are when JupyterLab starts in their home (the
                               server builds only repositories inside the root)
    jupyter/share/jupyter/     a JUPYTER_PATH entry holding kernels/realworld-env
    freeze.txt                 `pip freeze` of the venv
    realworld.json             what was built: paths, counts, the build's seconds

It is built once and reused while the recipe (the lists below, this file's builders, the
Python version) stays the same; a changed recipe gets a new folder and the old ones are
removed. Builds take a lock and write ``realworld.json`` last, so a half-built folder is never
used. pip installs from this machine's configured indexes and keeps its own cache.

CLI: ``python -m jupyterlab_dockerize.tests.realworld make [--cache DIR]`` prints the JSON
of ``realworld.json`` (build or reuse); ``... path root`` prints one path for scripts.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "realworld-env"
KERNEL_DISPLAY_NAME = "Python (realworld-env)"
RECIPE_VERSION = 3

# Read when the module is imported: pytest-jupyter moves HOME to a temporary folder while a
# test runs, and the cache must outlive it.
DEFAULT_CACHE = Path(
    os.environ.get("DOCKERIZE_REALWORLD_CACHE") or Path.home() / ".cache" / "jupyterlab-dockerize"
).absolute()
PIP_CACHE = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip").absolute()

# What the notebooks use directly (and a few more a data scientist has around).
REQUIREMENTS = """
beautifulsoup4 soupsieve pandas numpy scikit-learn scipy matplotlib seaborn pillow PyYAML
python-dateutil requests openpyxl lxml tqdm click jinja2 sqlalchemy pyarrow ipykernel networkx
xlsxwriter tabulate statsmodels pydantic rich httpx
""".split()

# Every version pinned, from `pip freeze` of the first build (CPython 3.11 on Linux x86_64;
# each has a cp311 manylinux or pure-Python wheel), so the recipe does not drift with PyPI.
CONSTRAINTS = """
annotated-types==0.8.0 anyio==4.16.0 asttokens==3.0.2 beautifulsoup4==4.15.0
certifi==2026.10.19.post1 charset-normalizer==3.5.3 click==8.5.1 cloudpickle==3.1.3 comm==0.2.3
contourpy==1.3.3 cycler==0.12.1 debugpy==1.8.22 et_xmlfile==2.0.0 executing==2.3.0
fonttools==4.68.0 formulaic==1.2.2 h11==0.16.0 httpcore==1.0.9 httpx==0.29.0 idna==3.20
interface_meta==2.0.1 ipykernel==7.4.0 ipython==9.18.1 ipython_pygments_lexers==1.1.1 jedi==0.20.1
Jinja2==3.1.6 joblib==1.6.0 jupyter_client==8.10.0 jupyter_core==5.9.1 kiwisolver==1.5.1
lxml==6.1.3 markdown-it-py==4.3.0 MarkupSafe==3.0.4 matplotlib==3.11.2 matplotlib-inline==0.2.2
mdurl==0.1.2 narwhals==2.29.0 nest-asyncio2==1.7.4 networkx==3.6.1 numpy==2.4.6 openpyxl==3.1.5
packaging==26.4 pandas==3.1.1 parso==0.8.7 patsy==1.0.3 pexpect==4.9.0 pillow==13.0.0
platformdirs==4.14.9 prompt_toolkit==3.0.53 psutil==7.2.2 ptyprocess==0.7.0 pure_eval==0.2.4
pyarrow==26.0.1 pydantic==2.14.4 pydantic_core==2.50.5 Pygments==2.21.0 pyparsing==3.3.3
python-dateutil==4.0.0 PyYAML==6.0.4 pyzmq==27.3.0 requests==2.34.2 rich==15.0.0
scikit-learn==1.9.1 scipy==1.17.1 seaborn==0.13.2 soupsieve==4.1.3 SQLAlchemy==2.1.9
stack-data==0.6.3 statsmodels==0.15.0 tabulate==0.10.0 threadpoolctl==3.8.0 tornado==6.6.1
tqdm==4.70.1 traitlets==5.16.1 typing-inspection==0.4.5 typing_extensions==4.16.0 tzdata==2026.6
urllib3==2.8.0 wcwidth==0.9.4 wrapt==2.5.2 xlsxwriter==3.3.1
""".split()

# The three local packages: distribution name → (version, import name).
LOCAL_WHEEL = ("localwheel", "0.3.1", "localwheel")
GIT_PACKAGE = ("dz-git-pkg", "0.1.0", "dzgit")
EDITABLE = ("myproj", "0.2.0", "myproj")
MINIMUM_DISTRIBUTIONS = 60

# Fixed author and dates: the same recipe gives the same commit, so its hash is stable.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "dz",
    "GIT_AUTHOR_EMAIL": "dz@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "dz",
    "GIT_COMMITTER_EMAIL": "dz@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

ANALYSIS_CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport pandas as pd\nimport seaborn as sns\n"
    "import matplotlib.pyplot as plt",
    "from sklearn.linear_model import LinearRegression\nfrom scipy import stats\n"
    "import statsmodels.api as sm",
    "df = pd.DataFrame({'x': np.arange(20.0)})\ndf['y'] = 2 * df['x'] + 1\n"
    "model = LinearRegression().fit(df[['x']], df['y'])\nsns.lineplot(data=df, x='x', y='y')\n"
    "model.coef_",
    "from PIL import Image\nimport pyarrow as pa\nfrom tqdm import tqdm\n"
    "table = pa.table(df)\ntable.num_rows",
]
SCRAPE_CELLS = [
    "import requests\nimport yaml\nfrom bs4 import BeautifulSoup\nfrom dateutil import parser",
    "import localwheel\nimport dzgit\nimport myproj",
    "soup = BeautifulSoup('<p class=\"x\">hello</p>', 'html.parser')\n"
    "print(soup.select_one('p.x').text, yaml.safe_dump({'when': str(parser.parse('2026-01-01'))}))",
    "print(localwheel.VALUE, dzgit.VALUE, myproj.summary([1, 2, 3]))",
]
# The panel packages one notebook at a time: analysis.ipynb uses everything above.
NOTEBOOKS = {"analysis.ipynb": ANALYSIS_CELLS + SCRAPE_CELLS, "scrape.ipynb": SCRAPE_CELLS}


@dataclass(frozen=True)
class RealWorldEnv:
    """One complete build. Paths are real paths (no symlink in them)."""

    base: Path
    root: Path
    venv: Path
    python: Path
    jupyter_path: Path
    kernel_name: str
    notebooks: list[str]
    distributions: int
    build_s: float
    freeze: Path
    local_wheel: Path
    git_repo: Path
    git_commit: str
    editable: Path

    @property
    def kernels_dir(self) -> Path:
        return self.jupyter_path / "kernels"

    def as_json(self) -> dict:
        return {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in self.__dict__.items()
        }

    @classmethod
    def from_json(cls, data: dict) -> RealWorldEnv:
        paths = {
            "base",
            "root",
            "venv",
            "python",
            "jupyter_path",
            "freeze",
            "local_wheel",
            "git_repo",
            "editable",
        }
        return cls(**{k: (Path(v) if k in paths else v) for k, v in data.items()})


def recipe_key() -> str:
    """Changes whenever the recipe's data changes (bump RECIPE_VERSION when a builder does)."""
    recipe = [
        RECIPE_VERSION,
        REQUIREMENTS,
        CONSTRAINTS,
        [LOCAL_WHEEL, GIT_PACKAGE, EDITABLE],
        NOTEBOOKS,
        sys.version_info[:3],
    ]
    return hashlib.sha256(json.dumps(recipe, default=str).encode()).hexdigest()[:16]


def _run(args: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    done = subprocess.run(
        args,
        cwd=cwd,
        # pytest-jupyter puts the test runner's sys.path in PYTHONPATH: the venv sees its own.
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _pyproject(name: str, version: str, package: str, dependencies: list[str]) -> str:
    return (
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
        f"dependencies = {json.dumps(dependencies)}\n\n"
        f'[tool.setuptools]\npackages = ["{package}"]\n'
    )


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_local_wheel(folder: Path) -> Path:
    """A tiny pure-Python wheel written by hand (no build backend, byte-for-byte stable)."""
    name, version, package = LOCAL_WHEEL
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": f"VALUE = 'local wheel {version}'\n".encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            "Summary: A wheel that lives only on this disk\nRequires-Dist: PyYAML\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: dockerize-realworld\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
        f"{dist_info}/top_level.txt": f"{package}\n".encode(),
    }
    record = [_record_line(path, data) for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return wheel


def build_git_repository(folder: Path) -> str:
    """A local git repository holding a setuptools project; returns its commit."""
    name, version, package = GIT_PACKAGE
    _write(folder / "pyproject.toml", _pyproject(name, version, package, ["requests"]))
    _write(folder / package / "__init__.py", "VALUE = 'from git'\n")
    git = ["git", "-c", "init.defaultBranch=main"]
    _run([*git, "init", "-q"], cwd=folder, env=GIT_ENV)
    _run([*git, "add", "."], cwd=folder, env=GIT_ENV)
    _run([*git, "commit", "-q", "-m", f"{name} {version}"], cwd=folder, env=GIT_ENV)
    return _run(["git", "rev-parse", "HEAD"], cwd=folder, env=GIT_ENV).strip()


def build_editable_project(folder: Path) -> Path:
    name, version, package = EDITABLE
    _write(folder / "pyproject.toml", _pyproject(name, version, package, ["pandas"]))
    _write(
        folder / package / "__init__.py",
        "import pandas as pd\n\n\ndef summary(values):\n"
        "    return pd.Series(values).describe().to_dict()\n",
    )
    return folder


def notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"cell-{index}",
                    "metadata": {},
                    "outputs": [],
                    "source": source,
                }
                for index, source in enumerate(cells)
            ],
            "metadata": {
                "kernelspec": {
                    "display_name": KERNEL_DISPLAY_NAME,
                    "language": "python",
                    "name": KERNEL_NAME,
                },
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


# Runs in this interpreter (which has nbclient) against the venv's kernel, as the author's
# JupyterLab would: the notebooks keep the outputs of that run, so Verify compares them.
_EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
path, kernel = sys.argv[1], sys.argv[2]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, kernel_name=kernel, timeout=300,
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(notebook, path)
"""


def save_outputs(root: Path, jupyter_path: Path) -> None:
    """Executes each notebook in the real-world kernel and saves it with its outputs."""
    env = {"JUPYTER_PATH": str(jupyter_path)}
    for name in NOTEBOOKS:
        _run([sys.executable, "-c", _EXECUTE, str(root / name), KERNEL_NAME, str(root)], env=env)


def count_distributions(python: Path) -> int:
    code = (
        "import importlib.metadata as m\n"
        "print(len({d.metadata['Name'].lower() for d in m.distributions()}))"
    )
    return int(_run([str(python), "-c", code]).strip())


def _build(base: Path) -> RealWorldEnv:
    """Builds everything into ``base`` (an empty folder at its final real path)."""
    started = time.perf_counter()
    root, venv = base / "root", base / "venv"
    root.mkdir()
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    pip_env = {"PIP_CACHE_DIR": str(PIP_CACHE)}

    (base / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n")
    constraints = base / "constraints.txt"
    constraints.write_text("\n".join(CONSTRAINTS) + "\n")
    _run(
        [*pip, "install", "-r", str(base / "requirements.txt"), "-c", str(constraints)],
        env=pip_env,
    )

    wheel = build_local_wheel(root / "wheels")
    _run([*pip, "install", "-c", str(constraints), str(wheel)], env=pip_env)

    repo = root / "src" / GIT_PACKAGE[0]
    commit = build_git_repository(repo)
    url = f"git+{repo.as_uri()}@{commit}"
    _run([*pip, "install", "-c", str(constraints), url], env=pip_env)

    # Not at the root: a folder named like its package would shadow the install in a kernel
    # started there (the notebook's folder comes first on sys.path).
    project = build_editable_project(root / "projects" / EDITABLE[0])
    _run([*pip, "install", "-c", str(constraints), "-e", str(project)], env=pip_env)

    prefix = base / "jupyter"
    _run(
        [
            *(str(python), "-m", "ipykernel", "install", "--prefix", str(prefix)),
            *("--name", KERNEL_NAME, "--display-name", KERNEL_DISPLAY_NAME),
        ]
    )
    for name, cells in NOTEBOOKS.items():
        (root / name).write_text(notebook(cells))
    save_outputs(root, prefix / "share" / "jupyter")

    freeze = base / "freeze.txt"
    freeze.write_text(_run([*pip[:-1], "freeze", "--all"]))
    distributions = count_distributions(python)
    if distributions < MINIMUM_DISTRIBUTIONS:
        raise RuntimeError(f"the real-world venv has only {distributions} distributions")
    return RealWorldEnv(
        base=base,
        root=root,
        venv=venv,
        python=python,
        jupyter_path=prefix / "share" / "jupyter",
        kernel_name=KERNEL_NAME,
        notebooks=sorted(NOTEBOOKS),
        distributions=distributions,
        build_s=round(time.perf_counter() - started, 1),
        freeze=freeze,
        local_wheel=wheel,
        git_repo=repo,
        git_commit=commit,
        editable=project,
    )


MANIFEST = "realworld.json"


def _complete(link: Path) -> RealWorldEnv | None:
    manifest = link / MANIFEST
    if not manifest.is_file():
        return None
    env = RealWorldEnv.from_json(json.loads(manifest.read_text()))
    return env if env.python.exists() else None


@contextlib.contextmanager
def _locked(cache: Path):
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "realworld.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_realworld(cache: Path | None = None) -> RealWorldEnv:
    """The real-world environment, built when missing or when the recipe changed."""
    cache = (cache or DEFAULT_CACHE).absolute()
    link = cache / f"realworld-{recipe_key()}"
    found = _complete(link)
    if found:
        return found
    with _locked(cache):
        found = _complete(link)
        if found:
            return found
        # Leftovers: other recipes' builds and this recipe's unfinished ones.
        for stale in cache.glob("realworld-*"):
            if stale.is_symlink() or stale.is_file():
                stale.unlink()
            elif stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        base = Path(tempfile.mkdtemp(prefix=f"{link.name}.build-", dir=cache)).resolve()
        base.chmod(0o755)  # mkdtemp's 0700 would hide the root from a container's user
        try:
            env = _build(base)
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise
        manifest = base / MANIFEST
        manifest.with_suffix(".tmp").write_text(json.dumps(env.as_json(), indent=2) + "\n")
        manifest.with_suffix(".tmp").replace(manifest)
        temporary_link = cache / f".{link.name}.link"
        temporary_link.unlink(missing_ok=True)
        temporary_link.symlink_to(base.name)
        temporary_link.replace(link)  # atomic: the name appears complete or not at all
        return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help=f"cache folder (default {DEFAULT_CACHE})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("make", help="build or reuse the environment; print its JSON")
    path = sub.add_parser("path", help="build or reuse; print one path")
    path.add_argument("which", choices=["root", "python", "jupyter_path", "base", "freeze"])
    args = parser.parse_args(argv)
    env = ensure_realworld(args.cache)
    if args.command == "make":
        print(json.dumps(env.as_json(), indent=2))
    else:
        print(getattr(env, args.which))
    return 0


if __name__ == "__main__":
    sys.exit(main())

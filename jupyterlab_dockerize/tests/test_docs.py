"""The documentation stays true to the sources (part of `make test`).

- docs/configuration.md's tables are what scripts/docs-reference.py makes from config.py
  and schema/plugin.json;
- every error code the server or the panel can show (found in the sources by the regular
  expressions below) has a line in docs/troubleshooting.md;
- every relative link and image in README.md and docs/*.md leads to a file that exists,
  and every #anchor to a heading of that file; every screenshot in docs/images is used.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]
TROUBLESHOOTING = DOCS / "troubleshooting.md"

# Error codes of the server: error classes' default_code, code="..." keyword arguments,
# `code: str = "..."` defaults, {"code": "..."} literals, and job.fail(..., "code") calls.
SERVER_CODE_PATTERNS = [
    re.compile(r'\bdefault_code\s*(?::\s*[\w\[\]]+\s*)?=\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'\bcode\s*=\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'\bcode\s*:\s*str\s*=\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'"code"\s*:\s*"([a-z][a-z0-9_]*)"'),
    re.compile(r'\.fail\((?:[^()]|\([^()]*\))*?"([a-z][a-z0-9_]*)"\s*,?\s*\)'),
]
# Codes made with a number: {"code": f"http_{status}"} documents as `http_NNN`.
SERVER_CODE_PREFIX = re.compile(r'"code"\s*:\s*f"([a-z][a-z0-9_]*_)\{')
# Problems the panel makes itself: { code: 'kernel_not_python', ... } in src/.
FRONTEND_CODE = re.compile(r"\bcode:\s*'([a-z][a-z0-9_]*)'")

FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_REF = re.compile(r"""<(?:img|a)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
HTML_IMG = re.compile(r"""<img\b[^>]*?\bsrc=["']([^"']+)["']""", re.IGNORECASE)


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "docs_reference", REPO / "scripts" / "docs-reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prose(text: str) -> str:
    """Markdown without fenced blocks and inline code (links there are examples)."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def server_error_codes() -> set[str]:
    codes: set[str] = set()
    package = REPO / "jupyterlab_dockerize"
    for path in sorted(package.rglob("*.py")):
        if "tests" in path.relative_to(package).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in SERVER_CODE_PATTERNS:
            codes.update(pattern.findall(text))
        codes.update(f"{prefix}NNN" for prefix in SERVER_CODE_PREFIX.findall(text))
    return codes


def frontend_error_codes() -> set[str]:
    codes: set[str] = set()
    for path in sorted((REPO / "src").rglob("*.ts*")):
        if "__tests__" in path.parts:
            continue
        codes.update(FRONTEND_CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = github_slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(result)


def relative_links(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    targets = LINK.findall(text) + HTML_REF.findall(text)
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def images(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    return IMAGE.findall(text) + HTML_IMG.findall(text)


# --- configuration reference --------------------------------------------------------


def test_configuration_reference_matches_the_sources():
    generator = _load_generator()
    current = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert generator.render(current) == current, (
        "docs/configuration.md differs from the sources: run "
        ".venv/bin/python scripts/docs-reference.py"
    )


def test_configuration_reference_names_every_option():
    from traitlets.config import Configurable

    from jupyterlab_dockerize.config import Dockerize

    block = _load_generator().generated_block()
    options = Dockerize.class_traits(config=True)
    assert options, "no configurable option found"
    for name in options:
        if name in Configurable.class_traits(config=True):
            continue
        assert f"`c.Dockerize.{name}`" in block
    generator = _load_generator()
    import json

    schema = json.loads(generator.SCHEMA.read_text(encoding="utf-8"))
    for name in schema["properties"]:
        assert f"`{name}`" in block


# --- troubleshooting -----------------------------------------------------------------


def test_the_code_patterns_find_the_known_codes():
    """Guards the regular expressions: each form of code in the sources is found."""
    server = server_error_codes()
    # default_code, code="...", {"code": "..."}, job.fail(..., "timeout"), the default
    # of Job.fail, and the http_ prefix.
    for code in (
        "engine_unreachable",
        "push_unauthorized",
        "interrupted",
        "timeout",
        "job_failed",
        "http_NNN",
    ):
        assert code in server
    assert {"kernel_not_python", "kernel_not_running"} <= frontend_error_codes()


@pytest.mark.parametrize("code", sorted(server_error_codes() | frontend_error_codes()))
def test_every_error_code_is_documented(code):
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    heading = re.compile(rf"^#{{2,6}} `{re.escape(code)}`\s*$", re.MULTILINE)
    assert heading.search(text), (
        f"the error code {code!r} appears in the sources but docs/troubleshooting.md has "
        f"no '#### `{code}`' section: say what causes it and what to do"
    )


# --- links and images ----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_relative_links_resolve(page):
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            broken.append(f"{target}: {resolved} does not exist")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with the anchor #{anchor}")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_images_exist_and_are_png(page):
    for target in images(page):
        assert not target.startswith(("http:", "https:")), f"remote image {target}"
        path = (page.parent / target).resolve()
        assert path.is_file(), f"{page.relative_to(REPO)}: image {target} does not exist"
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{target} is not a PNG"


def test_every_screenshot_is_used():
    used = {(page.parent / target).resolve() for page in PAGES for target in images(page)}
    unused = [
        path.name for path in sorted((DOCS / "images").glob("*.png")) if path.resolve() not in used
    ]
    assert not unused, f"screenshots no page shows: {unused}"


def test_the_link_checker_catches_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# A heading\n", encoding="utf-8")
    page.write_text(
        "[ok](other.md#a-heading) [gone](missing.md) `[code](x.md)`\n"
        "```\n[fenced](y.md)\n```\n![pic](pic.png) [web](https://example.org)\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["other.md#a-heading", "missing.md", "pic.png"]
    assert images(page) == ["pic.png"]
    assert "a-heading" in anchors(tmp_path / "other.md")
    assert github_slug("Build, push, verify, run") == "build-push-verify-run"
    assert github_slug("`c.Dockerize.docker_host`") == "cdockerizedocker_host"


def _layout_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_layout_names_every_folder_and_module():
    """README's Layout matches the tree: every folder of src/core, every view module of
    src/panel named by its role, every server module and builder is there, and every file
    or folder it names exists."""
    layout = _layout_block()
    words = set(re.findall(r"[\w./*-]+", layout))
    folders = sorted(
        p.name for p in (REPO / "src" / "core").iterdir() if p.is_dir() and p.name != "__tests__"
    )
    missing = [f"src/core/{name}/" for name in folders if f"{name}/" not in words]
    modules = sorted(
        p.name
        for p in (REPO / "jupyterlab_dockerize").glob("*.py")
        if p.name not in {"__init__.py", "_version.py"}
    )
    missing += [name for name in modules if name not in layout]
    builders = sorted(p.name for p in (REPO / "jupyterlab_dockerize" / "builders").glob("*.py"))
    missing += [
        f"builders/{name}" for name in builders if name != "__init__.py" and name not in layout
    ]
    assert not missing, f"README's Layout does not name: {missing}"

    named = re.findall(r"^(\S+)", layout, re.MULTILINE)
    gone = [path for path in named if not (REPO / path.rstrip("/").split(",")[0]).exists()]
    assert not gone, f"README's Layout names what is not in the tree: {gone}"

#!/usr/bin/env python3
"""Writes the tables of docs/configuration.md from the sources, so they cannot drift.

The tables sit between ``<!-- generated:start -->`` and ``<!-- generated:end -->``; the
hand-written text around them is kept. Sources: every ``config=True`` trait of
``jupyterlab_dockerize.config.Dockerize`` and every property of ``schema/plugin.json``.

    .venv/bin/python scripts/docs-reference.py          # rewrite docs/configuration.md
    .venv/bin/python scripts/docs-reference.py --check  # exit 1 when it is out of date

``jupyterlab_dockerize/tests/test_docs.py`` runs the same comparison in ``make test``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONFIGURATION = REPO / "docs" / "configuration.md"
SCHEMA = REPO / "schema" / "plugin.json"
START = "<!-- generated:start -->"
END = "<!-- generated:end -->"


def _cell(text: str) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    text = json.dumps(value)
    return f"`{text}`" if text != '""' else '`""` (empty)'


def _server_rows() -> list[str]:
    sys.path.insert(0, str(REPO))
    from jupyterlab_dockerize.config import Dockerize

    rows = [
        "| option | type | default | help |",
        "| --- | --- | --- | --- |",
    ]
    traits = Dockerize.class_traits(config=True)
    for name in sorted(traits):
        trait = traits[name]
        default = trait.default()
        shown = f"`{default!r}`" if default != "" else '`""` (empty)'
        if isinstance(default, int) and not isinstance(default, bool) and default >= 1024**2:
            shown += f" ({default // 1024**2} MiB)"
        rows.append(
            f"| `c.Dockerize.{name}` | {type(trait).__name__} | {shown} | {_cell(trait.help)} |"
        )
    return rows


def _settings_rows() -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    rows = [
        "| setting | type | default | allowed | title and help |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, spec in sorted(schema.get("properties", {}).items()):
        allowed = ""
        if "enum" in spec:
            allowed = ", ".join(f"`{value}`" for value in spec["enum"])
        elif "pattern" in spec:
            allowed = "matches `" + spec["pattern"].replace("|", "\\|") + "`"
        help_text = f"**{spec.get('title', name)}.** {spec.get('description', '')}"
        rows.append(
            f"| `{name}` | {spec.get('type', '')} | {_code(spec.get('default'))} | "
            f"{allowed} | {_cell(help_text)} |"
        )
    return rows


def generated_block() -> str:
    """The text between the markers (the markers excluded), ending with a newline."""
    lines = [
        "",
        "<!-- Written by scripts/docs-reference.py from jupyterlab_dockerize/config.py and",
        "     schema/plugin.json: edit those, then run the script. -->",
        "",
        "### Server options (`c.Dockerize.*`)",
        "",
        *_server_rows(),
        "",
        "### Settings (Settings Editor → Dockerize, `schema/plugin.json`)",
        "",
        *_settings_rows(),
        "",
    ]
    return "\n".join(lines)


def render(current: str) -> str:
    """`current` with the text between the markers replaced by the generated tables."""
    if START not in current or END not in current:
        raise SystemExit(f"{CONFIGURATION}: the markers {START} and {END} are missing")
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated_block()}{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, do not write")
    args = parser.parse_args()
    current = CONFIGURATION.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{CONFIGURATION} is out of date: run scripts/docs-reference.py")
            return 1
        return 0
    if wanted != current:
        CONFIGURATION.write_text(wanted, encoding="utf-8")
        print(f"wrote {CONFIGURATION.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

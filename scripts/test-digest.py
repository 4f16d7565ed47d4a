#!/usr/bin/env python3
"""Prints each failed pytest and Galata test and the start of its error, for the end of
`make test`.

CI keeps only the tail of the output, where pytest's and Playwright's own reports of a
failure are long gone; this digest repeats the essentials there. Reads pytest's JUnit XML
(.test-results/pytest.xml) and Playwright's JSON report (ui-tests/test-results/report.json).
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "ui-tests" / "test-results" / "report.json"
PYTEST_REPORT = REPO / ".test-results" / "pytest.xml"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LINES_PER_FAILURE = 12


def failures(suite: dict, titles: tuple[str, ...] = ()):
    titles = (*titles, suite["title"]) if suite.get("title") else titles
    for spec in suite.get("specs", []):
        for test in spec.get("tests", []):
            for result in test.get("results", []):
                if result.get("status") not in ("passed", "skipped"):
                    yield " > ".join((*titles, spec["title"])), result
    for child in suite.get("suites", []):
        yield from failures(child, titles)


def print_lines(text: str) -> None:
    lines = [line for line in ANSI.sub("", text).splitlines() if line.strip()]
    for line in lines[:LINES_PER_FAILURE]:
        print(f"  {line[:200]}")


def pytest_failures() -> None:
    if not PYTEST_REPORT.exists():
        return
    # Our own test run's report, not untrusted input.
    for case in ElementTree.parse(PYTEST_REPORT).iter("testcase"):  # noqa: S314
        for problem in [*case.iter("failure"), *case.iter("error")]:
            name = f"{case.get('classname')}::{case.get('name')}"
            print(f"FAILED {name} ({float(case.get('time') or 0):.0f}s)")
            print_lines(problem.get("message") or "")
            # The end of the traceback says where it broke.
            tail = (problem.text or "").strip().splitlines()[-4:]
            print_lines("\n".join(tail))


def galata_failures() -> None:
    if not REPORT.exists():
        return
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    for title, result in (item for suite in report.get("suites", []) for item in failures(suite)):
        print(f"FAILED {title} ({result.get('status')}, {result.get('duration', 0) / 1000:.0f}s)")
        for error in result.get("errors", [])[:1]:
            print_lines(error.get("message") or error.get("value") or "")
            location = error.get("location")
            if location:
                print(f"  at {Path(location.get('file', '')).name}:{location.get('line')}")


def main() -> int:
    pytest_failures()
    galata_failures()
    return 0


if __name__ == "__main__":
    sys.exit(main())

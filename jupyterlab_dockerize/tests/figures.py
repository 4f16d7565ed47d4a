"""Figures the hardening tests count as they run, for `make bench` (bench/results.json).

When DOCKERIZE_FIGURES_DIR is set, ``Figures("paths").add(tried=1)`` accumulates counts in
``<dir>/paths.json`` (read-modify-write with an atomic rename; tests run in one process).
Unset, it counts in memory only, so the tests behave the same either way.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FIGURES_ENV = "DOCKERIZE_FIGURES_DIR"


class Figures:
    def __init__(self, group: str) -> None:
        self.group = group
        self.counts: dict[str, int] = {}

    def add(self, **counts: int) -> None:
        """Adds to counts (tried, survived, ...)."""
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + value
        self._store(counts, add=True)

    def set(self, **values: float) -> None:
        """Records measured values (a latency), replacing earlier ones."""
        self.counts.update(values)
        self._store(values, add=False)

    def _store(self, values: dict[str, float], add: bool) -> None:
        folder = os.environ.get(FIGURES_ENV)
        if not folder:
            return
        path = Path(folder) / f"{self.group}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = json.loads(path.read_text()) if path.exists() else {}
        for name, value in values.items():
            stored[name] = stored.get(name, 0) + value if add else value
        fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle, sort_keys=True)
        os.replace(temp, path)

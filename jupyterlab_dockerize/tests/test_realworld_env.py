"""The real-world environment's recipe (realworld.py): a stable key and a stable local wheel."""

from __future__ import annotations

import base64
import hashlib
import zipfile

from . import realworld


def test_the_local_wheel_is_byte_for_byte_stable_and_its_record_is_right(tmp_path):
    first = realworld.build_local_wheel(tmp_path / "a")
    second = realworld.build_local_wheel(tmp_path / "b")
    assert first.name == "localwheel-0.3.1-py3-none-any.whl"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        record = archive.read("localwheel-0.3.1.dist-info/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if not digest:
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == f"sha256={expected.decode()}" and int(size) == len(data)


def test_the_recipe_key_follows_the_recipe(monkeypatch):
    key = realworld.recipe_key()
    assert realworld.recipe_key() == key
    monkeypatch.setattr(realworld, "CONSTRAINTS", [*realworld.CONSTRAINTS[:-1], "xlsxwriter==0"])
    assert realworld.recipe_key() != key


def test_the_notebooks_ask_for_the_environment_kernel():
    import json

    for cells in realworld.NOTEBOOKS.values():
        notebook = json.loads(realworld.notebook(cells))
        assert notebook["metadata"]["kernelspec"]["name"] == "realworld-env" != "python3"
        assert len(notebook["cells"]) == len(cells)

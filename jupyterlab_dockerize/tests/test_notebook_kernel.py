"""Bundled notebooks ask for the image's kernel (issue 11, point 6), on real notebook files."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from jupyterlab_dockerize.bundle import (
    BundleLimits,
    iter_tar,
    iter_zip,
    plan_bundle,
)
from jupyterlab_dockerize.contracts import parse_bundle_request
from jupyterlab_dockerize.errors import PayloadTooLarge
from jupyterlab_dockerize.notebook_kernel import IMAGE_KERNELSPEC, point_at_image_kernel

BUNDLE_ROUTE = ("jupyterlab-dockerize", "bundle")
AUTHOR_KERNEL = {"display_name": "Python (accenv)", "language": "python", "name": "accenv"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "version": "3.11.7",
}
SAVED = 1_700_000_001


def author_notebook(kernelspec=AUTHOR_KERNEL, language_info=LANGUAGE_INFO) -> nbformat.NotebookNode:
    """A notebook as JupyterLab saves it on the author's machine: outputs, ids, Unicode."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(kernelspec)
    if language_info is not None:
        nb.metadata["language_info"] = dict(language_info)
    nb.metadata["author"] = "Zoë — 日本"
    code = nbformat.v4.new_code_cell("print('héllo')\n6 * 7", execution_count=3)
    code.id = "cell-one"
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="héllo\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=3),
    ]
    text = nbformat.v4.new_markdown_cell("# Résumé ✓")
    text.id = "cell-two"
    nb.cells = [code, text]
    return nb


def write_notebook(path: Path, nb: nbformat.NotebookNode) -> bytes:
    nbformat.write(nb, str(path))  # nbformat's own layout, as JupyterLab's contents manager
    os.utime(path, (SAVED, SAVED))
    return path.read_bytes()


def bundle_files(root: Path, include: list[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The files of the zip and of the build context of one request, by bundle path."""
    body = {
        "name": "nb",
        "files": {"Dockerfile": "FROM scratch\n"},
        "include": [{"workspacePath": p, "bundlePath": p} for p in include],
    }
    spec = parse_bundle_request(json.dumps(body).encode(), BundleLimits()).spec
    assembly = plan_bundle(root, spec, BundleLimits())
    archive = zipfile.ZipFile(io.BytesIO(b"".join(iter_zip(assembly))))
    in_zip = {
        i.filename.removeprefix("nb/"): archive.read(i)
        for i in archive.infolist()
        if not i.is_dir()
    }
    tar = tarfile.open(fileobj=io.BytesIO(b"".join(iter_tar(assembly))))
    in_tar = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    assert assembly.total_bytes == sum(len(data) for data in in_tar.values())
    return in_zip, in_tar


def test_a_python_notebook_on_another_kernel_points_at_python3(tmp_path):
    nb = author_notebook()
    original = write_notebook(tmp_path / "analysis.ipynb", nb)

    in_zip, in_tar = bundle_files(tmp_path, ["analysis.ipynb"])

    assert in_zip["analysis.ipynb"] == in_tar["analysis.ipynb"]
    expected = copy.deepcopy(nb)
    expected.metadata["kernelspec"] = dict(IMAGE_KERNELSPEC)
    # Byte for byte what nbformat would write: only the kernelspec changed.
    assert in_zip["analysis.ipynb"] == nbformat.writes(expected).encode("utf-8") + b"\n"
    rewritten = json.loads(in_zip["analysis.ipynb"])
    assert rewritten["metadata"]["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    before = json.loads(original)
    del before["metadata"]["kernelspec"], rewritten["metadata"]["kernelspec"]
    assert rewritten == before  # cells, outputs, language_info, the rest: untouched
    assert original.count(b"\n") == in_zip["analysis.ipynb"].count(b"\n")
    assert "日本".encode() in in_zip["analysis.ipynb"]  # not escaped: ensure_ascii stays off


@pytest.mark.parametrize(
    ("kernelspec", "language_info"),
    [
        ({"display_name": "R", "language": "R", "name": "ir"}, {"name": "R"}),
        ({"display_name": "Julia 1.10", "language": "julia", "name": "julia-1.10"}, None),
        ({"display_name": "Bash", "language": "bash", "name": "bash"}, {"name": "bash"}),
        ({"display_name": "Python 3", "language": "python", "name": "python3"}, LANGUAGE_INFO),
    ],
    ids=["r", "julia", "bash", "already-python3"],
)
def test_other_languages_and_python3_stay_byte_identical(tmp_path, kernelspec, language_info):
    original = write_notebook(tmp_path / "n.ipynb", author_notebook(kernelspec, language_info))

    in_zip, in_tar = bundle_files(tmp_path, ["n.ipynb"])

    assert in_zip["n.ipynb"] == in_tar["n.ipynb"] == original


def test_a_kernel_without_language_is_python_by_its_language_info(tmp_path):
    spec = {"display_name": "accenv", "name": "accenv"}
    write_notebook(tmp_path / "a.ipynb", author_notebook(spec, LANGUAGE_INFO))
    write_notebook(tmp_path / "r.ipynb", author_notebook(spec, {"name": "R"}))

    in_zip, _ = bundle_files(tmp_path, ["a.ipynb", "r.ipynb"])

    assert json.loads(in_zip["a.ipynb"])["metadata"]["kernelspec"]["name"] == "python3"
    assert json.loads(in_zip["r.ipynb"])["metadata"]["kernelspec"]["name"] == "accenv"


def test_notebooks_inside_an_included_folder_are_rewritten_too(tmp_path):
    (tmp_path / "work" / "sub").mkdir(parents=True)
    write_notebook(tmp_path / "work" / "sub" / "deep.ipynb", author_notebook())

    in_zip, in_tar = bundle_files(tmp_path, ["work"])

    assert in_zip["work/sub/deep.ipynb"] == in_tar["work/sub/deep.ipynb"]
    assert json.loads(in_tar["work/sub/deep.ipynb"])["metadata"]["kernelspec"]["name"] == "python3"


def test_another_layout_is_kept_as_the_file_had_it():
    """A notebook written by another tool (indent 2, keys unsorted, no final newline)."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": dict(AUTHOR_KERNEL), "language_info": {"name": "python"}},
        "cells": [],
    }
    text = json.dumps(nb, indent=2)
    rewritten = point_at_image_kernel(text.encode())

    nb["metadata"]["kernelspec"] = dict(IMAGE_KERNELSPEC)
    assert rewritten == json.dumps(nb, indent=2).encode()


def test_a_layout_that_cannot_be_reproduced_falls_back_to_nbformats():
    text = '{"metadata": {"kernelspec": {"name": "accenv", "language": "python"}},\n"cells":[]}'
    rewritten = point_at_image_kernel(text.encode())

    assert rewritten is not None
    data = json.loads(rewritten)
    assert data["metadata"]["kernelspec"] == IMAGE_KERNELSPEC
    assert rewritten.decode() == json.dumps(data, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    "data",
    [b"not json", b"\xff\xfe", b"[]", b'{"metadata": []}', b'{"metadata": {}}', b"{}"],
)
def test_what_is_not_a_notebook_with_a_kernel_is_left_alone(tmp_path, data):
    assert point_at_image_kernel(data) is None
    (tmp_path / "odd.ipynb").write_bytes(data)
    in_zip, _ = bundle_files(tmp_path, ["odd.ipynb"])
    assert in_zip["odd.ipynb"] == data


def test_the_size_limit_counts_the_rewritten_notebook(tmp_path):
    write_notebook(tmp_path / "analysis.ipynb", author_notebook())
    body = {
        "files": {"Dockerfile": "FROM scratch\n"},
        "include": [{"workspacePath": "analysis.ipynb", "bundlePath": "analysis.ipynb"}],
    }
    spec = parse_bundle_request(json.dumps(body).encode(), BundleLimits()).spec
    assembly = plan_bundle(tmp_path, spec, BundleLimits())
    on_disk = (tmp_path / "analysis.ipynb").stat().st_size + len("FROM scratch\n")
    assert assembly.total_bytes > on_disk  # "python3" + its display name are longer

    exact = BundleLimits(max_bytes=assembly.total_bytes)
    assert plan_bundle(tmp_path, spec, exact).total_bytes == assembly.total_bytes
    with pytest.raises(PayloadTooLarge):
        plan_bundle(tmp_path, spec, BundleLimits(max_bytes=assembly.total_bytes - 1))


def test_the_rewritten_notebook_keeps_the_source_files_time(tmp_path):
    write_notebook(tmp_path / "analysis.ipynb", author_notebook())
    body = {
        "files": {},
        "include": [{"workspacePath": "analysis.ipynb", "bundlePath": "analysis.ipynb"}],
    }
    spec = parse_bundle_request(json.dumps(body).encode(), BundleLimits()).spec
    tar = tarfile.open(
        fileobj=io.BytesIO(b"".join(iter_tar(plan_bundle(tmp_path, spec, BundleLimits()))))
    )
    assert tar.getmember("analysis.ipynb").mtime == SAVED


def test_the_venv_has_the_kernel_the_rewritten_notebook_names():
    specs = KernelSpecManager().find_kernel_specs()
    assert IMAGE_KERNELSPEC["name"] in specs
    assert "accenv" not in specs  # else the test below proves nothing


def test_nbconvert_executes_the_bundled_notebook_but_not_the_authors(tmp_path):
    """`jupyter nbconvert --execute`, as a colleague runs it in the image: NoSuchKernel for
    the author's file, a run for the bundled one (on the venv's python3 kernel)."""
    (tmp_path / "src").mkdir()
    write_notebook(tmp_path / "src" / "analysis.ipynb", author_notebook())
    in_zip, _ = bundle_files(tmp_path / "src", ["analysis.ipynb"])
    (tmp_path / "bundled.ipynb").write_bytes(in_zip["analysis.ipynb"])
    jupyter = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]

    authors = subprocess.run(
        [*jupyter, "--output", "out-a", str(tmp_path / "src" / "analysis.ipynb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    bundled = subprocess.run(
        [*jupyter, "--output", "out-b", str(tmp_path / "bundled.ipynb")],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert authors.returncode != 0 and "accenv" in authors.stderr
    assert bundled.returncode == 0, bundled.stderr
    executed = json.loads((tmp_path / "out-b.ipynb").read_text(encoding="utf-8"))
    assert "".join(executed["cells"][0]["outputs"][-1]["data"]["text/plain"]) == "42"

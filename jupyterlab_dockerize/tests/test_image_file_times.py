"""A real build on the harness engine: the notebook in the image keeps its own date and asks
for the image's kernel (issue 11, points 6 and 13), through the same route the panel uses."""

from __future__ import annotations

import json
import os

import pytest

from .buildjobs import STANDIN, engine_server_config, start_build, wait_for

pytestmark = pytest.mark.engine

SAVED = 1_700_000_001  # 2023-11-14, an odd second: the context carries whole seconds
IMAGE = "dockerize-test/file-times:1"


@pytest.fixture
def jp_server_config(state_dir):
    return engine_server_config(state_dir, max_concurrent_builds=1)


@pytest.fixture
def notebook(jp_root_dir):
    path = jp_root_dir / "analysis.ipynb"
    kernelspec = {"display_name": "Python (accenv)", "language": "python", "name": "accenv"}
    path.write_text(
        json.dumps(
            {
                "cells": [],
                "metadata": {"kernelspec": kernelspec, "language_info": {"name": "python"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            },
            indent=1,
        )
        + "\n"
    )
    os.utime(path, (SAVED, SAVED))
    return {"workspacePath": "analysis.ipynb", "bundlePath": "notebooks/analysis.ipynb"}


def run_in_image(engine, image: str, command: list[str]) -> str:
    container = engine.create_container(image, command=command, network_disabled=True)
    try:
        engine.start(container)
        assert engine.wait(container, timeout=60)["StatusCode"] == 0
        return engine.logs(container, stdout=True, stderr=False).decode()
    finally:
        engine.remove_container(container, force=True)


async def test_the_notebook_in_the_image_has_its_own_date_and_the_images_kernel(
    jp_fetch, engine, notebook
):
    dockerfile = f"FROM {STANDIN}\nCOPY notebooks/ /notebooks/\n"
    job = await start_build(jp_fetch, dockerfile, IMAGE, include=[notebook])
    try:
        done = await wait_for(jp_fetch, job["id"], {"built", "failed"})
        assert done["state"] == "built", done
        stat = run_in_image(engine, IMAGE, ["stat", "-c", "%Y", "/notebooks/analysis.ipynb"])
        assert int(stat.strip()) == SAVED
        text = run_in_image(engine, IMAGE, ["cat", "/notebooks/analysis.ipynb"])
        assert json.loads(text)["metadata"]["kernelspec"]["name"] == "python3"
    finally:
        try:
            engine.remove_image(IMAGE, force=True)
        except Exception:  # noqa: BLE001 - a failed build leaves no image to remove
            pass

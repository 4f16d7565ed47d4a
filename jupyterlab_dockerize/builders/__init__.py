"""Builders: how an image is made from a bundle assembly, one module a build tool.

``base.py`` is the interface the job service uses (``Builder``, ``BuildInput``,
``BuildEvents``); ``engine_api.py`` the Engine API's classic builder, the one there is
today. A new builder (BuildKit through the docker CLI, podman specifics) is a new module
here that subclasses ``Builder``, plus its line in ``BUILDERS`` and in ``make_builder``;
the job service (builds.py) does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Builder, BuildEvents, BuildFailed, BuildInput, build_failure
from .engine_api import EngineApiBuilder

if TYPE_CHECKING:
    from ..config import Dockerize

#: Every builder by its name.
BUILDERS: dict[str, type[Builder]] = {EngineApiBuilder.name: EngineApiBuilder}


def make_builder(config: Dockerize) -> Builder:
    """The builder the job service uses: the one place it is chosen (today the only one;
    a ``c.Dockerize.builder`` setting, or a look at the engine, decides here later)."""
    return EngineApiBuilder(config)


__all__ = [
    "BUILDERS",
    "BuildEvents",
    "BuildFailed",
    "BuildInput",
    "Builder",
    "EngineApiBuilder",
    "build_failure",
    "make_builder",
]

"""Builders: how an image is made from a bundle assembly, one module a build tool.

``base.py`` is the interface the job service uses (``Builder``, ``BuildInput``,
``BuildEvents``); ``engine_api.py`` the Engine API's classic builder (the fallback where no
docker CLI runs BuildKit, and podman's); ``buildkit_cli.py`` BuildKit through the docker CLI
(``docker_cli.py`` finds and runs it). A new builder is a new module here that subclasses
``Builder``, plus its line in ``BUILDERS`` and in ``make_builder``; the job service
(builds.py) does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Builder, BuildEvents, BuildFailed, BuildInput, build_failure
from .buildkit_cli import BuildKitCliBuilder
from .docker_cli import find_docker_cli
from .engine_api import EngineApiBuilder

if TYPE_CHECKING:
    from ..config import Dockerize

#: Every builder by its name.
BUILDERS: dict[str, type[Builder]] = {
    EngineApiBuilder.name: EngineApiBuilder,
    BuildKitCliBuilder.name: BuildKitCliBuilder,
}


def make_builder(config: Dockerize) -> Builder:
    """The builder the job service uses, chosen here only: ``c.Dockerize.builder``, where
    'auto' is BuildKit when a docker CLI that runs it is found (probed once), else the
    Engine API's classic builder."""
    if config.builder == "engine-api":
        return EngineApiBuilder(config)
    if config.builder == "buildkit":
        return BuildKitCliBuilder(config)
    cli = find_docker_cli(config)
    if cli is not None and cli.builds_with_buildkit:
        return BuildKitCliBuilder(config, cli)
    return EngineApiBuilder(config)


def builder_status(config: Dockerize, engine_product: str = "") -> dict[str, str]:
    """Which builder the next build runs, for the engine status: {name, detail} (blocking:
    it may probe the docker CLI)."""
    builder = make_builder(config)
    if isinstance(builder, BuildKitCliBuilder):
        cli = builder.cli
        if config.builder == "auto" and "podman" in engine_product.lower():
            return {
                "name": EngineApiBuilder.name,
                "detail": "Engine API (classic builder): the engine is Podman",
            }
        if cli is None or not cli.builds_with_buildkit:
            found = "no docker CLI found" if cli is None else cli.describe()
            return {
                "name": BuildKitCliBuilder.name,
                "detail": f"BuildKit was chosen, but it cannot run: {found}",
            }
        detail = cli.describe()
        if cli.buildx and config.buildx_builder:
            detail += f", builder {config.buildx_builder}"
        return {"name": BuildKitCliBuilder.name, "detail": detail}
    reason = (
        "chosen by c.Dockerize.builder"
        if config.builder == "engine-api"
        else "no docker CLI with BuildKit found"
    )
    return {"name": EngineApiBuilder.name, "detail": f"Engine API (classic builder): {reason}"}


__all__ = [
    "BUILDERS",
    "BuildEvents",
    "BuildFailed",
    "BuildInput",
    "BuildKitCliBuilder",
    "Builder",
    "EngineApiBuilder",
    "build_failure",
    "builder_status",
    "make_builder",
]

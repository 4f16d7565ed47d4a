"""The build service: jobs in a queue, engine work in worker threads, one place for failures.

Runs on the server's event loop and never blocks it: every engine call, file read and pip
download happens in this service's own thread pool, so long builds do not take the threads
the rest of the server uses. A cap limits simultaneous builds (the rest wait in order), and
a lock per image reference keeps two jobs from writing the same tag at once.

Requests arrive typed (contracts.py, parsed by the handlers). Images are made by a builder
(builders/), which the service knows only by its interface: context, tag, labels and
platform in, events and the image id out, the job's cancellation to stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .builders import Builder, BuildEvents, BuildInput, make_builder
from .bundle import BundleAssembly, BundleLimits, plan_bundle, with_entries
from .cancellation import Cancellation, Cancelled, JobAPIClient
from .config import Dockerize
from .containers import (
    DATA_VOLUME,
    JOB_LABEL,
    NOTEBOOKS_VOLUME,
    remove_containers_of,
    remove_labelled_containers,
)
from .contracts import BuildRequest, PushRequest, RunRequest, VerifyRequest
from .engine import engine_error, internal_error, job_error, open_api_client
from .errors import BadRequest, DockerizeError, JobConflict, JobNotFound
from .instances import ServerInstance
from .jobs import Job, JobState, JobStateError, JobStore, new_job_id
from .launch import run_locally, stop_locally
from .notebook_run import NotebookLimits, notebook_runs_in_words, notebooks_of
from .pip_runner import index_config_from
from .platforms import (
    PlatformBuildEvents,
    PlatformImage,
    build_for_platform,
    build_order,
    engine_platform,
    platform_image,
    platform_images,
    platform_verdict,
    scaled_limits,
    start_line,
)
from .push import run_platforms_push, run_push
from .requirements_policy import policy_from
from .verify import run_verify
from .wheelhouse import download_wheelhouse, wheelhouse_entries
from .workspace import resolve_workspace_path, show

T = TypeVar("T")
LOG = logging.getLogger("jupyterlab_dockerize")
#: Where the bundle puts the notebooks and the data files (src/core/bundle/bundlePaths.ts).
NOTEBOOKS_FOLDER = "notebooks"
DATA_FOLDER = "data"


def bundle_entries_under(
    request: BuildRequest, folder: str, suffix: str = ""
) -> list[dict[str, str]]:
    """The included files that land directly in the bundle's ``folder`` (ending in
    ``suffix``), as {workspacePath, bundlePath}: the notebooks and the data files."""
    return [
        {"workspacePath": item.workspace_path, "bundlePath": item.bundle_path}
        for item in request.spec.include
        if item.bundle_path.startswith(f"{folder}/")
        and "/" not in item.bundle_path[len(folder) + 1 :]
        and item.bundle_path.endswith(suffix)
    ]


class BuildService:
    def __init__(
        self, config: Dockerize, root: str, state_dir: Path, builder: Builder | None = None
    ) -> None:
        self.config = config
        #: Makes images; the service knows only its interface (builders/base.py).
        self.builder = builder or make_builder(config)
        self.root = root
        self.instance = ServerInstance(state_dir)
        self.store = JobStore(state_dir / "jobs", config.job_log_max_bytes)
        #: This server's own temporary folder: another server's is never touched.
        self.temp_root = self.instance.temp_root
        self.jobs: dict[str, Job] = {}
        self._cancellations: dict[str, Cancellation] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._tag_locks: dict[str, asyncio.Lock] = {}
        self._slots: asyncio.Semaphore | None = None
        self._started: asyncio.Future[None] | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, config.max_concurrent_builds) * 2 + 4,
            thread_name_prefix="dockerize-job",
        )
        self.limits = BundleLimits(
            max_bytes=config.bundle_max_bytes, max_request_bytes=config.bundle_max_request_bytes
        )

    # --- life cycle ------------------------------------------------------------------

    async def ready(self) -> None:
        """Starts the service once (at server start, or at its first request)."""
        if self._started is None:
            self._started = asyncio.ensure_future(self.start())
        await asyncio.shield(self._started)

    async def start(self) -> None:
        """Claims this server's place in the state folder; takes over the jobs of servers
        that are gone (showing their running jobs as interrupted) and cleans what they left.
        Jobs, files and containers of another server that still runs are left alone."""
        loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(max(1, self.config.max_concurrent_builds))
        await self._in_thread(self.instance.claim)
        with self.instance.dead_instances() as dead:
            live = await self._in_thread(self.instance.live_instances, dead)
            adopted_legacy: set[str] = set()
            for job in await self._in_thread(self.store.load):
                if job.server in live:
                    continue  # another running server's job
                if not job.server:
                    adopted_legacy.add(job.id)
                job.bind_loop(loop)
                await self._in_thread(self.store.load_events, job)
                self.store.keep_events(job)
                if job.active:
                    job.interrupt(
                        "The Jupyter server stopped while this job ran.", "Start it again."
                    )
                job.run = None
                job.server = self.instance.id
                await self._in_thread(self.store.save, job)
                self.jobs[job.id] = job
            for job_id in adopted_legacy:  # older versions kept tmp/<job id>
                await self._in_thread(shutil.rmtree, self.instance.state_dir / "tmp" / job_id, True)
            try:
                removed = await self._in_thread(
                    self._remove_leftover_containers, dead, adopted_legacy
                )
            except DockerizeError as error:
                LOG.info("jupyterlab-dockerize: leftover containers not checked: %s", error.message)
            else:
                if removed:
                    LOG.info("jupyterlab-dockerize: removed %d leftover containers", removed)

    async def shutdown(self, grace: float = 5.0) -> None:
        """Stops the work under way (jobs end interrupted, with their logs on disk), removes
        this server's containers and releases its place, so the server's exit never waits
        for an engine call."""
        if self._started is None:
            return
        stopping = [job for job in self.jobs.values() if job.active]
        for cancellation in list(self._cancellations.values()):
            cancellation.cancel("The Jupyter server is stopping.")
        tasks = [task for task in self._tasks.values() if not task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for task in tasks:
            task.cancel()
        for job in stopping:
            job.interrupt("The Jupyter server stopped while this job ran.", "Start it again.")
        for job in self.jobs.values():
            job.run = None
            with contextlib.suppress(OSError):
                await self._in_thread(self.store.save, job)
            job.close_events()
        with contextlib.suppress(Exception):  # the engine may be gone: nothing to remove then
            await asyncio.wait_for(self._in_thread(self._remove_own_containers), grace)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.instance.release()

    def _remove_leftover_containers(self, dead: set[str], legacy_jobs: set[str]) -> int:
        if not dead and not legacy_jobs:
            return 0
        client = self._client(timeout=self.config.engine_timeout)
        try:
            return remove_containers_of(client, dead, legacy_jobs)
        except DockerizeError:
            raise
        except Exception as error:  # noqa: BLE001 - the engine may be down at start
            raise engine_error(error, self.config.engine_settings().host()) from None
        finally:
            client.close()

    def _remove_own_containers(self) -> None:
        client = self._client(timeout=self.config.engine_timeout)
        try:
            remove_labelled_containers(client, self.instance.id)
        finally:
            client.close()

    # --- queries ---------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise JobNotFound(
                f"There is no build job '{show(job_id, 40)}'.",
                "List the jobs with GET builds; jobs of a removed state folder are gone.",
            )
        return job

    def list(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda job: job.created)

    # --- commands --------------------------------------------------------------------

    async def submit(self, request: BuildRequest) -> Job:
        assembly = await self._in_thread(plan_bundle, self.root, request.spec, self.limits)
        job = Job(
            id=new_job_id(),
            image=request.image,
            notebook=request.notebook,
            notebooks=bundle_entries_under(request, NOTEBOOKS_FOLDER, ".ipynb"),
            data_files=bundle_entries_under(request, DATA_FOLDER),
            server=self.instance.id,
        )
        job.bind_loop(asyncio.get_running_loop())
        self.store.keep_events(job)
        job.emit("phase", phase="build", state=job.state.value, message=job.message)
        self.jobs[job.id] = job
        cancellation = Cancellation()
        self._cancellations[job.id] = cancellation
        # The task joins the queue now, before any other await: the queue keeps the order
        # in which jobs were made.
        self._tasks[job.id] = asyncio.create_task(
            self._build(job, request, assembly, cancellation), name=f"dockerize-build-{job.id}"
        )
        await self._save(job)
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        cancellation = self._cancellations.get(job_id)
        if not job.active or cancellation is None:
            raise JobConflict(
                f"The job is {job.state.value}: there is nothing to cancel.",
                "Only queued, building, pushing and verifying jobs can be cancelled.",
            )
        cancellation.cancel("Cancelled by the user.")
        task = self._tasks.get(job_id)
        if job.state is JobState.QUEUED and task is not None:
            task.cancel()  # it waits for a slot or a tag: nothing runs yet
        return job

    async def push(self, job_id: str, request: PushRequest) -> Job:
        job = self.get(job_id)
        target, auth = request.target, request.auth
        self._begin(job, "push")
        cancellation = Cancellation()
        self._cancellations[job.id] = cancellation

        push = (
            functools.partial(run_platforms_push, config=self.config)
            if len(job.platforms) > 1
            else run_push
        )

        async def work() -> None:
            async with self._tag_lock(target.reference):
                result = await self._in_thread(
                    self._engine_call, push, job, target, cancellation, auth
                )
            job.pushed = result
            platforms = [item["platform"] for item in result.get("platforms") or []]
            job.succeed(
                f"Pushed {result['reference']}"
                + (f" for {' and '.join(platforms)} (one manifest list)." if platforms else ".")
            )

        self._tasks[job.id] = asyncio.create_task(self._phase(job, cancellation, work, auth))
        return job

    async def verify(self, job_id: str, request: VerifyRequest | None = None) -> Job:
        """The package and Jupyter checks, then (unless the request says not) each bundled
        notebook re-executed in the image."""
        request = request or VerifyRequest()
        job = self.get(job_id)
        data_dir = None
        if request.data_dir:
            data_dir = await self._in_thread(resolve_workspace_path, self.root, request.data_dir)
            if not data_dir.is_dir():
                raise BadRequest("'dataDir' must name a folder of the workspace.")
        self._begin(job, "verify")
        cancellation = Cancellation()
        self._cancellations[job.id] = cancellation

        limits = NotebookLimits(
            cell_timeout=request.cell_timeout or self.config.verify_cell_timeout,
            notebook_timeout=request.notebook_timeout or self.config.verify_notebook_timeout,
        )
        notebooks = notebooks_of(job.notebooks) if request.notebooks else []
        images: list[PlatformImage | None] = list(platform_images(job)) or [None]
        several = len(images) > 1

        def verify_one(image: PlatformImage | None, client: JobAPIClient, *args: Any) -> Any:
            factor = self.config.emulation_time_factor if image and image.emulated else 1.0
            if image is not None and (several or image.emulated):
                job.emit(
                    "log",
                    phase="verify",
                    text=f"Verifying {image.platform}"
                    + (
                        f" (emulated through QEMU: time limits {factor:g} times longer)"
                        if image.emulated
                        else ""
                    ),
                    **({"platform": image.platform} if several else {}),
                )
            return run_verify(
                client,
                *args,
                network_mode=self.config.run_network_mode,
                timeout=self.config.verify_timeout * factor,
                server_id=self.instance.id,
                notebooks=notebooks,
                limits=scaled_limits(limits, factor),
                data_dir=str(data_dir) if data_dir else None,
                image_id=image.image_id if image else None,
            )

        async def work() -> None:
            results: dict[str, dict[str, Any]] = {}
            for index, image in enumerate(images):
                try:
                    result = await self._in_thread(
                        self._engine_call,
                        functools.partial(verify_one, image),
                        job,
                        cancellation,
                    )
                except DockerizeError as error:
                    if index == 0:
                        raise
                    result = {"ok": False, "error": error.to_json()["error"]}
                results[image.platform if image else ""] = result
            result = dict(next(iter(results.values())))
            if several:
                result["byPlatform"] = dict(list(results.items())[1:])
            job.verification = result
            ok = all(result["jupyter"].values())
            job.succeed(
                (
                    "Verified: the image's Jupyter answered with the token only."
                    if ok
                    else "Verified, with problems: see the Jupyter checks."
                )
                + notebook_runs_in_words(result["notebooks"])
                + "".join(
                    f" {platform}: {platform_verdict(other)}"
                    for platform, other in list(results.items())[1:]
                )
            )

        self._tasks[job.id] = asyncio.create_task(self._phase(job, cancellation, work))
        return job

    async def run(self, job_id: str, request: RunRequest) -> Job:
        job = self.get(job_id)
        if job.image_id is None:
            raise JobConflict("The image was not built; build it first.", "")
        if job.run is not None:
            raise JobConflict(
                "The image is already running.", "Open its URL, or stop it first to restart it."
            )
        binds = {}
        for field, relative, target in (
            ("notebooksDir", request.notebooks_dir, NOTEBOOKS_VOLUME),
            ("dataDir", request.data_dir, DATA_VOLUME),
        ):
            if not relative:
                continue
            real = await self._in_thread(resolve_workspace_path, self.root, relative)
            if not real.is_dir():
                raise BadRequest(f"'{field}' must name a folder of the workspace.")
            binds[str(real)] = target
        cancellation = Cancellation()
        job.emit("log", phase="run", text=f"Starting {job.image}.")
        try:
            result = await self._in_thread(
                self._engine_call,
                functools.partial(
                    run_locally,
                    network_mode=self.config.run_network_mode,
                    binds=binds,
                    timeout=self.config.verify_timeout,
                    server_id=self.instance.id,
                ),
                job,
                cancellation,
            )
        except DockerizeError as error:
            job.emit("log", phase="run", text=error.message, stream="stderr")
            raise
        job.run = result
        job.emit("run", phase="run", running=True, url=result["url"], port=result["port"])
        await self._save(job)
        return job

    async def stop_run(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.run is None:
            raise JobConflict("The image is not running.", "")
        await self._in_thread(self._stop_container, job.run["containerId"])
        job.run = None
        job.emit("run", phase="run", running=False)
        await self._save(job)
        return job

    # --- the work --------------------------------------------------------------------

    async def _build(
        self,
        job: Job,
        request: BuildRequest,
        assembly: BundleAssembly,
        cancellation: Cancellation,
    ) -> None:
        assert self._slots is not None
        timer: asyncio.TimerHandle | None = None

        async def work() -> None:
            nonlocal timer
            async with self._tag_lock(job.image), self._slots:
                cancellation.check()
                self._begin(job, "build")
                await self._save(job)
                timeout = self.config.build_timeout
                timer = asyncio.get_running_loop().call_later(
                    timeout,
                    functools.partial(
                        cancellation.cancel,
                        f"The build took longer than {timeout:.0f} s and was stopped.",
                        failure=True,
                    ),
                )
                job.image_id = await self._in_thread(
                    self._build_work, job, request, assembly, cancellation
                )
            job.succeed(f"Built {job.image}.")

        try:
            await self._phase(job, cancellation, work)
        finally:
            if timer is not None:
                timer.cancel()

    def _build_work(
        self,
        job: Job,
        request: BuildRequest,
        assembly: BundleAssembly,
        cancellation: Cancellation,
    ) -> str:
        """One image a platform (the engine's own first), each from its own context (its
        own wheelhouse when offline); returns the first one's id. When a later platform
        fails or is cancelled, the images built before it are removed: a job has all its
        platforms or none."""
        native = self._engine_call(engine_platform)
        wanted = request.platforms
        order: list[str | None] = list(build_order(wanted, native)) if wanted else [None]
        several = len(order) > 1
        built: list[PlatformImage] = []
        temp = self.temp_root / job.id
        try:
            for index, platform in enumerate(order):
                cancellation.check()
                built.append(
                    self._build_platform(
                        job, request, assembly, cancellation, platform, native, index, several
                    )
                )
        except BaseException:
            if built and several:
                self._remove_images(job, [image.image_id for image in built])
            raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        job.platforms = [image.record() for image in built if image.platform]
        return built[0].image_id

    def _build_platform(
        self,
        job: Job,
        request: BuildRequest,
        assembly: BundleAssembly,
        cancellation: Cancellation,
        platform: str | None,
        native: str | None,
        index: int,
        several: bool,
    ) -> PlatformImage:
        emulated = platform is not None and platform != native
        image = job.image if index == 0 or platform is None else platform_image(job.image, platform)
        events = (
            BuildEvents(job)
            if platform is None
            else PlatformBuildEvents(job, platform, tagged=several)
        )
        if several or emulated:
            assert platform is not None
            events.log(start_line(platform, emulated))
        context = assembly
        if request.wheelhouse is not None:
            wheels = request.wheelhouse
            if platform is not None:
                wheels = dataclasses.replace(wheels, platform=platform)
            house, lock, hashes = download_wheelhouse(
                wheels,
                request.spec.files,
                self.temp_root / job.id / (platform or "native").replace("/", "-"),
                events.log,
                cancellation,
                assembly=assembly,
                policy=policy_from(self.config, self.root),
                index=index_config_from(self.config),
            )
            context = with_entries(assembly, wheelhouse_entries(house, lock))
            if index == 0:
                job.wheelhouse = hashes
        what = BuildInput(
            context=context, image=image, labels={JOB_LABEL: job.id}, platform=platform
        )
        image_id = build_for_platform(self.builder, what, events, cancellation, emulated, several)
        return PlatformImage(platform or native or "", image, image_id, emulated)

    def _remove_images(self, job: Job, image_ids: list[str]) -> None:
        """Removes the images a failed or cancelled multi-platform build made (each carries
        the job's label, so no other image shares its id)."""

        def remove(client: JobAPIClient) -> None:
            for image_id in image_ids:
                try:
                    client.remove_image(image_id, force=True)
                except Exception as error:  # noqa: BLE001 - told, not raised over the failure
                    job.emit(
                        "log", phase="build", text=f"Could not remove {image_id[:19]}: {error}"
                    )

        with contextlib.suppress(Exception):
            self._engine_call(remove)

    def _engine_call(self, function: Callable[..., T], *args: Any) -> T:
        """Runs engine work (push, verify, run) with its own client, every request with a
        read timeout; engine failures become clear errors."""
        client = self._client(timeout=self.config.engine_call_timeout)
        try:
            return function(client, *args)
        except (DockerizeError, Cancelled):
            raise
        except Exception as error:
            raise job_error(error, self.config.engine_settings().host()) from error
        finally:
            client.close()

    async def _phase(
        self,
        job: Job,
        cancellation: Cancellation,
        work: Callable[[], Any],
        secret: dict[str, str] | None = None,
    ) -> None:
        try:
            await work()
        except Cancelled as stop:
            if stop.failure:
                job.fail(
                    stop.reason, "Raise c.Dockerize.build_timeout if builds need longer.", "timeout"
                )
            else:
                job.cancel(stop.reason)
        except asyncio.CancelledError:
            if cancellation.cancelled:
                job.cancel(cancellation.reason)
            else:
                job.cancel("Cancelled: the server is stopping.")
                raise
        except DockerizeError as error:
            job.fail(error.message, error.hint, error.code)
        except Exception as error:
            LOG.exception("jupyterlab-dockerize: job %s failed unexpectedly", job.id)
            internal = internal_error(error)
            job.fail(internal.message, internal.hint, internal.code)
        finally:
            if secret is not None:
                secret.clear()
            if self._cancellations.get(job.id) is cancellation:
                del self._cancellations[job.id]
            self._tasks.pop(job.id, None)
            await self._save(job)

    # --- helpers ---------------------------------------------------------------------

    def _begin(self, job: Job, phase: str) -> None:
        try:
            job.begin(phase)
        except JobStateError as error:
            raise JobConflict(str(error), "") from None

    def _tag_lock(self, reference: str) -> asyncio.Lock:
        return self._tag_locks.setdefault(reference, asyncio.Lock())

    def _client(self, timeout: float | None) -> JobAPIClient:
        client = open_api_client(
            self.config.engine_settings(), client_class=JobAPIClient, timeout=timeout
        )
        assert isinstance(client, JobAPIClient)
        return client

    def _stop_container(self, container_id: str) -> None:
        client = self._client(timeout=self.config.engine_timeout)
        try:
            stop_locally(client, container_id)
        finally:
            client.close()

    async def _save(self, job: Job) -> None:
        try:
            await self._in_thread(self.store.save, job)
        except OSError as error:
            LOG.warning("jupyterlab-dockerize: job %s not saved: %s", job.id, error)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(function, *args)
        )

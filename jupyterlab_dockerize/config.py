"""Server-side settings, set like any Jupyter option (``c.Dockerize.docker_host = ...``)."""

from __future__ import annotations

from traitlets import Bool, Enum, Float, Int, List, Unicode
from traitlets.config import Configurable

from .engine import EngineSettings


class Dockerize(Configurable):
    """Options of the jupyterlab-dockerize server extension."""

    docker_host = Unicode(
        "",
        config=True,
        help=(
            "Docker engine to use, in DOCKER_HOST form: unix:///var/run/docker.sock, "
            "tcp://host:2376 (TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), ssh://user@host, "
            "or a podman socket such as unix:///run/user/1000/podman/podman.sock. "
            "Empty means the DOCKER_HOST environment variable, else the platform default."
        ),
    )
    engine_timeout = Float(
        10.0,
        config=True,
        help="Seconds to wait for the Docker engine to answer a status request.",
    )
    use_ssh_client = Bool(
        False,
        config=True,
        help="Reach ssh:// engines through the system ssh client instead of paramiko.",
    )

    bundle_max_bytes = Int(
        512 * 1024 * 1024,
        config=True,
        help=(
            "Largest total size, in bytes, of the files in a downloaded bundle (generated texts "
            "plus included workspace files, before compression). Bigger bundles get a 413."
        ),
    )
    bundle_max_request_bytes = Int(
        8 * 1024 * 1024,
        config=True,
        help="Largest JSON body, in bytes, of a bundle request. Bigger requests get a 413.",
    )

    max_concurrent_builds = Int(
        2,
        config=True,
        help=(
            "Builds that may run at the same time; further build requests wait in a queue, "
            "in the order they came. Two jobs for the same image tag never run at once."
        ),
    )
    build_timeout = Float(
        3600.0,
        config=True,
        help="Seconds a build (wheel downloads included) may take before it fails.",
    )
    verify_timeout = Float(
        180.0,
        config=True,
        help=(
            "Seconds to wait for a built image to list its packages and for its Jupyter to answer."
        ),
    )
    verify_cell_timeout = Float(
        120.0,
        config=True,
        help=(
            "Seconds one notebook cell may run when Verify re-executes the bundled notebooks "
            "in the image (the panel's setting, when sent, takes precedence)."
        ),
    )
    verify_notebook_timeout = Float(
        600.0,
        config=True,
        help=(
            "Seconds one notebook may run, kernel start included, when Verify re-executes it "
            "in the image; at the limit its container is stopped and the cells done are kept."
        ),
    )
    build_network_mode = Unicode(
        "auto",
        config=True,
        help=(
            "Network mode of build steps (docker build --network): 'auto' uses the engine's "
            "default where it has a bridge network and 'host' where it has none (an engine "
            "started with --bridge=none); empty for the engine's default, 'host', or 'none' "
            "for no network."
        ),
    )
    builder = Enum(
        ["auto", "buildkit", "engine-api"],
        default_value="auto",
        config=True,
        help=(
            "Which builder builds images: 'buildkit' runs BuildKit through the docker CLI "
            "(`docker buildx build` where the buildx plugin exists, `DOCKER_BUILDKIT=1 docker "
            "build` on a client before Docker 23); 'engine-api' is the Engine API's classic "
            "builder (deprecated by Docker since 23; podman's API has only this one); 'auto' "
            "(the default) is BuildKit when a docker CLI that can run it is found, else the "
            "Engine API. The engine status (GET /dockerize/engine) says which one runs."
        ),
    )
    docker_cli = Unicode(
        "",
        config=True,
        help=(
            "The docker CLI to run for BuildKit builds and `docker manifest`: a path or a "
            "command name. Empty means the first docker on PATH (or in a usual place) with "
            "buildx, else the first one with the integrated BuildKit client (before 23)."
        ),
    )
    buildx_builder = Unicode(
        "",
        config=True,
        help=(
            "The buildx builder to build with (`docker buildx build --builder NAME`), such as "
            "one made by `docker buildx create` for a remote buildkitd or Kubernetes. Used only "
            "when the CLI has buildx; its builds are loaded into the configured engine "
            "(--load). Empty means the CLI's current builder."
        ),
    )
    emulation_time_factor = Float(
        5.0,
        config=True,
        help=(
            "How many times longer Verify's time limits are for an image of a platform the "
            "engine runs under emulation (an arm64 image on an amd64 engine through QEMU)."
        ),
    )
    run_network_mode = Unicode(
        "auto",
        config=True,
        help=(
            "How verify and run reach the image's Jupyter: 'bridge' publishes port 8888 on "
            "127.0.0.1 at a port the engine picks; 'host' shares the host's network and gives "
            "Jupyter a free loopback port through JUPYTER_PORT; 'auto' (the default) uses "
            "'bridge' where the engine has a bridge network and can publish the port, and "
            "'host' otherwise."
        ),
    )
    engine_call_timeout = Float(
        120.0,
        config=True,
        help=(
            "Seconds a job's engine request (inspect, create, start, a push's next progress "
            "line) may wait for an answer before the job fails. A build's log stream has no "
            "such limit (a step may print nothing for minutes): build_timeout bounds it."
        ),
    )
    job_log_max_bytes = Int(
        16 * 1024 * 1024,
        config=True,
        help=(
            "Largest size, in bytes, of a job's event log on disk (beside its record, so the "
            "log survives a restart). Past half of it the log rotates: the older half is kept "
            "as <job>.events.1.jsonl and the oldest lines are dropped."
        ),
    )
    state_dir = Unicode(
        "",
        config=True,
        help=(
            "Folder for job records and temporary build files (wheelhouses). Empty means "
            "jupyterlab-dockerize under Jupyter's runtime directory."
        ),
    )

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(
            docker_host=self.docker_host or None,
            timeout=self.engine_timeout,
            use_ssh_client=self.use_ssh_client,
        )

    # --- requirements policy and package index (the wheelhouse and the pre-flight) ---
    pip_index_url = Unicode(
        "",
        config=True,
        help=(
            "Package index the server's pip uses for the offline wheelhouse and the pre-flight "
            "(pip runs isolated: pip.conf and PIP_* variables are not read by it). Empty, with "
            "pip_extra_index_urls and pip_find_links empty too, means the index configuration "
            "of the server's own pip, read once at the first use."
        ),
    )
    pip_extra_index_urls = List(
        Unicode(),
        default_value=[],
        config=True,
        help="Further package indexes (pip --extra-index-url) for the wheelhouse and pre-flight.",
    )
    pip_find_links = List(
        Unicode(),
        default_value=[],
        config=True,
        help="Folders or pages of wheels (pip --find-links) for the wheelhouse and pre-flight.",
    )
    vcs_builds = Enum(
        ["never", "pinned"],
        default_value="pinned",
        config=True,
        help=(
            "Whether the server builds requirements from version control into wheels: "
            "'pinned' (git URLs pinned to a full commit; git+file only for repositories "
            "inside the Jupyter root) or 'never'."
        ),
    )
    vendored_builds = Bool(
        True,
        config=True,
        help=(
            "Build vendored projects that the bundle includes (./vendor/<name>) into wheels "
            "on the server, so they go into the offline wheelhouse."
        ),
    )
    preflight_cache_ttl = Float(
        86400.0,
        config=True,
        help="Seconds a pre-flight result (per requirement, Python, platform, index) is reused.",
    )
    pip_timeout = Float(
        600.0,
        config=True,
        help="Seconds one pip run of the pre-flight may take before the pre-flight fails.",
    )

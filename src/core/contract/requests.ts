/**
 * The body of every POST route of the server extension, declared once. The server
 * validates the same bodies with JSON Schemas (jupyterlab_dockerize/schemas.py); the shared
 * fixture src/core/__tests__/fixtures/request-schemas.json holds them, and
 * contractRequests.spec.ts checks these types against it (a schema generated from each
 * type must be accepted by the server's: same fields, every required one sent, no type
 * the server refuses). Pure types: no DOM, no fetch.
 */
import { Platform } from './constants';

/** A workspace file (or folder) the server copies into the bundle. */
export interface IBundleInclude {
  /** Relative to the Jupyter root. */
  workspacePath: string;
  /** Where it lands in the bundle. */
  bundlePath: string;
}

/** What the server downloads into wheelhouse/ (the offline option of bundle and builds). */
export interface IWheelhouseRequest {
  /**
   * The image's full Python version X.Y.Z (pip reads X.Y as X.Y.0, which refuses
   * packages that require a later patch release).
   */
  python: string;
  /** Docker platform of the image (linux/amd64 when the kernel's is unknown). */
  platform: string;
  /** The bundle file with the requirements. */
  requirements: string;
  /** name==version pins the Dockerfile needs besides them (Jupyter). */
  extra: string[];
}

/** POST jupyterlab-dockerize/bundle: the zip of a bundle. */
export interface IBundleRequest {
  /** Base name of the zip (and its top folder). */
  name: string;
  /** Path in the bundle → exact text (the generated files, the edited Dockerfile). */
  files: Record<string, string>;
  include: IBundleInclude[];
  /** The wheels the server adds to wheelhouse/ (absent: no offline wheelhouse). */
  wheelhouse?: IWheelhouseRequest;
}

/** POST jupyterlab-dockerize/builds: the bundle exactly as the zip holds it, built. */
export interface IBuildRequest extends IBundleRequest {
  /** The image reference to tag, name[:tag]. */
  image: string;
  /** Workspace path of the notebook packaged, so the panel finds the job after a reload. */
  notebook?: string;
  /**
   * The one platform to build for (linux/amd64, linux/arm64): the older form of
   * `platforms`, still accepted. Send one of the two, never both.
   */
  platform?: string;
  /**
   * The platforms to build under the one tag, each once (absent: the engine's own). The
   * engine's own is built first and gets `image`; another gets `<image>-<os>-<arch>` locally.
   * With `wheelhouse`, each platform gets its own wheelhouse (its `platform` is replaced).
   */
  platforms?: Platform[];
}

/** Credentials for one push; the server uses them once and keeps nothing. */
export interface IPushAuth {
  username: string;
  token: string;
}

/** POST jupyterlab-dockerize/builds/{id}/push */
export interface IPushRequest {
  /** The reference to push to, registry/name[:tag]. */
  target: string;
  /** null: the credentials of the server's docker login. */
  auth: IPushAuth | null;
}

/**
 * POST jupyterlab-dockerize/builds/{id}/verify: every field optional (`{}` is valid).
 * After the package and Jupyter checks, the bundled notebooks run in the image.
 */
export interface IVerifyRequest {
  /** Re-execute the bundled notebooks (false: the package and Jupyter checks only). */
  notebooks?: boolean;
  /** Seconds one cell may run, 1..86400 (absent: the server's setting). */
  cellTimeout?: number;
  /** Seconds one notebook may run, kernel start included, 1..86400. */
  notebookTimeout?: number;
  /** A workspace folder bound read-only at /data while the notebooks run. */
  dataDir?: string;
}

/** POST jupyterlab-dockerize/builds/{id}/run: workspace folders bound into the container. */
export interface IRunRequest {
  /** Bound to /notebooks (absent: the image's own notebooks). */
  notebooksDir?: string;
  /** Bound to /data. */
  dataDir?: string;
}

/** One line of requirements.txt, as the pre-flight checks it. */
export interface IPreflightRequirement {
  name: string;
  line: string;
  /** For a vendored project or a bundle-local wheel: where it is in the workspace. */
  workspacePath?: string;
}

/** POST jupyterlab-dockerize/preflight */
export interface IPreflightRequest {
  /** The image's full Python version, X.Y.Z. */
  python: string;
  /** linux/amd64 or linux/arm64. */
  platform: string;
  /** True where the image has no compiler: an sdist cannot be built there. */
  binaryOnly: boolean;
  requirements: IPreflightRequirement[];
}

/** Each route's request type by the route's name (the keys of request-schemas.json). */
export interface IRequestByRoute {
  bundle: IBundleRequest;
  preflight: IPreflightRequest;
  builds: IBuildRequest;
  push: IPushRequest;
  verify: IVerifyRequest;
  run: IRunRequest;
}

/** The name of a route that takes a body. */
export type RequestRoute = keyof IRequestByRoute;

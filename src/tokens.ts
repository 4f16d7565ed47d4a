/**
 * The contract between the frontend and the server extension.
 * Field names match the JSON the server sends; keep both sides in step.
 */

/** A problem the server explains: what is wrong, and what to do about it. */
export interface IProblem {
  code: string;
  message: string;
  hint: string;
}

/**
 * The builder the server's next build runs: "buildkit-cli" (BuildKit through the docker
 * CLI) or "engine-api" (the Engine API's classic builder), and one line saying which CLI
 * and how, or why the classic builder ("BuildKit via DOCKER_BUILDKIT=1 /usr/bin/docker
 * build (docker 20.10.24+dfsg1)").
 */
export interface IEngineBuilder {
  name: string;
  detail: string;
}

/** GET /jupyterlab-dockerize/engine when the engine answers. */
export interface IEngineReachable {
  reachable: true;
  host: string;
  product: string;
  version: string;
  apiVersion: string;
  minApiVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
  /** Absent from servers before the BuildKit builder. */
  builder?: IEngineBuilder;
}

/** GET /jupyterlab-dockerize/engine when it does not (HTTP 503). */
export interface IEngineUnreachable {
  reachable: false;
  host: string;
  error: IProblem;
  builder?: IEngineBuilder;
}

export type EngineStatus = IEngineReachable | IEngineUnreachable;

/** What the user can do about a capture problem; the panel shows it as a button. */
export type CaptureAction = 'start-kernel' | 'open-notebook' | 'retry';

/** GET /jupyterlab-dockerize/capture-snippet: the code a kernel runs to capture itself. */
export interface ICaptureRequest {
  code: string;
  marker: string;
  /** The server's root directory, absolute (the page's serverRoot may say "~/..."). */
  root?: string;
}

/** The id of the settings plugin (and of schema/plugin.json). */
export const PLUGIN_ID = 'jupyterlab-dockerize:plugin';

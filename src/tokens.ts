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
}

/** GET /jupyterlab-dockerize/engine when it does not (HTTP 503). */
export interface IEngineUnreachable {
  reachable: false;
  host: string;
  error: IProblem;
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

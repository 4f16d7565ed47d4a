import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { parseEngineStatus, parseProblem } from './core/contract/engine';
import { API_NAMESPACE, ROUTES } from './core/contract/constants';
import { IBundleRequest, IPreflightRequest } from './core/contract/requests';
import { DockerizeRequestError } from './core/contract/errors';
import {
  IPreflightResponse,
  parsePreflightResponse
} from './core/requirements/preflight';
import { EngineStatus, ICaptureRequest } from './tokens';

export { DockerizeRequestError };

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Calls a route of the server extension and returns its HTTP status and JSON body.
 * Network failures become a DockerizeRequestError that says the server is unreachable.
 */
export async function requestAPI(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ status: number; body: unknown }> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch {
    throw new DockerizeRequestError(0, {
      code: 'server_unreachable',
      message: 'The Jupyter server did not answer.',
      hint: 'Check that the Jupyter server is still running, then try again.'
    });
  }
  return { status: response.status, body: await readJson(response) };
}

export function failure(status: number, body: unknown): DockerizeRequestError {
  const problem = parseProblem(body) ?? {
    code: `http_${status}`,
    message: `The jupyterlab-dockerize server answered HTTP ${status}.`,
    hint:
      status === 404
        ? 'The server extension is not enabled: run `jupyter server extension list` and restart JupyterLab.'
        : 'See the Jupyter server log for details.'
  };
  return new DockerizeRequestError(status, problem);
}

/** The Docker engine the server would use, reachable or not. */
export async function fetchEngineStatus(): Promise<EngineStatus> {
  const { status, body } = await requestAPI(ROUTES.engine);
  if (status !== 200 && status !== 503) {
    throw failure(status, body);
  }
  try {
    return parseEngineStatus(status, body);
  } catch {
    throw failure(status, body);
  }
}

let captureRequest: Promise<ICaptureRequest> | null = null;

/** The capture code for kernels, fetched once per page. */
export function fetchCaptureRequest(): Promise<ICaptureRequest> {
  if (!captureRequest) {
    captureRequest = requestAPI(ROUTES.captureSnippet).then(
      ({ status, body }) => {
        const request = body as Partial<ICaptureRequest> | null;
        if (
          status !== 200 ||
          typeof request?.code !== 'string' ||
          typeof request?.marker !== 'string'
        ) {
          throw failure(status, body);
        }
        return {
          code: request.code,
          marker: request.marker,
          ...(typeof request.root === 'string' ? { root: request.root } : {})
        };
      }
    );
    captureRequest.catch(() => (captureRequest = null));
  }
  return captureRequest;
}

/** The file name of a Content-Disposition header, if it names one. */
function attachmentName(header: string | null): string | null {
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header ?? '');
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header ?? '');
  return plain ? plain[1].trim() : null;
}

/**
 * Asks the server to zip the bundle (generated files plus workspace files) and returns
 * the zip and its file name. A 4xx/5xx answer becomes a DockerizeRequestError.
 */
export async function downloadBundle(
  request: IBundleRequest,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ blob: Blob; fileName: string }> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, ROUTES.bundle);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      {
        method: 'POST',
        body: JSON.stringify(request),
        headers: { 'Content-Type': 'application/json' }
      },
      settings
    );
  } catch {
    throw new DockerizeRequestError(0, {
      code: 'server_unreachable',
      message: 'The Jupyter server did not answer.',
      hint: 'Check that the Jupyter server is still running, then try again.'
    });
  }
  if (response.status !== 200) {
    throw failure(response.status, await readJson(response));
  }
  const blob = await response.blob();
  const fileName =
    attachmentName(response.headers.get('Content-Disposition')) ??
    `${request.name}.zip`;
  return { blob, fileName };
}

/** The code of the problem a server without the pre-flight route gives. */
export const PREFLIGHT_UNSUPPORTED = 'preflight_unsupported';

/**
 * Resolves the requirements for the image's Python and platform on the server (POST
 * preflight). A server without the route (404 without a problem body) gives the problem
 * PREFLIGHT_UNSUPPORTED; other failures keep the server's problem; an answer outside
 * the contract is a ContractError.
 */
export async function checkRequirements(
  request: IPreflightRequest,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IPreflightResponse> {
  const { status, body } = await requestAPI(
    ROUTES.preflight,
    {
      method: 'POST',
      body: JSON.stringify(request),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
  if (status === 404 && !parseProblem(body)) {
    throw new DockerizeRequestError(404, {
      code: PREFLIGHT_UNSUPPORTED,
      message:
        'This Jupyter server cannot check packages before a build: its jupyterlab-dockerize has no pre-flight route.',
      hint: 'Update jupyterlab-dockerize on the server and restart it. You can still download and build; pip then finds problems during the build.'
    });
  }
  if (status !== 200) {
    throw failure(status, body);
  }
  return parsePreflightResponse(body, request);
}

import { EngineStatus, IEngineBuilder, IProblem } from '../../tokens';
import { ContractError } from './errors';
import { isRecord } from '../shared/guards';

function stringField(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') {
    throw new ContractError(`"${key}" should be a string`);
  }
  return value;
}

/** Reads a problem (`{error: {code, message, hint}}`) out of an error body, if there is one. */
export function parseProblem(body: unknown): IProblem | null {
  if (!isRecord(body) || !isRecord(body.error)) {
    return null;
  }
  const error = body.error;
  if (typeof error.message !== 'string') {
    return null;
  }
  return {
    code: typeof error.code === 'string' ? error.code : 'unknown',
    message: error.message,
    hint: typeof error.hint === 'string' ? error.hint : ''
  };
}

/** The builder the route names, if it names one (servers before BuildKit do not). */
function builderField(
  body: Record<string, unknown>
): { builder: IEngineBuilder } | Record<string, never> {
  if (body.builder === undefined) {
    return {};
  }
  if (!isRecord(body.builder)) {
    throw new ContractError('"builder" should be an object');
  }
  return {
    builder: {
      name: stringField(body.builder, 'name'),
      detail: stringField(body.builder, 'detail')
    }
  };
}

/** Turns the engine route's answer (200 or 503) into an EngineStatus. */
export function parseEngineStatus(
  httpStatus: number,
  body: unknown
): EngineStatus {
  if (!isRecord(body)) {
    throw new ContractError('the engine status is not a JSON object');
  }
  if (httpStatus === 200 && body.reachable === true) {
    return {
      reachable: true,
      host: stringField(body, 'host'),
      product: stringField(body, 'product'),
      version: stringField(body, 'version'),
      apiVersion: stringField(body, 'apiVersion'),
      minApiVersion: stringField(body, 'minApiVersion'),
      os: stringField(body, 'os'),
      arch: stringField(body, 'arch'),
      kernelVersion: stringField(body, 'kernelVersion'),
      ...builderField(body)
    };
  }
  const problem = parseProblem(body);
  if (httpStatus === 503 && body.reachable === false && problem) {
    return {
      reachable: false,
      host: stringField(body, 'host'),
      error: problem,
      ...builderField(body)
    };
  }
  throw new ContractError(`engine status with HTTP ${httpStatus}`);
}

/** One line naming the engine: "Docker Engine 28.2.2 (API 1.50, linux/amd64)". */
export function describeEngine(status: EngineStatus): string {
  if (!status.reachable) {
    return status.error.message;
  }
  const platform = [status.os, status.arch].filter(Boolean).join('/');
  const details = [`API ${status.apiVersion}`, platform]
    .filter(Boolean)
    .join(', ');
  return `${status.product} ${status.version} (${details})`;
}

/** Which builder builds, for the engine line: "BuildKit via …"; "" when the server does
 * not say (older servers). */
export function describeBuilder(status: EngineStatus): string {
  return status.builder?.detail ?? '';
}

/** Whether the server builds with BuildKit (cache mounts and other platforms need it). */
export function buildsWithBuildKit(status: EngineStatus): boolean {
  return status.builder?.name === 'buildkit-cli';
}

import { SNAPSHOT_MARKER } from '../contract/constants';
import { ContractError } from '../contract/errors';
import { isRecord } from '../shared/guards';
import {
  EnvironmentKind,
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from './snapshot';

type Json = Record<string, unknown>;

function str(body: Json, key: string, where: string): string {
  const value = body[key];
  if (typeof value !== 'string') {
    throw new ContractError(`${where}.${key} should be a string`);
  }
  return value;
}

function strOrNull(body: Json, key: string, where: string): string | null {
  const value = body[key];
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value !== 'string') {
    throw new ContractError(`${where}.${key} should be a string or null`);
  }
  return value;
}

function strings(body: Json, key: string, where: string): string[] {
  const value = body[key];
  if (!Array.isArray(value) || !value.every(item => typeof item === 'string')) {
    throw new ContractError(`${where}.${key} should be a list of strings`);
  }
  return value as string[];
}

function record(body: Json, key: string, where: string): Json {
  const value = body[key];
  if (!isRecord(value)) {
    throw new ContractError(`${where}.${key} should be an object`);
  }
  return value;
}

function parseDirectUrl(value: unknown, where: string): IDirectUrl | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (!isRecord(value) || typeof value.url !== 'string') {
    throw new ContractError(`${where}.directUrl should have a url`);
  }
  const direct: IDirectUrl = { url: value.url };
  if (typeof value.subdirectory === 'string') {
    direct.subdirectory = value.subdirectory;
  }
  if (isRecord(value.vcs_info)) {
    const vcs = value.vcs_info;
    direct.vcs_info = {
      vcs: str(vcs, 'vcs', `${where}.vcs_info`),
      commit_id: str(vcs, 'commit_id', `${where}.vcs_info`)
    };
    if (typeof vcs.requested_revision === 'string') {
      direct.vcs_info.requested_revision = vcs.requested_revision;
    }
  }
  if (isRecord(value.archive_info)) {
    const archive = value.archive_info;
    direct.archive_info = {};
    if (typeof archive.hash === 'string') {
      direct.archive_info.hash = archive.hash;
    }
    if (isRecord(archive.hashes)) {
      const hashes: Record<string, string> = {};
      for (const [algorithm, digest] of Object.entries(archive.hashes)) {
        if (typeof digest === 'string') {
          hashes[algorithm] = digest;
        }
      }
      direct.archive_info.hashes = hashes;
    }
  }
  if (isRecord(value.dir_info)) {
    direct.dir_info = { editable: value.dir_info.editable === true };
  }
  return direct;
}

function parseDistribution(value: unknown, index: number): IDistribution {
  const where = `distributions[${index}]`;
  if (!isRecord(value)) {
    throw new ContractError(`${where} should be an object`);
  }
  return {
    name: str(value, 'name', where),
    displayName: str(value, 'displayName', where),
    version: str(value, 'version', where),
    installer: strOrNull(value, 'installer', where),
    requires: strings(value, 'requires', where),
    topLevel: strings(value, 'topLevel', where),
    directUrl: parseDirectUrl(value.directUrl, where),
    location: str(value, 'location', where)
  };
}

function parseConda(value: unknown): { packages: ICondaPackage[] } | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (!isRecord(value) || !Array.isArray(value.packages)) {
    throw new ContractError('conda.packages should be a list');
  }
  return {
    packages: value.packages.map((item, index) => {
      const where = `conda.packages[${index}]`;
      if (!isRecord(item)) {
        throw new ContractError(`${where} should be an object`);
      }
      return {
        name: str(item, 'name', where),
        version: str(item, 'version', where),
        build: str(item, 'build', where),
        channel: str(item, 'channel', where)
      };
    })
  };
}

const KINDS: readonly EnvironmentKind[] = ['venv', 'conda', 'system'];

/** Validates the capture's JSON; anything off becomes a ContractError naming the field. */
export function parseSnapshot(value: unknown): IEnvironmentSnapshot {
  if (!isRecord(value)) {
    throw new ContractError('the snapshot is not a JSON object');
  }
  if (value.schemaVersion !== 1) {
    throw new ContractError(
      `snapshot schema ${String(value.schemaVersion)}; this extension reads 1`
    );
  }
  const python = record(value, 'python', 'snapshot');
  const platform = record(value, 'platform', 'snapshot');
  const kind = value.kind;
  if (!KINDS.includes(kind as EnvironmentKind)) {
    throw new ContractError('snapshot.kind should be venv, conda or system');
  }
  if (!Array.isArray(value.distributions)) {
    throw new ContractError('snapshot.distributions should be a list');
  }
  return {
    schemaVersion: 1,
    python: {
      implementation: str(python, 'implementation', 'python'),
      version: str(python, 'version', 'python')
    },
    platform: {
      system: str(platform, 'system', 'platform'),
      machine: str(platform, 'machine', 'platform'),
      tag: str(platform, 'tag', 'platform')
    },
    prefix: str(value, 'prefix', 'snapshot'),
    basePrefix: str(value, 'basePrefix', 'snapshot'),
    kind: kind as EnvironmentKind,
    conda: parseConda(value.conda),
    distributions: value.distributions.map(parseDistribution),
    captureMs: typeof value.captureMs === 'number' ? value.captureMs : 0
  };
}

/** The capture's answer in the kernel's output: a snapshot, or the snippet's own error. */
export type CaptureOutput =
  | { kind: 'snapshot'; snapshot: IEnvironmentSnapshot }
  | { kind: 'error'; message: string };

/**
 * Finds the marker line in everything the kernel printed and parses it. Other output
 * (a startup banner, a warning) is ignored; a missing or broken line is a ContractError.
 */
export function readCaptureOutput(stdout: string): CaptureOutput {
  const line = stdout
    .split('\n')
    .reverse()
    .find(candidate => candidate.startsWith(SNAPSHOT_MARKER));
  if (line === undefined) {
    throw new ContractError('the kernel printed no environment snapshot');
  }
  let body: unknown;
  try {
    body = JSON.parse(line.slice(SNAPSHOT_MARKER.length));
  } catch {
    throw new ContractError('the environment snapshot is not valid JSON');
  }
  if (isRecord(body) && typeof body.error === 'string') {
    return { kind: 'error', message: body.error };
  }
  return { kind: 'snapshot', snapshot: parseSnapshot(body) };
}

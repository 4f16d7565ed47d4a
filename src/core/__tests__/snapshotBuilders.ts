/** Distributions and snapshots for the requirements specs: a venv under /home/u/project. */
import { distributionIn } from './builders';
import {
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from '../snapshot';

const SITE = '/home/u/project/.venv/lib/python3.11/site-packages';
export const SHA = 'b8e49005e403e45d83dd2a4c212bba02d458f688';

export function dist(
  displayName: string,
  version: string,
  more: Partial<IDistribution> = {}
): IDistribution {
  return distributionIn(SITE, displayName, version, more);
}

export function snapshot(
  distributions: IDistribution[],
  conda: ICondaPackage[] | null = null
): IEnvironmentSnapshot {
  return {
    schemaVersion: 1,
    python: { implementation: 'CPython', version: '3.11.7' },
    platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
    prefix: '/home/u/project/.venv',
    basePrefix: '/usr',
    kind: conda ? 'conda' : 'venv',
    conda: conda ? { packages: conda } : null,
    distributions,
    captureMs: 12
  };
}

export function git(
  url: string,
  commit = SHA,
  more: Partial<IDirectUrl> = {}
): IDirectUrl {
  return { url, vcs_info: { vcs: 'git', commit_id: commit }, ...more };
}

export function editable(url: string, isEditable = true): IDirectUrl {
  return { url, dir_info: { editable: isEditable } };
}

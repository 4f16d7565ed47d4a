/**
 * Snapshots for the specs: a venv of CPython 3.11.7 on Linux x86_64 under /home/u/project,
 * and the distributions and install records (direct_url.json) found in it.
 */
import { distributionIn } from './builders';
import {
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';

export const ROOT = '/home/u/project';
export const SITE = `${ROOT}/.venv/lib/python3.11/site-packages`;
export const SHA = 'b8e49005e403e45d83dd2a4c212bba02d458f688';

/** The venv holding `distributions`, with any part given in `more` instead. */
export function snapshotOf(
  distributions: IDistribution[],
  more: Partial<IEnvironmentSnapshot> = {}
): IEnvironmentSnapshot {
  return {
    schemaVersion: 1,
    python: { implementation: 'CPython', version: '3.11.7' },
    platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
    prefix: `${ROOT}/.venv`,
    basePrefix: '/usr',
    kind: 'venv',
    conda: null,
    distributions,
    captureMs: 12,
    ...more
  };
}

/** The venv, or a conda environment when its conda packages are given. */
export function snapshot(
  distributions: IDistribution[],
  conda: ICondaPackage[] | null = null
): IEnvironmentSnapshot {
  return snapshotOf(
    distributions,
    conda ? { kind: 'conda', conda: { packages: conda } } : {}
  );
}

/** A distribution in the venv's site-packages, installed from an index unless `more` says otherwise. */
export function dist(
  displayName: string,
  version: string,
  more: Partial<IDistribution> = {}
): IDistribution {
  return distributionIn(SITE, displayName, version, more);
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

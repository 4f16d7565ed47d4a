/**
 * Pieces several templates share: the python-slim image, pip's install command, the
 * jovyan user on a Debian image, the jupyter command, the README lines of requirements.txt.
 */
import {
  IInstallSource,
  IInstallStep,
  IPythonVersion,
  IUserSetup,
  NB_UID
} from './template';

/** The official Python image of the kernel's version. */
export function pythonSlim(python: IPythonVersion): string {
  return `python:${python.version}-slim`;
}

/** ` name==version` after the install file, or nothing. */
export function pinSuffix(jupyterPin: string | null): string {
  return jupyterPin ? ` ${jupyterPin}` : '';
}

/** pip installs requirements.txt (and the Jupyter pin) as root, with no cache. */
export function pipInstall({ jupyterPin }: IInstallSource): IInstallStep {
  return {
    comments: [],
    commands: [
      `pip install --no-cache-dir -r requirements.txt${pinSuffix(jupyterPin)}`
    ]
  };
}

/** Where pip keeps its cache for the user that installs, and that user's ids. */
export interface IPipCache {
  /** The cache mount's id (one per owner: a mount keeps the owner it was made with). */
  id: string;
  /** pip's default cache folder for that user (~/.cache/pip). */
  target: string;
  /** uid and gid of the installing user, when not root. */
  owner?: { uid: number; gid: number };
}

export const ROOT_PIP_CACHE: IPipCache = {
  id: 'dockerize-pip',
  target: '/root/.cache/pip'
};

const PIP_CACHE_COMMENT = [
  "# BuildKit keeps pip's downloads in a cache mount, never in the image: after a",
  '# requirement changes, only what changed is downloaded again.'
];

/** A BuildKit cache mount option. */
export function cacheMount(
  id: string,
  target: string,
  more: string[] = []
): string {
  return `--mount=${['type=cache', `id=${id}`, `target=${target}`, ...more].join(',')}`;
}

/** pip with its download cache in a BuildKit cache mount (the image does not carry it). */
export function pipInstallCached(
  cache: IPipCache
): (source: IInstallSource) => IInstallStep {
  const owner = cache.owner
    ? [`uid=${cache.owner.uid}`, `gid=${cache.owner.gid}`]
    : [];
  return ({ jupyterPin }) => ({
    comments: PIP_CACHE_COMMENT,
    mounts: [cacheMount(cache.id, cache.target, owner)],
    commands: [`pip install -r requirements.txt${pinSuffix(jupyterPin)}`]
  });
}

/**
 * A non-root user jovyan with uid NB_UID and its own group, as in Jupyter's images;
 * `ifMissing` when the base image may already have a user with that uid.
 */
export function createJovyan(apt: boolean, ifMissing: boolean): IUserSetup {
  const useradd = `useradd --create-home --uid ${NB_UID} --user-group --shell /bin/bash jovyan`;
  return {
    comments: [
      apt
        ? `# OS packages, then a non-root user (uid ${NB_UID}, as in Jupyter's images) and its folders.`
        : `# A non-root user (uid ${NB_UID}, as in Jupyter's images) and its folders.`
    ],
    commands: [
      ifMissing
        ? `if ! id -u ${NB_UID} >/dev/null 2>&1; then ${useradd}; fi`
        : useradd
    ]
  };
}

/** `jupyter lab` or `jupyter notebook`. */
export function jupyterCommand(ui: 'lab' | 'notebook'): string[] {
  return ['jupyter', ui === 'notebook' ? 'notebook' : 'lab'];
}

export const REQUIREMENTS_CONTENTS = [
  '- `requirements.txt`: the Python packages, pinned to the versions the kernel ran.'
];

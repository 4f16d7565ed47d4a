/**
 * Pieces several templates share: the python-slim image, pip's install command, the
 * jovyan user on a Debian image, the jupyter command, the README lines of requirements.txt.
 */
import { IInstallStep, IPythonVersion, IUserSetup, NB_UID } from './template';

/** The official Python image of the kernel's version. */
export function pythonSlim(python: IPythonVersion): string {
  return `python:${python.version}-slim`;
}

/** pip installs requirements.txt (and the Jupyter pin) as root, with no cache. */
export function pipInstall(jupyterPin: string | null): IInstallStep {
  const extra = jupyterPin ? ` ${jupyterPin}` : '';
  return {
    comments: [],
    commands: [`pip install --no-cache-dir -r requirements.txt${extra}`]
  };
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

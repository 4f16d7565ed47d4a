/**
 * EnvironmentSnapshot: what the capture snippet (jupyterlab_dockerize/capture_snippet.py)
 * prints from inside the live kernel, as JSON. This file is the TypeScript side of that
 * contract; keep both in step (a jest test and a pytest test check the shape).
 */

/** PEP 610 direct_url.json, as the installer wrote it. */
export interface IDirectUrl {
  url: string;
  subdirectory?: string;
  vcs_info?: {
    vcs: string;
    commit_id: string;
    requested_revision?: string;
  };
  archive_info?: {
    hash?: string;
    hashes?: Record<string, string>;
  };
  dir_info?: {
    editable?: boolean;
  };
}

/** One installed distribution (a *.dist-info or *.egg-info directory on sys.path). */
export interface IDistribution {
  /** PEP 503 normalized: lower case, runs of "-", "_" and "." become "-". */
  name: string;
  /** The Name header of METADATA, as written. */
  displayName: string;
  version: string;
  /** Contents of the INSTALLER file (pip, uv, conda, …), null when there is none. */
  installer: string | null;
  /** Requires-Dist values, raw (with extras and environment markers). */
  requires: string[];
  /** Top-level import names (top_level.txt, else derived from RECORD). */
  topLevel: string[];
  /** PEP 610 information, null for a distribution installed from an index. */
  directUrl: IDirectUrl | null;
  /** The sys.path entry the distribution was found in. */
  location: string;
}

/** One package of a conda environment (conda-meta/*.json). */
export interface ICondaPackage {
  name: string;
  version: string;
  build: string;
  /** The channel name (conda-forge, defaults, …), or its URL when no name is known. */
  channel: string;
}

export type EnvironmentKind = 'venv' | 'conda' | 'system';

export interface IEnvironmentSnapshot {
  schemaVersion: 1;
  python: {
    /** platform.python_implementation(): CPython, PyPy, … */
    implementation: string;
    /** Exact version, e.g. "3.11.7". */
    version: string;
  };
  platform: {
    /** platform.system(): Linux, Darwin, Windows. */
    system: string;
    /** platform.machine(): x86_64, aarch64, arm64, AMD64. */
    machine: string;
    /** sysconfig.get_platform(), e.g. linux-x86_64. */
    tag: string;
  };
  /** sys.prefix and sys.base_prefix. */
  prefix: string;
  basePrefix: string;
  kind: EnvironmentKind;
  /** Present for conda environments (conda-meta exists in the prefix). */
  conda: { packages: ICondaPackage[] } | null;
  /** The first distribution of each name on sys.path (the one imports would load). */
  distributions: IDistribution[];
  /** How long the capture took inside the kernel, in milliseconds. */
  captureMs: number;
}

/** What generateBundle (bundle.ts) takes and gives. */
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { IPylockInput } from './pylock';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { TEMPLATE_IDS, TemplateId } from '../templates';
import { showUntrusted } from '../shared/text';

export type BundleTemplate = TemplateId;

/** The templates generateBundle supports; anything else throws BundleTemplateError. */
export const BUNDLE_TEMPLATES: readonly BundleTemplate[] = TEMPLATE_IDS;

export interface IBundleOptions {
  template: BundleTemplate;
  /** For a template that needsBaseImage: the FROM image (untrusted; falls back to python:X.Y.Z-slim). */
  baseImage?: string;
  /** Overrides the kernel's Python version ("3.12" or "3.12.4"). */
  pythonVersion?: string;
  /** Debian packages to install. */
  aptPackages?: string[];
  /** Volumes besides /data and /notebooks (absolute paths). */
  volumes?: string[];
  /** Environment variables baked into the image (never JUPYTER_TOKEN). */
  env?: Record<string, string>;
  ui: 'lab' | 'notebook';
  /** The image reference to tag and push ([registry/]user/name[:tag]). */
  imageName?: string;
  /** ISO 8601 date for the created label, given by the caller. */
  created: string;
  /** This extension's version, for a label. */
  generatorVersion: string;
  /**
   * Install offline from a wheelhouse the server downloads into the bundle (every wheel
   * pinned by hash); only for a template that supports it (not conda).
   */
  wheelhouse?: boolean;
  /**
   * The builder the Dockerfile is for: 'buildkit' (cache mounts for the downloads, the
   * wheelhouse mounted for the install step only; needs BuildKit) or 'classic' (any
   * builder). Absent: 'classic', so older callers' bundles stay byte-identical; the panel
   * sends its setting (default 'buildkit').
   */
  builder?: 'buildkit' | 'classic';
  /**
   * The pre-flight's full resolution per platform (untrusted): the bundle then carries
   * pylock.toml (PEP 751) beside requirements.txt, and a template that can installs from
   * it (uv) when it pins everything requirements.txt does, Jupyter included.
   */
  lock?: IPylockInput;
}

export interface IBundleInput {
  snapshot: IEnvironmentSnapshot;
  plan: IRequirementsPlan;
  /** Workspace paths ("/"-separated, relative to the Jupyter root) of the notebooks. */
  notebooks: string[];
  /** Workspace paths of data files to put in data/. */
  dataFiles?: string[];
  /**
   * Link each data file where the notebooks read it relative to their own folder
   * (dataLinks.ts): `sales.csv` beside a notebook is then found in /notebooks too. The
   * panel always sets it; off when absent, so older callers' bundles stay byte-identical.
   */
  dataLinks?: boolean;
  options: IBundleOptions;
  /** Set after Verify: the README then says what was verified ("Verified" section). */
  verification?: IBundleVerification;
}

/** What Verify found, for the bundle's README. */
export interface IBundleVerification {
  /** The image that was verified (its reference or id). */
  image: string;
  /** ISO 8601 time of the verification. */
  verifiedAt: string;
  /** One line per notebook: the comparison's summary ("analysis.ipynb: Notebook reproduced: …"). */
  lines: string[];
}

export interface IBundleInclude {
  workspacePath: string;
  bundlePath: string;
}

/** What the server downloads into wheelhouse/ (POST bundle and builds, "wheelhouse"). */
export interface IWheelhouseSpec {
  /**
   * The image's full Python version X.Y.Z (pip reads X.Y as X.Y.0, which refuses
   * packages that require a later patch release).
   */
  python: string;
  /** Docker platform of the image (linux/amd64 when the kernel's is unknown). */
  platform: string;
  /** The bundle file with the requirements. */
  requirements: string;
  /** name==version pins the Dockerfile needs besides them (Jupyter). */
  extra: string[];
}

export interface IBundleSpec {
  /** Path in the bundle → exact text. */
  files: Record<string, string>;
  /** Workspace files and folders to copy into the bundle, sorted by bundlePath. */
  include: IBundleInclude[];
  warnings: string[];
  /** Set when the Dockerfile installs from a wheelhouse the server must add. */
  wheelhouse?: IWheelhouseSpec;
}

/** Thrown for a template name generateBundle does not know. */
export class BundleTemplateError extends Error {
  constructor(template: unknown) {
    super(
      `The ${showUntrusted(template)} template is not available; use one of ${BUNDLE_TEMPLATES.join(', ')}.`
    );
    this.name = 'BundleTemplateError';
  }
}

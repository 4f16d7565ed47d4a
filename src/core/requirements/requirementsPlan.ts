/**
 * The requirements plan: what translateRequirements (requirements.ts) makes of an
 * environment snapshot, one entry per distribution, and what renderRequirementsTxt
 * (requirementsTxt.ts) writes.
 */

export type RequirementStatus =
  'pinned' | 'rewritten' | 'vcs' | 'warning' | 'excluded' | 'vendorable';

export type RequirementSource =
  'index' | 'conda' | 'local-archive' | 'vcs' | 'editable' | 'local-dir';

/** One distribution of the snapshot and what the translation made of it. */
export interface IRequirementEntry {
  /**
   * The PEP 503 normalized name; when the captured name is not a valid name, the
   * captured text itself (untrusted: show it as text only).
   */
  name: string;
  /** The version as captured (untrusted when the status is 'warning'). */
  version: string;
  source: RequirementSource;
  status: RequirementStatus;
  /** The requirements.txt line, or null when this distribution produces none. */
  line: string | null;
  /** One sentence, for a tooltip; `code` parts in backticks. */
  reason: string;
  /**
   * For 'vendorable': the directory (a local project) or the .whl file (a local wheel),
   * relative to the Jupyter root ("/"-separated).
   */
  workspacePath?: string;
  /**
   * For a row without a line: what the user can do to put it in the image, one sentence
   * (absent when ticking it is all it takes).
   */
  action?: string;
  /**
   * Its line (or the line it would get) installs only from the offline wheelhouse: a git
   * repository inside the Jupyter root, pinned to a commit, that the server builds into a
   * wheel. The image itself cannot reach the repository.
   */
  serverBuild?: true;
}

/**
 * A directory (`vendor/<name>`) or wheel file (`wheels/<file>.whl`) of the workspace the
 * bundle must carry for a vendored line.
 */
export interface IVendorPath {
  /** The normalized distribution name. */
  name: string;
  /** Relative to the Jupyter root, "/"-separated, no "." or ".." parts. */
  workspacePath: string;
  /** Where it goes in the bundle; the requirements line is `./${bundlePath}`. */
  bundlePath: string;
}

export interface IRequirementsPlan {
  /** "CPython 3.11.7" as captured (untrusted). */
  python: string;
  /** sysconfig platform tag as captured (untrusted). */
  platform: string;
  /** Every distribution of the snapshot, sorted by name. */
  entries: IRequirementEntry[];
  /** Directories to copy into the bundle, sorted by name. */
  vendorPaths: IVendorPath[];
}

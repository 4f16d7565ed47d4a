/**
 * Snapshot → requirements: every distribution of the kernel's environment gets a verdict
 * (pinned, rewritten, vcs, warning, excluded, vendorable), the requirements.txt line it
 * produces (or none) and one sentence saying why.
 *
 * Everything the snapshot says is untrusted (it comes from files in someone's
 * site-packages): names, versions and URLs are validated before they reach a line, and a
 * generated line is checked once more before it is kept. A requirements file is a
 * command language (`-r`, `--index-url`, `-e`, `${VAR}`, `\` continuations, ` #`
 * comments), so a line that could be read as anything but one requirement is never made.
 */
import { dependencyClosure } from '../environment/closure';
import {
  compareVersions,
  isValidName,
  isValidVersion,
  normalizeName,
  sameVersion
} from '../environment/pep508';
import {
  IRequirementEntry,
  IRequirementsPlan,
  IVendorPath,
  RequirementSource,
  RequirementStatus
} from './requirementsPlan';
import { defaultExclusion } from './defaultExclusions';
import { isSafeLine } from './requirementsTxt';
import {
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';
import { showUntrusted } from '../shared/text';
import {
  checkUrl,
  displayPath,
  fileUrlPath,
  IFilePath,
  localPath,
  relativeInside,
  showUrl
} from './urlAndPathSafety';

export interface IRequirementsOptions {
  /**
   * The versions the package index has for a normalized name, or undefined when that is
   * not known (offline, not asked). Used to check that a release exists before pinning a
   * conda build or a local archive to it (and index installs to the index in use).
   */
  indexVersions?: (name: string) => readonly string[] | undefined;
  /** The Jupyter server's root directory (absolute), to find vendorable local projects. */
  jupyterRoot?: string;
  /**
   * Normalized names of vendorable distributions (local projects and local wheel files
   * inside the Jupyter root) to copy into the bundle.
   */
  vendor?: ReadonlySet<string>;
  /** Normalized names to keep even when excluded by default or not imported. */
  include?: ReadonlySet<string>;
  /** Normalized names to leave out (wins over everything). */
  exclude?: ReadonlySet<string>;
  /**
   * Normalized names of the distributions the notebook imports directly. When given,
   * only these, `include`, and what they need (Requires-Dist, followed transitively
   * through the installed distributions by closure.ts, not through excluded ones) get
   * lines; the rest is excluded. Pass the imported names, not their closure, so reasons
   * can tell "imported by the notebook" from "needed by pandas".
   */
  only?: ReadonlySet<string>;
  /**
   * Whether the bundle installs from the offline wheelhouse. A git repository inside the
   * Jupyter root (serverBuild) gets its line when `include` names it, unless this is
   * false: only the server can build it, into the wheelhouse. Undefined: not known here
   * (generateBundle then drops such lines from a bundle without a wheelhouse).
   */
  wheelhouse?: boolean;
}

// ---------------------------------------------------------------------------------------
// Classification

const CONDA_BUILD_SEGMENTS = new Set([
  'conda-bld',
  'croot',
  'feedstock_root',
  'build_artifacts'
]);

/** A file:// URL into a conda build directory (conda-forge, defaults, conda-build). */
function isCondaBuildUrl(url: unknown): boolean {
  const path = fileUrlPath(url);
  if (!path) {
    return false;
  }
  const segments = path.segments;
  if (
    segments.some(
      part => CONDA_BUILD_SEGMENTS.has(part) || part.startsWith('abs_')
    )
  ) {
    return true;
  }
  if (segments.slice(0, 3).join('/') === 'tmp/build/80754af9') {
    return true; // Anaconda's older build machines
  }
  return path.windows && (segments[1] === 'bld' || segments[1] === 'b');
}

const ARCHIVE = /\.(whl|zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz|tbz|txz)$/i;

function isInSitePackages(location: unknown): boolean {
  if (typeof location !== 'string' || !location) {
    return true; // unknown: assume an ordinary install
  }
  return location
    .split(/[/\\]/)
    .some(part => /^(site|dist)-packages$/i.test(part) || /\.egg$/i.test(part));
}

/** The conda packages of a snapshot by normalized name (the first of each name). */
export function condaPackagesByName(
  snapshot: IEnvironmentSnapshot
): Map<string, ICondaPackage> {
  const byName = new Map<string, ICondaPackage>();
  const packages = snapshot.conda?.packages;
  for (const item of Array.isArray(packages) ? packages : []) {
    if (item && typeof item.name === 'string' && isValidName(item.name)) {
      const key = normalizeName(item.name);
      if (!byName.has(key)) {
        byName.set(key, item);
      }
    }
  }
  return byName;
}

/**
 * The conda package that installed distribution `name` (normalized) at `version`: the
 * package of the same name, or conda-forge's `python-<name>` (python-tzdata installs
 * tzdata, while conda's own tzdata is the zoneinfo database), with the same version.
 */
export function matchCondaPackage(
  byName: ReadonlyMap<string, ICondaPackage>,
  name: string,
  version: string
): ICondaPackage | undefined {
  for (const candidate of [name, `python-${name}`]) {
    const item = byName.get(candidate);
    if (
      item &&
      typeof item.version === 'string' &&
      sameVersion(item.version, version)
    ) {
      return item;
    }
  }
  return undefined;
}

function classify(
  dist: IDistribution,
  directUrl: IDirectUrl | null,
  condaPackage: ICondaPackage | undefined
): RequirementSource {
  const installer =
    typeof dist.installer === 'string'
      ? dist.installer.trim().toLowerCase()
      : null;
  if (directUrl) {
    if (directUrl.vcs_info) {
      return 'vcs';
    }
    if (isCondaBuildUrl(directUrl.url)) {
      return 'conda';
    }
    if (directUrl.dir_info) {
      return directUrl.dir_info.editable === true ? 'editable' : 'local-dir';
    }
    if (installer === 'conda') {
      return 'conda';
    }
    if (
      directUrl.archive_info ||
      (typeof directUrl.url === 'string' && ARCHIVE.test(directUrl.url))
    ) {
      return 'local-archive';
    }
    return fileUrlPath(directUrl.url) ? 'local-dir' : 'local-archive';
  }
  if (installer === 'conda' || condaPackage) {
    return 'conda';
  }
  if (!isInSitePackages(dist.location)) {
    return 'editable'; // setup.py develop / egg-link: found on a project directory
  }
  return 'index';
}

// ---------------------------------------------------------------------------------------
// Lines

const VCS_SCHEMES: Record<string, readonly string[]> = {
  git: ['https', 'http', 'ssh', 'git', 'file'],
  hg: ['https', 'http', 'ssh', 'file'],
  svn: ['https', 'http', 'svn', 'svn+ssh', 'file'],
  bzr: ['https', 'http', 'ssh', 'bzr', 'bzr+ssh', 'sftp', 'file']
};

const COMMIT: Record<string, RegExp> = {
  git: /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i,
  hg: /^[0-9a-f]{40}$/i,
  svn: /^[0-9]{1,12}$/,
  bzr: /^[0-9]{1,12}(?:\.[0-9]{1,12})*$/
};

const VCS_NAMES: Record<string, string> = {
  git: 'git',
  hg: 'Mercurial',
  svn: 'Subversion',
  bzr: 'Bazaar'
};

const SUBDIRECTORY =
  /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

type LineResult =
  | { line: string; reason: string; serverBuild?: true }
  | { warning: string; action?: string; serverBuild?: true };

/** What decides whether a git repository on this machine can be built by the server. */
interface ILocalVcsContext {
  root: IFilePath | null;
  /** `include` names the distribution. */
  included: boolean;
  /** IRequirementsOptions.wheelhouse. */
  wheelhouse: boolean | undefined;
}

/** A path segment the server's requirements policy accepts in a git+file URL. */
// As the server's policy: a leading dot is fine above the root (~/.cache/...); a hidden
// folder inside the root is refused on its own; "." and ".." never pass.
const SERVER_URL_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._~+-]+$/;

const CLONE_INTO_ROOT =
  'Clone the repository into the Jupyter folder, install it from there (pip install git+file://...) and capture again; or push it to a host git can reach and reinstall it from there.';

/**
 * A git install from a repository on this machine: the image cannot reach it, but when
 * the repository lies inside the Jupyter root (not in a hidden folder) and the commit is
 * exact, the server can build it into a wheel for the offline wheelhouse (its policy
 * accepts `name @ git+file:///<path>@<commit>` only there).
 */
function localVcsLine(
  name: string,
  vcs: string,
  label: string,
  url: string,
  local: IFilePath | null,
  commit: string,
  fragment: string,
  context: ILocalVcsContext
): LineResult {
  const where = showUntrusted(local ? displayPath(local) : url);
  const unreachable = `Installed from a ${label} repository on this machine (${where}), which a Docker build cannot reach`;
  if (vcs !== 'git' || !local || local.windows) {
    return { warning: `${unreachable}.`, action: CLONE_INTO_ROOT };
  }
  const relative = context.root ? relativeInside(context.root, local) : null;
  if (relative === null) {
    return {
      warning: `${unreachable}; it lies outside the Jupyter root, so the server does not build it either.`,
      action: CLONE_INTO_ROOT
    };
  }
  if (relative.split('/').some(part => part.startsWith('.'))) {
    return {
      warning: `${unreachable}; it lies in a hidden folder of the Jupyter root, which the server does not read.`,
      action: CLONE_INTO_ROOT
    };
  }
  if (!COMMIT.git.test(commit)) {
    return {
      warning: `${unreachable}, and the recorded revision ${showUntrusted(commit)} is not an exact commit id, so the server cannot build it reproducibly either.`,
      action: CLONE_INTO_ROOT
    };
  }
  if (!local.segments.every(part => SERVER_URL_SEGMENT.test(part))) {
    return {
      warning: `${unreachable}; its path has characters the server does not accept in a git URL.`,
      action:
        'Move the repository to a folder of the Jupyter root with a plain name (letters, digits, ., _, -), reinstall it from there and capture again.'
    };
  }
  const short = showUntrusted(commit.slice(0, 12));
  const shown = showUntrusted(relative || '.');
  if (!context.included || context.wheelhouse === false) {
    return {
      serverBuild: true,
      warning: `${unreachable}, but the server can build it into a wheel for the offline wheelhouse: the repository ${shown} lies inside the Jupyter root and the commit ${short} is exact.`,
      action: context.wheelhouse
        ? 'Tick it: the server builds it into a wheel for the offline wheelhouse.'
        : 'Turn on the offline wheelhouse and tick it: the server builds it into a wheel.'
    };
  }
  return {
    serverBuild: true,
    line: `${name} @ git+file:///${local.segments.join('/')}@${commit.toLowerCase()}${fragment}`,
    reason: `Installed from the git repository ${shown} inside the Jupyter root, which the image cannot reach: the server builds it into a wheel for the offline wheelhouse, pinned to the exact commit ${short}.`
  };
}

function vcsLine(
  name: string,
  directUrl: IDirectUrl,
  context: ILocalVcsContext
): LineResult {
  const info = directUrl.vcs_info;
  const vcs = typeof info?.vcs === 'string' ? info.vcs.toLowerCase() : '';
  const schemes = VCS_SCHEMES[vcs];
  if (!info || !schemes) {
    return {
      warning: `Installed from the version control system ${showUntrusted(info?.vcs)}, which pip does not know, so it is left out.`
    };
  }
  const label = VCS_NAMES[vcs];
  let url = typeof directUrl.url === 'string' ? directUrl.url : '';
  if (url.toLowerCase().startsWith(`${vcs}+`)) {
    url = url.slice(vcs.length + 1);
  }
  const commit = typeof info.commit_id === 'string' ? info.commit_id : '';
  let fragment = '';
  if (directUrl.subdirectory !== undefined && directUrl.subdirectory !== '') {
    const sub = directUrl.subdirectory;
    if (
      typeof sub !== 'string' ||
      !SUBDIRECTORY.test(sub) ||
      sub.split('/').some(part => part === '.' || part === '..')
    ) {
      return {
        warning: `Installed from ${label} at ${showUrl(url)}, but its subdirectory ${showUntrusted(sub)} is not a plain relative path.`
      };
    }
    fragment = `#subdirectory=${sub}`;
  }
  const local = fileUrlPath(url);
  if (local || /^file:/i.test(url)) {
    return localVcsLine(
      name,
      vcs,
      label,
      url,
      local,
      commit,
      fragment,
      context
    );
  }
  const checked = checkUrl(url);
  if (typeof checked === 'string') {
    return { warning: `Installed from ${label}, but it ${checked}.` };
  }
  if (!schemes.includes(checked.scheme)) {
    return {
      warning: `Installed from ${label} over ${showUntrusted(checked.scheme)}, a scheme pip does not use for ${label}.`
    };
  }
  if (!COMMIT[vcs].test(commit)) {
    return {
      warning: `Installed from ${label} at ${showUntrusted(url)}, but the recorded revision ${showUntrusted(commit)} is not an exact commit id, so the build could not be reproduced.`
    };
  }
  const requested =
    typeof info.requested_revision === 'string' && info.requested_revision
      ? ` (requested as ${showUntrusted(info.requested_revision, 40)})`
      : '';
  return {
    line: `${name} @ ${vcs}+${url}@${commit}${fragment}`,
    reason: `Installed from ${label} at ${showUntrusted(url)}; pinned to the exact commit ${showUntrusted(commit.slice(0, 12))}${requested}, never a branch.`
  };
}

/**
 * A wheel file name (the binary distribution format): name-version[-build]-python-abi-
 * platform.whl, each part from its own small alphabet; no slash, no space, nothing a
 * requirements file or a shell reads as syntax.
 */
const WHEEL_FILENAME =
  /^([A-Za-z0-9](?:[A-Za-z0-9._]{0,198}[A-Za-z0-9])?)-([A-Za-z0-9_.!+]{1,100})(?:-([0-9][A-Za-z0-9_.]{0,30}))?-([A-Za-z0-9_.]{1,60})-([A-Za-z0-9_.]{1,60})-([A-Za-z0-9_.]{1,200})\.whl$/;

/** The parts of a valid wheel file name, or null. */
export function parseWheelFilename(
  filename: string
): { name: string; version: string } | null {
  const match =
    typeof filename === 'string' && filename.length <= 255
      ? WHEEL_FILENAME.exec(filename)
      : null;
  if (!match || !isValidName(match[1])) {
    return null;
  }
  return {
    name: normalizeName(match[1]),
    version: match[2].replace(/_/g, '-')
  };
}

const COPY_WHEEL_INTO_ROOT =
  'Copy the wheel file into the Jupyter folder, install it from there (pip install ./<file>.whl) and capture again.';

type LocalWheel =
  | { kind: 'inside'; filename: string; workspacePath: string }
  | { kind: 'left-out'; made: Made };

/**
 * A distribution installed from a wheel file on this machine (file:// URL ending in
 * .whl). No index has to have that build, so it is never pinned to one: inside the
 * Jupyter root it can travel in the bundle (wheels/<file>), elsewhere it is left out with
 * what to do. Null when the URL is not a local wheel.
 */
function localWheel(
  name: string,
  version: string,
  directUrl: IDirectUrl | null,
  root: IFilePath | null
): LocalWheel | null {
  const url = directUrl?.url;
  const path = fileUrlPath(url);
  const filename = path?.segments[path.segments.length - 1] ?? '';
  const leftOut = (
    warning: string,
    action = COPY_WHEEL_INTO_ROOT
  ): LocalWheel => ({
    kind: 'left-out',
    made: { warning, action }
  });
  if (!path) {
    return typeof url === 'string' && /^file:.*\.whl$/is.test(url)
      ? leftOut(
          `Installed from the wheel file ${showUrl(url)}, whose path cannot be read safely, so it is not copied into the bundle.`
        )
      : null;
  }
  if (!/\.whl$/i.test(filename)) {
    return null;
  }
  const shownPath = showUntrusted(displayPath(path), 120);
  const parsed = parseWheelFilename(filename);
  if (!parsed) {
    return leftOut(
      `Installed from the file ${shownPath}, whose name is not a valid wheel file name, so it is not copied into the bundle.`,
      'Rename the file to its wheel name (name-version-python-abi-platform.whl) inside the Jupyter folder, reinstall it from there and capture again.'
    );
  }
  if (parsed.name !== name || !sameVersion(parsed.version, version)) {
    return leftOut(
      `Installed from the wheel file ${shownPath}, whose name does not match ${showUntrusted(name)} ${showUntrusted(version)}, so it is not copied into the bundle.`,
      'Reinstall the package from its own wheel file inside the Jupyter folder and capture again.'
    );
  }
  const relative = root ? relativeInside(root, path) : null;
  if (relative === null || relative === '') {
    return leftOut(
      `Installed from the wheel file ${shownPath}, outside the Jupyter root: the bundle cannot carry it, and a package index may not have this build, so it is not pinned to one.`
    );
  }
  return { kind: 'inside', filename, workspacePath: relative };
}

function vendoredWheel(
  name: string,
  wheel: { filename: string; workspacePath: string },
  vendor: ReadonlySet<string>
): Made {
  const bundlePath = `wheels/${wheel.filename}`;
  const where = `Installed from the wheel file ${showUntrusted(wheel.workspacePath, 120)} inside the Jupyter root`;
  if (!vendor.has(name)) {
    return {
      status: 'vendorable',
      workspacePath: wheel.workspacePath,
      warning: `${where}; tick it to copy the wheel into the bundle (${showUntrusted(bundlePath, 120)}) and install it from there.`
    };
  }
  return {
    line: `./${bundlePath}`,
    status: 'vendorable',
    reason: `${where}; copied into the bundle as ${showUntrusted(bundlePath, 120)} and installed from there.`,
    vendor: { name, workspacePath: wheel.workspacePath, bundlePath }
  };
}

const MOVE_PROJECT_INTO_ROOT =
  'Move the project into the Jupyter folder, reinstall it from there (pip install -e <folder>) and capture again.';

/** 'found', 'missing' or 'unknown' for `version` of `name` on the index. */
function lookUp(
  name: string,
  version: string,
  indexVersions: IRequirementsOptions['indexVersions']
): 'found' | 'missing' | 'unknown' {
  if (!indexVersions) {
    return 'unknown';
  }
  let versions: readonly string[] | undefined;
  try {
    versions = indexVersions(name);
  } catch {
    return 'unknown';
  }
  if (!Array.isArray(versions)) {
    return 'unknown';
  }
  return versions.some(
    candidate =>
      typeof candidate === 'string' &&
      (candidate === version || compareVersions(candidate, version) === 0)
  )
    ? 'found'
    : 'missing';
}

function archiveLabel(url: unknown): string {
  const path = fileUrlPath(url);
  if (path) {
    return `the local archive ${showUntrusted(path.segments[path.segments.length - 1] ?? '')}`;
  }
  const host =
    typeof url === 'string'
      ? /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)
      : null;
  return host
    ? `an archive downloaded from ${showUntrusted(host[1].replace(/^.*@/, ''))}`
    : 'an archive';
}

// ---------------------------------------------------------------------------------------
// The translation

interface INeed {
  /** The root's kind, or the name of the distribution that needs it. */
  via: 'imported' | 'included' | string;
}

/**
 * The distributions the roots need: the roots and, transitively, what their Requires-Dist
 * name (closure.ts: markers evaluated for the kernel's interpreter, extras only where
 * asked). Excluded distributions are not followed: what the kernel machinery needs comes
 * with the image's kernel. Each name maps to its root kind or the first distribution (in
 * breadth-first order from the sorted roots) that needs it.
 */
function neededBy(
  snapshot: IEnvironmentSnapshot,
  distributions: IDistribution[],
  roots: { name: string; via: 'imported' | 'included' }[],
  stop: (name: string) => boolean
): Map<string, INeed> {
  const closure = dependencyClosure(
    roots.map(root => root.name),
    { ...snapshot, distributions }
  );
  const children = new Map<string, string[]>();
  closure.requiredBy.forEach((parents, child) => {
    for (const parent of parents) {
      children.set(parent, [...(children.get(parent) ?? []), child]);
    }
  });
  const needs = new Map<string, INeed>();
  const queue: string[] = [];
  for (const root of roots) {
    if (closure.names.has(root.name) && !needs.has(root.name)) {
      needs.set(root.name, { via: root.via });
      queue.push(root.name);
    }
  }
  for (let index = 0; index < queue.length; index++) {
    const name = queue[index];
    if (stop(name)) {
      continue;
    }
    for (const child of [...(children.get(name) ?? [])].sort()) {
      if (!needs.has(child)) {
        needs.set(child, { via: name });
        queue.push(child);
      }
    }
  }
  return needs;
}

function normalizedSet(names: ReadonlySet<string> | undefined): Set<string> {
  const result = new Set<string>();
  for (const name of names ?? []) {
    if (isValidName(name)) {
      result.add(normalizeName(name));
    }
  }
  return result;
}

function withClause(reason: string, clause: string): string {
  return clause ? `${reason.replace(/\.$/, '')} (${clause}).` : reason;
}

/**
 * Translates the kernel's environment into a requirements plan: one entry per
 * distribution, sorted by name, with its line (or none) and the reason.
 */
export function translateRequirements(
  snapshot: IEnvironmentSnapshot,
  options: IRequirementsOptions = {}
): IRequirementsPlan {
  const include = normalizedSet(options.include);
  const exclude = normalizedSet(options.exclude);
  const vendor = normalizedSet(options.vendor);
  const only = options.only ? normalizedSet(options.only) : null;
  const root =
    typeof options.jupyterRoot === 'string'
      ? localPath(options.jupyterRoot)
      : null;
  const distributions = Array.isArray(snapshot.distributions)
    ? snapshot.distributions
    : [];

  const conda = condaPackagesByName(snapshot);

  const excludedReason = (name: string): string | null => {
    if (exclude.has(name)) {
      return 'Excluded by your choice.';
    }
    return include.has(name) ? null : defaultExclusion(name);
  };

  let needs: Map<string, INeed> | null = null;
  if (only) {
    const roots = [
      ...[...only].sort().map(name => ({ name, via: 'imported' as const })),
      ...[...include].sort().map(name => ({ name, via: 'included' as const }))
    ];
    const wellFormed = distributions
      .filter(dist => dist && typeof dist.name === 'string')
      .map(dist =>
        Array.isArray(dist.requires) ? dist : { ...dist, requires: [] }
      );
    needs = neededBy(
      snapshot,
      wellFormed,
      roots,
      name => excludedReason(name) !== null
    );
  }

  const entries: IRequirementEntry[] = [];
  const vendorPaths: IVendorPath[] = [];
  const firstSeen = new Set<string>();

  for (const dist of distributions) {
    if (!dist || typeof dist !== 'object') {
      continue;
    }
    const rawName =
      typeof dist.name === 'string' ? dist.name : String(dist.name);
    const version =
      typeof dist.version === 'string' ? dist.version : String(dist.version);
    const directUrl =
      dist.directUrl && typeof dist.directUrl === 'object'
        ? dist.directUrl
        : null;
    const valid = isValidName(rawName);
    const name = valid ? normalizeName(rawName) : rawName;
    const source = classify(
      dist,
      directUrl,
      valid ? matchCondaPackage(conda, name, version) : undefined
    );
    const entry = (
      status: RequirementStatus,
      reason: string,
      line: string | null = null
    ): IRequirementEntry => ({ name, version, source, status, line, reason });

    if (!valid) {
      entries.push(
        entry(
          'warning',
          `The distribution name ${showUntrusted(rawName)} is not a valid PEP 508 name, so it is left out.`
        )
      );
      continue;
    }
    if (firstSeen.has(name)) {
      entries.push(
        entry(
          'excluded',
          `Another ${showUntrusted(name)} comes earlier on sys.path; that one is what the kernel imports.`
        )
      );
      continue;
    }
    firstSeen.add(name);

    const excluded = excludedReason(name);
    if (excluded) {
      entries.push(entry('excluded', excluded));
      continue;
    }
    const need = needs?.get(name);
    if (needs && !need) {
      entries.push(
        entry(
          'excluded',
          'Not imported by the notebook, nor needed by anything it imports.'
        )
      );
      continue;
    }
    const clause = !need
      ? ''
      : need.via === 'imported'
        ? 'imported by the notebook'
        : need.via === 'included'
          ? 'included by your choice'
          : `needed by ${showUntrusted(need.via)}`;

    if (!isValidVersion(version)) {
      entries.push(
        entry(
          'warning',
          `${showUntrusted(name)} has the version ${showUntrusted(version)}, which is not a valid PEP 440 version, so it is left out.`
        )
      );
      continue;
    }

    const made = translateOne(name, version, source, dist, directUrl, {
      options,
      root,
      vendor,
      include
    });
    if ('warning' in made) {
      const warned = entry(made.status ?? 'warning', made.warning);
      if (made.workspacePath !== undefined) {
        warned.workspacePath = made.workspacePath;
      }
      if (made.action) {
        warned.action = made.action;
      }
      if (made.serverBuild) {
        warned.serverBuild = true;
      }
      entries.push(warned);
      continue;
    }
    if (!isSafeLine(made.line)) {
      entries.push(
        entry(
          'warning',
          'The line made for it did not pass the safety check, so it is left out.'
        )
      );
      continue;
    }
    const kept = entry(made.status, withClause(made.reason, clause), made.line);
    if (made.serverBuild) {
      kept.serverBuild = true;
    }
    if (made.vendor) {
      kept.workspacePath = made.vendor.workspacePath;
      vendorPaths.push(made.vendor);
    }
    entries.push(kept);
  }

  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  entries.sort((a, b) => order(a.name, b.name) || order(a.version, b.version));
  vendorPaths.sort((a, b) => order(a.name, b.name));
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    python:
      `${text(snapshot.python?.implementation)} ${text(snapshot.python?.version)}`.trim(),
    platform: text(snapshot.platform?.tag),
    entries,
    vendorPaths
  };
}

type Made =
  | {
      line: string;
      reason: string;
      status: RequirementStatus;
      vendor?: IVendorPath;
      serverBuild?: true;
    }
  | {
      warning: string;
      status?: RequirementStatus;
      workspacePath?: string;
      action?: string;
      serverBuild?: true;
    };

interface ITranslateContext {
  options: IRequirementsOptions;
  root: IFilePath | null;
  vendor: ReadonlySet<string>;
  include: ReadonlySet<string>;
}

function translateOne(
  name: string,
  version: string,
  source: RequirementSource,
  dist: IDistribution,
  directUrl: IDirectUrl | null,
  context: ITranslateContext
): Made {
  const { options, root, vendor } = context;
  const pin = `${name}==${version}`;
  switch (source) {
    case 'index': {
      if (lookUp(name, version, options.indexVersions) === 'missing') {
        return {
          warning: `Installed from a package index, but release ${showUntrusted(version)} is not on the index the image installs from.`,
          action:
            'Install a release the index has (pip install <name>==<version>) and capture again.'
        };
      }
      return {
        line: pin,
        status: 'pinned',
        reason: 'Installed from the package index; pinned to the exact version.'
      };
    }
    case 'conda':
    case 'local-archive': {
      const wheel =
        source === 'local-archive'
          ? localWheel(name, version, directUrl, root)
          : null;
      if (wheel) {
        return wheel.kind === 'inside'
          ? vendoredWheel(name, wheel, vendor)
          : wheel.made;
      }
      const from =
        source === 'conda'
          ? 'Installed by conda'
          : `Installed from ${archiveLabel(directUrl?.url)}`;
      const found = lookUp(name, version, options.indexVersions);
      if (found === 'missing') {
        return {
          warning: `${from}, and release ${showUntrusted(version)} is not on the package index, so pip cannot install it.`
        };
      }
      return {
        line: pin,
        status: 'rewritten',
        reason:
          found === 'found'
            ? `${from}; pinned to the index release of the same version.`
            : `${from}; pinned to the index release of the same version, which was not checked.`
      };
    }
    case 'vcs': {
      const made = vcsLine(name, directUrl!, {
        root,
        included: context.include.has(name),
        wheelhouse: options.wheelhouse
      });
      return 'warning' in made ? made : { ...made, status: 'vcs' };
    }
    case 'editable':
    case 'local-dir': {
      const how =
        source === 'editable'
          ? 'Installed in editable mode from'
          : 'Installed from the local directory';
      if (!directUrl) {
        const where =
          typeof dist.location === 'string' ? localPath(dist.location) : null;
        return {
          warning: `Installed in development mode (setup.py develop) from ${showUntrusted(where ? displayPath(where) : dist.location)}, which a Docker build cannot reach; reinstall it with pip install -e to let it be vendored.`
        };
      }
      const path = fileUrlPath(directUrl.url);
      if (!path) {
        return {
          warning: `${how} ${showUrl(directUrl.url)}, which is not a local path a Docker build can reach.`,
          action: MOVE_PROJECT_INTO_ROOT
        };
      }
      const relative = root ? relativeInside(root, path) : null;
      if (relative === null) {
        return {
          warning: `${how} ${showUntrusted(displayPath(path))} on this machine, which a Docker build cannot reach.`,
          action: MOVE_PROJECT_INTO_ROOT
        };
      }
      if (relative === '') {
        return {
          warning: `${how} the Jupyter root itself; vendoring it would copy the whole workspace, so it is left out.`,
          action:
            'Move the project into a folder of its own inside the Jupyter folder, reinstall it from there and capture again.'
        };
      }
      const bundlePath = `vendor/${name}`;
      if (!vendor.has(name)) {
        return {
          status: 'vendorable',
          workspacePath: relative,
          warning: `${how} ${showUntrusted(relative)} inside the Jupyter root; vendor it to copy it into the bundle.`
        };
      }
      return {
        line: `./${bundlePath}`,
        status: 'vendorable',
        reason: `${how} ${showUntrusted(relative)} inside the Jupyter root; copied into the bundle as ${showUntrusted(bundlePath)} and installed from there.`,
        vendor: { name, workspacePath: relative, bundlePath }
      };
    }
  }
}

/**
 * Where workspace files land in the bundle: safe, unique file names under notebooks/ and
 * data/, and the vendored projects' paths, each checked before it names a file.
 */
import { IBundleInclude } from './bundleTypes';
import { order, uniqueSorted } from './bundleText';
import { isBundleLocalPath } from './dockerfile';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { showUntrusted } from '../shared/text';

/**
 * A safe file name for a bundle: `[A-Za-z0-9._-]` only, not starting with a dot or dash,
 * the extension kept (alphanumerics), accents folded, at most ~100 characters; `fallback`
 * when nothing is left. `used` (lower-case names) makes it unique with -2, -3, … suffixes
 * and records the result.
 */
export function safeFileName(
  name: string,
  used: Set<string>,
  fallback: string
): string {
  const base = name.split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  const ext = (dot >= 0 ? base.slice(dot + 1) : '')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
  const trim = (text: string) => text.replace(/^[._-]+|[._-]+$/g, '');
  const stem =
    trim(
      trim(
        (dot >= 0 ? base.slice(0, dot) : base)
          .normalize('NFKD')
          .replace(/[\u0300-\u036f]/g, '')
          .replace(/[^A-Za-z0-9._-]+/g, '_')
      ).slice(0, 80)
    ) || fallback;
  const join = (suffix: string) =>
    ext ? `${stem}${suffix}.${ext}` : `${stem}${suffix}`;
  let candidate = join('');
  for (let n = 2; used.has(candidate.toLowerCase()); n++) {
    candidate = join(`-${n}`);
  }
  used.add(candidate.toLowerCase());
  return candidate;
}

/** A workspace path as given, or null when it cannot name a file in the workspace. */
function workspacePath(path: unknown): string | null {
  if (typeof path !== 'string' || !path || path.includes('\u0000')) {
    return null;
  }
  const parts = path.split('/').filter(part => part !== '' && part !== '.');
  return parts.length && !parts.includes('..') ? path : null;
}

export interface IPlaced {
  includes: IBundleInclude[];
  /** The file names in the folder, in the order of `includes`. */
  names: string[];
}

/** Workspace files into `folder`/, each under a safe unique name (`reserved` taken). */
export function place(
  paths: readonly string[] | undefined,
  folder: string,
  fallback: string,
  reserved: string[],
  warnings: string[]
): IPlaced {
  const used = new Set(reserved);
  const includes: IBundleInclude[] = [];
  const names: string[] = [];
  const given = Array.isArray(paths) ? paths : [];
  for (const path of uniqueSorted(given.map(path => String(path)))) {
    if (workspacePath(path) === null) {
      warnings.push(
        `${showUntrusted(path)} is not a workspace file path; it is left out.`
      );
      continue;
    }
    const name = safeFileName(path, used, fallback);
    names.push(name);
    includes.push({ workspacePath: path, bundlePath: `${folder}/${name}` });
  }
  return { includes, names };
}

/** Where the bundle puts the data files: data/<safe name> ("readme.md" is the bundle's). */
export function placeDataFiles(
  paths: readonly string[] | undefined,
  warnings: string[]
): IPlaced {
  return place(paths, 'data', 'data', ['readme.md'], warnings);
}

/** The plan's vendored projects and wheels whose paths are usable, sorted by bundle path. */
export function placeVendored(
  plan: IRequirementsPlan,
  warnings: string[]
): IBundleInclude[] {
  const vendor: IBundleInclude[] = [];
  for (const item of plan?.vendorPaths ?? []) {
    if (
      typeof item.bundlePath === 'string' &&
      isBundleLocalPath(item.bundlePath) &&
      workspacePath(item.workspacePath) !== null
    ) {
      vendor.push({
        workspacePath: item.workspacePath,
        bundlePath: item.bundlePath
      });
    } else {
      warnings.push(
        `The vendored project ${showUntrusted(item.name)} has an unusable path; it is left out and its requirement will fail.`
      );
    }
  }
  return vendor.sort((a, b) => order(a.bundlePath, b.bundlePath));
}

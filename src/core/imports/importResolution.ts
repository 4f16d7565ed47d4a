/**
 * Which installed distributions provide the modules a notebook imports (importScanner.ts
 * finds them): `resolveImports` maps the names to the distributions of an environment
 * snapshot through their top-level import names, and classifies what is left: standard
 * library, local module, or unknown (with a "did you mean").
 */
import { IImportScan, IRelativeImport } from './importScanner';
import { normalizeName } from '../environment/pep508';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import {
  STDLIB_ADDED_IN,
  STDLIB_MODULES,
  STDLIB_REMOVED_IN
} from '../environment/stdlib';

export interface IResolveOptions {
  /**
   * The standard library's top-level names; by default the list of Python 3.8–3.13
   * (src/core/environment/stdlib.ts), less the modules removed before the snapshot's Python version.
   */
  stdlibNames?: ReadonlySet<string>;
  /** Modules of the notebook's folder (`helpers` for helpers.py or helpers/__init__.py). */
  localModules?: ReadonlySet<string>;
}

/** An import that one or more installed distributions provide. */
export interface IResolvedImport {
  name: string;
  /** Normalized distribution names, sorted. */
  distributions: string[];
  /** More than one distribution provides the name (a namespace package such as `google`). */
  ambiguous: boolean;
  cell: number;
  line: number;
  dynamic: boolean;
  guarded: boolean;
  /** Only a magic or shell line needs it (IImportedModule.magic). */
  magic?: string;
}

export type UnresolvedKind = 'stdlib' | 'local' | 'unknown';

/** An import that no installed distribution provides. */
export interface IUnresolvedImport {
  name: string;
  kind: UnresolvedKind;
  /** For `unknown`: an installed (or standard) module with a close name, or null. */
  suggestion: string | null;
  /** For `unknown`: why a standard-library name is missing here ("removed in Python 3.12"). */
  note: string | null;
  cell: number;
  line: number;
  dynamic: boolean;
  guarded: boolean;
  /** Only a magic or shell line needs it (IImportedModule.magic). */
  magic?: string;
}

export interface IImportResolution {
  resolved: IResolvedImport[];
  unresolved: IUnresolvedImport[];
  /** The distributions the imports need directly: the roots of the dependency closure. */
  distributions: string[];
  relative: IRelativeImport[];
}

function versionTuple(version: string): number[] {
  return version
    .split('.')
    .slice(0, 2)
    .map(part => parseInt(part, 10) || 0);
}

function versionAtLeast(version: string, wanted: string): boolean {
  const [major, minor] = versionTuple(version);
  const [wantMajor, wantMinor] = versionTuple(wanted);
  return (
    major > wantMajor || (major === wantMajor && minor >= (wantMinor ?? 0))
  );
}

/**
 * Optimal string alignment distance (edits and adjacent swaps), or limit + 1 once it is
 * certain to exceed `limit`.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) {
    return limit + 1;
  }
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + cost
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2] + 1);
      }
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) {
      return limit + 1;
    }
    previous2 = previous;
    previous = current;
  }
  return previous[b.length];
}

function suggest(
  name: string,
  candidates: Iterable<string>,
  byDistribution: ReadonlyMap<string, string>
): string | null {
  const viaDistribution = byDistribution.get(normalizeName(name));
  if (viaDistribution !== undefined) {
    return viaDistribution; // `import pyyaml` → yaml, `import scikit_learn` → sklearn.
  }
  const lower = name.toLowerCase();
  const limit = name.length <= 3 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name) {
      continue;
    }
    const distance = editDistance(lower, candidate.toLowerCase(), limit);
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== null && candidate < best)
    ) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}

/**
 * Maps the scanned imports to the snapshot's distributions through their top-level names,
 * in the order Python looks: the notebook's folder first, then the standard library, then
 * site-packages.
 */
export function resolveImports(
  scan: IImportScan,
  snapshot: IEnvironmentSnapshot,
  options: IResolveOptions = {}
): IImportResolution {
  const providers = new Map<string, Set<string>>();
  const byDistribution = new Map<string, string>();
  for (const distribution of snapshot.distributions) {
    const name = normalizeName(distribution.name);
    for (const entry of distribution.topLevel) {
      const top = entry.split(/[/\\.]/)[0];
      if (!top) {
        continue;
      }
      let set = providers.get(top);
      if (!set) {
        set = new Set();
        providers.set(top, set);
      }
      set.add(name);
    }
    const visible = distribution.topLevel.filter(
      entry => entry && !entry.startsWith('_')
    );
    if (visible.length > 0 && !byDistribution.has(name)) {
      byDistribution.set(name, visible[0].split(/[/\\.]/)[0]);
    }
  }
  const pythonVersion = snapshot.python.version;
  const custom = options.stdlibNames;
  const isStdlib = (name: string): boolean => {
    if (custom) {
      return custom.has(name);
    }
    if (!STDLIB_MODULES.has(name)) {
      return false;
    }
    const removed = STDLIB_REMOVED_IN[name];
    const added = STDLIB_ADDED_IN[name];
    return (
      (removed === undefined || !versionAtLeast(pythonVersion, removed)) &&
      (added === undefined || versionAtLeast(pythonVersion, added))
    );
  };
  const local = new Set([
    ...(options.localModules ?? []),
    ...scan.writtenModules
  ]);
  const resolved: IResolvedImport[] = [];
  const unresolved: IUnresolvedImport[] = [];
  const roots = new Set<string>();
  for (const item of scan.imports) {
    const base = {
      name: item.name,
      cell: item.cell,
      line: item.line,
      dynamic: item.dynamic,
      guarded: item.guarded,
      ...(item.magic === undefined ? {} : { magic: item.magic })
    };
    if (local.has(item.name)) {
      unresolved.push({ ...base, kind: 'local', suggestion: null, note: null });
      continue;
    }
    if (isStdlib(item.name)) {
      unresolved.push({
        ...base,
        kind: 'stdlib',
        suggestion: null,
        note: null
      });
      continue;
    }
    const found = providers.get(item.name);
    if (found && found.size > 0) {
      const distributions = [...found].sort();
      distributions.forEach(name => roots.add(name));
      resolved.push({
        ...base,
        distributions,
        ambiguous: distributions.length > 1
      });
      continue;
    }
    let note: string | null = null;
    if (!custom && STDLIB_MODULES.has(item.name)) {
      const removed = STDLIB_REMOVED_IN[item.name];
      const added = STDLIB_ADDED_IN[item.name];
      if (removed !== undefined && versionAtLeast(pythonVersion, removed)) {
        note = `removed from the standard library in Python ${removed}`;
      } else if (added !== undefined) {
        note = `in the standard library from Python ${added}`;
      }
    }
    const candidates = [
      ...providers.keys(),
      ...local,
      ...(custom ?? STDLIB_MODULES)
    ].filter(
      candidate => !candidate.startsWith('_') || item.name.startsWith('_')
    );
    unresolved.push({
      ...base,
      kind: 'unknown',
      suggestion: suggest(item.name, candidates, byDistribution),
      note
    });
  }
  return {
    resolved,
    unresolved,
    distributions: [...roots].sort(),
    relative: scan.relative
  };
}

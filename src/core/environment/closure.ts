/**
 * The dependency closure of a set of distributions inside an environment snapshot: the
 * distributions they need, following Requires-Dist transitively (issue 3, "only what the
 * notebook imports").
 *
 * Markers are evaluated against the snapshot's interpreter and platform (or values that
 * override them, such as the image's), `extra == "x"` only for the extras that the requiring
 * side asked for. Anything that cannot be decided (an unknown marker variable, a marker or a
 * requirement that does not parse) is included, to be safe, and noted. A dependency that is
 * not installed is reported, never fatal. Versions are not checked: the snapshot is what ran.
 */

import { evaluateMarker, normalizeName, parseRequirement } from './pep508';
import { IDistribution, IEnvironmentSnapshot } from './snapshot';

/** PEP 508 marker variables, as this snapshot would give them. */
export interface IMarkerEnvironment {
  python_version: string;
  python_full_version: string;
  os_name?: string;
  sys_platform?: string;
  platform_system: string;
  platform_machine: string;
  platform_python_implementation: string;
  implementation_name: string;
  implementation_version?: string;
  platform_release?: string;
  platform_version?: string;
}

export interface IClosureOptions {
  /** Marker values that replace the snapshot's (for instance the target image's platform). */
  environment?: Partial<IMarkerEnvironment>;
}

/** A requirement that holds here but whose distribution is not in the snapshot. */
export interface IMissingDependency {
  /** Normalized name. */
  name: string;
  /** The distribution that requires it; null for a root. */
  requiredBy: string | null;
  /** The requirement as written. */
  requirement: string;
}

/** Something the closure had to guess (and included, to be safe). */
export interface IClosureNote {
  /** The distribution whose requirement it is; null for a root. */
  distribution: string | null;
  requirement: string;
  message: string;
}

export interface IDependencyClosure {
  /** The roots found in the snapshot and everything they need, normalized names. */
  names: Set<string>;
  missing: IMissingDependency[];
  notes: IClosureNote[];
  /** For each name of `names`: the distributions of `names` that require it. */
  requiredBy: Map<string, string[]>;
  /** For each name of `names`: the extras asked of it, normalized and sorted. */
  extras: Map<string, string[]>;
}

const SYS_PLATFORMS: Record<string, string> = {
  linux: 'linux',
  darwin: 'darwin',
  windows: 'win32',
  emscripten: 'emscripten',
  wasi: 'wasi',
  aix: 'aix'
};

/** The marker variables of the snapshot's interpreter; unknown ones are left out. */
export function markerEnvironment(
  snapshot: IEnvironmentSnapshot
): IMarkerEnvironment {
  const version = snapshot.python.version;
  const [major = '', minor = ''] = version.split('.');
  const implementation = snapshot.python.implementation;
  const implementationName = implementation.toLowerCase();
  const system = snapshot.platform.system;
  let sysPlatform: string | undefined = SYS_PLATFORMS[system.toLowerCase()];
  const tag = snapshot.platform.tag.toLowerCase();
  if (sysPlatform === undefined) {
    if (tag.startsWith('linux')) {
      sysPlatform = 'linux';
    } else if (tag.startsWith('macosx')) {
      sysPlatform = 'darwin';
    } else if (tag.startsWith('win')) {
      sysPlatform = 'win32';
    }
  }
  const environment: IMarkerEnvironment = {
    python_version: `${major}.${minor}`,
    python_full_version: version,
    platform_system: system,
    platform_machine: snapshot.platform.machine,
    platform_python_implementation: implementation,
    implementation_name: implementationName
  };
  if (sysPlatform !== undefined) {
    environment.sys_platform = sysPlatform;
    environment.os_name = sysPlatform === 'win32' ? 'nt' : 'posix';
  }
  if (implementationName === 'cpython') {
    environment.implementation_version = version;
  }
  return environment;
}

interface IParsedRequirement {
  text: string;
  name: string;
  extras: string[];
  marker: string | null;
  /** Set when part of the requirement could not be read. */
  problem: string | null;
}

const LEADING_NAME = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/;

/** Reads a Requires-Dist value; tolerant: whatever name it can find, with a problem noted. */
function readRequirement(text: string): IParsedRequirement | null {
  const parsed = parseRequirement(text);
  if (parsed) {
    return {
      text,
      name: normalizeName(parsed.name),
      extras: parsed.extras.map(normalizeName),
      marker: parsed.marker,
      problem: null
    };
  }
  const semicolon = text.indexOf(';');
  if (semicolon >= 0) {
    const head = parseRequirement(text.slice(0, semicolon));
    if (head) {
      return {
        text,
        name: normalizeName(head.name),
        extras: head.extras.map(normalizeName),
        marker: null,
        problem: `the marker "${text.slice(semicolon + 1).trim()}" could not be read; included to be safe`
      };
    }
  }
  const found = LEADING_NAME.exec(text);
  const name = found ? found[1].replace(/[._-]+$/, '') : '';
  if (!name) {
    return null;
  }
  return {
    text,
    name: normalizeName(name),
    extras: [],
    marker: null,
    problem:
      'the requirement could not be read; its name is followed, to be safe'
  };
}

/**
 * Evaluates a marker for a set of requested extras (`extra == "x"` holds for any of them;
 * with none, `extra` is the empty string): true, false, or undefined when unknown.
 */
function evaluate(
  marker: string,
  environment: Record<string, string | undefined>,
  extras: readonly string[]
): boolean | undefined {
  let unknown = false;
  for (const extra of extras.length > 0 ? extras : ['']) {
    const value = evaluateMarker(marker, { ...environment, extra });
    if (value === true) {
      return true;
    }
    if (value === undefined) {
      unknown = true;
    }
  }
  return unknown ? undefined : false;
}

interface IWork {
  name: string;
  extras: string[];
  parent: string | null;
  requirement: string;
}

/**
 * The distributions `roots` need in `snapshot`, themselves included. A root is a name or a
 * requirement string (`dask[dataframe]`) whose extras are then followed too.
 */
export function dependencyClosure(
  roots: Iterable<string>,
  snapshot: IEnvironmentSnapshot,
  options: IClosureOptions = {}
): IDependencyClosure {
  const environment: Record<string, string | undefined> = {
    ...markerEnvironment(snapshot),
    ...options.environment
  };
  const installed = new Map<string, IDistribution>();
  for (const distribution of snapshot.distributions) {
    const name = normalizeName(distribution.name);
    if (!installed.has(name)) {
      installed.set(name, distribution);
    }
  }
  const parsed = new Map<string, (IParsedRequirement | null)[]>();
  const activated = new Map<string, Set<string>>();
  const requiredBy = new Map<string, string[]>();
  const missing: IMissingDependency[] = [];
  const missingKeys = new Set<string>();
  const notes: IClosureNote[] = [];
  const noteKeys = new Set<string>();
  const note = (
    distribution: string | null,
    requirement: string,
    message: string
  ) => {
    const key = `${distribution}\u0000${requirement}`;
    if (!noteKeys.has(key)) {
      noteKeys.add(key);
      notes.push({ distribution, requirement, message });
    }
  };

  const queue: IWork[] = [];
  for (const root of roots) {
    const requirement = readRequirement(root);
    if (!requirement) {
      note(null, root, 'not a distribution name; ignored');
      continue;
    }
    if (requirement.problem) {
      note(null, root, requirement.problem);
    }
    queue.push({
      name: requirement.name,
      extras: requirement.extras,
      parent: null,
      requirement: root
    });
  }

  for (let index = 0; index < queue.length; index++) {
    const work = queue[index];
    const distribution = installed.get(work.name);
    if (!distribution) {
      const key = `${work.name}\u0000${work.parent}`;
      if (!missingKeys.has(key)) {
        missingKeys.add(key);
        missing.push({
          name: work.name,
          requiredBy: work.parent,
          requirement: work.requirement
        });
      }
      continue;
    }
    let parents = requiredBy.get(work.name);
    if (!parents) {
      parents = [];
      requiredBy.set(work.name, parents);
    }
    if (
      work.parent !== null &&
      work.parent !== work.name &&
      !parents.includes(work.parent)
    ) {
      parents.push(work.parent);
    }
    // A distribution is read once, then again only for extras not asked of it before.
    let extras = activated.get(work.name);
    let asked: string[];
    if (!extras) {
      extras = new Set(work.extras);
      activated.set(work.name, extras);
      asked = [...extras];
    } else {
      const known = extras;
      asked = work.extras.filter(extra => !known.has(extra));
      if (asked.length === 0) {
        continue;
      }
      asked.forEach(extra => known.add(extra));
    }
    let requirements = parsed.get(work.name);
    if (!requirements) {
      requirements = distribution.requires.map(readRequirement);
      parsed.set(work.name, requirements);
    }
    requirements.forEach((requirement, position) => {
      const text = distribution.requires[position];
      if (!requirement) {
        note(work.name, text, 'not a requirement; ignored');
        return;
      }
      if (requirement.problem) {
        note(work.name, text, requirement.problem);
      }
      if (requirement.marker !== null) {
        const holds = evaluate(requirement.marker, environment, asked);
        if (holds === false) {
          return;
        }
        if (holds === undefined) {
          note(
            work.name,
            text,
            `the marker "${requirement.marker}" cannot be evaluated for this environment; included to be safe`
          );
        }
      }
      queue.push({
        name: requirement.name,
        extras: requirement.extras,
        parent: work.name,
        requirement: text
      });
    });
  }

  const extras = new Map<string, string[]>();
  activated.forEach((set, name) => extras.set(name, [...set].sort()));
  return {
    names: new Set(activated.keys()),
    missing,
    notes,
    requiredBy,
    extras
  };
}

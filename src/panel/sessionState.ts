/**
 * What a notebook's session keeps across a page reload, as plain JSON, and how it is read
 * back: the bundle form and files, the edited Dockerfile, the package selection, and the
 * selection the latest build was made from (what its verification is compared with).
 * The store is JupyterLab's state database in the product (see session.ts).
 */
import { parseSavedBundle, SavedBundle } from './bundleModel';
import { SelectionMode } from './model';

/** The state database key of a notebook's session. */
export function sessionKey(path: string): string {
  return `jupyterlab-dockerize:session:${path}`;
}

/** The key of the notebook the panel showed (the same key the panel used before sessions). */
export const CURRENT_KEY = 'jupyterlab-dockerize:panel';

/** A selected package of a build, as reproduction.ts's ISelectedPackage. */
export type SavedSelectedPackage = {
  name: string;
  line: string;
  version: string;
};

/** Type aliases, not interfaces: JupyterLab's state database takes them as JSON values. */
export type SavedSession = {
  version: 1;
  bundle: SavedBundle;
  mode: SelectionMode;
  /** Packages ticked or unticked against the defaults. */
  include: string[];
  exclude: string[];
  /** The latest build this page started and the packages it selected. */
  build: { job: string; selected: SavedSelectedPackage[] } | null;
};

export type SavedCurrent = { notebookPath: string | null };

/** A key-value store; JupyterLab's IStateDB is one as it is. */
export interface ISessionStore {
  fetch(id: string): Promise<unknown>;
  save(id: string, value: SavedSession | SavedCurrent): Promise<void>;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(item => typeof item === 'string');
}

function parseSelected(value: unknown): SavedSelectedPackage[] | null {
  if (!Array.isArray(value)) {
    return null;
  }
  const selected: SavedSelectedPackage[] = [];
  for (const item of value) {
    const entry = item as Partial<Record<string, unknown>> | null;
    if (
      !entry ||
      typeof entry.name !== 'string' ||
      typeof entry.line !== 'string' ||
      typeof entry.version !== 'string'
    ) {
      return null;
    }
    selected.push({
      name: entry.name,
      line: entry.line,
      version: entry.version
    });
  }
  return selected;
}

function parseBuild(value: unknown): SavedSession['build'] {
  const build = value as Partial<Record<string, unknown>> | null;
  if (!build || typeof build !== 'object' || typeof build.job !== 'string') {
    return null;
  }
  const selected = parseSelected(build.selected);
  return selected ? { job: build.job, selected } : null;
}

/**
 * A saved session read back; null for anything else (another version wrote it, or it
 * was damaged): the session then starts fresh rather than half restored.
 */
export function parseSavedSession(value: unknown): SavedSession | null {
  const saved = value as Partial<Record<keyof SavedSession, unknown>> | null;
  if (!saved || typeof saved !== 'object' || saved.version !== 1) {
    return null;
  }
  const bundle = parseSavedBundle(saved.bundle);
  if (
    !bundle ||
    (saved.mode !== 'all' && saved.mode !== 'imports') ||
    !isStringList(saved.include) ||
    !isStringList(saved.exclude)
  ) {
    return null;
  }
  return {
    version: 1,
    bundle,
    mode: saved.mode,
    include: saved.include,
    exclude: saved.exclude,
    build: parseBuild(saved.build)
  };
}

/** The notebook path saved under CURRENT_KEY, if there is one. */
export function parseSavedCurrent(value: unknown): string | null {
  const path = (value as Partial<SavedCurrent> | null)?.notebookPath;
  return typeof path === 'string' && path ? path : null;
}

/**
 * The bundle's pylock.toml (PEP 751) from the caller's `lock` option: checked, written by
 * renderPylock (pylock.ts), and whether the image can install from it instead of
 * requirements.txt: only when the lock is for the image's Python and pins everything
 * requirements.txt does, the Jupyter pin included, at the same versions, on every
 * platform it resolves. Otherwise requirements.txt stays the install file, with a warning.
 */
import { isSafeLine } from '../requirements/requirementsTxt';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { isValidName, normalizeName } from '../environment/pep508';
import { ITemplate, IPythonVersion } from '../templates/template';
import { escapeNonAscii } from '../shared/text';
import { stripControls } from '../shared/guards';
import { clip } from './bundleText';
import {
  IPylockInput,
  IPylockPackage,
  lockedVersions,
  pylockProblems,
  PylockError,
  renderPylock
} from './pylock';

export const PYLOCK_FILE = 'pylock.toml';

export interface IBundleLock {
  /** pylock.toml's text. */
  text: string;
  /** The image installs from it (the template's pylock is 'install' and it pins all). */
  install: boolean;
}

/** Untrusted text in a warning: printable ASCII, one line, clipped. */
function plain(text: string): string {
  return escapeNonAscii(stripControls(text)).slice(0, 200);
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The option as IPylockInput when its shape is right (values are checked by pylock.ts). */
function lockInput(raw: unknown): IPylockInput | null {
  if (!raw || typeof raw !== 'object') {
    return null;
  }
  const { python, resolutions } = raw as Record<string, unknown>;
  if (!isString(python) || !Array.isArray(resolutions)) {
    return null;
  }
  const out: IPylockInput = { python, resolutions: [] };
  for (const resolution of resolutions as unknown[]) {
    const { platform, packages } = (resolution ?? {}) as Record<
      string,
      unknown
    >;
    if (!isString(platform) || !Array.isArray(packages)) {
      return null;
    }
    const checked: IPylockPackage[] = [];
    for (const item of packages as unknown[]) {
      const { name, version, url, sha256 } = (item ?? {}) as Record<
        string,
        unknown
      >;
      if (![name, version, url, sha256].every(isString)) {
        return null;
      }
      checked.push({
        name: name as string,
        version: version as string,
        url: url as string,
        sha256: sha256 as string
      });
    }
    out.resolutions.push({ platform, packages: checked });
  }
  return out;
}

/** A requirements.txt line that is a plain pin: name (extras allowed) == version. */
const PLAIN_PIN =
  /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9._, -]*\])?==([A-Za-z0-9.+!_-]+)$/;

/** What the image installs that the lock does not pin (at that version, on a platform). */
function unlocked(
  lock: IPylockInput,
  plan: IRequirementsPlan,
  jupyterPin: string | null
): string[] {
  const lines = (plan?.entries ?? [])
    .map(entry => entry.line)
    .filter((line): line is string => line !== null && isSafeLine(line));
  if (jupyterPin) {
    lines.push(jupyterPin);
  }
  const missing = new Set<string>();
  for (const line of lines) {
    const pin = PLAIN_PIN.exec(line);
    if (!pin || !isValidName(pin[1])) {
      missing.add(line);
      continue;
    }
    const [name, version] = [normalizeName(pin[1]), pin[2]];
    for (const { platform } of lock.resolutions) {
      if (lockedVersions(lock, platform).get(name) !== version) {
        missing.add(
          lock.resolutions.length > 1
            ? `${name}==${version} (${platform})`
            : `${name}==${version}`
        );
      }
    }
  }
  return [...missing].sort();
}

/**
 * pylock.toml for the bundle, or null (with a warning) when the option is absent, the
 * template has no use for it, or it cannot be a lock for this image.
 */
export function resolveLock(
  raw: unknown,
  template: ITemplate,
  python: IPythonVersion,
  plan: IRequirementsPlan,
  jupyterPin: string | null,
  warnings: string[]
): IBundleLock | null {
  if (raw === undefined || raw === null) {
    return null;
  }
  if (template.pylock === null) {
    warnings.push(
      `The ${template.id} template does not install Python packages from an index, so the bundle has no ${PYLOCK_FILE}.`
    );
    return null;
  }
  const lock = lockInput(raw);
  const problems = lock
    ? pylockProblems(lock)
    : ['it is not a resolution per platform'];
  if (lock && !problems.length) {
    const minor = lock.python.split('.').slice(0, 2).join('.');
    if (minor !== python.minor) {
      problems.push(
        `it resolves for Python ${lock.python}, the image runs ${python.version}`
      );
    }
  }
  if (!lock || problems.length) {
    warnings.push(
      `No ${PYLOCK_FILE} in the bundle: ${clip(problems.map(plain))}.`
    );
    return null;
  }
  let text: string;
  try {
    text = renderPylock({ python: lock.python, resolutions: lock.resolutions });
  } catch (error) {
    if (!(error instanceof PylockError)) {
      throw error;
    }
    warnings.push(`No ${PYLOCK_FILE} in the bundle: ${plain(error.message)}`);
    return null;
  }
  if (template.pylock !== 'install') {
    return { text, install: false };
  }
  const missing = unlocked(lock, plan, jupyterPin);
  if (missing.length) {
    warnings.push(
      `${PYLOCK_FILE} does not pin everything the image installs (${clip(missing.map(plain))}), so the image installs from requirements.txt; ${PYLOCK_FILE} is beside it.`
    );
  }
  return { text, install: !missing.length };
}

/** .dockerignore letting pylock.toml in too, when the Dockerfile copies it. */
export function letLockIn(dockerignore: string, copied: boolean): string {
  return copied
    ? dockerignore.replace(/^!requirements\.txt$/m, `$&\n!${PYLOCK_FILE}`)
    : dockerignore;
}

/**
 * pylock.toml (PEP 751, lock-version 1.0) from the pre-flight's resolutions: for each
 * platform the image is built for, every distribution pip resolved (dependencies
 * included) with the URL of the file on the index and its sha256.
 *
 * One `[[packages]]` entry per name and version, listing the wheel of every platform that
 * resolved it (a pure-Python wheel once); an installer picks the wheel whose tags fit.
 * A name and version only some platforms resolved gets a `marker` on `platform_machine`,
 * so exactly one entry applies on each platform (PEP 751 forbids two). Every value is
 * checked (http(s) URLs only, a 64-hex sha256, PEP 508 names, plain versions) and written
 * as a TOML basic string, so no resolved text can add a key.
 *
 * `uv pip install -r pylock.toml` (uv 0.13.9, the templates' pin) installs from it.
 */
import { isValidName, normalizeName } from '../environment/pep508';

/** One distribution of a resolution: the file pip would download, from the index. */
export interface IPylockPackage {
  name: string;
  version: string;
  /** The file's URL on the index (http or https). */
  url: string;
  /** Lower-case hex sha256 of the file. */
  sha256: string;
}

/** The full resolution for one platform (`linux/amd64` or `linux/arm64`). */
export interface IPylockResolution {
  platform: string;
  packages: IPylockPackage[];
}

export interface IPylockInput {
  /** The image's Python (X.Y or X.Y.Z): the lock's requires-python is `==X.Y.*`. */
  python: string;
  /** One per platform; at least one. */
  resolutions: IPylockResolution[];
  /** The tool named in `created-by` (default "jupyterlab-dockerize"). */
  createdBy?: string;
}

/** The machine (`platform_machine`) of each Docker platform a lock can name. */
export const PYLOCK_MACHINES: Readonly<Record<string, string>> = {
  'linux/amd64': 'x86_64',
  'linux/arm64': 'aarch64'
};

/** Why an input cannot be written as a lock (renderPylock throws it). */
export class PylockError extends Error {}

const PYTHON = /^3\.(\d{1,2})(?:\.\d{1,3})?$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** An http(s) URL of printable ASCII with no space, quote or backslash. */
const URL_PATTERN = /^https?:\/\/[!#-&(-[\]-~]+$/;

/**
 * What is wrong with `input` for a lock, one line per problem (empty when it can be
 * written): the bundle falls back to requirements.txt alone and shows these.
 */
export function pylockProblems(input: IPylockInput): string[] {
  const problems: string[] = [];
  if (!PYTHON.test(input.python)) {
    problems.push(`the Python version '${input.python}' is not X.Y or X.Y.Z`);
  }
  if (!input.resolutions.length) {
    problems.push('no platform was resolved');
  }
  const platforms = new Set<string>();
  for (const resolution of input.resolutions) {
    if (!(resolution.platform in PYLOCK_MACHINES)) {
      problems.push(
        `the platform '${resolution.platform}' is not one a lock can name`
      );
      continue;
    }
    if (platforms.has(resolution.platform)) {
      problems.push(`the platform ${resolution.platform} is resolved twice`);
    }
    platforms.add(resolution.platform);
    const versions = new Map<string, string>();
    for (const item of resolution.packages) {
      const where = `${item.name} ${item.version} (${resolution.platform})`;
      if (!isValidName(item.name)) {
        problems.push(`'${item.name}' is not a distribution name`);
        continue;
      }
      if (!VERSION.test(item.version)) {
        problems.push(`${item.name} has no plain version ('${item.version}')`);
      }
      if (!URL_PATTERN.test(item.url)) {
        problems.push(`${where} has no http(s) URL on an index`);
      }
      if (!SHA256.test(item.sha256)) {
        problems.push(`${where} has no sha256`);
      }
      const key = normalizeName(item.name);
      const other = versions.get(key);
      if (other !== undefined && other !== item.version) {
        problems.push(
          `${resolution.platform} resolves ${key} twice (${other} and ${item.version})`
        );
      }
      versions.set(key, item.version);
    }
  }
  return problems;
}

interface IFile {
  name: string;
  url: string;
  sha256: string;
}

interface IEntry {
  name: string;
  version: string;
  platforms: Set<string>;
  wheels: Map<string, IFile>;
  sdist: IFile | null;
}

/** The lock for `input`; throws PylockError (see pylockProblems) when it cannot be one. */
export function renderPylock(input: IPylockInput): string {
  const problems = pylockProblems(input);
  if (problems.length) {
    throw new PylockError(
      `pylock.toml cannot be written: ${problems.join('; ')}.`
    );
  }
  const platforms = input.resolutions.map(resolution => resolution.platform);
  const entries = collectEntries(input.resolutions);
  const minor = PYTHON.exec(input.python)![1];
  const lines = [
    `# The pre-flight's resolution for Python ${input.python} on ${platforms.join(', ')}:`,
    '# every distribution with its file on the index and its sha256 (PEP 751).',
    '# Install: uv pip install -r pylock.toml',
    'lock-version = "1.0"',
    `environments = [${platforms.map(p => tomlString(environmentMarker(p))).join(', ')}]`,
    `requires-python = ${tomlString(`==3.${minor}.*`)}`,
    `created-by = ${tomlString(input.createdBy ?? 'jupyterlab-dockerize')}`
  ];
  for (const entry of entries) {
    lines.push('', '[[packages]]');
    lines.push(`name = ${tomlString(entry.name)}`);
    lines.push(`version = ${tomlString(entry.version)}`);
    if (entry.platforms.size < platforms.length) {
      const only = platforms.filter(platform => entry.platforms.has(platform));
      lines.push(`marker = ${tomlString(machineMarker(only))}`);
    }
    if (entry.sdist) {
      lines.push(`sdist = ${fileTable(entry.sdist)}`);
    }
    if (entry.wheels.size) {
      lines.push('wheels = [');
      for (const wheel of entry.wheels.values()) {
        lines.push(`    ${fileTable(wheel)},`);
      }
      lines.push(']');
    }
  }
  return lines.join('\n') + '\n';
}

/** The version of each distribution a platform's resolution holds (normalised names). */
export function lockedVersions(
  input: IPylockInput,
  platform: string
): Map<string, string> {
  const resolution = input.resolutions.find(item => item.platform === platform);
  return new Map(
    (resolution?.packages ?? []).map(item => [
      normalizeName(item.name),
      item.version
    ])
  );
}

function collectEntries(resolutions: IPylockResolution[]): IEntry[] {
  const byKey = new Map<string, IEntry>();
  for (const resolution of resolutions) {
    for (const item of resolution.packages) {
      const name = normalizeName(item.name);
      const key = `${name}\n${item.version}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = {
          name,
          version: item.version,
          platforms: new Set(),
          wheels: new Map(),
          sdist: null
        };
        byKey.set(key, entry);
      }
      entry.platforms.add(resolution.platform);
      const file = {
        name: fileName(item.url),
        url: item.url,
        sha256: item.sha256
      };
      if (file.name.endsWith('.whl')) {
        addWheel(entry, file);
      } else if (!entry.sdist) {
        entry.sdist = file;
      } else if (entry.sdist.url !== file.url) {
        throw new PylockError(
          `pylock.toml cannot be written: ${name} ${item.version} resolves to two source archives.`
        );
      }
    }
  }
  return [...byKey.values()].sort((a, b) =>
    a.name === b.name
      ? a.version.localeCompare(b.version)
      : a.name < b.name
        ? -1
        : 1
  );
}

function addWheel(entry: IEntry, file: IFile): void {
  const known = entry.wheels.get(file.url);
  if (known && known.sha256 !== file.sha256) {
    throw new PylockError(
      `pylock.toml cannot be written: ${file.name} has two different sha256.`
    );
  }
  entry.wheels.set(file.url, file);
}

function fileName(url: string): string {
  const last = url.split(/[?#]/, 1)[0].split('/').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function fileTable(file: IFile): string {
  return `{ name = ${tomlString(file.name)}, url = ${tomlString(file.url)}, hashes = { sha256 = ${tomlString(file.sha256)} } }`;
}

function environmentMarker(platform: string): string {
  return `sys_platform == 'linux' and platform_machine == '${PYLOCK_MACHINES[platform]}'`;
}

function machineMarker(platforms: string[]): string {
  return platforms
    .map(platform => `platform_machine == '${PYLOCK_MACHINES[platform]}'`)
    .join(' or ');
}

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') {
      out += `\\${char}`;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += char;
    }
  }
  return out + '"';
}

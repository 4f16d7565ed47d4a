/**
 * environment.yml for a conda kernel: the Python distributions conda installed, pinned as
 * `name=version` on their channels, Python pinned to the kernel's version, and a `pip:`
 * section with the requirement lines of everything else the plan keeps.
 *
 * Only Python packages the plan keeps are listed; native libraries (openssl, libblas,
 * _libgcc_mutex, …) are left to conda's solver, because their names and builds are
 * platform-specific and the image is Linux whatever the author runs. Every key is a
 * constant of this file; every value goes through `yamlScalar`, so no captured text can
 * add a key or a list item.
 */
import { order } from './bundleText';
import { commentLine, isSafeLine } from '../requirements/requirementsTxt';
import {
  condaPackagesByName,
  matchCondaPackage
} from '../requirements/requirements';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { isValidName, normalizeName } from '../environment/pep508';
import { ICondaPackage, IEnvironmentSnapshot } from '../environment/snapshot';

export interface IEnvironmentYmlOptions {
  /** The environment's `name:`; omitted when not given (`conda env update -f` needs none). */
  name?: string;
  /**
   * The Python version to pin instead of the kernel's ("3.12" or "3.12.4"; anything else
   * is ignored); the channel stays the one python came from.
   */
  python?: string;
  /**
   * Conda packages to add as `name=version` when the environment lists no package of
   * that name (conda or pip): the Jupyter the image needs to serve the notebook.
   */
  ensure?: readonly (readonly [string, string])[];
  /**
   * The channel to list when the environment gives none (a venv kernel): micromamba has
   * no default channel.
   */
  fallbackChannel?: string;
}

const YAML_RESERVED = new Set([
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'null',
  '~'
]);

/** Plain scalars this file writes unquoted: they read back as exactly this string. */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./=+-]*(?:::?[A-Za-z0-9_./=+-]+)*$/;

/**
 * A YAML scalar for `value`: plain when it is unambiguous (starts with a letter, only
 * name-like characters, no "#", ": " or reserved word like `yes`/`null`), otherwise
 * double-quoted with every non-printable-ASCII character escaped. The result is always
 * one line of printable ASCII.
 */
export function yamlScalar(value: string): string {
  if (
    PLAIN.test(value) &&
    !YAML_RESERVED.has(value.toLowerCase()) &&
    !value.endsWith(':')
  ) {
    return value;
  }
  let quoted = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x22) {
      quoted += '\\"';
    } else if (code === 0x5c) {
      quoted += '\\\\';
    } else if (code >= 0x20 && code < 0x7f) {
      quoted += value[i];
    } else if (code < 0x100) {
      quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    } else {
      const point = value.codePointAt(i) ?? code;
      if (point > 0xffff) {
        quoted += `\\U${point.toString(16).padStart(8, '0')}`;
        i++;
      } else {
        quoted += `\\u${point.toString(16).padStart(4, '0')}`;
      }
    }
  }
  return `${quoted}"`;
}

const CONDA_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
const CONDA_VERSION = /^[A-Za-z0-9][A-Za-z0-9_.+!]{0,99}$/;
const CHANNEL_NAME =
  /^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/;
const CHANNEL_URL =
  /^https?:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/;

/**
 * The channel to write for a captured channel: a name (conda-forge, bioconda,
 * conda-forge/label/dev), `defaults` for Anaconda's pkgs/* channels, or a plain https
 * URL; null for what a Docker build cannot reach or this file will not write (local
 * file:// channels, `<unknown>`, anything with odd characters or credentials).
 */
export function condaChannel(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 512) {
    return null;
  }
  let channel = raw.replace(/\/+$/, '');
  const hosted = /^https?:\/\/conda\.anaconda\.(?:org|com)\/([^?#]+)$/.exec(
    channel
  );
  if (hosted) {
    channel = hosted[1];
  }
  if (/^https?:\/\/repo\.anaconda\.com\/pkgs\/[A-Za-z0-9_-]+$/.test(channel)) {
    return 'defaults';
  }
  if (channel === 'defaults' || /^pkgs\/[A-Za-z0-9_-]+$/.test(channel)) {
    return 'defaults';
  }
  if (CHANNEL_NAME.test(channel)) {
    return channel.split('/').some(part => part === '..' || part === '.')
      ? null
      : channel;
  }
  return CHANNEL_URL.test(channel) ? channel : null;
}

interface ICondaDependency {
  name: string;
  version: string;
  channel: string;
}

function condaDependency(
  item: ICondaPackage | undefined
): ICondaDependency | null {
  if (
    !item ||
    typeof item.name !== 'string' ||
    typeof item.version !== 'string' ||
    !CONDA_NAME.test(item.name) ||
    !CONDA_VERSION.test(item.version)
  ) {
    return null;
  }
  const channel = condaChannel(item.channel);
  return channel ? { name: item.name, version: item.version, channel } : null;
}

/**
 * The environment.yml text for the kernel's environment and a requirements plan.
 *
 * - `dependencies:` lists `python=X.Y.Z` first, then each distribution the plan keeps
 *   that conda installed (matched to its conda package by normalized name), as
 *   `name=version` (conda's fuzzy-exact pin, portable across builds), prefixed
 *   `channel::` when its channel is not the first one;
 * - `channels:` has Python's channel first, then the others by how many packages they
 *   give (most first), ties by name;
 * - `pip:` has the plan's lines for everything else it keeps (and for conda-installed
 *   distributions whose conda package or channel cannot be written), with `pip` itself
 *   listed before it as conda asks;
 * - a conda-installed distribution whose release is missing from PyPI (a warning in
 *   requirements.txt) is still listed here: conda can install it;
 * - `options.ensure` packages are added, sorted with the others and from the first
 *   channel, only when the environment lists nothing of that name.
 */
export function renderEnvironmentYml(
  snapshot: IEnvironmentSnapshot,
  plan: IRequirementsPlan,
  options: IEnvironmentYmlOptions = {}
): string {
  const packages = condaPackagesByName(snapshot);

  const condaDeps: ICondaDependency[] = [];
  const pipLines: string[] = [];
  const skipped: string[] = [];
  const listed = new Set<string>();
  const entries = [...plan.entries].sort((a, b) => order(a.name, b.name));
  for (const entry of entries) {
    if (entry.status === 'excluded') {
      continue;
    }
    const valid =
      isValidName(entry.name) && normalizeName(entry.name) === entry.name;
    const dependency =
      valid && entry.source === 'conda'
        ? condaDependency(
            matchCondaPackage(packages, entry.name, entry.version)
          )
        : null;
    if (dependency) {
      condaDeps.push(dependency);
      listed.add(entry.name);
    } else if (entry.line !== null && isSafeLine(entry.line)) {
      pipLines.push(entry.line);
      listed.add(entry.name);
    } else if (valid && entry.source === 'conda') {
      skipped.push(entry.name);
    }
  }

  for (const [name, version] of options.ensure ?? []) {
    if (
      CONDA_NAME.test(name) &&
      CONDA_VERSION.test(version) &&
      !listed.has(name)
    ) {
      // No channel of its own: it comes from the first channel of the file.
      condaDeps.push({ name, version, channel: '' });
    }
  }
  condaDeps.sort((a, b) => order(a.name, b.name));

  let python = condaDependency(packages.get('python'));
  if (!python) {
    const version =
      typeof snapshot.python?.version === 'string'
        ? snapshot.python.version
        : '';
    python = {
      name: 'python',
      version: /^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(version) ? version : '',
      channel: ''
    };
  }
  if (
    typeof options.python === 'string' &&
    /^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(options.python)
  ) {
    python = { ...python, version: options.python };
  }

  const counts = new Map<string, number>();
  for (const dependency of condaDeps) {
    if (dependency.channel) {
      counts.set(dependency.channel, (counts.get(dependency.channel) ?? 0) + 1);
    }
  }
  const channels = [...counts.keys()]
    .filter(channel => channel !== python!.channel)
    .sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || order(a, b));
  if (python.channel) {
    channels.unshift(python.channel);
  }
  const fallback =
    options.fallbackChannel !== undefined
      ? condaChannel(options.fallbackChannel)
      : null;
  if (!channels.length && fallback) {
    channels.push(fallback);
  }
  const first = channels[0];
  const spec = (dependency: ICondaDependency) => {
    const pinned = dependency.version
      ? `${dependency.name}=${dependency.version}`
      : dependency.name;
    return dependency.channel && dependency.channel !== first
      ? `${dependency.channel}::${pinned}`
      : pinned;
  };

  const out: string[] = [
    commentLine(
      "Generated by jupyterlab-dockerize from the kernel's environment."
    ),
    commentLine(
      'Python packages are pinned to the versions the kernel runs; conda brings'
    ),
    commentLine('their native libraries.')
  ];
  for (const name of skipped) {
    out.push(
      commentLine(
        `Not listed: ${name} (its conda package or channel cannot be written here).`
      )
    );
  }
  if (typeof options.name === 'string' && options.name) {
    out.push(`name: ${yamlScalar(options.name)}`);
  }
  if (channels.length) {
    out.push('channels:');
    for (const channel of channels) {
      out.push(`  - ${yamlScalar(channel)}`);
    }
  }
  out.push('dependencies:');
  out.push(`  - ${yamlScalar(spec(python))}`);
  for (const dependency of condaDeps) {
    out.push(`  - ${yamlScalar(spec(dependency))}`);
  }
  if (pipLines.length) {
    out.push('  - pip');
    out.push('  - pip:');
    for (const line of pipLines) {
      out.push(`    - ${yamlScalar(line)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

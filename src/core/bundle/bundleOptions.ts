/**
 * The caller's options and the captured snapshot, validated for the bundle: every value
 * either matches a strict grammar or is dropped (or replaced by a safe default) with a
 * warning that says why.
 */
import { IBundleInput, IBundleOptions } from './bundleTypes';
import { clip, order, uniqueSorted } from './bundleText';
import { APT_PACKAGE, ENV_NAME, isCleanAbsolutePath } from './dockerfileQuote';
import { hasControls } from '../shared/guards';
import { isValidName } from '../environment/pep508';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { isSafeLine } from '../requirements/requirementsTxt';
import { needsServerBuild } from '../requirements/inclusionBlocker';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { IPythonVersion } from '../templates/template';
import { showUntrusted } from '../shared/text';

/** The Python used when neither the option nor the snapshot gives a usable version. */
export const DEFAULT_PYTHON = '3.12';

const PYTHON_OPTION = /^3\.[0-9]{1,2}(?:\.[0-9]{1,3})?$/;
const PYTHON_FULL = /^3\.[0-9]{1,2}\.[0-9]{1,3}$/;

/** The image's Python: the option's, else the kernel's, else DEFAULT_PYTHON. */
export function resolvePython(
  input: IBundleInput,
  warnings: string[]
): IPythonVersion {
  const { pythonVersion } = input.options;
  let version: string | null = null;
  if (pythonVersion !== undefined && pythonVersion !== '') {
    if (
      typeof pythonVersion === 'string' &&
      PYTHON_OPTION.test(pythonVersion)
    ) {
      version = pythonVersion;
    } else {
      warnings.push(
        `The Python version ${showUntrusted(pythonVersion)} is not of the form 3.X or 3.X.Y; the kernel's version is used.`
      );
    }
  }
  if (!version) {
    const captured = input.snapshot?.python?.version;
    if (typeof captured === 'string' && PYTHON_FULL.test(captured)) {
      version = captured;
    } else {
      warnings.push(
        `The kernel's Python version ${showUntrusted(captured)} has no python image; Python ${DEFAULT_PYTHON} is used.`
      );
      version = DEFAULT_PYTHON;
    }
  }
  const implementation = input.snapshot?.python?.implementation;
  if (implementation !== 'CPython') {
    warnings.push(
      `The kernel runs ${showUntrusted(implementation)}, the image runs CPython; packages built for it may differ.`
    );
  }
  const minor = version.split('.').slice(0, 2).join('.');
  const captured = input.snapshot?.python?.version;
  const full = PYTHON_FULL.test(version)
    ? version
    : typeof captured === 'string' &&
        PYTHON_FULL.test(captured) &&
        captured.split('.').slice(0, 2).join('.') === minor
      ? captured
      : null;
  return { version, minor, full };
}

export interface IPlatform {
  /** What the comment and label say, e.g. "Linux x86_64". */
  text: string;
  /** Docker's platform for it, when it has one. */
  docker: string | null;
}

export function resolvePlatform(
  snapshot: IEnvironmentSnapshot,
  warnings: string[]
): IPlatform {
  const word = (value: unknown) =>
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,32}$/.test(value)
      ? value
      : 'unknown';
  const system = word(snapshot?.platform?.system);
  const machine = word(snapshot?.platform?.machine);
  const lower = machine.toLowerCase();
  const docker =
    lower === 'x86_64' || lower === 'amd64'
      ? 'linux/amd64'
      : lower === 'aarch64' || lower === 'arm64'
        ? 'linux/arm64'
        : null;
  if (!docker) {
    warnings.push(
      `The kernel runs on the machine type ${showUntrusted(snapshot?.platform?.machine)}, not x86_64 or aarch64; the image is built for the build machine's platform and packages may differ.`
    );
  }
  if (system !== 'Linux') {
    warnings.push(
      `The kernel runs on ${showUntrusted(snapshot?.platform?.system)}; the image is Linux, where some packages build or behave differently.`
    );
  }
  return { text: `${system} ${machine}`, docker };
}

/** The builder the Dockerfile is for: 'classic' unless the option says 'buildkit'. */
export function resolveBuilder(
  options: IBundleOptions,
  warnings: string[]
): 'buildkit' | 'classic' {
  const builder: unknown = options.builder;
  if (builder === 'buildkit' || builder === 'classic') {
    return builder;
  }
  if (builder !== undefined) {
    warnings.push(
      `The builder ${showUntrusted(builder)} is not 'buildkit' or 'classic'; the Dockerfile is for any builder (classic).`
    );
  }
  return 'classic';
}

export function resolveApt(
  options: IBundleOptions,
  warnings: string[]
): string[] {
  const given = Array.isArray(options.aptPackages) ? options.aptPackages : [];
  const valid: string[] = [];
  for (const name of given) {
    if (typeof name === 'string' && APT_PACKAGE.test(name)) {
      valid.push(name);
    } else {
      warnings.push(
        `${showUntrusted(name)} is not a Debian package name; it is left out.`
      );
    }
  }
  return uniqueSorted(valid);
}

export function resolveVolumes(
  options: IBundleOptions,
  warnings: string[]
): string[] {
  const given = Array.isArray(options.volumes) ? options.volumes : [];
  const valid: string[] = [];
  for (const path of given) {
    if (typeof path === 'string' && isCleanAbsolutePath(path)) {
      if (path !== '/data' && path !== '/notebooks') {
        valid.push(path);
      }
    } else {
      warnings.push(
        `The volume ${showUntrusted(path)} is not a clean absolute path (like /results); it is left out.`
      );
    }
  }
  return uniqueSorted(valid);
}

/** Names that would put a fixed secret or login into the image. */
const RESERVED_ENV = new Set([
  'JUPYTER_TOKEN',
  'JUPYTER_TOKEN_FILE',
  'JUPYTER_PASSWORD'
]);

export function resolveEnv(
  options: IBundleOptions,
  warnings: string[]
): [string, string][] {
  const env: [string, string][] = [];
  const given =
    options.env && typeof options.env === 'object' ? options.env : {};
  for (const name of Object.keys(given).sort(order)) {
    const value = given[name];
    if (!ENV_NAME.test(name)) {
      warnings.push(
        `${showUntrusted(name)} is not an environment variable name; it is left out.`
      );
    } else if (RESERVED_ENV.has(name)) {
      warnings.push(
        `${name} is never baked into the image: pass it at run time (docker run -e ${name}).`
      );
    } else if (
      typeof value !== 'string' ||
      hasControls(value) ||
      value.length > 4096
    ) {
      warnings.push(
        `The value of ${name} has a newline or control character (or is too long); it is left out.`
      );
    } else {
      env.push([name, value]);
    }
  }
  return env;
}

/** The plan has a usable requirement line for `name`. */
export function hasLine(plan: IRequirementsPlan, name: string): boolean {
  return (plan?.entries ?? []).some(
    entry =>
      entry.name === name && entry.line !== null && isSafeLine(entry.line)
  );
}

/**
 * The plan without the lines only the server can build (a git repository inside the
 * Jupyter root) when the bundle has no wheelhouse: the image could not install them.
 */
export function withoutServerBuilds(
  plan: IRequirementsPlan,
  wheelhouse: boolean,
  warnings: string[]
): IRequirementsPlan {
  const entries = Array.isArray(plan?.entries) ? plan.entries : [];
  if (wheelhouse || !entries.some(e => needsServerBuild(e) && e.line)) {
    return plan;
  }
  const dropped: string[] = [];
  const kept = entries.map(entry => {
    if (!needsServerBuild(entry) || entry.line === null) {
      return entry;
    }
    dropped.push(entry.name);
    return {
      ...entry,
      status: 'warning' as const,
      line: null,
      reason:
        'Installed from a git repository on this machine, which the image cannot reach; only the offline wheelhouse can hold it (the server builds it into a wheel).',
      action:
        'Turn on the offline wheelhouse to build it on the server, then tick it.'
    };
  });
  warnings.push(
    `Left out of requirements.txt, since only the offline wheelhouse can hold them (the server builds them from their git repository): ${clip(dropped.filter(isValidName))}. Turn on the offline wheelhouse to include them.`
  );
  return { ...plan, entries: kept };
}

/**
 * Says which conda-installed distributions have no release on the package index, for a
 * template that installs with pip only (they are left out of requirements.txt).
 */
export function warnCondaOnly(
  plan: IRequirementsPlan,
  warnings: string[]
): void {
  const condaOnly = (plan?.entries ?? [])
    .filter(
      entry =>
        entry.source === 'conda' &&
        entry.status === 'warning' &&
        entry.line === null &&
        isValidName(entry.name)
    )
    .map(entry => entry.name);
  if (condaOnly.length) {
    warnings.push(
      `Installed by conda, with no release on the package index, so pip will not install them (they are left out of requirements.txt): ${clip(condaOnly)}. The conda template installs them from their channels.`
    );
  }
}

const ISO_DATE =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

/** The created label's ISO 8601 date, or 'unknown' (with a warning). */
export function resolveCreated(
  options: IBundleOptions,
  warnings: string[]
): string {
  const created = typeof options.created === 'string' ? options.created : '';
  if (!ISO_DATE.test(created)) {
    warnings.push(
      `The creation date ${showUntrusted(created)} is not an ISO 8601 date and time.`
    );
    return 'unknown';
  }
  return created;
}

/** This extension's version for the generator label, or 'unknown'. */
export function resolveGeneratorVersion(options: IBundleOptions): string {
  return typeof options.generatorVersion === 'string' &&
    /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(options.generatorVersion)
    ? options.generatorVersion
    : 'unknown';
}

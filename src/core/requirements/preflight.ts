/**
 * The pre-flight: before a download or a build, every selected requirement is resolved by
 * the server with pip's own resolver for the image's Python (full X.Y.Z) and platform
 * (POST jupyterlab-dockerize/preflight). This module builds that request from the
 * requirements plan, checks the answer against the contract, and says what the answer
 * means for the table: a verdict per package, what to untick, and which imported
 * distributions will be missing from the image. Pure: no DOM, no fetch.
 */
import { IPreflightRequest, IPreflightRequirement } from '../contract/requests';
import { DEFAULT_PLATFORM, PLATFORMS } from '../contract/constants';
import { ContractError } from '../contract/errors';
import { IRequirementsPlan } from './requirementsPlan';
import { mayHaveCompiler, templateById } from '../templates';
import { JUPYTERLAB_VERSION, NOTEBOOK_VERSION } from '../bundle/dockerfile';
import { ITranslate, plainTranslate } from '../shared/text';
import { IPylockInput, IPylockPackage } from '../bundle/pylock';
import { normalizeName } from '../environment/pep508';

export type PreflightStatus =
  'ok' | 'source-only' | 'unavailable' | 'conflict' | 'refused';

export const PREFLIGHT_STATUSES: readonly PreflightStatus[] = [
  'ok',
  'source-only',
  'unavailable',
  'conflict',
  'refused'
];

/** The server checks at most this many requirements in one request. */
export const PREFLIGHT_MAX_REQUIREMENTS = 2000;

/** The server's verdict on one requested line. */
export interface IPreflightPackage {
  name: string;
  line: string;
  status: PreflightStatus;
  version: string | null;
  file: string | null;
  reason: string;
  action: string;
}

export interface IPreflightDependency {
  name: string;
  version: string;
  file: string;
}

/** A distribution pip resolved that has no http(s) URL a colleague reaches. */
export interface IPreflightUnlocked {
  name: string;
  version: string;
  reason: string;
}

export interface IPreflightResponse {
  python: string;
  platform: string;
  /** One per request entry, in the same order. */
  packages: IPreflightPackage[];
  dependencies: IPreflightDependency[];
  /**
   * The full resolution (dependencies included) for this Python and platform: each
   * file's http(s) URL on the index and its sha256 (for pylock.toml). Absent from older
   * servers.
   */
  resolution?: IPylockPackage[];
  /** Resolved distributions left out of `resolution`, and why. */
  unlocked?: IPreflightUnlocked[];
  /** How many entries the server answered from its cache. */
  cached: number;
  elapsedMs: number;
}

/** The image the packages must install into. */
export interface IPreflightTarget {
  python: string;
  platform: string;
  binaryOnly: boolean;
}

export interface IPreflightTargetInput {
  /** The form's Python version ('' for the kernel's). */
  formPython: string;
  /** The kernel's Python version, as captured (X.Y.Z). */
  kernelPython: string;
  /** The bundle's template. */
  template: string;
  /** The kernel's machine type (x86_64, aarch64, …), for the platform. */
  machine: string;
  /** A platform chosen explicitly (linux/amd64 or linux/arm64), if any. */
  platform?: string | null;
}

const FULL_VERSION = /^3\.\d{1,2}\.\d{1,3}$/;
const MINOR_VERSION = /^3\.\d{1,2}$/;

/**
 * The Python, platform and binary-only flag the image will have, or why the check cannot
 * run. The form's X.Y.Z wins; an X.Y that is the kernel's minor means the kernel's full
 * version (the image's tag is made from it); another X.Y has no known patch release, and
 * pip would read it as X.Y.0, so the user is asked for the full version instead.
 */
export function preflightTarget(
  input: IPreflightTargetInput,
  trans: ITranslate = plainTranslate
): { target: IPreflightTarget } | { reason: string } {
  const form = input.formPython.trim();
  const kernel = input.kernelPython.trim();
  let python: string | null = null;
  if (FULL_VERSION.test(form)) {
    python = form;
  } else if (MINOR_VERSION.test(form)) {
    if (FULL_VERSION.test(kernel) && kernel.startsWith(`${form}.`)) {
      python = kernel;
    } else {
      return {
        reason: trans.__(
          'Packages are checked for a full Python version: write %1.X (e.g. %1.4) in the Python version field.',
          form
        )
      };
    }
  } else if (!form && FULL_VERSION.test(kernel)) {
    python = kernel;
  }
  if (!python) {
    return {
      reason: trans.__(
        'The image’s Python version is not known, so the packages cannot be checked.'
      )
    };
  }
  const machine = input.machine.trim().toLowerCase();
  const platform =
    input.platform && (PLATFORMS as readonly string[]).includes(input.platform)
      ? input.platform
      : machine === 'aarch64' || machine === 'arm64'
        ? 'linux/arm64'
        : DEFAULT_PLATFORM;
  return {
    target: {
      python,
      platform,
      binaryOnly: !mayHaveCompiler(input.template)
    }
  };
}

/** A vendored project or a bundle-local wheel: its line names a path in the bundle. */
function isBundleLocal(line: string): boolean {
  return line.startsWith('./');
}

/**
 * The request for the plan's selected lines (every entry with a line), in plan order;
 * then `extra` name==version pins the image installs besides them (the Jupyter that
 * serves the notebook), so the resolution, and the lock made from it, has them too.
 */
export function preflightRequest(
  plan: IRequirementsPlan,
  target: IPreflightTarget,
  extra: readonly string[] = []
): IPreflightRequest {
  const requirements: IPreflightRequirement[] = [];
  for (const entry of plan.entries) {
    if (entry.line === null) {
      continue;
    }
    const requirement: IPreflightRequirement = {
      name: entry.name,
      line: entry.line
    };
    if (isBundleLocal(entry.line) && entry.workspacePath) {
      requirement.workspacePath = entry.workspacePath;
    }
    requirements.push(requirement);
  }
  const listed = new Set(requirements.map(item => normalizeName(item.name)));
  for (const line of extra) {
    const name = PIN.exec(line)?.[1];
    if (name && !listed.has(normalizeName(name))) {
      listed.add(normalizeName(name));
      requirements.push({ name: normalizeName(name), line });
    }
  }
  return { ...target, requirements };
}

/**
 * The Jupyter the image installs besides the plan (as generateBundle adds it to the
 * install line), for preflightRequest's `extra`: so the resolution, and pylock.toml,
 * hold it. [] where the template's base image or install file brings Jupyter.
 */
export function jupyterExtraPins(templateId: string, ui: string): string[] {
  if (templateById(templateId)?.jupyter !== 'install-line') {
    return [];
  }
  return [
    ui === 'notebook'
      ? `notebook==${NOTEBOOK_VERSION}`
      : `jupyterlab==${JUPYTERLAB_VERSION}`
  ];
}

/** A `name==version` line (extras allowed, no marker): what the index resolves. */
const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*[^\s;@]+$/;

/** A key that is equal for two requests exactly when they ask the same. */
export function preflightKey(request: IPreflightRequest): string {
  return JSON.stringify([
    request.python,
    request.platform,
    request.binaryOnly,
    request.requirements.map(r => [r.name, r.line, r.workspacePath ?? null])
  ]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

/**
 * The server's answer, checked against the contract: one package per request entry, in
 * order, each with a known status. Anything else is a ContractError (an internal error,
 * never a verdict on a package).
 */
export function parsePreflightResponse(
  body: unknown,
  request: IPreflightRequest
): IPreflightResponse {
  if (!isRecord(body) || !Array.isArray(body.packages)) {
    throw new ContractError('the pre-flight answer has no packages list');
  }
  if (body.packages.length !== request.requirements.length) {
    throw new ContractError(
      `the pre-flight answered ${body.packages.length} packages for ${request.requirements.length} requirements`
    );
  }
  const packages = body.packages.map((item, index): IPreflightPackage => {
    const asked = request.requirements[index];
    if (
      !isRecord(item) ||
      !PREFLIGHT_STATUSES.includes(item.status as PreflightStatus)
    ) {
      throw new ContractError(
        `the pre-flight verdict for ${asked.name} has no known status`
      );
    }
    return {
      name: asked.name,
      line: stringOr(item.line, asked.line),
      status: item.status as PreflightStatus,
      version: stringOr(item.version, null),
      file: stringOr(item.file, null),
      reason: stringOr(item.reason, ''),
      action: stringOr(item.action, '')
    };
  });
  const dependencies = (
    Array.isArray(body.dependencies) ? body.dependencies : []
  )
    .filter(isRecord)
    .map(item => ({
      name: stringOr(item.name, ''),
      version: stringOr(item.version, ''),
      file: stringOr(item.file, '')
    }))
    .filter(item => item.name);
  const resolution = (Array.isArray(body.resolution) ? body.resolution : [])
    .filter(isRecord)
    .map(item => ({
      name: stringOr(item.name, ''),
      version: stringOr(item.version, ''),
      url: stringOr(item.url, ''),
      sha256: stringOr(item.sha256, '')
    }))
    .filter(item => item.name);
  const unlocked = (Array.isArray(body.unlocked) ? body.unlocked : [])
    .filter(isRecord)
    .map(item => ({
      name: stringOr(item.name, ''),
      version: stringOr(item.version, ''),
      reason: stringOr(item.reason, '')
    }))
    .filter(item => item.name);
  return {
    python: stringOr(body.python, request.python),
    platform: stringOr(body.platform, request.platform),
    packages,
    dependencies,
    resolution,
    unlocked,
    cached: typeof body.cached === 'number' ? body.cached : 0,
    elapsedMs: typeof body.elapsedMs === 'number' ? body.elapsedMs : 0
  };
}

/**
 * Whether the image cannot install this package: unavailable, refused by the server's
 * policy, or only an sdist where the image has no compiler. A conflict is not one: each
 * package installs alone, and which one to drop is the user's choice.
 */
export function cannotInstall(
  verdict: IPreflightPackage,
  binaryOnly: boolean
): boolean {
  return (
    verdict.status === 'unavailable' ||
    verdict.status === 'refused' ||
    (verdict.status === 'source-only' && binaryOnly)
  );
}

/** Verdicts that need the user's eye (everything but ok). */
export function problemVerdicts(
  response: IPreflightResponse
): IPreflightPackage[] {
  return response.packages.filter(verdict => verdict.status !== 'ok');
}

/** The words the table shows for a verdict's status. */
export function preflightStatusLabel(
  status: PreflightStatus,
  trans: ITranslate = plainTranslate
): string {
  switch (status) {
    case 'ok':
      return trans.__('installs');
    case 'source-only':
      return trans.__('source only');
    case 'unavailable':
      return trans.__('unavailable');
    case 'conflict':
      return trans.__('conflict');
    case 'refused':
      return trans.__('refused');
  }
}

/** The action a verdict offers, with a default where the server gave none. */
export function verdictAction(
  verdict: IPreflightPackage,
  binaryOnly: boolean,
  trans: ITranslate = plainTranslate
): string {
  if (verdict.action) {
    return verdict.action;
  }
  switch (verdict.status) {
    case 'ok':
      return '';
    case 'source-only':
      return binaryOnly
        ? trans.__(
            'Untick it, or choose a template with a compiler (a custom base image), or pin a version that has a wheel.'
          )
        : '';
    case 'unavailable':
      return trans.__(
        'Untick it, or include the package in the bundle (vendor it or its wheel).'
      );
    case 'conflict':
      return trans.__(
        'Untick one of the packages it conflicts with, or capture again after fixing the environment.'
      );
    case 'refused':
      return trans.__('Untick it; the server does not install this line.');
  }
}

/** Why a distribution the notebook imports will not be in the image. */
export interface ILeftOutImport {
  name: string;
  /** The plan's or the pre-flight's reason. */
  reason: string;
}

/**
 * The distributions the notebook imports that the image will not have: no line in the
 * plan (unticked, a warning row, a local install that cannot travel), or a line the
 * pre-flight says cannot be installed. `verdicts` are the latest verdicts by name.
 */
export function leftOutImports(
  plan: IRequirementsPlan,
  imported: readonly string[],
  verdicts: ReadonlyMap<string, IPreflightPackage>,
  binaryOnly: boolean
): ILeftOutImport[] {
  const byName = new Map(plan.entries.map(entry => [entry.name, entry]));
  const result: ILeftOutImport[] = [];
  for (const name of [...new Set(imported)].sort()) {
    const entry = byName.get(name);
    if (!entry) {
      continue;
    }
    const verdict = verdicts.get(name);
    if (entry.line === null) {
      const failed =
        verdict && cannotInstall(verdict, binaryOnly) ? verdict : null;
      result.push({ name, reason: failed?.reason || entry.reason });
    } else if (
      verdict &&
      verdict.line === entry.line &&
      cannotInstall(verdict, binaryOnly)
    ) {
      result.push({ name, reason: verdict.reason });
    }
  }
  return result;
}

// --- several platforms ---------------------------------------------------------------------

/** The check of one platform: what was asked and what the server answered. */
export interface IPlatformCheck {
  request: IPreflightRequest;
  response: IPreflightResponse;
}

/**
 * One verdict per request entry over all platforms: the first platform's where the
 * package installs everywhere; else the first platform where it cannot, its reason
 * prefixed with that platform when there are several.
 */
export function mergedVerdicts(
  checks: readonly IPlatformCheck[],
  trans: ITranslate = plainTranslate
): IPreflightPackage[] {
  if (!checks.length) {
    return [];
  }
  return checks[0].response.packages.map((first, index) => {
    for (const check of checks) {
      const verdict = check.response.packages[index];
      if (verdict && verdict.status !== 'ok') {
        return checks.length > 1
          ? {
              ...verdict,
              reason: trans.__(
                'For %1: %2',
                check.request.platform,
                verdict.reason
              )
            }
          : verdict;
      }
    }
    return first;
  });
}

/** The request entries (by index) that cannot install on `check`'s platform. */
function failing(check: IPlatformCheck): Set<number> {
  const found = new Set<number>();
  check.response.packages.forEach((verdict, index) => {
    if (cannotInstall(verdict, check.request.binaryOnly)) {
      found.add(index);
    }
  });
  return found;
}

/** Packages that cannot install on every platform checked (unticking them helps all). */
export function failingEverywhere(
  checks: readonly IPlatformCheck[]
): IPreflightPackage[] {
  if (!checks.length) {
    return [];
  }
  const sets = checks.map(failing);
  return [...sets[0]]
    .filter(index => sets.every(set => set.has(index)))
    .map(index => checks[0].response.packages[index]);
}

/** A platform where packages cannot install that another platform installs. */
export interface IPlatformFailure {
  platform: string;
  verdicts: IPreflightPackage[];
}

/**
 * Per platform, the packages that cannot install there but do install on another chosen
 * platform: the image could be built for one platform and not the other, so the build
 * waits until they are unticked or the platform is dropped. Empty for one platform.
 */
export function platformFailures(
  checks: readonly IPlatformCheck[]
): IPlatformFailure[] {
  const sets = checks.map(failing);
  const result: IPlatformFailure[] = [];
  checks.forEach((check, position) => {
    const only = [...sets[position]].filter(index =>
      sets.some(set => !set.has(index))
    );
    if (only.length) {
      result.push({
        platform: check.request.platform,
        verdicts: only.map(index => check.response.packages[index])
      });
    }
  });
  return result;
}

/** Why the build cannot start for these platforms (naming each failing one), or null. */
export function platformBlock(
  checks: readonly IPlatformCheck[],
  trans: ITranslate = plainTranslate
): string | null {
  const failures = platformFailures(checks);
  if (!failures.length) {
    return null;
  }
  const failed = new Set(failures.map(failure => failure.platform));
  const others = checks
    .map(check => check.request.platform)
    .filter(platform => !failed.has(platform));
  const parts = failures.map(failure =>
    trans.__(
      '%1 cannot install %2 (%3)',
      failure.platform,
      failure.verdicts.map(verdict => verdict.name).join(', '),
      failure.verdicts.map(verdict => verdict.reason).join(' ')
    )
  );
  return trans.__(
    'Not built: %1. Untick %2, or build for %3 only.',
    parts.join('; '),
    failures.length === 1 && failures[0].verdicts.length === 1
      ? trans.__('it')
      : trans.__('them'),
    others.join(', ') || trans.__('another platform')
  );
}

/**
 * The pylock.toml input made from every platform's check, or why there is none: each
 * platform's resolution must hold every pinned line (all installing) and no file that
 * only this server reaches.
 */
export function pylockInputOf(
  checks: readonly IPlatformCheck[],
  trans: ITranslate = plainTranslate
): { lock: IPylockInput } | { reason: string } {
  if (!checks.length) {
    return { reason: trans.__('The packages have not been checked.') };
  }
  for (const { request, response } of checks) {
    const platform = request.platform;
    const unlocked = response.unlocked ?? [];
    if (unlocked.length) {
      return {
        reason: trans.__(
          'No lock for %1: %2',
          platform,
          unlocked
            .map(item => `${item.name} ${item.version}: ${item.reason}`)
            .join(' ')
        )
      };
    }
    const resolved = new Set(
      (response.resolution ?? []).map(item => normalizeName(item.name))
    );
    for (const verdict of response.packages) {
      const pin = PIN.exec(verdict.line);
      if (!pin) {
        continue;
      }
      if (verdict.status !== 'ok') {
        return {
          reason: trans.__('%1 does not install on %2.', verdict.name, platform)
        };
      }
      if (!resolved.has(normalizeName(pin[1]))) {
        return {
          reason: trans.__(
            'The resolution for %1 does not hold %2.',
            platform,
            verdict.name
          )
        };
      }
    }
  }
  return {
    lock: {
      python: checks[0].request.python,
      resolutions: checks.map(({ request, response }) => ({
        platform: request.platform,
        packages: response.resolution ?? []
      }))
    }
  };
}

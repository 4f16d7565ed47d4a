/**
 * "Reproduced: N of N": the packages the user selected (the requirement lines of the plan)
 * against the distributions the built image reports (the same capture snippet, run in
 * the image). Each selected package must be there with the version its line asks for:
 * the pin of a `name==version` line, the captured version for a VCS or vendored project.
 */
import {
  normalizeName,
  parseRequirementsLine,
  sameVersion
} from '../environment/pep508';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../environment/snapshot';

export interface IMismatch {
  name: string;
  expected: string;
  /** The version in the image, or null when the image lacks the package. */
  found: string | null;
}

export interface IReproduction {
  /** Selected packages (requirement lines of the plan). */
  total: number;
  reproduced: number;
  /** Sorted by name. */
  mismatches: IMismatch[];
  /** Distributions in the image that the plan does not list (installers, Jupyter, …). */
  extraInImage: number;
}

/** The version a plan line pins (`name==X`), or null for URLs, paths and ranges. */
export function pinnedVersion(line: string): string | null {
  const parsed = parseRequirementsLine(line);
  if (parsed.kind !== 'requirement' || parsed.requirement.url) {
    return null;
  }
  const pins = parsed.requirement.specifiers.filter(
    spec => spec.op === '==' || spec.op === '==='
  );
  return pins.length === 1 ? pins[0].version : null;
}

/**
 * What a verification compares: a selected package, its requirement line and the captured
 * version. Small and plain JSON, so a session keeps it with the job across a reload.
 */
export interface ISelectedPackage {
  name: string;
  line: string;
  version: string;
}

/** The packages a plan selects (its requirement lines). */
export function selectedPackages(plan: IRequirementsPlan): ISelectedPackage[] {
  const selected: ISelectedPackage[] = [];
  for (const entry of plan.entries) {
    if (entry.line !== null) {
      selected.push({
        name: entry.name,
        line: entry.line,
        version: entry.version
      });
    }
  }
  return selected;
}

export function compareWithImage(
  plan: IRequirementsPlan,
  image: IEnvironmentSnapshot
): IReproduction {
  return compareSelected(selectedPackages(plan), image);
}

/** compareWithImage for the selection alone (what a reloaded page still has). */
export function compareSelected(
  packages: readonly ISelectedPackage[],
  image: IEnvironmentSnapshot
): IReproduction {
  const inImage = new Map<string, string>();
  for (const dist of image.distributions) {
    inImage.set(normalizeName(dist.name), dist.version);
  }
  const selected = new Set<string>();
  const mismatches: IMismatch[] = [];
  let reproduced = 0;
  for (const entry of packages) {
    const name = normalizeName(entry.name);
    selected.add(name);
    const expected = pinnedVersion(entry.line) ?? entry.version;
    const found = inImage.get(name) ?? null;
    if (found !== null && sameVersion(found, expected)) {
      reproduced++;
    } else {
      mismatches.push({ name, expected, found });
    }
  }
  mismatches.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const extraInImage = [...inImage.keys()].filter(
    name => !selected.has(name)
  ).length;
  return { total: selected.size, reproduced, mismatches, extraInImage };
}

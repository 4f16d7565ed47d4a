import { normalizeName } from '../environment/pep508';
import { IDistribution } from '../environment/snapshot';

/** A distribution as the capture reports one installed from an index, with overrides. */
export function distributionIn(
  location: string,
  displayName: string,
  version: string,
  more: Partial<IDistribution> = {}
): IDistribution {
  return {
    name: normalizeName(displayName),
    displayName,
    version,
    installer: 'pip',
    requires: [],
    topLevel: [],
    directUrl: null,
    location,
    ...more
  };
}

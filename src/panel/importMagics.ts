/**
 * What the panel says about imports that only a magic or shell line needs
 * (`%matplotlib inline`, `%load_ext sql`): "matplotlib (for %matplotlib inline)". Pure.
 */
import { IResolvedImport } from '../core/imports/importResolution';
import { ITranslate, plainTranslate } from '../core/shared/text';

/**
 * For each normalized distribution name, the magic that needs it, where only magics do:
 * a distribution that an import statement also needs gets none (the import says enough).
 */
export function magicsByDistribution(
  resolved: readonly IResolvedImport[]
): Map<string, string> {
  const imported = new Set<string>();
  const magics = new Map<string, string>();
  for (const item of resolved) {
    for (const distribution of item.distributions) {
      if (item.magic === undefined) {
        imported.add(distribution);
      } else if (!magics.has(distribution)) {
        magics.set(distribution, item.magic);
      }
    }
  }
  imported.forEach(distribution => magics.delete(distribution));
  return magics;
}

/** "(for %matplotlib inline)", or '' without a magic. */
export function magicNote(
  magic: string | undefined,
  trans: ITranslate = plainTranslate
): string {
  return magic ? trans.__('(for %1)', magic) : '';
}

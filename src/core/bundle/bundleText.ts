/** Small text helpers of the bundle: order, unique sorted values, name lists (untrusted values: text.ts showUntrusted). */

/** Code-point order, the same in every locale. */
export const order = (a: string, b: string): number =>
  a < b ? -1 : a > b ? 1 : 0;

export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(order);
}

/** Names for a sentence: the first few, then how many more. */
export function clip(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

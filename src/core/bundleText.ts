/** Small text helpers of the bundle: order, untrusted values in warnings, name lists. */

/** Code-point order, the same in every locale. */
export const order = (a: string, b: string): number =>
  a < b ? -1 : a > b ? 1 : 0;

export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(order);
}

/** An untrusted value for a warning: printable ASCII, clipped, in backticks. */
export function show(value: string, max = 60): string {
  const chars = [...value];
  let text = '';
  for (const char of chars.slice(0, max)) {
    const code = char.codePointAt(0) ?? 0;
    text +=
      code >= 0x20 && code < 0x7f && char !== '`'
        ? char
        : `\\u{${code.toString(16)}}`;
  }
  return `\`${text}${chars.length > max ? '...' : ''}\``;
}

/** Names for a sentence: the first few, then how many more. */
export function clip(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

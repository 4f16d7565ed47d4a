/** Small checks on untrusted values, shared by the parsers and the generators. */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** C0/C1 controls, DEL and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The text with every control character (newline, CR, NUL, …) removed. */
export function stripControls(text: string): string {
  return text.replace(LINE_BREAKING, '');
}

/** True when the text has a control character or a Unicode line separator. */
export function hasControls(text: string): boolean {
  return stripControls(text) !== text;
}

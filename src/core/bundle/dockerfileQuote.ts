/**
 * Validation and quoting of values written into a Dockerfile (and the other text files of
 * a bundle). Everything here returns one line: no value can add an instruction, a parser
 * directive or a continuation.
 */

import { stripControls } from '../shared/guards';

/**
 * A double-quoted word for LABEL and ENV (which expand `$` variables): controls removed,
 * then `\`, `"` and `$` escaped with the Dockerfile escape character, the only escapes
 * the builder's double-quote lexer applies.
 */
export function dockerQuoted(value: string): string {
  return `"${stripControls(value).replace(/[\\"$]/g, char => `\\${char}`)}"`;
}

/**
 * A single-quoted POSIX shell word: everything inside is literal (no `$`, backquote or
 * backslash expansion); a `'` is closed, escaped and reopened. The value must have no
 * control character (callers refuse those): a newline would still be literal, but would
 * split the line a reader sees.
 */
export function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** A JSON string (exec-form arrays, JSON-form COPY and VOLUME); ASCII only. */
export function jsonString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

/** A JSON array for exec and JSON forms: `["a", "b"]`. */
export function jsonArray(values: readonly string[]): string {
  return `[${values.map(jsonString).join(', ')}]`;
}

/**
 * A comment line: printable ASCII only (anything else becomes `?`), never shaped like a
 * parser directive (`# key=value`).
 */
export function dockerComment(text: string): string {
  const ascii = stripControls(text).replace(/[^\x20-\x7e]/g, '?');
  const line = `# ${ascii}`.trimEnd();
  return /^#\s*[A-Za-z_-]+\s*=/.test(line) ? `# - ${ascii}`.trimEnd() : line;
}

/** Environment variable names as POSIX shells and the builder accept them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Debian's package name grammar (policy 5.6.1), at most 100 characters. */
export const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]{1,99}$/;

/** An absolute, normalized path of plain segments: no `.`/`..`, no doubled or trailing `/`. */
export function isCleanAbsolutePath(path: string): boolean {
  if (path.length > 255 || !/^(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/.test(path)) {
    return false;
  }
  return path
    .split('/')
    .slice(1)
    .every(part => part !== '.' && part !== '..');
}

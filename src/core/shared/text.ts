export interface ITextPart {
  text: string;
  code: boolean;
}

/**
 * Splits a server message into plain and `code` parts. A backtick without a partner
 * stays literal, so no text is ever lost.
 */
export function splitCode(message: string): ITextPart[] {
  const pieces = message.split('`');
  const parts: ITextPart[] = [];
  pieces.forEach((text, index) => {
    const paired = index % 2 === 1 && index < pieces.length - 1;
    if (paired) {
      parts.push({ text, code: true });
    } else {
      const literal = index % 2 === 1 ? `\`${text}` : text;
      const last = parts[parts.length - 1];
      if (last && !last.code) {
        last.text += literal;
      } else if (literal) {
        parts.push({ text: literal, code: false });
      }
    }
  });
  return parts;
}

/** Just the `__` of a TranslationBundle, so that tests need no JupyterLab. */
export interface ITranslate {
  __(msgid: string, ...args: (string | number)[]): string;
}

/** %1, %2… replaced as JupyterLab's null translator does. */
export const plainTranslate: ITranslate = {
  __: (msgid, ...args) =>
    msgid.replace(/%(\d+)/g, (match, n: string) =>
      args[Number(n) - 1] !== undefined ? String(args[Number(n) - 1]) : match
    )
};

/** Printable ASCII kept; anything else becomes a \x / \u / \U escape (Python's style). */
export function escapeNonAscii(text: string): string {
  let result = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f) {
      result += char;
    } else if (code < 0x100) {
      result += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code < 0x10000) {
      result += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      result += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return result;
}

/**
 * An untrusted value for a sentence: clipped to `max` characters ("..." when clipped),
 * every control and non-ASCII character escaped, backticks turned into quotes, and the
 * whole in backticks so that splitCode shows it as code. One line, always.
 */
export function showUntrusted(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  const characters = [...text];
  const clipped = characters.slice(0, max).join('');
  const safe = escapeNonAscii(clipped).replace(/`/g, "'");
  return `\`${safe}${characters.length > max ? '...' : ''}\``;
}

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

/**
 * Terminal escape codes in build logs (pip, uv and apt colour their output): parsed into
 * plain text segments with the colour and weight they ask for, so the log view shows
 * colours instead of `\u001b[31m` and Copy gives clean text. Pure, no DOM.
 */

/** The eight basic colours; 'bright-*' variants are the same hue, lighter. */
export type AnsiColor =
  | 'black'
  | 'red'
  | 'green'
  | 'yellow'
  | 'blue'
  | 'magenta'
  | 'cyan'
  | 'white'
  | 'bright-black'
  | 'bright-red'
  | 'bright-green'
  | 'bright-yellow'
  | 'bright-blue'
  | 'bright-magenta'
  | 'bright-cyan'
  | 'bright-white';

export interface IAnsiStyle {
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  fg?: AnsiColor;
  bg?: AnsiColor;
}

/** A run of text in one style. */
export interface IAnsiSegment {
  text: string;
  style: IAnsiStyle;
}

const BASIC: readonly AnsiColor[] = [
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white'
];

/**
 * CSI sequences (ESC [ params final), OSC sequences (ESC ] … BEL or ESC \), the C1 CSI
 * byte, and the other two-byte escapes. Group 1 holds a CSI's parameters, group 2 its
 * final byte.
 */
const ESCAPE =
  // eslint-disable-next-line no-control-regex
  /(?:\u001b\[|\u009b)([0-?]*)[ -/]*([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?/g;

/**
 * What a terminal shows of a line with carriage returns: the text after the last one
 * (progress bars redraw the line). A CR at the very end (CRLF) changes nothing.
 */
function afterCarriageReturn(line: string): string {
  const trimmed = line.replace(/\r+$/, '');
  const at = trimmed.lastIndexOf('\r');
  return at < 0 ? trimmed : trimmed.slice(at + 1);
}

/** Applies one SGR parameter list (e.g. "1;31") to a style; returns the new style. */
function applySgr(style: IAnsiStyle, params: string): IAnsiStyle {
  const codes = params === '' ? [0] : params.split(';').map(p => Number(p));
  let next: IAnsiStyle = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0 || Number.isNaN(code)) {
      next = {};
    } else if (code === 1) {
      next.bold = true;
    } else if (code === 2) {
      next.dim = true;
    } else if (code === 3) {
      next.italic = true;
    } else if (code === 4) {
      next.underline = true;
    } else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) {
      delete next.italic;
    } else if (code === 24) {
      delete next.underline;
    } else if (code >= 30 && code <= 37) {
      next.fg = BASIC[code - 30];
    } else if (code === 39) {
      delete next.fg;
    } else if (code >= 40 && code <= 47) {
      next.bg = BASIC[code - 40];
    } else if (code === 49) {
      delete next.bg;
    } else if (code >= 90 && code <= 97) {
      next.fg = `bright-${BASIC[code - 90]}` as AnsiColor;
    } else if (code >= 100 && code <= 107) {
      next.bg = `bright-${BASIC[code - 100]}` as AnsiColor;
    } else if (code === 38 || code === 48) {
      // 256-colour and true-colour forms: skip their arguments, keep the default colour.
      i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 1;
    }
  }
  return next;
}

function sameStyle(a: IAnsiStyle, b: IAnsiStyle): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (a[key as keyof IAnsiStyle] !== b[key as keyof IAnsiStyle]) {
      return false;
    }
  }
  return true;
}

/**
 * One log line as styled segments: colour codes (SGR) applied, every other escape
 * sequence dropped, carriage returns resolved, other control characters (except tab)
 * removed. `start` is the style carried over from earlier lines; the style at the end of
 * the line is returned with the segments, for the next line.
 */
export function ansiSegments(
  line: string,
  start: IAnsiStyle = {}
): { segments: IAnsiSegment[]; end: IAnsiStyle } {
  const text = afterCarriageReturn(line);
  const segments: IAnsiSegment[] = [];
  let style: IAnsiStyle = start;
  const push = (chunk: string) => {
    // eslint-disable-next-line no-control-regex
    const clean = chunk.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');
    if (!clean) {
      return;
    }
    const last = segments[segments.length - 1];
    if (last && sameStyle(last.style, style)) {
      last.text += clean;
    } else {
      segments.push({ text: clean, style });
    }
  };
  let at = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(text); match; match = ESCAPE.exec(text)) {
    push(text.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === 'm') {
      style = applySgr(style, match[1] ?? '');
    }
    if (match[0].length === 0) {
      ESCAPE.lastIndex++;
    }
  }
  push(text.slice(at));
  return { segments, end: style };
}

/** The text of a line as a terminal would show it, without any escape codes. */
export function stripAnsi(line: string): string {
  return ansiSegments(line)
    .segments.map(segment => segment.text)
    .join('');
}

/** Every line of a multi-line text stripped (for Copy log). */
export function stripAnsiText(text: string): string {
  return text.split('\n').map(stripAnsi).join('\n');
}

/** CSS class names of a style (jp-Dockerize-ansi-*), for the log view. */
export function ansiClasses(style: IAnsiStyle): string {
  const classes: string[] = [];
  if (style.bold) {
    classes.push('jp-Dockerize-ansi-bold');
  }
  if (style.dim) {
    classes.push('jp-Dockerize-ansi-dim');
  }
  if (style.italic) {
    classes.push('jp-Dockerize-ansi-italic');
  }
  if (style.underline) {
    classes.push('jp-Dockerize-ansi-underline');
  }
  if (style.fg) {
    classes.push(`jp-Dockerize-ansi-fg-${style.fg}`);
  }
  if (style.bg) {
    classes.push(`jp-Dockerize-ansi-bg-${style.bg}`);
  }
  return classes.join(' ');
}

/** Several lines in order, each line's style carried over to the next as a terminal does. */
export function ansiLines(lines: readonly string[]): IAnsiSegment[][] {
  let style: IAnsiStyle = {};
  return lines.map(line => {
    const { segments, end } = ansiSegments(line, style);
    style = end;
    return segments;
  });
}

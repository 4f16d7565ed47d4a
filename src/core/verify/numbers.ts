/**
 * Numbers inside text compared with a tolerance: two texts are equal when their words
 * (everything that is not a number) are identical, up to how much whitespace separates
 * them, and each pair of numbers in the same place is close. A number added, removed or moved, or any word changed, is a
 * difference whatever the tolerance.
 */

export interface ITolerance {
  /** Relative to the larger magnitude (as Python's math.isclose). */
  relative: number;
  /** For numbers near zero, where a relative tolerance means nothing. */
  absolute: number;
}

/**
 * A decimal number not glued to a word: "0.512", "-3", "1e-05", "2.", ".5". Digits after
 * a letter or underscore ("float64", "x1", "T_3") and after a dot ("1.26.4" → 1.26 and
 * text ".4") are part of the words and compared exactly.
 */
const NUMBER = /(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])/g;

/** A text cut into its words and its numbers: words[0] n[0] words[1] … words[k]. */
export interface ITokenisedText {
  words: string[];
  numbers: string[];
}

export function tokenise(text: string): ITokenisedText {
  const words: string[] = [];
  const numbers: string[] = [];
  let at = 0;
  NUMBER.lastIndex = 0;
  for (let match = NUMBER.exec(text); match; match = NUMBER.exec(text)) {
    words.push(text.slice(at, match.index));
    numbers.push(match[0]);
    at = match.index + match[0].length;
  }
  words.push(text.slice(at));
  return { words, numbers };
}

export function numbersClose(
  a: number,
  b: number,
  tolerance: ITolerance
): boolean {
  if (a === b) {
    return true;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    return false;
  }
  const difference = Math.abs(a - b);
  return (
    difference <= tolerance.absolute ||
    difference <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b))
  );
}

/** 1e-6 as "1e-6", 0.05 as "0.05": how a tolerance reads in a note. */
export function formatTolerance(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.001) {
    return value.toExponential().replace(/\.?0*e\+?/, 'e');
  }
  return String(value);
}

export interface ITextVerdict {
  equal: boolean;
  /** '' when equal; else one line in words. */
  note: string;
}

function shorten(text: string, length = 60): string {
  const single = text.trim();
  return single.length > length ? `${single.slice(0, length - 1)}…` : single;
}

/**
 * Words as compared: a run of spaces or line breaks counts as one space. Tables and
 * arrays pad numbers to a common width and wrap at a fixed width, so a number that
 * changes within the tolerance may shift the spaces around it; the words stay the same.
 */
function layout(words: string): string {
  return words.replace(/\s+/g, ' ');
}

/** Equal words, numbers compared with the tolerance; the pairs that are not close. */
function numbersBeyond(
  saved: ITokenisedText,
  produced: ITokenisedText,
  tolerance: ITolerance
): { wordsEqual: boolean; beyond: [string, string][] } {
  if (saved.words.length !== produced.words.length) {
    return { wordsEqual: false, beyond: [] };
  }
  for (let i = 0; i < saved.words.length; i++) {
    if (layout(saved.words[i]) !== layout(produced.words[i])) {
      return { wordsEqual: false, beyond: [] };
    }
  }
  const beyond: [string, string][] = [];
  for (let i = 0; i < saved.numbers.length; i++) {
    const a = saved.numbers[i];
    const b = produced.numbers[i];
    if (a !== b && !numbersClose(Number(a), Number(b), tolerance)) {
      beyond.push([a, b]);
    }
  }
  return { wordsEqual: true, beyond };
}

/** Where the words first differ, line by line, in words a person reads. */
function firstDifferingLine(
  saved: string,
  produced: string,
  tolerance: ITolerance
): string {
  const savedLines = saved.split('\n');
  const producedLines = produced.split('\n');
  const common = Math.min(savedLines.length, producedLines.length);
  for (let i = 0; i < common; i++) {
    const lineVerdict = numbersBeyond(
      tokenise(savedLines[i]),
      tokenise(producedLines[i]),
      tolerance
    );
    if (!lineVerdict.wordsEqual) {
      return `Text differs on line ${i + 1}: "${shorten(savedLines[i])}" → "${shorten(producedLines[i])}"`;
    }
  }
  if (savedLines.length > producedLines.length) {
    const missing = savedLines.length - producedLines.length;
    return `${missing} line${missing === 1 ? '' : 's'} missing from line ${common + 1}: "${shorten(savedLines[common])}"`;
  }
  if (producedLines.length > savedLines.length) {
    const extra = producedLines.length - savedLines.length;
    return `${extra} line${extra === 1 ? '' : 's'} more from line ${common + 1}: "${shorten(producedLines[common])}"`;
  }
  // Same lines, same words line by line: the numbers moved across lines.
  return 'Text differs: the numbers are laid out differently';
}

/**
 * Two normalised texts compared: equal when identical, or when the words match and
 * every number is within the tolerance. The note says what differs ("3 numbers differ
 * beyond 1e-6 (first: 0.512 → 0.498)", or the first line whose words differ).
 */
export function compareTextWithNumbers(
  saved: string,
  produced: string,
  tolerance: ITolerance
): ITextVerdict {
  if (saved === produced) {
    return { equal: true, note: '' };
  }
  const verdict = numbersBeyond(tokenise(saved), tokenise(produced), tolerance);
  if (!verdict.wordsEqual) {
    return {
      equal: false,
      note: firstDifferingLine(saved, produced, tolerance)
    };
  }
  if (verdict.beyond.length === 0) {
    return { equal: true, note: '' };
  }
  const [first, then] = verdict.beyond[0];
  const count = verdict.beyond.length;
  return {
    equal: false,
    note: `${count} number${count === 1 ? '' : 's'} differ${count === 1 ? 's' : ''} beyond ${formatTolerance(tolerance.relative)} (first: ${first} → ${then})`
  };
}

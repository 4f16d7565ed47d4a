/**
 * Which modules a notebook imports (issue 3, "only what the notebook imports"); which
 * distributions provide them is importResolution.ts.
 *
 * `findImports` reads the sources of a notebook's code cells the way IPython would run them:
 * a tokenizer that knows Python's strings (all prefixes, triple quotes, f-strings with nested
 * quotes as in 3.12), comments, brackets, backslash continuations and logical lines, plus the
 * IPython input syntax (magics, shell escapes, help). It is not a full parser: it finds
 * `import` and `from … import` statements wherever they may stand (any indentation, after a
 * `;`, after a compound statement's colon) and `importlib.import_module('x')` /
 * `__import__('x')` calls with a literal name.
 *
 * IPython syntax (checked against IPython's own TransformerManager):
 * - `!cmd`, `x = !cmd`, `x = %magic …`, `?obj`, `obj?`, `obj??`, and the autocall escapes
 *   `/f x`, `,f x`, `;f x` are not Python; an escape runs to the end of its physical line (a
 *   trailing backslash joins the next one), and only counts at the start of a logical line.
 * - Line magics are skipped (`%pip`, `%conda`, `%load_ext`, `%matplotlib`, …) except those
 *   whose argument is Python that runs: `%time`, `%timeit`, `%prun` and `%debug` (their
 *   options are stripped first, getopt style). What a magic or a shell line needs installed
 *   (`%matplotlib widget` → matplotlib and ipympl, `%load_ext sql` → sql, `%%cython` →
 *   Cython, `!python -m spacy …` → spacy) is recorded as an import flagged `magic`
 *   (magics.ts has the tables).
 * - A cell whose first non-blank line starts with `%%` (in column 0) is a cell magic.
 *   `%%time`, `%%timeit` (its first line, after the options, is setup code), `%%capture`,
 *   `%%prun`, `%%debug`, `%%python`, `%%python3` and `%%script python…` run their body as
 *   Python; `%%writefile x.py` / `%%file x.py` are skipped but reported as local modules
 *   written by the notebook; every other cell magic (`%%bash`, `%%html`, `%%sql`, …) skips the
 *   whole cell and is reported in `skippedCells`.
 * - `>>> ` / `... ` and `In [n]: ` prompts are stripped when the cell's first line has one.
 * - Automagic (`pip install x` without `%`) is not recognised; it never holds an import.
 *
 * Dynamic imports are listed with the static ones, flagged `dynamic`. Imports inside a `try`
 * statement are flagged `guarded` (an optional dependency or a fallback); `if TYPE_CHECKING:`
 * blocks and function bodies are not told apart. Code that is not valid Python is read
 * tolerantly: an unterminated single-quoted string ends at its line, an unclosed bracket runs
 * to the end of the cell (as Python would, before refusing the cell).
 */

import { cellMagicModules, lineMagicModules, shellModules } from './magics';

/** One top-level module the notebook imports. */
export interface IImportedModule {
  /** The top-level name: `sklearn` for `from sklearn.linear_model import X`. */
  name: string;
  /** Index of the cell (in the array given to findImports) of the first occurrence. */
  cell: number;
  /** 1-based line in that cell. A static import is preferred over an earlier dynamic one. */
  line: number;
  /** Only seen in `importlib.import_module('…')` / `__import__('…')` calls. */
  dynamic: boolean;
  /** Every occurrence stands inside a `try` statement (try/except/else/finally). */
  guarded: boolean;
  /** The dotted module paths seen, in order (`sklearn.linear_model`, `sklearn`). */
  modules: string[];
  /**
   * Set when no statement imports it and only a magic or shell line needs it: the first
   * such line, e.g. `%load_ext sql`, `%matplotlib widget`, `!python -m spacy` (magics.ts).
   */
  magic?: string;
}

/** A relative import (`from . import x`, `from ..pkg import y`): a module of the notebook's folder. */
export interface IRelativeImport {
  /** The module as written: `.`, `..pkg.mod`. */
  module: string;
  cell: number;
  line: number;
}

/** A cell that was not read as Python because of its cell magic. */
export interface ISkippedCell {
  cell: number;
  /** The cell magic's name, without `%%`. */
  magic: string;
}

export interface IImportScan {
  /** One entry per top-level name, in order of first occurrence. */
  imports: IImportedModule[];
  relative: IRelativeImport[];
  /** Modules the notebook writes itself (`%%writefile helpers.py` → `helpers`). */
  writtenModules: string[];
  skippedCells: ISkippedCell[];
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield'
]);

const COMPOUND: ReadonlySet<string> = new Set([
  'if',
  'elif',
  'else',
  'while',
  'for',
  'try',
  'except',
  'finally',
  'with',
  'def',
  'class',
  'async'
]);

const STRING_PREFIXES: ReadonlySet<string> = new Set([
  'r',
  'u',
  'b',
  'f',
  't',
  'br',
  'rb',
  'fr',
  'rf',
  'tr',
  'rt'
]);

/** Line magics whose argument is Python code, with their getopt option letters. */
const PYTHON_LINE_MAGICS: ReadonlyMap<string, string> = new Map([
  ['time', ''],
  ['timeit', 'n:r:tcp:qo'],
  ['prun', 'D:l:rs:T:q'],
  ['debug', 'b:']
]);

/** Cell magics whose body is Python code. */
const PYTHON_CELL_MAGICS: ReadonlySet<string> = new Set([
  'time',
  'timeit',
  'capture',
  'prun',
  'debug',
  'python',
  'python3'
]);

const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;
const ID_START = /^[\p{XID_Start}_]$/u;
const ID_CONTINUE = /^\p{XID_Continue}$/u;

/** Deeper nesting (f-strings in f-strings, magics in magics) is read without looking inside. */
const MAX_NESTING = 48;
const MAX_MODULES_KEPT = 20;

/** True for a Python identifier that is not a keyword (after NFKC normalisation). */
export function isPythonIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name);
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const FF = 12;
const HASH = 35;
const BACKSLASH = 92;
const BANG = 33;
const PERCENT = 37;
const QUESTION = 63;
const SQUOTE = 39;
const DQUOTE = 34;
const EQUALS = 61;
const COLON = 58;
const DOT = 46;
const SLASH = 47;
const COMMA = 44;
const SEMICOLON = 59;
const LBRACE = 123;
const RBRACE = 125;

type TokenKind = 'name' | 'op' | 'string' | 'number';

interface IToken {
  kind: TokenKind;
  text: string;
  line: number;
}

interface IBlock {
  indent: number;
  isTry: boolean;
}

function isIdStartAscii(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdContinueAscii(c: number): boolean {
  return isIdStartAscii(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Collects what the scanners find, across cells. */
class Collector {
  readonly imports = new Map<string, IImportedModule>();
  readonly relative: IRelativeImport[] = [];
  readonly written: string[] = [];
  readonly skipped: ISkippedCell[] = [];

  /** Module as written → its NFKC form, or null when it is no dotted Python name. */
  private readonly checked = new Map<string, string | null>();

  add(
    module: string,
    cell: number,
    line: number,
    dynamic: boolean,
    guarded: boolean,
    magic?: string
  ): void {
    let dotted = this.checked.get(module);
    if (dotted === undefined) {
      const parts = module.split('.').map(part => part.normalize('NFKC'));
      dotted = parts.every(isPythonIdentifier) ? parts.join('.') : null;
      this.checked.set(module, dotted);
    }
    if (dotted === null) {
      return;
    }
    const dot = dotted.indexOf('.');
    const name = dot < 0 ? dotted : dotted.slice(0, dot);
    const known = this.imports.get(name);
    if (!known) {
      this.imports.set(name, {
        name,
        cell,
        line,
        dynamic,
        guarded,
        modules: [dotted],
        ...(magic === undefined ? {} : { magic })
      });
      return;
    }
    if (magic === undefined) {
      delete known.magic;
    }
    if (known.dynamic && !dynamic) {
      known.dynamic = false;
      known.cell = cell;
      known.line = line;
    }
    known.guarded = known.guarded && guarded;
    if (
      known.modules.length < MAX_MODULES_KEPT &&
      !known.modules.includes(dotted)
    ) {
      known.modules.push(dotted);
    }
  }

  addRelative(module: string, cell: number, line: number): void {
    this.relative.push({ module, cell, line });
  }
}

/**
 * Strips getopt-style options (`spec` as in getopt: letters, `x:` takes an argument) from the
 * start of a magic's argument; returns how many characters they took.
 */
function optionsLength(text: string, spec: string): number {
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) {
      i++;
    }
    if (i >= n || text[i] !== '-' || i + 1 >= n || /\s/.test(text[i + 1])) {
      return i;
    }
    if (text[i + 1] === '-') {
      // `--` ends the options; `--breakpoint X` is %debug's long form of -b.
      let end = i + 2;
      while (end < n && !/\s/.test(text[end])) {
        end++;
      }
      const word = text.slice(i, end);
      i = end;
      if (word === '--') {
        return i;
      }
      if (word === '--breakpoint' && spec.includes('b:')) {
        while (i < n && (text[i] === ' ' || text[i] === '\t')) {
          i++;
        }
        while (i < n && !/\s/.test(text[i])) {
          i++;
        }
      }
      continue;
    }
    i++;
    while (i < n && !/\s/.test(text[i])) {
      const letter = text[i];
      const at = spec.indexOf(letter);
      if (at < 0 || letter === ':') {
        // Not an option of this magic: getopt would fail, IPython too.
        return n;
      }
      i++;
      if (spec[at + 1] === ':') {
        if (i >= n || /\s/.test(text[i])) {
          while (i < n && (text[i] === ' ' || text[i] === '\t')) {
            i++;
          }
        }
        while (i < n && !/\s/.test(text[i])) {
          i++;
        }
        break;
      }
    }
  }
}

/** Scans the Python source of one cell (or a magic's argument). */
class PythonScanner {
  private pos = 0;
  private line: number;
  /** The tokens of the current logical line: tokens[0, count), objects reused. */
  private readonly tokens: IToken[] = [];
  private count = 0;
  private maybeDynamic = false;
  private depth = 0;
  private indent = 0;
  private blocks: IBlock[] = [];
  private readonly headerKinds = new Map<number, boolean>();

  constructor(
    private readonly src: string,
    private readonly cell: number,
    firstLine: number,
    private readonly sink: Collector,
    private readonly nesting: number,
    private readonly outerGuarded: boolean
  ) {
    this.line = firstLine;
  }

  run(): void {
    const src = this.src;
    const n = src.length;
    let atStart = true;
    while (this.pos < n) {
      if (atStart) {
        atStart = !this.beginLogicalLine();
        continue;
      }
      const c = src.charCodeAt(this.pos);
      if (c === NL) {
        if (this.depth === 0) {
          this.endLogicalLine();
          atStart = true;
        }
        this.pos++;
        this.line++;
      } else if (c === SPACE || c === TAB || c === FF || c === CR) {
        this.pos++;
      } else if (c === HASH) {
        this.skipToEol();
      } else if (c === BACKSLASH) {
        if (src.charCodeAt(this.pos + 1) === NL) {
          this.pos += 2;
          this.line++;
        } else {
          this.pos++;
        }
      } else if (c === SQUOTE || c === DQUOTE) {
        const start = this.pos;
        const line = this.line;
        this.pos = this.skipString(this.pos, '', 0);
        this.push('string', src.slice(start, this.pos), line);
      } else if (isIdStartAscii(c) || c >= 128) {
        this.readName();
      } else if (
        isDigit(c) ||
        (c === DOT && isDigit(src.charCodeAt(this.pos + 1)))
      ) {
        const start = this.pos;
        while (
          this.pos < n &&
          (isIdContinueAscii(src.charCodeAt(this.pos)) ||
            src.charCodeAt(this.pos) === DOT)
        ) {
          this.pos++;
        }
        this.push('number', src.slice(start, this.pos), this.line);
      } else if (c === EQUALS) {
        atStart = this.readEquals();
      } else {
        this.readOp(c);
      }
    }
    if (!atStart) {
      this.endLogicalLine();
    }
  }

  private push(kind: TokenKind, text: string, line: number): void {
    const token = this.tokens[this.count];
    if (token) {
      token.kind = kind;
      token.text = text;
      token.line = line;
    } else {
      this.tokens.push({ kind, text, line });
    }
    this.count++;
  }

  private skipToEol(): void {
    const end = this.src.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }

  /** At the start of a line outside brackets: returns false for a blank or comment line. */
  private beginLogicalLine(): boolean {
    const src = this.src;
    const n = src.length;
    let i = this.pos;
    let indent = 0;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === SPACE || c === CR) {
        indent++;
      } else if (c === TAB) {
        indent = indent - (indent % 8) + 8;
      } else if (c === FF) {
        indent = 0;
      } else {
        break;
      }
    }
    if (i >= n) {
      this.pos = n;
      return false;
    }
    const c = src.charCodeAt(i);
    if (c === NL) {
      this.pos = i + 1;
      this.line++;
      return false;
    }
    if (c === HASH) {
      this.pos = i;
      this.skipToEol();
      return false;
    }
    if (c === BACKSLASH && src.charCodeAt(i + 1) === NL) {
      this.pos = i + 2;
      this.line++;
      return false;
    }
    this.pos = i;
    this.indent = indent;
    this.count = 0;
    this.maybeDynamic = false;
    this.depth = 0;
    if (c === BANG) {
      this.popBlocks(indent);
      this.shellLine(i);
      return false;
    }
    if (c === QUESTION || c === SLASH || c === COMMA || c === SEMICOLON) {
      this.popBlocks(indent);
      this.skipEscape();
      return false;
    }
    if (c === PERCENT) {
      this.popBlocks(indent);
      this.lineMagic(i);
      return false;
    }
    return true;
  }

  /** Skips an escaped line: to the end of the physical line, backslash continuations joined. */
  private skipEscape(): void {
    const src = this.src;
    const n = src.length;
    for (;;) {
      this.skipToEol();
      if (this.pos >= n) {
        return;
      }
      let back = this.pos - 1;
      if (src.charCodeAt(back) === CR) {
        back--;
      }
      this.pos++;
      this.line++;
      if (back < 0 || src.charCodeAt(back) !== BACKSLASH) {
        return;
      }
    }
  }

  /** Records what a magic or shell line needs, labelled with the line (first 60 characters). */
  private addMagicModules(
    modules: string[],
    line: number,
    head: string,
    args: string
  ): void {
    if (!modules.length) {
      return;
    }
    const label = `${head} ${args.replace(/\\?\r?\n/g, ' ').trim()}`
      .trim()
      .slice(0, 60);
    for (const module of modules) {
      this.sink.add(module, this.cell, line, false, this.isGuarded(), label);
    }
  }

  /** `!cmd` at `at`: skipped; a `python -m module` in it is recorded (magics.ts). */
  private shellLine(at: number): void {
    const line = this.line;
    this.pos = at;
    this.skipEscape();
    const command = this.src.slice(at + 1, this.pos);
    this.addMagicModules(shellModules(command), line, '!', command);
  }

  /** `%name args` at `at`: skipped, or its argument scanned when it is Python. */
  private lineMagic(at: number): void {
    const src = this.src;
    const line = this.line;
    let end = at + 1;
    while (end < src.length && isIdContinueAscii(src.charCodeAt(end))) {
      end++;
    }
    const name = src.slice(at + 1, end);
    this.pos = end;
    const argStart = end;
    this.skipEscape();
    this.addMagicModules(
      lineMagicModules(name, src.slice(argStart, this.pos)),
      line,
      `%${name}`,
      src.slice(argStart, this.pos)
    );
    const spec = PYTHON_LINE_MAGICS.get(name);
    if (spec === undefined || this.nesting >= MAX_NESTING) {
      return;
    }
    const arg = src.slice(argStart, this.pos);
    const skip = spec ? optionsLength(arg, spec) : 0;
    const code = arg.slice(skip);
    const lineOfCode = line + countNewlines(arg.slice(0, skip));
    new PythonScanner(
      code,
      this.cell,
      lineOfCode,
      this.sink,
      this.nesting + 1,
      this.isGuarded()
    ).run();
  }

  private readName(): void {
    const src = this.src;
    const n = src.length;
    const start = this.pos;
    let ascii = true;
    let i = this.pos;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (isIdContinueAscii(c)) {
        i++;
        continue;
      }
      if (c < 128) {
        break;
      }
      const cp = src.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      if (!(i === start ? ID_START : ID_CONTINUE).test(ch)) {
        break;
      }
      ascii = false;
      i += ch.length;
    }
    if (i === start) {
      // A character that can start no token: step over it (a whole surrogate pair).
      const cp = src.codePointAt(start) as number;
      this.pos = start + (cp > 0xffff ? 2 : 1);
      return;
    }
    this.pos = i;
    const text = src.slice(start, i);
    const next = src.charCodeAt(i);
    if (
      ascii &&
      (next === SQUOTE || next === DQUOTE) &&
      STRING_PREFIXES.has(text.toLowerCase())
    ) {
      const line = this.line;
      this.pos = this.skipString(i, text.toLowerCase(), 0);
      this.push('string', src.slice(start, this.pos), line);
      return;
    }
    if (text === '__import__' || text === 'import_module') {
      this.maybeDynamic = true;
    }
    this.push('name', ascii ? text : text.normalize('NFKC'), this.line);
  }

  /** An `=` and what follows; true when `x = !cmd` / `x = %magic` took the rest of the line. */
  private readEquals(): boolean {
    const src = this.src;
    const at = this.pos;
    if (src.charCodeAt(at + 1) === EQUALS) {
      this.pos += 2;
      this.push('op', '==', this.line);
      return false;
    }
    this.pos++;
    const previous = at > 0 ? src[at - 1] : '';
    if (previous !== '' && '=<>!+-*/%&|^@'.includes(previous)) {
      this.push('op', previous + '=', this.line);
      return false;
    }
    this.push('op', '=', this.line);
    if (this.depth !== 0) {
      return false;
    }
    let i = this.pos;
    let lines = 0;
    for (;;) {
      const c = src.charCodeAt(i);
      if (c === SPACE || c === TAB || c === FF) {
        i++;
      } else if (c === BACKSLASH && src.charCodeAt(i + 1) === NL) {
        i += 2;
        lines++;
      } else {
        break;
      }
    }
    const c = src.charCodeAt(i);
    if (c === BANG && src.charCodeAt(i + 1) !== EQUALS) {
      this.line += lines;
      this.shellLine(i);
    } else if (c === PERCENT) {
      this.line += lines;
      this.lineMagic(i);
    } else {
      return false;
    }
    this.count = 0;
    return true;
  }

  private readOp(c: number): void {
    const src = this.src;
    let text = src[this.pos];
    this.pos++;
    if (c === 40 || c === 91 || c === LBRACE) {
      this.depth++;
    } else if (c === 41 || c === 93 || c === RBRACE) {
      if (this.depth > 0) {
        this.depth--;
      }
    } else if (c === COLON && src.charCodeAt(this.pos) === EQUALS) {
      text = ':=';
      this.pos++;
    } else if (c === BANG && src.charCodeAt(this.pos) === EQUALS) {
      text = '!=';
      this.pos++;
    }
    this.push('op', text, this.line);
  }

  /**
   * Skips the string literal whose quote is at `at`; returns the index after it. A single
   * quoted string that meets the end of its line ends there (unterminated: tolerated).
   * `prefix` is the lower-cased prefix; f- and t-strings have their replacement fields read.
   */
  private skipString(at: number, prefix: string, nesting: number): number {
    const src = this.src;
    const n = src.length;
    const quote = src.charCodeAt(at);
    const triple =
      src.charCodeAt(at + 1) === quote && src.charCodeAt(at + 2) === quote;
    const formatted =
      (prefix.includes('f') || prefix.includes('t')) && nesting < MAX_NESTING;
    let i = at + (triple ? 3 : 1);
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === BACKSLASH) {
        if (src.charCodeAt(i + 1) === NL) {
          this.line++;
        }
        i += 2;
      } else if (c === quote) {
        if (!triple) {
          return i + 1;
        }
        if (
          src.charCodeAt(i + 1) === quote &&
          src.charCodeAt(i + 2) === quote
        ) {
          return i + 3;
        }
        i++;
      } else if (c === NL) {
        if (!triple) {
          return i;
        }
        this.line++;
        i++;
      } else if (formatted && c === LBRACE) {
        if (src.charCodeAt(i + 1) === LBRACE) {
          i += 2;
        } else {
          const end = this.skipField(i + 1, triple, nesting + 1);
          if (end < 0) {
            return -end;
          }
          i = end;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /**
   * Skips an f-string replacement field from just after its `{`; returns the index after its
   * `}`, or -(index) of the newline that broke a single-quoted f-string.
   */
  private skipField(at: number, triple: boolean, nesting: number): number {
    const src = this.src;
    const n = src.length;
    let depth = 0;
    let i = at;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === NL) {
        if (!triple && depth === 0) {
          return -i;
        }
        this.line++;
        i++;
      } else if (c === SQUOTE || c === DQUOTE) {
        // 3.12: a nested string may use the same quote.
        let p = i - 1;
        while (p >= at && isIdContinueAscii(src.charCodeAt(p))) {
          p--;
        }
        const word = src.slice(p + 1, i).toLowerCase();
        const prefix = STRING_PREFIXES.has(word) ? word : '';
        const end = this.skipString(i, prefix, nesting);
        if (end < n && src.charCodeAt(end) === NL && !triple) {
          const closed = src.charCodeAt(end - 1) === c && end - 1 > i;
          if (!closed) {
            return -end;
          }
        }
        i = end;
      } else if (c === 40 || c === 91 || c === LBRACE) {
        depth++;
        i++;
      } else if (c === 41 || c === 93) {
        if (depth > 0) {
          depth--;
        }
        i++;
      } else if (c === RBRACE) {
        if (depth === 0) {
          return i + 1;
        }
        depth--;
        i++;
      } else if (depth === 0 && c === COLON) {
        return this.skipFormatSpec(i + 1, triple, nesting);
      } else if (c === HASH) {
        const end = src.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (c === BACKSLASH) {
        if (src.charCodeAt(i + 1) === NL) {
          this.line++;
        }
        i += 2;
      } else {
        i++;
      }
    }
    return n;
  }

  /** The format spec of a replacement field: literal text with nested fields, up to `}`. */
  private skipFormatSpec(at: number, triple: boolean, nesting: number): number {
    const src = this.src;
    const n = src.length;
    let i = at;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === RBRACE) {
        return i + 1;
      }
      if (c === NL) {
        if (!triple) {
          return -i;
        }
        this.line++;
        i++;
      } else if (c === LBRACE) {
        const end = this.skipField(i + 1, triple, nesting + 1);
        if (end < 0) {
          return end;
        }
        i = end;
      } else {
        i++;
      }
    }
    return n;
  }

  private popBlocks(indent: number): void {
    const blocks = this.blocks;
    while (blocks.length > 0 && blocks[blocks.length - 1].indent >= indent) {
      blocks.pop();
    }
  }

  private isGuarded(): boolean {
    return this.outerGuarded || this.blocks.some(block => block.isTry);
  }

  private endLogicalLine(): void {
    const tokens = this.tokens;
    const count = this.count;
    this.count = 0;
    if (count === 0) {
      return;
    }
    const last = tokens[count - 1];
    if (last.kind === 'op' && last.text === '?') {
      return; // `obj?`, `obj??`: help, the whole line.
    }
    const indent = this.indent;
    this.popBlocks(indent);
    const guarded = this.isGuarded();
    const first = tokens[0];
    let header = false;
    let isTry = false;
    if (first.kind === 'name') {
      const word = first.text;
      if (COMPOUND.has(word)) {
        header = true;
      } else if (
        (word === 'match' || word === 'case') &&
        count > 2 &&
        !(
          tokens[1].kind === 'op' &&
          ['=', '.', ':', ',', ')', ']', '}'].includes(tokens[1].text)
        )
      ) {
        header = true;
      }
      if (header) {
        isTry =
          word === 'try' ||
          word === 'except' ||
          word === 'finally' ||
          (word === 'else' && this.headerKinds.get(indent) === true);
        if (word !== 'else') {
          this.headerKinds.set(indent, isTry);
        }
      }
    }
    let start = 0;
    let depth = 0;
    let lambdas = 0;
    let inHeader = header;
    let statementGuarded = guarded;
    for (let k = 0; k < count; k++) {
      const token = tokens[k];
      if (token.kind === 'op') {
        const text = token.text;
        if (text === '(' || text === '[' || text === '{') {
          depth++;
        } else if (text === ')' || text === ']' || text === '}') {
          depth = depth > 0 ? depth - 1 : 0;
        } else if (depth === 0 && text === ';') {
          this.statement(tokens, start, k, statementGuarded);
          start = k + 1;
        } else if (depth === 0 && text === ':' && inHeader) {
          if (lambdas > 0) {
            lambdas--;
          } else {
            inHeader = false;
            start = k + 1;
            statementGuarded = guarded || isTry;
            if (k === count - 1) {
              this.blocks.push({ indent, isTry });
            }
          }
        }
      } else if (
        token.kind === 'name' &&
        depth === 0 &&
        token.text === 'lambda'
      ) {
        lambdas++;
      }
    }
    if (!inHeader) {
      this.statement(tokens, start, count, statementGuarded);
    }
    if (this.maybeDynamic) {
      this.dynamicImports(tokens, count, guarded);
    }
  }

  /** An `import …` or `from … import …` statement in tokens[start, end), if it is one. */
  private statement(
    tokens: IToken[],
    start: number,
    end: number,
    guarded: boolean
  ): void {
    const head = start < end ? tokens[start] : null;
    if (
      head === null ||
      head.kind !== 'name' ||
      (head.text !== 'import' && head.text !== 'from' && head.text !== 'lazy')
    ) {
      return;
    }
    let k = start;
    const isName = (index: number, text?: string): boolean =>
      index < end &&
      tokens[index].kind === 'name' &&
      (text === undefined
        ? !KEYWORDS.has(tokens[index].text)
        : tokens[index].text === text);
    const isOp = (index: number, text: string): boolean =>
      index < end && tokens[index].kind === 'op' && tokens[index].text === text;
    if (
      isName(k, 'lazy') &&
      (isName(k + 1, 'import') || isName(k + 1, 'from'))
    ) {
      k++; // PEP 810 (3.15): `lazy import x`.
    }
    if (isName(k, 'import')) {
      k++;
      for (;;) {
        if (!isName(k)) {
          return;
        }
        const line = tokens[k].line;
        const parts = [tokens[k].text];
        k++;
        while (isOp(k, '.') && isName(k + 1)) {
          parts.push(tokens[k + 1].text);
          k += 2;
        }
        this.sink.add(parts.join('.'), this.cell, line, false, guarded);
        if (isName(k, 'as')) {
          k += 2;
        }
        if (!isOp(k, ',')) {
          return;
        }
        k++;
      }
    }
    if (isName(k, 'from')) {
      const line = tokens[k].line;
      k++;
      let dots = '';
      while (isOp(k, '.')) {
        dots += '.';
        k++;
      }
      const parts: string[] = [];
      let nameLine = line;
      if (isName(k)) {
        nameLine = tokens[k].line;
        parts.push(tokens[k].text);
        k++;
        while (isOp(k, '.') && isName(k + 1)) {
          parts.push(tokens[k + 1].text);
          k += 2;
        }
      }
      if (!isName(k, 'import')) {
        return;
      }
      if (dots) {
        this.sink.addRelative(dots + parts.join('.'), this.cell, nameLine);
      } else if (parts.length > 0) {
        this.sink.add(parts.join('.'), this.cell, nameLine, false, guarded);
      }
    }
  }

  /** `__import__('x')`, `importlib.import_module('x.y')`, `import_module('x')`. */
  private dynamicImports(
    tokens: IToken[],
    count: number,
    guarded: boolean
  ): void {
    for (let k = 0; k + 3 < count; k++) {
      const token = tokens[k];
      if (
        token.kind !== 'name' ||
        (token.text !== '__import__' && token.text !== 'import_module')
      ) {
        continue;
      }
      const open = tokens[k + 1];
      const literal = tokens[k + 2];
      const close = tokens[k + 3];
      if (
        open.kind !== 'op' ||
        open.text !== '(' ||
        literal.kind !== 'string' ||
        close.kind !== 'op' ||
        (close.text !== ',' && close.text !== ')') ||
        (k > 0 && tokens[k - 1].kind === 'name' && tokens[k - 1].text === 'def')
      ) {
        continue;
      }
      const value = stringValue(literal.text);
      if (value === null || value === '') {
        continue;
      }
      if (value.startsWith('.')) {
        this.sink.addRelative(value, this.cell, literal.line);
      } else {
        this.sink.add(value, this.cell, literal.line, true, guarded);
      }
    }
  }
}

/** The value of a plain (or r/u) string literal without escapes; null for anything else. */
function stringValue(literal: string): string | null {
  let p = 0;
  while (p < literal.length && literal[p] !== "'" && literal[p] !== '"') {
    p++;
  }
  const prefix = literal.slice(0, p).toLowerCase();
  if (prefix.includes('f') || prefix.includes('b') || prefix.includes('t')) {
    return null;
  }
  const body = literal.slice(p);
  const quote = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  if (body.length < 2 * quote || body[body.length - 1] !== body[0]) {
    return null;
  }
  const value = body.slice(quote, body.length - quote);
  return /["'\\\s]/.test(value) ? null : value;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    count++;
  }
  return count;
}

const CLASSIC_PROMPT = /^(>>>|\.\.\.)( |$)/;
const IPYTHON_PROMPT = /^(In \[\d+\]: |\s*\.\.\.+: ?)/;
const PROMPT_HINT = /^(>>>|\s*\.\.\.|In \[)/;
const CELL_MAGIC = /^%%(\S*)(.*)$/;
const PYTHON_INTERPRETER = /^python(3(\.\d+)?)?$/;

/** IPython's cleanup of pasted prompts: stripped from every line when the first has one. */
function stripPrompts(source: string, head: string, second: string): string {
  let text = source;
  for (const prompt of [CLASSIC_PROMPT, IPYTHON_PROMPT]) {
    if (prompt.test(head) || prompt.test(second)) {
      text = text
        .split('\n')
        .map(line => line.replace(prompt, ''))
        .join('\n');
    }
  }
  return text;
}

/** The module a `%%writefile` target makes importable from the notebook's folder, if any. */
function writtenModule(args: string): string | null {
  const words = args.trim().split(/\s+/);
  const target = words.find(word => !word.startsWith('-'));
  if (!target) {
    return null;
  }
  const path = target.replace(/^["']|["']$/g, '').replace(/^\.\//, '');
  const parts = path.split('/');
  let module: string | null = null;
  if (parts.length === 1 && path.endsWith('.py')) {
    module = path.slice(0, -3);
  } else if (parts.length === 2 && parts[1] === '__init__.py') {
    module = parts[0];
  }
  return module !== null && isPythonIdentifier(module) ? module : null;
}

/** Reads a cell (or a Python cell magic's body) as IPython would run it. */
function scanCell(
  source: string,
  cell: number,
  firstLine: number,
  sink: Collector,
  nesting: number
): void {
  // IPython drops the leading blank lines, then looks for prompts and a cell magic.
  const n = source.length;
  let start = 0;
  let blank = 0;
  let end = -1;
  for (;;) {
    if (start >= n) {
      return;
    }
    end = source.indexOf('\n', start);
    if (end < 0) {
      end = n;
    }
    if (source.slice(start, end).trim() !== '') {
      break;
    }
    start = end + 1;
    blank++;
  }
  let text = source;
  let head = source.slice(start, end);
  const nextEnd = end < n ? source.indexOf('\n', end + 1) : -1;
  const second =
    end < n ? source.slice(end + 1, nextEnd < 0 ? n : nextEnd) : '';
  if (PROMPT_HINT.test(head) || PROMPT_HINT.test(second)) {
    text = stripPrompts(source, head, second);
    const headEnd = text.indexOf('\n', start);
    end = headEnd < 0 ? text.length : headEnd;
    head = text.slice(start, end);
  }
  if (!head.startsWith('%%')) {
    new PythonScanner(text, cell, firstLine, sink, nesting, false).run();
    return;
  }
  const match = CELL_MAGIC.exec(head) as RegExpExecArray;
  const magic = match[1];
  const args = match[2];
  const headLine = firstLine + blank;
  const needs = cellMagicModules(magic, args);
  if (needs.length && nesting < MAX_NESTING) {
    const label = `%%${magic}${args}`.trim().slice(0, 60);
    for (const module of needs) {
      sink.add(module, cell, headLine, false, false, label);
    }
  }
  let python = PYTHON_CELL_MAGICS.has(magic);
  if (magic === 'script') {
    const interpreter = args.trim().split(/\s+/)[0] ?? '';
    python = PYTHON_INTERPRETER.test(interpreter);
  }
  if (!python || nesting >= MAX_NESTING) {
    if (magic === 'writefile' || magic === 'file') {
      const module = writtenModule(args);
      if (module !== null && !sink.written.includes(module)) {
        sink.written.push(module);
      }
    } else {
      sink.skipped.push({ cell, magic });
    }
    return;
  }
  if (magic === 'timeit') {
    const setup = args.slice(optionsLength(args, 'n:r:tcp:qo'));
    new PythonScanner(setup, cell, headLine, sink, nesting + 1, false).run();
  }
  scanCell(text.slice(end + 1), cell, headLine + 1, sink, nesting + 1);
}

function cellText(source: string | readonly string[]): string {
  const text = typeof source === 'string' ? source : source.join('');
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/**
 * The top-level modules imported by the code cells `cells` (each cell's source, a string or
 * nbformat's list of lines). Cell indices in the result are indices into `cells`: pass `''`
 * for markdown cells to keep the notebook's numbering.
 */
export function findImports(
  cells: readonly (string | readonly string[])[]
): IImportScan {
  const sink = new Collector();
  cells.forEach((source, index) => {
    scanCell(cellText(source), index, 1, sink, 0);
  });
  const imports = [...sink.imports.values()].sort(
    (a, b) => a.cell - b.cell || a.line - b.line
  );
  return {
    imports,
    relative: sink.relative,
    writtenModules: sink.written,
    skippedCells: sink.skipped
  };
}

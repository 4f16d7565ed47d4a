/**
 * A small PEP 508 / PEP 440 toolkit, as much as translating an environment needs:
 * names, versions (validation and ordering), requirement strings, environment markers,
 * and the lines of a requirements file. Everything here takes untrusted text and never
 * throws on it: invalid input gives false, null or undefined.
 */

/** PEP 508 names are ASCII; a longer name than this is no real distribution. */
export const MAX_NAME_LENGTH = 200;
export const MAX_VERSION_LENGTH = 200;

const NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** True when `name` matches the PEP 508 name grammar. */
export function isValidName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length <= MAX_NAME_LENGTH &&
    NAME.test(name)
  );
}

/** PEP 503 normalization: lower case, runs of "-", "_" and "." become one "-". */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * PEP 440 versions, public part and local label, in every spelling the spec accepts
 * (packaging's VERSION_PATTERN without the surrounding whitespace): "1.0", "v1.0",
 * "1!2.0.post1.dev3", "1.0-1", "2.1.0+cu121", "1.0RC1".
 */
const VERSION = new RegExp(
  '^v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>-(?<postN1>[0-9]+)|[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?)?' +
    '(?<dev>[-_.]?dev[-_.]?(?<devN>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i'
);

/** True when `version` is a PEP 440 version (public version plus optional local label). */
export function isValidVersion(version: string): boolean {
  return (
    typeof version === 'string' &&
    version.length <= MAX_VERSION_LENGTH &&
    VERSION.test(version)
  );
}

/** A parsed version; numbers are kept as digit strings so no size is too big. */
interface IVersionKey {
  epoch: string;
  release: string[];
  /** [rank (a=0, b=1, rc=2), number] */
  pre: [number, string] | null;
  post: string | null;
  dev: string | null;
  local: string[] | null;
}

function digits(text: string | undefined): string {
  return (text ?? '0').replace(/^0+/, '') || '0';
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length < b.length ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseVersion(version: string): IVersionKey | null {
  if (!isValidVersion(version)) {
    return null;
  }
  const groups = VERSION.exec(version)?.groups ?? {};
  const preLabel = groups.preL?.toLowerCase();
  const rank =
    preLabel === undefined
      ? -1
      : preLabel === 'a' || preLabel === 'alpha'
        ? 0
        : preLabel === 'b' || preLabel === 'beta'
          ? 1
          : 2;
  return {
    epoch: digits(groups.epoch),
    release: groups.release.split('.').map(digits),
    pre: rank < 0 ? null : [rank, digits(groups.preN)],
    post:
      groups.post === undefined ? null : digits(groups.postN1 ?? groups.postN2),
    dev: groups.dev === undefined ? null : digits(groups.devN),
    local: groups.local ? groups.local.toLowerCase().split(/[-_.]/) : null
  };
}

/** -1, 0, 1 for "bottom", a value, "top" (packaging's Infinity / NegativeInfinity). */
function compareOptional(
  a: string | null,
  b: string | null,
  missing: -1 | 1
): number {
  if (a === null || b === null) {
    const left = a === null ? missing : 0;
    const right = b === null ? missing : 0;
    return Math.sign(left - right);
  }
  return compareDigits(a, b);
}

function compareKeys(a: IVersionKey, b: IVersionKey): number {
  let result = compareDigits(a.epoch, b.epoch);
  if (result) {
    return result;
  }
  const trim = (release: string[]) => {
    const copy = [...release];
    while (copy.length > 1 && copy[copy.length - 1] === '0') {
      copy.pop();
    }
    return copy;
  };
  const ra = trim(a.release);
  const rb = trim(b.release);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    if (i >= ra.length || i >= rb.length) {
      return ra.length < rb.length ? -1 : 1;
    }
    result = compareDigits(ra[i], rb[i]);
    if (result) {
      return result;
    }
  }
  // A dev release without pre or post sorts before every pre-release of its release.
  const phase = (key: IVersionKey) =>
    key.pre === null && key.post === null && key.dev !== null
      ? -1
      : key.pre === null
        ? 1
        : 0;
  result = Math.sign(phase(a) - phase(b));
  if (result) {
    return result;
  }
  if (a.pre && b.pre) {
    result =
      Math.sign(a.pre[0] - b.pre[0]) || compareDigits(a.pre[1], b.pre[1]);
    if (result) {
      return result;
    }
  }
  result =
    compareOptional(a.post, b.post, -1) || compareOptional(a.dev, b.dev, 1);
  if (result) {
    return result;
  }
  if (a.local === null || b.local === null) {
    return Math.sign((a.local === null ? -1 : 0) - (b.local === null ? -1 : 0));
  }
  for (let i = 0; i < Math.max(a.local.length, b.local.length); i++) {
    if (i >= a.local.length || i >= b.local.length) {
      return a.local.length < b.local.length ? -1 : 1;
    }
    const x = a.local[i];
    const y = b.local[i];
    const xNumeric = /^[0-9]+$/.test(x);
    const yNumeric = /^[0-9]+$/.test(y);
    if (xNumeric !== yNumeric) {
      return xNumeric ? 1 : -1; // numbers sort after strings
    }
    result = xNumeric
      ? compareDigits(digits(x), digits(y))
      : x < y
        ? -1
        : x > y
          ? 1
          : 0;
    if (result) {
      return result;
    }
  }
  return 0;
}

/**
 * PEP 440 ordering: negative, zero or positive like a comparator, or undefined when
 * either side is not a valid version. "1.0" equals "1.0.0" and "v1.0"; local labels count.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const ka = parseVersion(a);
  const kb = parseVersion(b);
  return ka && kb ? compareKeys(ka, kb) : undefined;
}

/** True when `a` and `b` are the same PEP 440 version (or, if either is invalid, the same text). */
export function sameVersion(a: string, b: string): boolean {
  const order = compareVersions(a, b);
  return order === undefined ? a === b : order === 0;
}

// ---------------------------------------------------------------------------------------
// Environment markers

/** Marker variables to their values; a missing variable is "unknown". */
export type MarkerEnvironment = Readonly<Record<string, string | undefined>>;

const MARKER_VARIABLES: Record<string, string> = {
  python_version: 'python_version',
  python_full_version: 'python_full_version',
  os_name: 'os_name',
  sys_platform: 'sys_platform',
  platform_release: 'platform_release',
  platform_system: 'platform_system',
  platform_version: 'platform_version',
  platform_machine: 'platform_machine',
  platform_python_implementation: 'platform_python_implementation',
  implementation_name: 'implementation_name',
  implementation_version: 'implementation_version',
  extra: 'extra',
  // legacy spellings packaging still accepts
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation'
};

const VERSION_VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'implementation_version',
  'platform_release'
]);

type MarkerToken =
  | { kind: 'string'; value: string }
  | { kind: 'variable'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'and' | 'or' | '(' | ')' };

function tokenizeMarker(text: string): MarkerToken[] | null {
  const tokens: MarkerToken[] = [];
  const pattern =
    /\s+|'([^']*)'|"([^"]*)"|(===|==|!=|<=|>=|~=|<|>)|(not\s+in\b)|([A-Za-z_][A-Za-z0-9_.]*)|([()])/y;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (!match) {
      return null;
    }
    position = pattern.lastIndex;
    const [whole, single, double, op, notIn, word, paren] = match;
    if (single !== undefined || double !== undefined) {
      tokens.push({ kind: 'string', value: single ?? double });
    } else if (op !== undefined) {
      tokens.push({ kind: 'op', value: op });
    } else if (notIn !== undefined) {
      tokens.push({ kind: 'op', value: 'not in' });
    } else if (word !== undefined) {
      if (word === 'and' || word === 'or') {
        tokens.push({ kind: word });
      } else if (word === 'in') {
        tokens.push({ kind: 'op', value: 'in' });
      } else if (word in MARKER_VARIABLES) {
        tokens.push({ kind: 'variable', value: MARKER_VARIABLES[word] });
      } else {
        return null;
      }
    } else if (paren !== undefined) {
      tokens.push({ kind: paren as '(' | ')' });
    } else if (!/^\s+$/.test(whole)) {
      return null;
    }
  }
  return tokens;
}

type MarkerNode =
  | { kind: 'all' | 'any'; left: MarkerNode; right: MarkerNode }
  | {
      kind: 'compare';
      left: MarkerToken & { value: string };
      op: string;
      right: MarkerToken & { value: string };
    };

function parseMarkerTokens(tokens: MarkerToken[]): MarkerNode | null {
  let index = 0;
  const operand = (): (MarkerToken & { value: string }) | null => {
    const token = tokens[index];
    if (token && (token.kind === 'string' || token.kind === 'variable')) {
      index++;
      return token;
    }
    return null;
  };
  const expression = (): MarkerNode | null => {
    if (tokens[index]?.kind === '(') {
      index++;
      const inner = or();
      if (!inner || tokens[index]?.kind !== ')') {
        return null;
      }
      index++;
      return inner;
    }
    const left = operand();
    const op = tokens[index];
    if (!left || !op || op.kind !== 'op') {
      return null;
    }
    index++;
    const right = operand();
    if (!right || (left.kind === 'string' && right.kind === 'string')) {
      return null;
    }
    return { kind: 'compare', left, op: op.value, right };
  };
  const chain = (
    kind: 'and' | 'or',
    next: () => MarkerNode | null
  ): MarkerNode | null => {
    let left = next();
    while (left && tokens[index]?.kind === kind) {
      index++;
      const right = next();
      left = right
        ? { kind: kind === 'and' ? 'all' : 'any', left, right }
        : null;
    }
    return left;
  };
  const and = () => chain('and', expression);
  const or = (): MarkerNode | null => chain('or', and);
  const tree = or();
  return tree && index === tokens.length ? tree : null;
}

/** Parses a marker; null when it is not valid PEP 508 marker syntax. */
function parseMarker(text: string): MarkerNode | null {
  const tokens = tokenizeMarker(text);
  return tokens && tokens.length ? parseMarkerTokens(tokens) : null;
}

/** True when `text` is a syntactically valid PEP 508 environment marker. */
export function isValidMarker(text: string): boolean {
  return parseMarker(text) !== null;
}

function compareMarkerValues(
  left: string,
  op: string,
  right: string,
  versions: boolean
): boolean | undefined {
  if (op === 'in') {
    return right.includes(left);
  }
  if (op === 'not in') {
    return !right.includes(left);
  }
  if (op === '===') {
    return left === right;
  }
  if (versions) {
    if ((op === '==' || op === '!=') && right.endsWith('.*')) {
      const prefix = right.slice(0, -2);
      const a = parseVersion(left);
      const b = parseVersion(prefix);
      if (a && b) {
        const same = b.release.every((part, i) => a.release[i] === part);
        return op === '==' ? same : !same;
      }
    }
    const order = compareVersions(left, right);
    if (order !== undefined) {
      switch (op) {
        case '==':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
        case '~=': {
          const spec = parseVersion(right);
          const have = parseVersion(left);
          if (!spec || !have || spec.release.length < 2) {
            return undefined;
          }
          const prefix = spec.release.slice(0, -1);
          return (
            order >= 0 && prefix.every((part, i) => have.release[i] === part)
          );
        }
      }
    }
  }
  if (op === '==') {
    return left === right;
  }
  if (op === '!=') {
    return left !== right;
  }
  return undefined;
}

function evaluateNode(
  node: MarkerNode,
  environment: MarkerEnvironment
): boolean | undefined {
  if (node.kind !== 'compare') {
    const left = evaluateNode(node.left, environment);
    const right = evaluateNode(node.right, environment);
    if (node.kind === 'all') {
      return left === false || right === false
        ? false
        : left === undefined || right === undefined
          ? undefined
          : true;
    }
    return left === true || right === true
      ? true
      : left === undefined || right === undefined
        ? undefined
        : false;
  }
  const isExtra = node.left.value === 'extra' || node.right.value === 'extra';
  const value = (token: MarkerToken & { value: string }) => {
    const raw =
      token.kind === 'variable' ? environment[token.value] : token.value;
    return raw !== undefined && isExtra ? normalizeName(raw) : raw;
  };
  const left = value(node.left);
  const right = value(node.right);
  if (left === undefined || right === undefined) {
    return undefined;
  }
  const versions =
    (node.left.kind === 'variable' && VERSION_VARIABLES.has(node.left.value)) ||
    (node.right.kind === 'variable' && VERSION_VARIABLES.has(node.right.value));
  return compareMarkerValues(left, node.op, right, versions);
}

/**
 * Evaluates a PEP 508 marker: true or false, or undefined when it cannot tell (invalid
 * syntax, or it depends on a variable the environment does not define).
 * `extra` compares by normalized name (PEP 685).
 */
export function evaluateMarker(
  marker: string,
  environment: MarkerEnvironment
): boolean | undefined {
  const tree = parseMarker(marker);
  return tree ? evaluateNode(tree, environment) : undefined;
}

// ---------------------------------------------------------------------------------------
// Requirements

export interface ISpecifier {
  op: string;
  version: string;
}

/** A PEP 508 requirement, as written (the name is not normalized). */
export interface IRequirement {
  name: string;
  extras: string[];
  specifiers: ISpecifier[];
  url: string | null;
  marker: string | null;
}

/**
 * Parses one PEP 508 requirement string ("name[extra] (>=1,<2) ; marker",
 * "name @ URL ; marker"); null when it is not one.
 */
export function parseRequirement(text: string): IRequirement | null {
  if (typeof text !== 'string') {
    return null;
  }
  let position = 0;
  const take = (pattern: RegExp): RegExpExecArray | null => {
    const sticky = new RegExp(pattern.source, 'y' + pattern.flags);
    sticky.lastIndex = position;
    const match = sticky.exec(text);
    if (match) {
      position = sticky.lastIndex;
    }
    return match;
  };
  const spaces = () => take(/[ \t]*/);
  spaces();
  const name = take(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
  if (!name || !isValidName(name[0])) {
    return null;
  }
  spaces();
  const extras: string[] = [];
  if (take(/\[/)) {
    spaces();
    let extra = take(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
    while (extra) {
      extras.push(extra[0]);
      spaces();
      if (!take(/,/)) {
        break;
      }
      spaces();
      extra = take(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
      if (!extra) {
        return null;
      }
    }
    if (!take(/\]/)) {
      return null;
    }
    spaces();
  }
  const specifiers: ISpecifier[] = [];
  let url: string | null = null;
  if (take(/@/)) {
    spaces();
    const found = take(/[^\s]+/);
    if (!found) {
      return null;
    }
    url = found[0];
    // after a URL, a marker needs whitespace before ";" (or the ";" is part of the URL)
    if (position < text.length && !take(/[ \t]+/)) {
      return null;
    }
  } else {
    const parenthesized = take(/\(/);
    spaces();
    const one = () =>
      take(/(~=|===|==|!=|<=|>=|<|>)[ \t]*([A-Za-z0-9_.*+!-]+)/);
    let spec = one();
    while (spec) {
      specifiers.push({ op: spec[1], version: spec[2] });
      spaces();
      if (!take(/,/)) {
        break;
      }
      spaces();
      spec = one();
      if (!spec) {
        return null;
      }
    }
    if (parenthesized) {
      spaces();
      if (!take(/\)/)) {
        return null;
      }
    }
    spaces();
  }
  let marker: string | null = null;
  if (take(/;/)) {
    marker = text.slice(position).trim();
    if (!isValidMarker(marker)) {
      return null;
    }
    position = text.length;
  }
  spaces();
  if (position !== text.length) {
    return null;
  }
  return { name: name[0], extras, specifiers, url, marker };
}

/** One line of a requirements file, as pip would read it (without continuation lines). */
export type RequirementsLine =
  | { kind: 'blank' }
  | { kind: 'comment' }
  | { kind: 'option'; text: string }
  | { kind: 'path'; path: string }
  | { kind: 'requirement'; requirement: IRequirement }
  | { kind: 'invalid'; text: string };

/**
 * Classifies one line of a requirements file: a comment ("#" at the start or after
 * whitespace), an option ("-r", "--index-url", …), a local path ("./dir"), or a PEP 508
 * requirement.
 */
export function parseRequirementsLine(line: string): RequirementsLine {
  const text = line.replace(/(^|\s+)#.*$/, '');
  if (/^\s*#/.test(line)) {
    return { kind: 'comment' };
  }
  if (!text.trim()) {
    return line.trim() ? { kind: 'comment' } : { kind: 'blank' };
  }
  const body = text.trim();
  if (body.startsWith('-')) {
    return { kind: 'option', text: body };
  }
  if (/^\.{1,2}\//.test(body) || body.startsWith('/')) {
    return /\s/.test(body)
      ? { kind: 'invalid', text: body }
      : { kind: 'path', path: body };
  }
  const requirement = parseRequirement(body);
  return requirement
    ? { kind: 'requirement', requirement }
    : { kind: 'invalid', text: body };
}

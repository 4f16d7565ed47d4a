/**
 * URLs and local paths from a snapshot (untrusted: they come from files in someone's
 * site-packages), checked before anything of them reaches a requirements line or a
 * reason: URLs with credentials or with characters pip reads as syntax are refused, and
 * file:// URLs and local paths are decoded and normalized lexically, never above the root.
 */
import { hasControls } from '../shared/guards';
import { showUntrusted } from '../shared/text';

const MAX_URL_LENGTH = 2048;

/**
 * The URL shapes written into a line: scheme://[user@]host[:port][/path], with no
 * whitespace, quotes, backslashes, query, "#", ";", "$", or "@" after the host. A user
 * part is kept only for ssh-like schemes (git@github.com); anywhere else it may be a token.
 */
const SAFE_URL = new RegExp(
  '^(?<scheme>[a-z][a-z0-9+]*)://' +
    '(?:(?<user>[A-Za-z0-9._~-]+)@)?' +
    '(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?' +
    '(?::(?<port>[0-9]{1,5}))?' +
    '(?<path>/(?:[A-Za-z0-9._~+,=:/-]|%[0-9A-Fa-f]{2})*)?$'
);

const SSH_SCHEMES = new Set(['ssh', 'svn+ssh', 'bzr+ssh', 'sftp']);

/** A URL for a reason: whatever stands before an "@" in the authority is hidden. */
export function showUrl(url: unknown): string {
  const text = typeof url === 'string' ? url : String(url);
  return showUntrusted(
    text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1***@')
  );
}

export interface ISafeUrl {
  scheme: string;
  host: string;
}

/** The parts of a URL safe to write, or a sentence saying why it is not. */
export function checkUrl(url: unknown): ISafeUrl | string {
  if (typeof url !== 'string' || !url) {
    return 'has no URL';
  }
  if (url.length > MAX_URL_LENGTH) {
    return 'has a URL too long to be real';
  }
  const groups = SAFE_URL.exec(url)?.groups;
  const credentials =
    /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url) ||
    (groups?.user !== undefined && !SSH_SCHEMES.has(groups.scheme));
  if (credentials) {
    return `has the URL ${showUrl(url)}, with credentials in it, which are never written into the bundle`;
  }
  if (!groups) {
    return `has the URL ${showUrl(url)}, with characters that are not written into a requirements file`;
  }
  const host = groups.host ?? '';
  if (!host && groups.scheme !== 'file') {
    return `has the URL ${showUrl(url)}, which names no host`;
  }
  return { scheme: groups.scheme, host };
}

export interface IFilePath {
  segments: string[];
  windows: boolean;
}

/** Splits and normalizes a path lexically ("." dropped, ".." applied, never above the root). */
function normalizeSegments(parts: string[]): string[] {
  const result: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      result.pop();
    } else {
      result.push(part);
    }
  }
  return result;
}

/** A path on a Windows drive ("C:"), its rest split at "/" and "\\". */
function windowsPath(drive: string, rest = ''): IFilePath {
  return {
    segments: [drive.toUpperCase(), ...normalizeSegments(rest.split(/[/\\]/))],
    windows: true
  };
}

/** The local path of a file:// URL, decoded and normalized; null when it is none. */
export function fileUrlPath(url: unknown): IFilePath | null {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH) {
    return null;
  }
  const match = /^file:\/\/([^/]*)(\/[^?#]*)?$/i.exec(url);
  if (!match || (match[1] && match[1].toLowerCase() !== 'localhost')) {
    return null;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(match[2] ?? '/');
  } catch {
    return null;
  }
  if (hasControls(decoded)) {
    return null;
  }
  const drive = /^\/([A-Za-z]:)(\/.*)?$/.exec(decoded);
  if (drive) {
    return windowsPath(drive[1], drive[2]);
  }
  return { segments: normalizeSegments(decoded.split('/')), windows: false };
}

/** An absolute local directory (POSIX or Windows) as normalized segments; null if relative. */
export function localPath(path: string): IFilePath | null {
  if (typeof path !== 'string' || hasControls(path)) {
    return null;
  }
  const drive = /^([A-Za-z]:)([\\/].*)?$/.exec(path);
  if (drive) {
    return windowsPath(drive[1], drive[2]);
  }
  if (path.startsWith('/')) {
    return { segments: normalizeSegments(path.split('/')), windows: false };
  }
  return null;
}

export /** A local path as a reason shows it, "/"-separated. */
function displayPath(path: IFilePath): string {
  return path.windows
    ? `${path.segments[0]}/${path.segments.slice(1).join('/')}`
    : `/${path.segments.join('/')}`;
}

/**
 * The path of `inner` relative to `root`: '' when they are the same directory, null when
 * `inner` is not inside `root` (compared segment by segment, so /home/u/project2 is not
 * inside /home/u/project; case-insensitively on Windows).
 */
export function relativeInside(
  root: IFilePath,
  inner: IFilePath
): string | null {
  if (
    root.windows !== inner.windows ||
    inner.segments.length < root.segments.length
  ) {
    return null;
  }
  const same = (a: string, b: string) =>
    root.windows ? a.toLowerCase() === b.toLowerCase() : a === b;
  for (let i = 0; i < root.segments.length; i++) {
    if (!same(root.segments[i], inner.segments[i])) {
      return null;
    }
  }
  return inner.segments.slice(root.segments.length).join('/');
}

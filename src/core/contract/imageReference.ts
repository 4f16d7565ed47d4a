/**
 * Docker image references ("ubuntu", "ghcr.io/org/app:1.0", "repo@sha256:…"), validated
 * with exactly the grammar of github.com/distribution/reference (the package Docker uses):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [ domain "/" ] path
 *   domain           := host [ ":" port ]         host: DNS-like name, IPv4 or [IPv6]
 *   path             := path-component [ "/" path-component ]*
 *   path-component   := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag              := [\w][\w.-]{0,127}
 *   digest           := algorithm ":" hex          sha256/sha384/sha512, lowercase hex
 *
 * The accepting regular expressions are Docker's own (leftmost-first, so the domain is
 * split off exactly where Docker splits it); everything else here only explains a refusal
 * in plain words. Everything takes untrusted text and never throws.
 *
 * jupyterlab_dockerize/image_reference.py is the server's twin of this file; both run the
 * shared cases of src/core/__tests__/fixtures/image-references.json.
 */

/** A syntactically valid reference, split as Docker splits it. */
export interface IImageReference {
  /** Registry host with optional port, as written; null when there is none. */
  domain: string | null;
  /** Repository path, e.g. "library/ubuntu". */
  path: string;
  tag: string | null;
  /** "algorithm:hex", e.g. "sha256:…". */
  digest: string | null;
}

/** A reference as Docker resolves it: the registry is always known. */
export interface INormalizedImageReference extends IImageReference {
  domain: string;
  /** True when the tag is the implied "latest" (no tag and no digest was given). */
  latestImplied: boolean;
}

/** What was wrong, as a stable code (the message is for people). */
export type ImageReferenceErrorKind =
  | 'empty'
  | 'too-long'
  | 'invalid-character'
  | 'uppercase'
  | 'url-scheme'
  | 'missing-name'
  | 'invalid-domain'
  | 'invalid-name'
  | 'name-too-long'
  | 'invalid-tag'
  | 'tag-too-long'
  | 'invalid-digest'
  | 'unsupported-digest'
  | 'digest-length'
  | 'identifier'
  | 'invalid-format';

export type ImageReferenceResult<T extends IImageReference = IImageReference> =
  | { ok: true; reference: T }
  | { ok: false; error: string; kind: ImageReferenceErrorKind };

/** Docker's RepositoryNameTotalLengthMax, counted over domain and path. */
export const MAX_NAME_LENGTH = 255;
export const MAX_TAG_LENGTH = 128;
/** No valid reference is this long (255 + 1 + 128 + 1 + "sha512:" + 128 = 520). */
export const MAX_REFERENCE_LENGTH = 1024;

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';

/** Hex lengths of the digest algorithms Docker registers. */
const DIGEST_HEX_LENGTHS: { [algorithm: string]: number } = {
  sha256: 64,
  sha384: 96,
  sha512: 128
};

// Docker's regexp.go, term by term.
const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_ADDRESS = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST =
  '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;

const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME_RE = new RegExp(
  `^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})$`
);
const NAME_RE = new RegExp(`^${NAME}$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN_AND_PORT}$`);
const PATH_COMPONENT_RE = new RegExp(`^${PATH_COMPONENT}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
/** Every character that may appear anywhere in a reference. */
const ALLOWED_CHARACTER = /^[A-Za-z0-9._\-/:@[\]]$/;

function fail(
  kind: ImageReferenceErrorKind,
  error: string
): ImageReferenceResult<never> {
  return { ok: false, kind, error };
}

/** A character as a message shows it: 'x', or U+0009 for what would not be visible. */
function showCharacter(codePoint: number): string {
  const invisible =
    codePoint <= 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0xa0) ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200f) ||
    (codePoint >= 0x2028 && codePoint <= 0x202f) ||
    codePoint === 0x205f ||
    codePoint === 0x3000 ||
    (codePoint >= 0xd800 && codePoint <= 0xdfff) ||
    codePoint === 0xfeff;
  if (invisible) {
    return 'U+' + codePoint.toString(16).toUpperCase().padStart(4, '0');
  }
  const character = String.fromCodePoint(codePoint);
  return character === "'" ? `"'"` : `'${character}'`;
}

/**
 * Which part of `text` index `i` falls in, and its 1-based position in that part: the
 * digest (after '@'), the tag (after the last ':' that follows the last '/' of the name),
 * else the name. A form has a field for the name and one for the tag, so a position
 * counted from the start of `name:tag` would point at the wrong character of the tag.
 */
function locate(text: string, i: number): string {
  const at = text.indexOf('@');
  if (at >= 0 && i > at) {
    return `position ${i - at} of the digest`;
  }
  const name = at >= 0 ? text.slice(0, at) : text;
  const colon = name.lastIndexOf(':');
  const inBrackets = name.lastIndexOf('[') > name.lastIndexOf(']');
  if (!inBrackets && colon > name.lastIndexOf('/') && i > colon) {
    return `position ${i - colon} of the tag`;
  }
  return `position ${i + 1} of the name`;
}

/** The first character no reference may contain, with its position in its part. */
function checkCharacters(text: string): ImageReferenceResult<never> | null {
  for (let i = 0; i < text.length; i++) {
    if (!ALLOWED_CHARACTER.test(text[i])) {
      // Everything before it is ASCII, so the position is the same in code points.
      const codePoint = text.codePointAt(i) ?? 0;
      return fail(
        'invalid-character',
        `invalid character ${showCharacter(codePoint)} at ${locate(text, i)}; ` +
          'image references may only contain letters, digits and . _ - / : @ [ ]'
      );
    }
  }
  return null;
}

/** The digest checks of go-digest, after the grammar has matched. */
function checkDigest(digest: string): ImageReferenceResult<never> | null {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!Object.prototype.hasOwnProperty.call(DIGEST_HEX_LENGTHS, algorithm)) {
    return fail(
      'unsupported-digest',
      `unsupported digest algorithm '${algorithm}'; use sha256, sha384 or sha512`
    );
  }
  const expected = DIGEST_HEX_LENGTHS[algorithm];
  if (hex.length !== expected) {
    return fail(
      'digest-length',
      `a ${algorithm} digest has ${expected} hex characters, not ${hex.length}`
    );
  }
  if (hex !== hex.toLowerCase()) {
    return fail('invalid-digest', 'digest hex characters must be lowercase');
  }
  return null;
}

/** Why `name` (a reference without tag and digest) is not a valid name. */
function explainName(name: string): ImageReferenceResult<never> {
  if (name === '') {
    return fail(
      'missing-name',
      'the repository name is missing (e.g. "ubuntu" in "ubuntu:22.04")'
    );
  }
  const components = name.split('/');
  let pathComponents = components;
  const first = components[0];
  if (
    components.length > 1 &&
    (/[.:[\]A-Z]/.test(first) || first === 'localhost')
  ) {
    if (!DOMAIN_RE.test(first)) {
      return fail(
        'invalid-domain',
        `registry '${first}' is not a valid host name, IPv4 address or [IPv6] address ` +
          'with an optional :port'
      );
    }
    pathComponents = components.slice(1);
  }
  for (const component of pathComponents) {
    if (component === '') {
      return fail(
        'invalid-name',
        "the repository path has an empty component (a leading, trailing or doubled '/')"
      );
    }
    if (/[A-Z]/.test(component)) {
      return fail(
        'uppercase',
        `repository names must be lowercase ('${component}')`
      );
    }
    if (/[[\]]/.test(component)) {
      return fail(
        'invalid-name',
        `a registry like '${component}' must come first and be followed by '/' ` +
          'and a repository path'
      );
    }
    if (component.includes(':')) {
      return fail(
        'invalid-name',
        `'${component}' is not a valid path component: ':' may only come ` +
          'before the tag or the port of a registry'
      );
    }
    if (!PATH_COMPONENT_RE.test(component)) {
      return fail(
        'invalid-name',
        `'${component}' is not a valid path component: it must start and end with ` +
          "a lowercase letter or digit, with words separated by one '.', one or two " +
          "'_', or dashes"
      );
    }
  }
  return fail('invalid-format', 'invalid reference format');
}

/** Why the whole reference does not match (the grammar already said no). */
function explain(text: string): ImageReferenceResult<never> {
  if (REFERENCE_RE.test(text.toLowerCase())) {
    // Docker's own rule: it would be valid in lower case.
    const at = text.indexOf('@');
    const name = at >= 0 ? text.slice(0, at) : text;
    const found = /[A-Z]/.exec(name);
    return fail(
      'uppercase',
      'repository names must be lowercase' +
        (found ? ` ('${found[0]}' at position ${found.index + 1})` : '')
    );
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    const scheme = text.slice(0, text.indexOf('://') + 3);
    return fail(
      'url-scheme',
      `image references are not URLs: remove '${scheme}'`
    );
  }
  const at = text.indexOf('@');
  let rest = text;
  if (at >= 0) {
    const digest = text.slice(at + 1);
    if (!DIGEST_RE.test(digest)) {
      return fail(
        'invalid-digest',
        `'${digest}' is not a valid digest; write it as algorithm:hex, ` +
          'e.g. sha256: followed by 64 hex characters'
      );
    }
    rest = text.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !/[/[\]]/.test(rest.slice(colon + 1))) {
    const name = rest.slice(0, colon);
    const tag = rest.slice(colon + 1);
    if (name === '' || NAME_RE.test(name)) {
      if (name === '') {
        return explainName(name);
      }
      if (tag.length > MAX_TAG_LENGTH) {
        return fail(
          'tag-too-long',
          `tag is longer than ${MAX_TAG_LENGTH} characters (${tag.length})`
        );
      }
      if (!TAG_RE.test(tag)) {
        return fail(
          'invalid-tag',
          `tag '${tag}' is invalid: it must start with a letter, digit or '_' and ` +
            "contain only letters, digits, '_', '.' and '-'"
        );
      }
    } else {
      return explainName(name);
    }
  }
  return explainName(rest);
}

/** What both parsers refuse before the grammar: empty, bad characters, too long. */
function precheck(text: string): ImageReferenceResult<never> | null {
  if (typeof text !== 'string' || text === '') {
    return fail('empty', 'the image reference is empty');
  }
  const badCharacter = checkCharacters(text);
  if (badCharacter) {
    return badCharacter;
  }
  if (text.length > MAX_REFERENCE_LENGTH) {
    return fail(
      'too-long',
      `the image reference is longer than ${MAX_REFERENCE_LENGTH} characters`
    );
  }
  return null;
}

/**
 * Parse a reference exactly as Docker's reference.Parse does: the domain is whatever the
 * grammar takes as one (so "foo/bar" has domain "foo"; see normalizeImageReference for
 * Docker Hub's rules), nothing is defaulted.
 */
export function parseImageReference(text: string): ImageReferenceResult {
  const refused = precheck(text);
  if (refused) {
    return refused;
  }
  const match = REFERENCE_RE.exec(text);
  if (!match) {
    return explain(text);
  }
  const name = match[1];
  if (name.length > MAX_NAME_LENGTH) {
    return fail(
      'name-too-long',
      `repository name is longer than ${MAX_NAME_LENGTH} characters (${name.length})`
    );
  }
  const nameMatch = ANCHORED_NAME_RE.exec(name);
  const digest = match[3] ?? null;
  if (digest !== null) {
    const badDigest = checkDigest(digest);
    if (badDigest) {
      return badDigest;
    }
  }
  return {
    ok: true,
    reference: {
      domain: nameMatch?.[1] ?? null,
      path: nameMatch ? nameMatch[2] : name,
      tag: match[2] ?? null,
      digest
    }
  };
}

/** Docker's splitDockerDomain: which registry a familiar name refers to. */
function splitDockerDomain(name: string): [string, string, number] {
  const slash = name.indexOf('/');
  if (slash < 0) {
    return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name, 0];
  }
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  let offset = slash + 1;
  if (maybeDomain === 'localhost') {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (/[.:]/.test(maybeDomain)) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else {
    [domain, remote, offset] = [DEFAULT_DOMAIN, name, 0];
  }
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) {
    remote = OFFICIAL_REPO_PREFIX + remote;
  }
  // offset: where the remote name starts in `name`
  return [domain, remote, offset];
}

/**
 * Parse a reference as `docker pull` reads it (Docker's ParseNormalizedNamed, then the
 * default tag): "ubuntu" is docker.io/library/ubuntu:latest, with latestImplied.
 */
export function parseNormalizedImageReference(
  text: string
): ImageReferenceResult<INormalizedImageReference> {
  const refused = precheck(text);
  if (refused) {
    return refused;
  }
  if (IDENTIFIER_RE.test(text)) {
    return fail(
      'identifier',
      'a 64-character hex string is an image ID, not a repository name'
    );
  }
  const [domain, remainder, offset] = splitDockerDomain(text);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    const at = text.slice(offset).search(/[A-Z]/) + offset;
    return fail(
      'uppercase',
      `repository names must be lowercase ('${text[at]}' at position ${at + 1})`
    );
  }
  const parsed = parseImageReference(`${domain}/${remainder}`);
  if (!parsed.ok) {
    return fail(parsed.kind, parsed.error);
  }
  const { tag, digest, path } = parsed.reference;
  const latestImplied = tag === null && digest === null;
  return {
    ok: true,
    reference: {
      domain: parsed.reference.domain ?? domain,
      path,
      tag: latestImplied ? DEFAULT_TAG : tag,
      digest,
      latestImplied
    }
  };
}

/** The normalized form of a reference (re-validated: it may not come from the parser). */
export function normalizeImageReference(
  reference: IImageReference
): ImageReferenceResult<INormalizedImageReference> {
  if ('latestImplied' in reference && reference.latestImplied === true) {
    return parseNormalizedImageReference(
      formatImageReference({ ...reference, tag: null })
    );
  }
  return parseNormalizedImageReference(formatImageReference(reference));
}

/** The reference as text: [domain/]path[:tag][@digest]. */
export function formatImageReference(reference: IImageReference): string {
  return (
    (reference.domain ? `${reference.domain}/` : '') +
    reference.path +
    (reference.tag !== null ? `:${reference.tag}` : '') +
    (reference.digest !== null ? `@${reference.digest}` : '')
  );
}

/**
 * The reference as Docker shows it (FamiliarString): without "docker.io/" and the
 * "library/" of official images, and without an implied ":latest".
 */
export function familiarName(reference: IImageReference): string {
  const normalized = normalizeImageReference(reference);
  if (!normalized.ok) {
    return formatImageReference(reference);
  }
  const { domain, tag, digest, latestImplied } = normalized.reference;
  let path = normalized.reference.path;
  let shownDomain: string | null = domain;
  if (domain === DEFAULT_DOMAIN) {
    shownDomain = null;
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (path.startsWith(OFFICIAL_REPO_PREFIX) && !rest.includes('/')) {
      path = rest;
    }
  }
  return formatImageReference({
    domain: shownDomain,
    path,
    tag: latestImplied ? null : tag,
    digest
  });
}

/**
 * Names under which users write Docker Hub in a registry field: none at all, Docker's
 * default and legacy domains, and the host its API is served from.
 */
const DOCKER_HUB_ALIASES: readonly string[] = [
  '',
  DEFAULT_DOMAIN,
  LEGACY_DEFAULT_DOMAIN,
  'registry-1.docker.io'
];

/** True when a registry field (trimmed, trailing slashes ignored) means Docker Hub. */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.includes(registryOf(registry));
}

/** A registry field as a reference's domain: trimmed, without trailing slashes. */
function registryOf(registry: string): string {
  return registry.trim().replace(/\/+$/, '');
}

/**
 * `repository` on `registry`: Docker Hub left out (the familiar form), any other
 * registry (ghcr.io, localhost:5000…) in front. '' when the repository is empty.
 */
export function withRegistry(registry: string, repository: string): string {
  const path = repository.trim();
  if (!path || isDockerHub(registry)) {
    return path;
  }
  return `${registryOf(registry)}/${path}`;
}

/**
 * `name:tag`, both trimmed; just the name when the tag is empty, '' when the name is.
 * Not validated: parseNormalizedImageReference says whether the result is a reference.
 */
export function withTag(name: string, tag: string): string {
  const trimmedName = name.trim();
  const trimmedTag = tag.trim();
  return trimmedName && trimmedTag
    ? `${trimmedName}:${trimmedTag}`
    : trimmedName;
}

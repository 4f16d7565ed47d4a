/** Image names in the bundle: the user's image reference, and a local name for `docker build -t`. */
import {
  IImageReference,
  parseNormalizedImageReference
} from '../contract/imageReference';

/**
 * A valid image reference as `docker` reads it (imageReference.ts), in its familiar form:
 * no domain for Docker Hub, no `library/`, no implied `latest`. Null when invalid.
 */
export function parseImageReference(text: string): IImageReference | null {
  const parsed = parseNormalizedImageReference(text);
  if (!parsed.ok) {
    return null;
  }
  const { domain, path, tag, digest, latestImplied } = parsed.reference;
  const hub = domain === 'docker.io';
  return {
    domain: hub ? null : domain,
    path: hub ? path.replace(/^library\//, '') : path,
    tag: latestImplied ? null : tag,
    digest
  };
}

/** A lower-case image name for `docker build -t` made from a file name. */
export function localName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return name || 'notebook';
}

import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';

import {
  familiarName,
  formatImageReference,
  IImageReference,
  isDockerHub,
  normalizeImageReference,
  parseImageReference,
  parseNormalizedImageReference,
  withRegistry,
  withTag
} from '../contract/imageReference';

/** Shared with jupyterlab_dockerize/tests/test_image_reference.py. */
interface ICase {
  source: string;
  input: string;
  domain?: string | null;
  path?: string;
  tag?: string | null;
  digest?: string | null;
  latestImplied?: boolean;
  familiar?: string;
  error?: string;
  message?: string;
}

const fixtures: { parse: ICase[]; normalize: ICase[] } = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'fixtures', 'image-references.json'),
    'utf8'
  )
);

const label = (c: ICase): string =>
  `${JSON.stringify(c.input.length > 60 ? c.input.slice(0, 60) + '…' : c.input)} (${c.source})`;

function checkCase(
  c: ICase,
  result: ReturnType<typeof parseNormalizedImageReference>
): void {
  if (c.error !== undefined) {
    expect(result).toMatchObject({ ok: false, kind: c.error });
    if (c.message !== undefined && !result.ok) {
      expect(result.error).toBe(c.message);
    }
    return;
  }
  expect(result.ok).toBe(true);
  if (!result.ok) {
    return;
  }
  for (const key of [
    'domain',
    'path',
    'tag',
    'digest',
    'latestImplied'
  ] as const) {
    if (c[key] !== undefined) {
      expect({ [key]: result.reference[key] }).toEqual({ [key]: c[key] });
    }
  }
}

describe('parseImageReference: reference_test.go and our own cases', () => {
  it.each(fixtures.parse.map(c => [label(c), c] as const))('%s', (_, c) => {
    const result = parseImageReference(c.input);
    checkCase(c, result as ReturnType<typeof parseNormalizedImageReference>);
    if (result.ok) {
      // Docker's test: the reference prints back as the input.
      expect(formatImageReference(result.reference)).toBe(c.input);
    }
  });
});

describe('parseNormalizedImageReference: normalize_test.go and our own cases', () => {
  it.each(fixtures.normalize.map(c => [label(c), c] as const))('%s', (_, c) => {
    const result = parseNormalizedImageReference(c.input);
    checkCase(c, result);
    if (result.ok && c.familiar !== undefined) {
      expect(familiarName(result.reference)).toBe(c.familiar);
    }
  });
});

describe('error messages', () => {
  const messageOf = (text: string): string => {
    const result = parseImageReference(text);
    return result.ok ? '' : result.error;
  };

  it('says what to fix in plain words', () => {
    expect(messageOf('ubu$ntu')).toBe(
      "invalid character '$' at position 4 of the name; image references may only contain " +
        'letters, digits and . _ - / : @ [ ]'
    );
    expect(messageOf('a b')).toMatch(
      /^invalid character U\+0020 at position 2 of the name;/
    );
    expect(messageOf('a\u0000')).toMatch(/U\+0000 at position 2/);
    expect(messageOf('a😀')).toMatch(/'😀' at position 2/);
    expect(messageOf('Ubuntu')).toBe(
      "repository names must be lowercase ('U' at position 1)"
    );
    expect(messageOf('a:' + 'x'.repeat(129))).toBe(
      'tag is longer than 128 characters (129)'
    );
    expect(messageOf('a@sha256:' + 'f'.repeat(63))).toBe(
      'a sha256 digest has 64 hex characters, not 63'
    );
    expect(messageOf('https://ghcr.io/a')).toBe(
      "image references are not URLs: remove 'https://'"
    );
  });
});

describe('normalizeImageReference and familiarName', () => {
  const parsed = (text: string): IImageReference => {
    const result = parseImageReference(text);
    if (!result.ok) {
      throw new Error(result.error);
    }
    return result.reference;
  };

  it('defaults the registry, library/ and latest like docker pull', () => {
    expect(normalizeImageReference(parsed('ubuntu'))).toEqual({
      ok: true,
      reference: {
        domain: 'docker.io',
        path: 'library/ubuntu',
        tag: 'latest',
        digest: null,
        latestImplied: true
      }
    });
    const digested = normalizeImageReference(
      parsed('user/repo@sha256:' + 'a'.repeat(64))
    );
    expect(digested).toMatchObject({
      ok: true,
      reference: { domain: 'docker.io', tag: null, latestImplied: false }
    });
  });

  it('is idempotent', () => {
    for (const text of [
      'ubuntu',
      'user/repo:tag',
      'index.docker.io/x',
      'Foo/bar'
    ]) {
      const once = normalizeImageReference(parsed(text));
      expect(once.ok).toBe(true);
      if (once.ok) {
        expect(normalizeImageReference(once.reference)).toEqual(once);
      }
    }
  });

  it('shows familiar names', () => {
    expect(familiarName(parsed('docker.io/library/ubuntu'))).toBe('ubuntu');
    expect(familiarName(parsed('ubuntu:22.04'))).toBe('ubuntu:22.04');
    expect(familiarName(parsed('index.docker.io/user/repo:tag'))).toBe(
      'user/repo:tag'
    );
    expect(familiarName(parsed('ghcr.io/org/app:1'))).toBe('ghcr.io/org/app:1');
  });

  it('re-validates references it did not parse', () => {
    expect(
      normalizeImageReference({
        domain: null,
        path: 'ubuntu; rm -rf /',
        tag: null,
        digest: null
      })
    ).toMatchObject({ ok: false, kind: 'invalid-character' });
  });
});

// ---------------------------------------------------------------- properties

const lower = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const alnum = fc
  .array(fc.constantFrom(...lower), { minLength: 1, maxLength: 6 })
  .map(cs => cs.join(''));
const separator = fc.oneof(
  fc.constantFrom('.', '_', '__'),
  fc.integer({ min: 1, max: 3 }).map(n => '-'.repeat(n))
);
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const repoPath = fc
  .array(pathComponent, { minLength: 1, maxLength: 4 })
  .map(cs => cs.join('/'));
const hostLabel = fc
  .tuple(
    fc.constantFrom(...'abcXYZ019'.split('')),
    fc.array(fc.constantFrom(...'ab-Z9'.split('')), { maxLength: 5 }),
    fc.constantFrom(...'aZ9'.split(''))
  )
  .map(([a, b, c]) => a + b.join('') + c);
const domain = fc.tuple(
  fc.oneof(
    fc.array(hostLabel, { minLength: 2, maxLength: 3 }).map(ls => ls.join('.')),
    fc.constant('localhost'),
    fc.constant('[::1]'),
    fc
      .array(fc.constantFrom(...'0123456789abcdefABCDEF:'.split('')), {
        minLength: 1,
        maxLength: 12
      })
      .map(cs => `[${cs.join('')}]`)
  ),
  fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null })
);
const tagChars =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-'.split('');
const tag = fc
  .tuple(
    fc.constantFrom(...tagChars.filter(c => c !== '.' && c !== '-')),
    fc.array(fc.constantFrom(...tagChars), { maxLength: 127 })
  )
  .map(([h, t]) => h + t.join(''));
const digest = fc
  .array(fc.constantFrom(...'0123456789abcdef'.split('')), {
    minLength: 64,
    maxLength: 64
  })
  .map(cs => 'sha256:' + cs.join(''));

const validReference = fc
  .record({
    domain: fc.option(domain, { nil: null }),
    path: repoPath,
    tag: fc.option(tag, { nil: null }),
    digest: fc.option(digest, { nil: null })
  })
  .map(r => ({
    ...r,
    domain: r.domain && r.domain[0] + (r.domain[1] ? `:${r.domain[1]}` : '')
  }));

describe('properties', () => {
  it('format(parse(x)) round-trips for generated valid references', () => {
    fc.assert(
      fc.property(validReference, reference => {
        const text = formatImageReference(reference);
        const parsed = parseImageReference(text);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) {
          expect(formatImageReference(parsed.reference)).toBe(text);
          if (reference.domain !== null) {
            // A domain the grammar accepts is always split off as the domain.
            expect(parsed.reference).toEqual(reference);
          }
        }
      }),
      { numRuns: 500 }
    );
  });

  /** The part a character inserted at `at` lands in, and its position there. */
  const where = (reference: IImageReference, at: number): string => {
    const name =
      (reference.domain ? reference.domain.length + 1 : 0) +
      reference.path.length;
    if (at <= name) {
      return `position ${at + 1} of the name`;
    }
    const tag = reference.tag ? reference.tag.length + 1 : 0;
    return at <= name + tag
      ? `position ${at - name} of the tag`
      : `position ${at - name - tag} of the digest`;
  };

  it('counts a position from the start of the tag, digest or name', () => {
    const messageOf = (text: string): string => {
      const result = parseImageReference(text);
      return result.ok ? '' : result.error;
    };
    expect(messageOf('scrape:v1 2')).toMatch(
      /^invalid character U\+0020 at position 3 of the tag;/
    );
    expect(messageOf('localhost:5000/app:a;b')).toMatch(
      /';' at position 2 of the tag;/
    );
    expect(messageOf('app@sha256:ab cd')).toMatch(
      /U\+0020 at position 10 of the digest;/
    );
    expect(messageOf('[fe80::1%eth0]:5000/repo')).toMatch(
      /'%' at position 9 of the name;/
    );
  });

  it('refuses whitespace, control characters, quotes, $ and backticks anywhere', () => {
    const bad = fc.oneof(
      fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000'),
      fc.integer({ min: 0, max: 0x1f }).map(c => String.fromCharCode(c)),
      fc.constantFrom('\u007f', '"', "'", '$', '`', '\\', ';', '|', '&')
    );
    fc.assert(
      fc.property(validReference, bad, fc.nat(), (reference, character, at) => {
        const text = formatImageReference(reference);
        const position = at % (text.length + 1);
        const result = parseImageReference(
          text.slice(0, position) + character + text.slice(position)
        );
        expect(result).toMatchObject({
          ok: false,
          kind: 'invalid-character'
        });
        if (!result.ok) {
          // Counted from the start of its part, as a form's name or tag field shows it.
          expect(result.error).toContain(`at ${where(reference, position)};`);
        }
        expect(parseNormalizedImageReference(text + character).ok).toBe(false);
      }),
      { numRuns: 300 }
    );
  });

  it('refuses uppercase letters in the path', () => {
    fc.assert(
      fc.property(
        validReference,
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')),
        fc.nat(),
        (reference, letter, at) => {
          const position = at % (reference.path.length + 1);
          const path =
            reference.path.slice(0, position) +
            letter +
            reference.path.slice(position);
          // With a domain in front, no component of the path can be taken as one.
          const text = formatImageReference({
            ...reference,
            domain: reference.domain ?? 'example.com',
            path
          });
          expect(parseImageReference(text).ok).toBe(false);
          expect(parseNormalizedImageReference(text).ok).toBe(false);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('never throws, and whatever it accepts formats back to the input', () => {
    const alphabet = fc.constantFrom(
      ...'aA0._-/:@[]$ \n`"\'%:::///@@@sha256fF'.split('')
    );
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(alphabet, { maxLength: 40 }).map(cs => cs.join('')),
      fc
        .tuple(
          validReference.map(formatImageReference),
          fc.array(alphabet, { maxLength: 3 }),
          fc.nat()
        )
        .map(([s, cs, at]) => {
          const i = at % (s.length + 1);
          return s.slice(0, i) + cs.join('') + s.slice(i);
        })
    );
    fc.assert(
      fc.property(text, input => {
        const parsed = parseImageReference(input);
        if (parsed.ok) {
          expect(formatImageReference(parsed.reference)).toBe(input);
        } else {
          expect(parsed.error.length).toBeGreaterThan(0);
        }
        const normalized = parseNormalizedImageReference(input);
        if (normalized.ok) {
          expect(familiarName(normalized.reference).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 }
    );
    for (const weird of [null, undefined, 42, {}, 'a'.repeat(100000)]) {
      expect(parseImageReference(weird as unknown as string).ok).toBe(false);
      expect(parseNormalizedImageReference(weird as unknown as string).ok).toBe(
        false
      );
    }
  });

  it('stays fast on adversarial input', () => {
    const start = Date.now();
    for (const text of [
      'a'.repeat(1000) + '!',
      'a-'.repeat(500) + '/',
      ('a.'.repeat(200) + 'a/').repeat(2) + 'A',
      '[' + ':'.repeat(1000),
      'a' + '__a'.repeat(300) + ':'
    ]) {
      parseImageReference(text);
      parseNormalizedImageReference(text);
    }
    expect(Date.now() - start).toBeLessThan(1000);
  });
});

describe('isDockerHub', () => {
  it('knows the names users give Docker Hub', () => {
    for (const hub of [
      '',
      '  ',
      'docker.io',
      'index.docker.io',
      'registry-1.docker.io',
      ' docker.io/ ',
      'docker.io//'
    ]) {
      expect(isDockerHub(hub)).toBe(true);
    }
  });

  it('takes every other registry as its own', () => {
    for (const other of [
      'ghcr.io',
      'quay.io',
      'localhost:5000',
      'docker.io:443',
      'docker.io.example.com',
      'mydocker.io',
      'Docker.io'
    ]) {
      expect(isDockerHub(other)).toBe(false);
    }
  });
});

describe('withRegistry', () => {
  it('leaves Docker Hub out and puts any other registry in front', () => {
    expect(withRegistry('docker.io', 'me/app')).toBe('me/app');
    expect(withRegistry('', 'me/app')).toBe('me/app');
    expect(withRegistry(' ghcr.io/ ', ' me/app ')).toBe('ghcr.io/me/app');
    expect(withRegistry('localhost:5000', 'app')).toBe('localhost:5000/app');
  });

  it('names nothing without a repository', () => {
    expect(withRegistry('ghcr.io', '  ')).toBe('');
  });
});

describe('withTag', () => {
  it('adds a tag, trimmed', () => {
    expect(withTag(' me/app ', ' v1 ')).toBe('me/app:v1');
    expect(withTag('localhost:5000/app', 'latest')).toBe(
      'localhost:5000/app:latest'
    );
  });

  it('leaves the name alone without a tag, and names nothing without a name', () => {
    expect(withTag('me/app', ' ')).toBe('me/app');
    expect(withTag(' ', 'latest')).toBe('');
  });

  it('round-trips through parseNormalizedImageReference', () => {
    const registry = fc.oneof(
      fc.constantFrom('', 'docker.io', 'index.docker.io'),
      fc
        .tuple(
          fc.oneof(
            fc
              .array(hostLabel, { minLength: 2, maxLength: 3 })
              .map(labels => labels.join('.')),
            fc.constantFrom('localhost', '[::1]')
          ),
          fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null })
        )
        .map(([host, port]) => (port ? `${host}:${port}` : host))
    );
    fc.assert(
      fc.property(registry, repoPath, tag, (registry, path, tag) => {
        const name = withRegistry(registry, path);
        const untagged = parseNormalizedImageReference(name);
        const tagged = parseNormalizedImageReference(withTag(name, tag));
        expect(untagged.ok).toBe(true);
        expect(tagged.ok).toBe(true);
        if (untagged.ok && tagged.ok) {
          expect(tagged.reference.tag).toBe(tag);
          expect(tagged.reference.latestImplied).toBe(false);
          expect(tagged.reference.domain).toBe(untagged.reference.domain);
          expect(tagged.reference.path).toBe(untagged.reference.path);
          expect(tagged.reference.digest).toBeNull();
        }
      }),
      { numRuns: 1000 }
    );
  });
});

import fc from 'fast-check';

import { escapeNonAscii, showUntrusted, splitCode } from '../shared/text';

function join(parts: { text: string; code: boolean }[]): string {
  return parts
    .map(part => (part.code ? `\`${part.text}\`` : part.text))
    .join('');
}

describe('splitCode', () => {
  it('marks backticked parts as code', () => {
    expect(splitCode('Run `make lab` or `docker ps`.')).toEqual([
      { text: 'Run ', code: false },
      { text: 'make lab', code: true },
      { text: ' or ', code: false },
      { text: 'docker ps', code: true },
      { text: '.', code: false }
    ]);
  });

  it('keeps an unpaired backtick as text', () => {
    expect(splitCode('a `b` c `d')).toEqual([
      { text: 'a ', code: false },
      { text: 'b', code: true },
      { text: ' c `d', code: false }
    ]);
  });

  it('gives nothing for an empty message', () => {
    expect(splitCode('')).toEqual([]);
  });

  it('never loses or adds a character', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '`', ' ', 'é') }),
        text => {
          expect(join(splitCode(text))).toBe(text);
        }
      )
    );
  });
});

describe('escapeNonAscii', () => {
  it('escapes controls and non-ASCII as Python writes them', () => {
    expect(escapeNonAscii('a\nb\u0000')).toBe('a\\x0ab\\x00');
    expect(escapeNonAscii('é\u2028😀')).toBe('\\xe9\\u2028\\U0001f600');
    expect(escapeNonAscii('plain ~text~')).toBe('plain ~text~');
  });
});

describe('showUntrusted', () => {
  it('quotes a value in backticks', () => {
    expect(showUntrusted('numpy')).toBe('`numpy`');
    expect(showUntrusted(42)).toBe('`42`');
    expect(showUntrusted(undefined)).toBe('`undefined`');
  });

  it('clips long values by characters, not UTF-16 units', () => {
    expect(showUntrusted('abcdef', 3)).toBe('`abc...`');
    expect(showUntrusted('abc', 3)).toBe('`abc`');
    expect(showUntrusted('😀😀😀', 2)).toBe('`\\U0001f600\\U0001f600...`');
  });

  it('cannot break the line or the code span it stands in', () => {
    expect(showUntrusted('bad\n-r /etc/passwd')).toBe(
      '`bad\\x0a-r /etc/passwd`'
    );
    expect(showUntrusted('a`b')).toBe("`a'b`");
  });

  it('is one line of printable ASCII, one code part, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(100), (text, max) => {
        const shown = showUntrusted(text, max);
        expect(shown).toMatch(/^`[\x20-\x5f\x61-\x7e]*`$/);
        expect(splitCode(shown)).toEqual([
          { text: shown.slice(1, -1), code: true }
        ]);
        if ([...text].length <= max) {
          expect(shown.endsWith('...`')).toBe(text.endsWith('...'));
        }
      })
    );
  });
});

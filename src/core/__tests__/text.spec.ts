import fc from 'fast-check';

import { splitCode } from '../text';

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

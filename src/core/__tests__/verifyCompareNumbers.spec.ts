import fc from 'fast-check';

import {
  compareTextWithNumbers,
  formatTolerance,
  numbersClose,
  tokenise
} from '../verify/numbers';

const TOLERANCE = { relative: 1e-6, absolute: 1e-12 };

function same(saved: string, produced: string): boolean {
  return compareTextWithNumbers(saved, produced, TOLERANCE).equal;
}

describe('tokenise', () => {
  it('cuts text into words and numbers', () => {
    expect(tokenise('accuracy: 0.9127, loss -1.5e-03 (n=42)')).toEqual({
      words: ['accuracy: ', ', loss ', ' (n=', ')'],
      numbers: ['0.9127', '-1.5e-03', '42']
    });
  });

  it('keeps digits glued to words as words', () => {
    expect(tokenise('dtype: float64, x1, T_3, 1.26.4, 15s')).toEqual({
      words: ['dtype: float64, x1, T_3, ', '.4, 15s'],
      numbers: ['1.26']
    });
  });

  it('reads a minus after a word as a hyphen', () => {
    expect(tokenise('a-1 5-3 [-2]').numbers).toEqual(['1', '5', '3', '-2']);
  });
});

describe('numbersClose', () => {
  it('uses the relative tolerance against the larger magnitude', () => {
    expect(numbersClose(0.512345678, 0.512345679, TOLERANCE)).toBe(true);
    expect(numbersClose(0.512, 0.513, TOLERANCE)).toBe(false);
    expect(numbersClose(1000000, 1000001, TOLERANCE)).toBe(true);
    expect(numbersClose(1000, 1001, TOLERANCE)).toBe(false);
  });

  it('uses the absolute tolerance near zero', () => {
    expect(numbersClose(1e-13, -1e-13, TOLERANCE)).toBe(true);
    expect(numbersClose(0, 1e-9, TOLERANCE)).toBe(false);
  });

  it('never calls infinities or NaN close to a number', () => {
    expect(numbersClose(Infinity, Infinity, TOLERANCE)).toBe(true);
    expect(numbersClose(Infinity, 1e308, TOLERANCE)).toBe(false);
    expect(numbersClose(NaN, NaN, TOLERANCE)).toBe(false);
  });
});

describe('compareTextWithNumbers', () => {
  it('matches a change in the 9th digit and not one in the 3rd', () => {
    expect(same('mean = 0.512345678', 'mean = 0.512345679')).toBe(true);
    expect(same('mean = 0.512345678', 'mean = 0.514345678')).toBe(false);
  });

  it('matches the same number written differently', () => {
    expect(same('[1. 2. 3.]', '[1.0 2.0 3.0]')).toBe(true);
    expect(same('1e-05', '1.0e-5')).toBe(true);
    expect(same('-0.0', '0.0')).toBe(true);
  });

  it('tells a changed count, an added number and changed words apart from noise', () => {
    expect(same('rows: 1000', 'rows: 1001')).toBe(false);
    expect(same('[1, 2, 3]', '[1, 2, 3, 4]')).toBe(false);
    expect(same('accuracy 0.91', 'precision 0.91')).toBe(false);
    expect(same('nan', '0.0')).toBe(false);
    expect(same('version 1.26.4', 'version 1.26.5')).toBe(false);
    expect(same('float64', 'float32')).toBe(false);
  });

  it('matches a table whose padding moved with a number within the tolerance', () => {
    expect(
      same(
        '          a\n0  0.999999999\n1  2.5',
        '          a\n0  1.0000000001\n1   2.5'
      )
    ).toBe(true);
    expect(
      same('array([1.5, 2.5,\n       3.5])', 'array([1.5, 2.5, 3.5])')
    ).toBe(true);
    // Whitespace where there was none is a change of words.
    expect(same('a 1', 'a1')).toBe(false);
  });

  it('says how many numbers differ and the first pair', () => {
    expect(
      compareTextWithNumbers(
        'a 0.512 b 2 c 3.1',
        'a 0.498 b 2 c 3.3',
        TOLERANCE
      )
    ).toEqual({
      equal: false,
      note: '2 numbers differ beyond 1e-6 (first: 0.512 → 0.498)'
    });
    expect(compareTextWithNumbers('n = 3', 'n = 4', TOLERANCE).note).toBe(
      '1 number differs beyond 1e-6 (first: 3 → 4)'
    );
  });

  it('says which line has different words', () => {
    expect(
      compareTextWithNumbers('a\nb 1\nc', 'a\nb 1.0000000001\nd', TOLERANCE)
        .note
    ).toBe('Text differs on line 3: "c" → "d"');
    expect(compareTextWithNumbers('a\nb', 'a', TOLERANCE).note).toBe(
      '1 line missing from line 2: "b"'
    );
    expect(compareTextWithNumbers('a', 'a\nb\nc', TOLERANCE).note).toBe(
      '2 lines more from line 2: "b"'
    );
  });

  it('formats tolerances as people write them', () => {
    expect(formatTolerance(1e-6)).toBe('1e-6');
    expect(formatTolerance(2.5e-4)).toBe('2.5e-4');
    expect(formatTolerance(0.01)).toBe('0.01');
    expect(formatTolerance(0)).toBe('0');
  });

  const words = fc.stringMatching(/^[a-z :=,()[\]\n]{0,12}$/);
  const number = fc.double({ min: -1e9, max: 1e9, noNaN: true });

  it('matches any text with itself', () => {
    fc.assert(
      fc.property(fc.string(), text => {
        expect(same(text, text)).toBe(true);
      })
    );
  });

  it('matches a number changed within the tolerance and not one changed beyond it', () => {
    fc.assert(
      fc.property(
        words,
        number.filter(value => Math.abs(value) > 1e-3),
        words,
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.double({ min: 3, max: 1000, noNaN: true }),
        (before, value, after, small, large) => {
          const saved = `${before} ${value} ${after}`;
          const within = value * (1 + small * TOLERANCE.relative);
          const beyond = value * (1 + large * TOLERANCE.relative);
          expect(same(saved, `${before} ${within} ${after}`)).toBe(true);
          expect(same(saved, `${before} ${beyond} ${after}`)).toBe(false);
        }
      )
    );
  });

  it('never matches when a word changes, whatever the numbers', () => {
    fc.assert(
      fc.property(number, number, (a, b) => {
        expect(same(`mean ${a} std ${b}`, `mean ${a} var ${b}`)).toBe(false);
      })
    );
  });
});

import { cellCheck } from '../verify/cellTags';

describe('cellCheck', () => {
  it('compares a cell without tags or markers', () => {
    expect(cellCheck({ tags: [], source: 'x = 1\nx' })).toBe('compare');
    expect(cellCheck({ tags: ['parameters', 'hide-input'], source: 'x' })).toBe(
      'compare'
    );
  });

  it.each([
    ['dockerize-ignore-output', 'ignore-output'],
    ['dockerize-raises', 'raises'],
    ['dockerize-skip', 'skip'],
    ['nbval-ignore-output', 'ignore-output'],
    ['nbval-raises-exception', 'raises'],
    ['nbval-skip', 'skip'],
    ['raises-exception', 'raises']
  ])('reads the tag %s as %s', (tag, check) => {
    expect(cellCheck({ tags: [tag], source: 'x' })).toBe(check);
  });

  it("reads nbval's marker comments", () => {
    expect(
      cellCheck({ tags: [], source: '# NBVAL_IGNORE_OUTPUT\nimport time' })
    ).toBe('ignore-output');
    expect(
      cellCheck({ tags: [], source: '#NBVAL_RAISES_EXCEPTION\n1/0' })
    ).toBe('raises');
    expect(cellCheck({ tags: [], source: '  ## NBVAL_SKIP  \nslow()' })).toBe(
      'skip'
    );
  });

  it('does not read a marker inside code or a longer comment', () => {
    expect(cellCheck({ tags: [], source: 'print("# NBVAL_SKIP")' })).toBe(
      'compare'
    );
    expect(
      cellCheck({ tags: [], source: '# NBVAL_SKIP is not used here' })
    ).toBe('compare');
    expect(cellCheck({ tags: [], source: '# constructor\n# toString' })).toBe(
      'compare'
    );
    expect(
      cellCheck({ tags: ['constructor', 'NBVAL-SKIP'], source: 'x' })
    ).toBe('compare');
  });

  it('lets the marker that asks least win', () => {
    expect(
      cellCheck({
        tags: ['raises-exception', 'nbval-ignore-output'],
        source: ''
      })
    ).toBe('raises');
    expect(
      cellCheck({ tags: ['raises-exception'], source: '# NBVAL_SKIP\n1/0' })
    ).toBe('skip');
  });
});

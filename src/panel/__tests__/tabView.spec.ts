import { isTabView, notebookTabId } from '../tabView';

describe('notebookTabId', () => {
  it('is a valid CSS id', () => {
    for (const path of [
      'sales.ipynb',
      'a folder/with spaces/été.ipynb',
      'x/"quote\'s"#1.ipynb'
    ]) {
      expect(notebookTabId(path)).toMatch(/^[A-Za-z][A-Za-z0-9_-]*$/);
    }
  });

  it('gives two paths two ids, even when escaping could make them alike', () => {
    const paths = [
      'a/b.ipynb',
      'a_b.ipynb',
      'a_2f_b.ipynb',
      'a-b.ipynb',
      'a b.ipynb',
      'A/b.ipynb'
    ];
    expect(new Set(paths.map(notebookTabId)).size).toBe(paths.length);
  });

  it('is the same for the same path', () => {
    expect(notebookTabId('n/b.ipynb')).toBe(notebookTabId('n/b.ipynb'));
  });
});

describe('isTabView', () => {
  it('knows the three views and nothing else', () => {
    expect(['dockerfile', 'log', 'verify'].every(isTabView)).toBe(true);
    expect(isTabView('Log')).toBe(false);
    expect(isTabView(undefined)).toBe(false);
  });
});

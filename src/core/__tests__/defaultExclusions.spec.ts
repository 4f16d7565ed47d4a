import {
  DEFAULT_EXCLUSIONS,
  defaultExclusion
} from '../requirements/defaultExclusions';
import { normalizeName } from '../environment/pep508';

describe('default exclusions', () => {
  it('documents every default exclusion with a normalized name', () => {
    for (const [name, reason] of DEFAULT_EXCLUSIONS) {
      expect(normalizeName(name)).toBe(name);
      expect(reason).toMatch(/\.$/);
    }
  });

  it('leaves out every pyobjc framework, and nothing it does not name', () => {
    expect(defaultExclusion('pyobjc')).toMatch(/Windows or macOS/);
    expect(defaultExclusion('pyobjc-framework-cocoa')).toMatch(
      /Windows or macOS/
    );
    expect(defaultExclusion('pip')).toBe(DEFAULT_EXCLUSIONS.get('pip'));
    expect(defaultExclusion('numpy')).toBeNull();
    expect(defaultExclusion('jupyterlab')).toBeNull();
  });
});

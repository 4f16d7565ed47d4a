import { editDistance, resolveImports } from '../imports/importResolution';
import { findImports } from '../imports/importScanner';
import { IDistribution } from '../environment/snapshot';
import { STDLIB_MODULES } from '../environment/stdlib';
import { dist, snapshotOf } from './snapshotBuilders';

describe('resolveImports', () => {
  function distribution(
    name: string,
    topLevel: string[],
    requires: string[] = []
  ): IDistribution {
    return dist(name, '1.0', { topLevel, requires });
  }

  const snapshot = snapshotOf(
    [
      distribution('scikit-learn', ['sklearn']),
      distribution('pillow', ['PIL']),
      distribution('pyyaml', ['_yaml', 'yaml']),
      distribution('numpy', ['numpy']),
      distribution('protobuf', ['google']),
      distribution('google-auth', ['google']),
      distribution('matplotlib', ['matplotlib', 'mpl_toolkits', 'pylab']),
      distribution('typing', ['typing']),
      distribution('beautifulsoup4', ['bs4']),
      distribution('no-top-level', [])
    ],
    { python: { implementation: 'CPython', version: '3.12.3' } }
  );

  function resolve(cells: string[], localModules?: Set<string>) {
    return resolveImports(findImports(cells), snapshot, { localModules });
  }

  it('maps import names to distributions through their top-level names', () => {
    const result = resolve([
      'import sklearn.linear_model\nfrom PIL import Image\nimport yaml, numpy as np\n' +
        'from mpl_toolkits import mplot3d'
    ]);
    expect(
      result.resolved.map(item => [
        item.name,
        item.distributions,
        item.ambiguous
      ])
    ).toEqual([
      ['sklearn', ['scikit-learn'], false],
      ['PIL', ['pillow'], false],
      ['yaml', ['pyyaml'], false],
      ['numpy', ['numpy'], false],
      ['mpl_toolkits', ['matplotlib'], false]
    ]);
    expect(result.distributions).toEqual([
      'matplotlib',
      'numpy',
      'pillow',
      'pyyaml',
      'scikit-learn'
    ]);
    expect(result.unresolved).toEqual([]);
  });

  it('includes every provider of a shared (namespace) top-level name, flagged', () => {
    const result = resolve(['from google.protobuf import message']);
    expect(result.resolved).toEqual([
      expect.objectContaining({
        name: 'google',
        distributions: ['google-auth', 'protobuf'],
        ambiguous: true
      })
    ]);
  });

  it('classifies the rest as stdlib, local or unknown', () => {
    const result = resolve(
      [
        'import os, sys, json, __future__, tomllib\nimport helpers\nimport sklaern\n' +
          'import nmupy\nimport colections\nimport pyyaml\nimport beautifulsoup4\n' +
          'import zzzzzz\nimport typing\nimport written',
        '%%writefile written.py\nx = 1'
      ],
      new Set(['helpers'])
    );
    expect(
      result.unresolved.map(item => [item.name, item.kind, item.suggestion])
    ).toEqual([
      ['os', 'stdlib', null],
      ['sys', 'stdlib', null],
      ['json', 'stdlib', null],
      ['__future__', 'stdlib', null],
      ['tomllib', 'stdlib', null],
      ['helpers', 'local', null],
      ['sklaern', 'unknown', 'sklearn'],
      ['nmupy', 'unknown', 'numpy'],
      ['colections', 'unknown', 'collections'],
      ['pyyaml', 'unknown', 'yaml'],
      ['beautifulsoup4', 'unknown', 'bs4'],
      ['zzzzzz', 'unknown', null],
      // The standard library comes before site-packages: the `typing` backport is unused.
      ['typing', 'stdlib', null],
      ['written', 'local', null]
    ]);
    expect(result.distributions).toEqual([]);
  });

  it('lets a local module shadow an installed one', () => {
    const result = resolve(['import yaml'], new Set(['yaml']));
    expect(result.unresolved[0].kind).toBe('local');
    expect(result.resolved).toEqual([]);
  });

  it('knows modules removed from, or added to, the standard library', () => {
    const old = {
      ...snapshot,
      python: { ...snapshot.python, version: '3.10.4' }
    };
    const scan = findImports(['import distutils, imp, tomllib, asyncore']);
    const now = resolveImports(scan, snapshot);
    expect(
      now.unresolved.map(item => [item.name, item.kind, item.note])
    ).toEqual([
      [
        'distutils',
        'unknown',
        'removed from the standard library in Python 3.12'
      ],
      ['imp', 'unknown', 'removed from the standard library in Python 3.12'],
      ['tomllib', 'stdlib', null],
      [
        'asyncore',
        'unknown',
        'removed from the standard library in Python 3.12'
      ]
    ]);
    const then = resolveImports(scan, old);
    expect(
      then.unresolved.map(item => [item.name, item.kind, item.note])
    ).toEqual([
      ['distutils', 'stdlib', null],
      ['imp', 'stdlib', null],
      ['tomllib', 'unknown', 'in the standard library from Python 3.11'],
      ['asyncore', 'stdlib', null]
    ]);
  });

  it('takes a custom standard-library list', () => {
    const result = resolveImports(
      findImports(['import os, special']),
      snapshot,
      { stdlibNames: new Set(['special']) }
    );
    expect(result.unresolved.map(item => [item.name, item.kind])).toEqual([
      ['os', 'unknown'],
      ['special', 'stdlib']
    ]);
  });

  it('carries the dynamic and guarded flags and relative imports', () => {
    const result = resolve([
      'try:\n    import yaml\nexcept ImportError:\n    pass\n' +
        'm = importlib.import_module("sklearn")\nfrom . import sibling'
    ]);
    expect(
      result.resolved.map(item => [item.name, item.dynamic, item.guarded])
    ).toEqual([
      ['yaml', false, true],
      ['sklearn', true, false]
    ]);
    expect(result.relative).toEqual([{ module: '.', cell: 0, line: 6 }]);
  });
});

describe('editDistance and the standard-library list', () => {
  it('counts edits and adjacent swaps, up to a limit', () => {
    expect(editDistance('sklearn', 'sklearn', 2)).toBe(0);
    expect(editDistance('sklaern', 'sklearn', 2)).toBe(1);
    expect(editDistance('nmupy', 'numpy', 2)).toBe(1);
    expect(editDistance('pandas', 'panda', 2)).toBe(1);
    expect(editDistance('abc', 'xyz', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });

  it('holds the standard library of 3.8 to 3.13', () => {
    for (const name of [
      'os',
      'sys',
      'collections',
      '__future__',
      'tomllib',
      'zoneinfo',
      'distutils',
      'imp',
      'asynchat',
      'formatter',
      'winreg',
      '_thread'
    ]) {
      expect(STDLIB_MODULES.has(name)).toBe(true);
    }
    for (const name of ['numpy', 'test', '_testcapi', 'setuptools', 'pip']) {
      expect(STDLIB_MODULES.has(name)).toBe(false);
    }
  });
});

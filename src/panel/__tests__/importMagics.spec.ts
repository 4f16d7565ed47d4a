import { findImports } from '../../core/imports/importScanner';
import {
  IImportResolution,
  resolveImports
} from '../../core/imports/importResolution';
import { parseSnapshot } from '../../core/environment/snapshotParse';
import {
  IDistribution,
  IEnvironmentSnapshot
} from '../../core/environment/snapshot';
import { magicNote, magicsByDistribution } from '../importMagics';

function dist(name: string, topLevel: string[]): IDistribution {
  return {
    name,
    displayName: name,
    version: '1.0',
    installer: 'pip',
    requires: [],
    topLevel,
    directUrl: null,
    location: '/venv/lib/python3.11/site-packages'
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const venv = require('../../core/__tests__/fixtures/snapshot-venv.json');
const snapshot: IEnvironmentSnapshot = {
  ...parseSnapshot(venv),
  distributions: [
    dist('matplotlib', ['matplotlib', 'pylab']),
    dist('ipympl', ['ipympl']),
    dist('jupysql', ['sql']),
    dist('pandas', ['pandas'])
  ]
};

function resolve(cells: string[]): IImportResolution {
  return resolveImports(findImports(cells), snapshot);
}

describe('magicsByDistribution', () => {
  it('names the magic that alone needs a distribution', () => {
    const resolution = resolve([
      '%matplotlib inline\n%load_ext sql',
      'import pandas'
    ]);
    const magics = magicsByDistribution(resolution.resolved);
    expect(magics.get('matplotlib')).toBe('%matplotlib inline');
    expect(magics.get('jupysql')).toBe('%load_ext sql');
    expect(magics.has('pandas')).toBe(false);
  });

  it('says nothing where an import statement needs it too', () => {
    const resolution = resolve([
      '%matplotlib widget',
      'import matplotlib.pyplot as plt'
    ]);
    const magics = magicsByDistribution(resolution.resolved);
    expect(magics.has('matplotlib')).toBe(false);
    expect(magics.get('ipympl')).toBe('%matplotlib widget');
  });

  it('keeps the first magic of a distribution', () => {
    const magics = magicsByDistribution([
      { ...resolved('sql', ['jupysql']), magic: '%load_ext sql' },
      { ...resolved('sql', ['jupysql']), magic: '%reload_ext sql' }
    ]);
    expect(magics.get('jupysql')).toBe('%load_ext sql');
  });
});

function resolved(name: string, distributions: string[]) {
  return {
    name,
    distributions,
    ambiguous: false,
    cell: 0,
    line: 1,
    dynamic: false,
    guarded: false
  };
}

describe('magicNote', () => {
  it('says which magic needs the import', () => {
    expect(magicNote('%matplotlib inline')).toBe('(for %matplotlib inline)');
    expect(magicNote(undefined)).toBe('');
  });

  it('flags an unresolved import that only a magic needs', () => {
    const resolution = resolve(['%load_ext line_profiler']);
    const item = resolution.unresolved.find(u => u.name === 'line_profiler');
    expect(magicNote(item?.magic)).toBe('(for %load_ext line_profiler)');
  });
});

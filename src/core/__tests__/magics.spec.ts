/**
 * Imports mode and IPython magics (issue 11, point 7): what a magic or shell line needs
 * installed is found, and resolves to the distribution installed for it.
 */
import { distributionIn } from './builders';
import { findImports } from '../imports/importScanner';
import { resolveImports } from '../imports/importResolution';
import {
  cellMagicModules,
  lineMagicModules,
  shellModules
} from '../imports/magics';
import { IDistribution } from '../environment/snapshot';
import { snapshotOf } from './snapshotBuilders';

const SITE = '/srv/venv/lib/python3.11/site-packages';

function installed(name: string, topLevel: string[]): IDistribution {
  return distributionIn(SITE, name, '1.0', { topLevel });
}

/** The top-level names a notebook of these cells needs, sorted. */
function needs(...cells: string[]): string[] {
  return findImports(cells)
    .imports.map(item => item.name)
    .sort();
}

describe('the magic tables', () => {
  it.each([
    ['matplotlib', 'inline', ['matplotlib']],
    ['matplotlib', '', ['matplotlib']],
    ['matplotlib', 'widget', ['matplotlib', 'ipympl']],
    ['matplotlib', 'ipympl', ['matplotlib', 'ipympl']],
    ['matplotlib', '--list', ['matplotlib']],
    ['pylab', 'inline', ['matplotlib', 'numpy']],
    ['load_ext', 'autoreload', []],
    ['load_ext', 'storemagic', []],
    ['load_ext', 'IPython.extensions.autoreload', []],
    ['load_ext', 'sql', ['sql']],
    ['load_ext', 'dotenv', ['dotenv']],
    ['load_ext', 'line_profiler', ['line_profiler']],
    ['load_ext', 'memory_profiler', ['memory_profiler']],
    ['load_ext', 'nb_black', ['nb_black']],
    ['load_ext', 'Cython', ['Cython']],
    ['load_ext', 'rpy2.ipython', ['rpy2.ipython']],
    ['reload_ext', ' sql ', ['sql']],
    ['unload_ext', 'sql', []],
    ['sql', 'SELECT 1', ['sql']],
    ['lprun', '-f f f()', ['line_profiler']],
    ['memit', 'f()', ['memory_profiler']],
    ['run', 'helpers.py', []],
    ['run', '-i helpers.py', []],
    ['run', '-m spacy download en', ['spacy']],
    ['pip', 'install pandas', []],
    ['conda', 'install numpy', []],
    ['time', 'import x', []],
    ['env', 'A=1', []]
  ])('%%%s %s → %j', (name, args, modules) => {
    expect(lineMagicModules(name, args)).toEqual(modules);
  });

  it.each([
    ['sql', '', ['sql']],
    ['sql', ' postgresql://u@h/db', ['sql']],
    ['cython', ' -a', ['Cython']],
    ['R', ' -i df', ['rpy2']],
    ['capture', ' out', []],
    ['time', '', []],
    ['bash', '', []],
    ['html', '', []],
    ['writefile', ' x.py', []]
  ])('%%%%%s%s → %j', (name, args, modules) => {
    expect(cellMagicModules(name, args)).toEqual(modules);
  });

  it.each([
    ['python -m spacy download en_core_web_sm', ['spacy']],
    ['python3 -m nltk.downloader punkt', ['nltk.downloader']],
    ['{sys.executable} -m pip install x', []],
    ['python -m pip install x', []],
    ['/usr/bin/python3.11 -u -m http.server', ['http.server']],
    ['cd x && python -m mypkg.cli run', ['mypkg.cli']],
    ['pip install pandas', []],
    ['ls -la', []],
    ['echo python -mx', []]
  ])('!%s → %j', (command, modules) => {
    expect(shellModules(command)).toEqual(modules);
  });
});

describe('findImports with magics', () => {
  it('finds what line magics need, flagged with the magic', () => {
    const scan = findImports([
      '%matplotlib widget\n%load_ext autoreload\n%autoreload 2',
      '%load_ext sql\n%sql SELECT 1\n%reload_ext dotenv',
      '%pip install ipympl\n%conda install x\n%run helpers.py'
    ]);
    expect(
      scan.imports.map(item => [item.name, item.cell, item.line, item.magic])
    ).toEqual([
      ['matplotlib', 0, 1, '%matplotlib widget'],
      ['ipympl', 0, 1, '%matplotlib widget'],
      ['sql', 1, 1, '%load_ext sql'],
      ['dotenv', 1, 3, '%reload_ext dotenv']
    ]);
  });

  it('finds what cell magics need, and still skips their bodies', () => {
    const scan = findImports([
      '%%sql\nSELECT * FROM import_no',
      '%%cython -a\ncimport numpy',
      '%%capture out\nimport yes'
    ]);
    expect(scan.imports.map(item => [item.name, item.magic])).toEqual([
      ['sql', '%%sql'],
      ['Cython', '%%cython -a'],
      ['yes', undefined]
    ]);
    expect(scan.skippedCells).toEqual([
      { cell: 0, magic: 'sql' },
      { cell: 1, magic: 'cython' }
    ]);
  });

  it('finds `python -m` in shell lines, also assigned and indented', () => {
    expect(
      needs(
        '!python -m spacy download en\nout = !python3 -m black --version',
        'if True:\n    !{sys.executable} -m pip install x\n    !ls'
      )
    ).toEqual(['black', 'spacy']);
  });

  it('a real import wins over the magic: no flag', () => {
    const scan = findImports([
      '%matplotlib inline',
      'import matplotlib.pyplot'
    ]);
    expect(scan.imports).toEqual([
      expect.objectContaining({
        name: 'matplotlib',
        cell: 0,
        modules: ['matplotlib', 'matplotlib.pyplot']
      })
    ]);
    expect(scan.imports[0].magic).toBeUndefined();
  });

  it('never reads magic arguments as modules beyond their grammar', () => {
    expect(
      needs('%load_ext $(rm -rf /)', '%load_ext a;b', '%load_ext ../x')
    ).toEqual([]);
  });
});

describe('resolution to the installed distributions', () => {
  it('resolves each magic to what provides its module, whichever is installed', () => {
    const scan = findImports([
      '%matplotlib widget\n%load_ext sql\n%load_ext dotenv\n%load_ext nb_black',
      '%load_ext line_profiler\n%load_ext memory_profiler',
      '%%cython\ncdef int x = 1'
    ]);
    const withJupysql = resolveImports(
      scan,
      snapshotOf([
        installed('matplotlib', ['matplotlib', 'mpl_toolkits', 'pylab']),
        installed('ipympl', ['ipympl']),
        installed('jupysql', ['sql']),
        installed('python-dotenv', ['dotenv']),
        installed('nb-black', ['nb_black']),
        installed('line-profiler', ['line_profiler', 'kernprof']),
        installed('memory-profiler', ['memory_profiler', 'mprof']),
        installed('Cython', ['Cython', 'cython', 'pyximport'])
      ])
    );
    expect(withJupysql.distributions).toEqual([
      'cython',
      'ipympl',
      'jupysql',
      'line-profiler',
      'matplotlib',
      'memory-profiler',
      'nb-black',
      'python-dotenv'
    ]);
    expect(
      withJupysql.resolved.find(item => item.name === 'sql')
    ).toMatchObject({ distributions: ['jupysql'], magic: '%load_ext sql' });
    const withIpythonSql = resolveImports(
      findImports(['%load_ext sql']),
      snapshotOf([installed('ipython-sql', ['sql'])])
    );
    expect(withIpythonSql.distributions).toEqual(['ipython-sql']);
  });

  it('a magic whose extension is not installed is unknown, flagged', () => {
    const resolution = resolveImports(
      findImports(['%load_ext sql']),
      snapshotOf([])
    );
    expect(resolution.unresolved).toEqual([
      expect.objectContaining({
        name: 'sql',
        kind: 'unknown',
        magic: '%load_ext sql'
      })
    ]);
  });
});

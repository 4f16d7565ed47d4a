import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';

import { dependencyClosure, markerEnvironment } from '../environment/closure';
import { findImports } from '../imports/importScanner';
import { resolveImports } from '../imports/importResolution';
import { IDistribution, IEnvironmentSnapshot } from '../environment/snapshot';
import { distributionIn } from './builders';
import { snapshotOf } from './snapshotBuilders';

const SITE = '/home/user/.venv/lib/python3.11/site-packages';

function dist(
  name: string,
  version: string,
  topLevel: string[],
  requires: string[] = []
): IDistribution {
  return distributionIn(SITE, name, version, { topLevel, requires });
}

/** Requires-Dist and top_level.txt as the real wheels have them (extras trimmed). */
const DISTRIBUTIONS: IDistribution[] = [
  dist(
    'pandas',
    '2.2.2',
    ['pandas'],
    [
      'numpy>=1.22.4; python_version < "3.11"',
      'numpy>=1.23.2; python_version == "3.11"',
      'numpy>=1.26.0; python_version >= "3.12"',
      'python-dateutil>=2.8.2',
      'pytz>=2020.1',
      'tzdata>=2022.7',
      'hypothesis>=6.46.1; extra == "test"',
      'pytest>=7.3.2; extra == "test"',
      'pytest-xdist>=2.2.0; extra == "test"',
      'pyarrow>=10.0.1; extra == "pyarrow"',
      'odfpy>=1.4.1; extra == "excel"',
      'openpyxl>=3.1.0; extra == "excel"',
      'xlsxwriter>=3.0.5; extra == "excel"'
    ]
  ),
  dist('numpy', '1.26.4', ['numpy']),
  dist('python-dateutil', '2.9.0.post0', ['dateutil'], ['six>=1.5']),
  dist('pytz', '2024.1', ['pytz']),
  dist('tzdata', '2024.1', ['tzdata']),
  dist('six', '1.16.0', ['six']),
  dist(
    'scikit-learn',
    '1.5.0',
    ['sklearn'],
    [
      'numpy>=1.19.5',
      'scipy>=1.6.0',
      'joblib>=1.2.0',
      'threadpoolctl>=3.1.0',
      'matplotlib>=3.3.4; extra == "benchmark"',
      'pandas>=1.1.5; extra == "benchmark"',
      'memory-profiler>=0.57.0; extra == "benchmark"',
      'pytest>=7.1.2; extra == "tests"'
    ]
  ),
  dist(
    'scipy',
    '1.13.1',
    ['scipy'],
    ['numpy<2.3,>=1.22.4', 'pytest; extra == "test"', 'mpmath; extra == "test"']
  ),
  dist('joblib', '1.4.2', ['joblib']),
  dist('threadpoolctl', '3.5.0', ['threadpoolctl']),
  dist(
    'pillow',
    '10.3.0',
    ['PIL'],
    [
      'furo; extra == "docs"',
      'olefile; extra == "fpx"',
      'typing-extensions; python_version < "3.10" and extra == "typing"',
      'defusedxml; extra == "xmp"'
    ]
  ),
  dist('pyyaml', '6.0.1', ['_yaml', 'yaml']),
  dist(
    'matplotlib',
    '3.8.4',
    ['matplotlib', 'mpl_toolkits', 'pylab'],
    [
      'contourpy>=1.0.1',
      'cycler>=0.10',
      'fonttools>=4.22.0',
      'kiwisolver>=1.3.1',
      'numpy>=1.21',
      'packaging>=20.0',
      'pillow>=8',
      'pyparsing>=2.3.1',
      'python-dateutil>=2.7',
      'importlib-resources>=3.2.0; python_version < "3.10"'
    ]
  ),
  dist(
    'contourpy',
    '1.2.1',
    ['contourpy'],
    ['numpy>=1.20', 'bokeh; extra == "bokeh"']
  ),
  dist('cycler', '0.12.1', ['cycler'], ['ipython; extra == "docs"']),
  dist(
    'fonttools',
    '4.51.0',
    ['fontTools'],
    [
      'brotli>=1.0.1; platform_python_implementation == "CPython" and extra == "all"',
      'unicodedata2>=15.1.0; python_version <= "3.12" and extra == "all"'
    ]
  ),
  dist('kiwisolver', '1.4.5', ['kiwisolver']),
  dist('packaging', '24.0', ['packaging']),
  dist(
    'pyparsing',
    '3.1.2',
    ['pyparsing'],
    ['railroad-diagrams; extra == "diagrams"', 'jinja2; extra == "diagrams"']
  ),
  dist(
    'jupyterlab',
    '4.2.0',
    ['jupyterlab'],
    [
      'async-lru>=1.0.0',
      'httpx>=0.25.0',
      'importlib-metadata>=4.8.3; python_version < "3.10"',
      'importlib-resources>=1.4; python_version < "3.9"',
      'ipykernel>=6.5.0',
      'jinja2>=3.0.3',
      'jupyter-core',
      'jupyter-lsp>=2.0.0',
      'jupyter-server<3,>=2.4.0',
      'jupyterlab-server<3,>=2.27.1',
      'notebook-shim>=0.2',
      'packaging',
      'setuptools>=40.1.0',
      'tomli>=1.2.2; python_version < "3.11"',
      'tornado>=6.2.0',
      'traitlets',
      'build; extra == "dev"'
    ]
  ),
  dist(
    'jinja2',
    '3.1.4',
    ['jinja2'],
    ['MarkupSafe>=2.0', 'Babel>=2.7; extra == "i18n"']
  ),
  dist('markupsafe', '2.1.5', ['markupsafe']),
  dist(
    'jupyter-core',
    '5.7.2',
    ['jupyter', 'jupyter_core'],
    [
      'platformdirs>=2.5',
      'pywin32>=300; sys_platform == "win32" and platform_python_implementation != "PyPy"',
      'traitlets>=5.3'
    ]
  ),
  dist('platformdirs', '4.2.2', ['platformdirs']),
  dist('traitlets', '5.14.3', ['traitlets']),
  dist('tornado', '6.4', ['tornado']),
  dist('setuptools', '70.0.0', [
    '_distutils_hack',
    'pkg_resources',
    'setuptools'
  ]),
  dist(
    'dask',
    '2024.5.0',
    ['dask'],
    [
      'click>=8.1',
      'packaging>=20.0',
      'pyyaml>=5.3.1',
      'toolz>=0.10.0',
      'importlib-metadata>=4.13.0; python_version < "3.12"',
      'numpy>=1.21; extra == "array"',
      'dask[array]; extra == "dataframe"',
      'pandas>=1.3; extra == "dataframe"',
      'dask[array,dataframe,diagnostics,distributed]; extra == "complete"',
      'bokeh>=2.4.2; extra == "diagnostics"',
      'distributed==2024.5.0; extra == "distributed"'
    ]
  ),
  dist('click', '8.1.7', ['click'], ['colorama; platform_system == "Windows"']),
  dist('toolz', '0.12.1', ['tlz', 'toolz']),
  dist('importlib-metadata', '7.1.0', ['importlib_metadata'], ['zipp>=0.5']),
  dist('zipp', '3.18.2', ['zipp']),
  dist('protobuf', '4.25.3', ['google']),
  dist(
    'google-auth',
    '2.29.0',
    ['google'],
    ['cachetools<6.0,>=2.0.0', 'pyasn1-modules>=0.2.1', 'rsa<5,>=3.1.4']
  ),
  dist('cycle-a', '1.0', ['cycle_a'], ['Cycle_B']),
  dist('cycle-b', '1.0', ['cycle_b'], ['cycle.a>=1', 'cycle-b']),
  dist(
    'oddities',
    '0.1',
    ['oddities'],
    [
      'pytz; platform_release >= "5.0"',
      'joblib; os_name == "posix" and not_a_variable == "x"',
      'six; python_version <',
      'zipp (>=3); weird marker ((',
      '!!! not a requirement',
      'threadpoolctl ; sys_platform == "win32" or platform_version == "#1 SMP"',
      'kiwisolver; python_version >= "3" or platform_release == "x"'
    ]
  )
];

function closureSnapshot(
  python = '3.11.7',
  system = 'Linux',
  machine = 'x86_64',
  tag = 'linux-x86_64'
): IEnvironmentSnapshot {
  return snapshotOf(DISTRIBUTIONS, {
    python: { implementation: 'CPython', version: python },
    platform: { system, machine, tag }
  });
}

const LINUX_311 = closureSnapshot();

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

describe('dependencyClosure', () => {
  it('selects exactly pandas and what it needs for a notebook importing pandas', () => {
    const scan = findImports(['import pandas as pd\ndf = pd.DataFrame()']);
    const resolution = resolveImports(scan, LINUX_311);
    expect(resolution.distributions).toEqual(['pandas']);
    const closure = dependencyClosure(resolution.distributions, LINUX_311);
    expect(sorted(closure.names)).toEqual([
      'numpy',
      'pandas',
      'python-dateutil',
      'pytz',
      'six',
      'tzdata'
    ]);
    expect(closure.missing).toEqual([]);
    expect(closure.notes).toEqual([]);
    expect(closure.requiredBy.get('six')).toEqual(['python-dateutil']);
    expect(closure.requiredBy.get('pandas')).toEqual([]);
  });

  it('maps import names through top-level names and follows them (sklearn, PIL, yaml)', () => {
    const scan = findImports([
      'from sklearn.linear_model import Ridge\nfrom PIL import Image\nimport yaml, os'
    ]);
    const resolution = resolveImports(scan, LINUX_311);
    expect(resolution.distributions).toEqual([
      'pillow',
      'pyyaml',
      'scikit-learn'
    ]);
    const closure = dependencyClosure(resolution.distributions, LINUX_311);
    expect(sorted(closure.names)).toEqual([
      'joblib',
      'numpy',
      'pillow',
      'pyyaml',
      'scikit-learn',
      'scipy',
      'threadpoolctl'
    ]);
  });

  it('follows matplotlib through pillow and python-dateutil', () => {
    const closure = dependencyClosure(['matplotlib'], LINUX_311);
    expect(sorted(closure.names)).toEqual([
      'contourpy',
      'cycler',
      'fonttools',
      'kiwisolver',
      'matplotlib',
      'numpy',
      'packaging',
      'pillow',
      'pyparsing',
      'python-dateutil',
      'six'
    ]);
    expect(sorted(closure.requiredBy.get('numpy') ?? [])).toEqual([
      'contourpy',
      'matplotlib'
    ]);
  });

  it('evaluates python_version markers against the snapshot', () => {
    // pandas pins numpy three ways; matplotlib wants importlib-resources below 3.10 only.
    for (const python of ['3.9.18', '3.11.7', '3.12.1']) {
      const closure = dependencyClosure(
        ['pandas', 'matplotlib'],
        closureSnapshot(python)
      );
      expect(closure.names.has('numpy')).toBe(true);
      expect(closure.missing.map(item => item.name)).toEqual(
        python === '3.9.18' ? ['importlib-resources'] : []
      );
    }
    // jupyterlab: tomli below 3.11, importlib-metadata below 3.10, importlib-resources below 3.9.
    const missing = (python: string) =>
      dependencyClosure(['jupyterlab'], closureSnapshot(python))
        .missing.map(item => item.name)
        .sort();
    const alwaysMissing = [
      'async-lru',
      'httpx',
      'ipykernel',
      'jupyter-lsp',
      'jupyter-server',
      'jupyterlab-server',
      'notebook-shim'
    ];
    expect(missing('3.11.7')).toEqual(alwaysMissing);
    expect(missing('3.10.13')).toEqual([...alwaysMissing, 'tomli'].sort());
    expect(missing('3.8.18')).toEqual(
      [...alwaysMissing, 'importlib-resources', 'tomli'].sort()
    );
    const on39 = dependencyClosure(['jupyterlab'], closureSnapshot('3.9.18'));
    expect(on39.names.has('importlib-metadata')).toBe(true);
    expect(on39.names.has('zipp')).toBe(true);
  });

  it('excludes a `python_version < "3.8"` dependency on 3.11', () => {
    const snapshot = {
      ...LINUX_311,
      distributions: [
        dist('app', '1', ['app'], ['zipp; python_version < "3.8"', 'six']),
        ...DISTRIBUTIONS
      ]
    };
    expect(sorted(dependencyClosure(['app'], snapshot).names)).toEqual([
      'app',
      'six'
    ]);
    const old = {
      ...snapshot,
      python: { ...snapshot.python, version: '3.7.16' }
    };
    expect(sorted(dependencyClosure(['app'], old).names)).toEqual([
      'app',
      'six',
      'zipp'
    ]);
  });

  it('follows extra dependencies only for requested extras', () => {
    expect(dependencyClosure(['pandas'], LINUX_311).names.has('pytest')).toBe(
      false
    );
    const tested = dependencyClosure(['pandas[test]'], LINUX_311);
    expect(sorted(tested.missing.map(item => item.name))).toEqual([
      'hypothesis',
      'pytest',
      'pytest-xdist'
    ]);
    expect(tested.extras.get('pandas')).toEqual(['test']);
    // An extra asked by one requirement does not leak into another distribution.
    const benchmark = dependencyClosure(['scikit-learn[benchmark]'], LINUX_311);
    expect(benchmark.names.has('pandas')).toBe(true);
    expect(benchmark.names.has('matplotlib')).toBe(true);
    expect(benchmark.missing.map(item => item.name)).toEqual([
      'memory-profiler'
    ]);
    expect(benchmark.extras.get('pandas')).toEqual([]);
  });

  it('follows extras that a distribution asks of itself', () => {
    const plain = dependencyClosure(['dask'], LINUX_311);
    expect(sorted(plain.names)).toEqual([
      'click',
      'dask',
      'importlib-metadata',
      'packaging',
      'pyyaml',
      'toolz',
      'zipp'
    ]);
    const dataframe = dependencyClosure(['dask[dataframe]'], LINUX_311);
    expect(dataframe.extras.get('dask')).toEqual(['array', 'dataframe']);
    expect(dataframe.names.has('pandas')).toBe(true);
    expect(dataframe.names.has('numpy')).toBe(true);
    expect(dataframe.missing).toEqual([]);
    const complete = dependencyClosure(['Dask[Complete]'], LINUX_311);
    expect(complete.extras.get('dask')).toEqual([
      'array',
      'complete',
      'dataframe',
      'diagnostics',
      'distributed'
    ]);
    expect(sorted(complete.missing.map(item => item.name))).toEqual([
      'bokeh',
      'distributed'
    ]);
    // Asked once plain and once with an extra: the extra is still followed.
    const both = dependencyClosure(
      ['dask', 'pyyaml', 'dask[array]'],
      LINUX_311
    );
    expect(both.names.has('numpy')).toBe(true);
  });

  it('evaluates platform markers (win32, Windows, Darwin)', () => {
    const linux = dependencyClosure(['jupyter-core', 'click'], LINUX_311);
    expect(linux.missing).toEqual([]);
    const windows = closureSnapshot('3.11.7', 'Windows', 'AMD64', 'win-amd64');
    expect(
      sorted(
        dependencyClosure(['jupyter-core', 'click'], windows).missing.map(
          item => item.name
        )
      )
    ).toEqual(['colorama', 'pywin32']);
    const mac = closureSnapshot(
      '3.11.7',
      'Darwin',
      'arm64',
      'macosx-11.0-arm64'
    );
    expect(dependencyClosure(['jupyter-core', 'click'], mac).missing).toEqual(
      []
    );
    // The target platform can replace the snapshot's: a Linux image from a Windows kernel.
    expect(
      dependencyClosure(['jupyter-core', 'click'], windows, {
        environment: {
          sys_platform: 'linux',
          platform_system: 'Linux',
          os_name: 'posix'
        }
      }).missing
    ).toEqual([]);
  });

  it('includes, and notes, what it cannot decide', () => {
    const closure = dependencyClosure(['oddities'], LINUX_311);
    expect(sorted(closure.names)).toEqual([
      'joblib',
      'kiwisolver',
      'oddities',
      'pytz',
      'six',
      'threadpoolctl',
      'zipp'
    ]);
    expect(closure.notes.map(item => [item.requirement, item.message])).toEqual(
      [
        [
          'pytz; platform_release >= "5.0"',
          'the marker "platform_release >= "5.0"" cannot be evaluated for this environment; included to be safe'
        ],
        [
          'joblib; os_name == "posix" and not_a_variable == "x"',
          'the marker "os_name == "posix" and not_a_variable == "x"" could not be read; included to be safe'
        ],
        [
          'six; python_version <',
          'the marker "python_version <" could not be read; included to be safe'
        ],
        [
          'zipp (>=3); weird marker ((',
          'the marker "weird marker ((" could not be read; included to be safe'
        ],
        ['!!! not a requirement', 'not a requirement; ignored'],
        [
          'threadpoolctl ; sys_platform == "win32" or platform_version == "#1 SMP"',
          'the marker "sys_platform == "win32" or platform_version == "#1 SMP"" cannot be evaluated for this environment; included to be safe'
        ]
      ]
    );
    // `python_version >= "3" or …` is true whatever platform_release is: no note.
    expect(
      closure.notes.some(item => item.requirement.startsWith('kiwisolver'))
    ).toBe(false);
    expect(closure.notes.every(item => item.distribution === 'oddities')).toBe(
      true
    );
  });

  it('reports missing dependencies without failing', () => {
    const closure = dependencyClosure(
      ['google-auth', 'not-installed'],
      LINUX_311
    );
    expect(sorted(closure.names)).toEqual(['google-auth']);
    expect(closure.missing).toEqual([
      { name: 'not-installed', requiredBy: null, requirement: 'not-installed' },
      {
        name: 'cachetools',
        requiredBy: 'google-auth',
        requirement: 'cachetools<6.0,>=2.0.0'
      },
      {
        name: 'pyasn1-modules',
        requiredBy: 'google-auth',
        requirement: 'pyasn1-modules>=0.2.1'
      },
      { name: 'rsa', requiredBy: 'google-auth', requirement: 'rsa<5,>=3.1.4' }
    ]);
  });

  it('handles cycles and self-requirements, and normalizes names', () => {
    const closure = dependencyClosure(['CYCLE_A'], LINUX_311);
    expect(sorted(closure.names)).toEqual(['cycle-a', 'cycle-b']);
    expect(closure.requiredBy.get('cycle-a')).toEqual(['cycle-b']);
    expect(closure.requiredBy.get('cycle-b')).toEqual(['cycle-a']);
    expect(
      sorted(dependencyClosure(['Python_Dateutil'], LINUX_311).names)
    ).toEqual(['python-dateutil', 'six']);
  });

  it('gives nothing for no roots', () => {
    const closure = dependencyClosure([], LINUX_311);
    expect(closure.names.size).toBe(0);
    expect(closure.missing).toEqual([]);
  });

  it('is closed, contains its roots and never throws on odd requirements', () => {
    const requirement = fc.oneof(
      fc.constantFrom(...DISTRIBUTIONS.map(item => item.name)),
      fc.string({ maxLength: 30 }),
      fc
        .tuple(
          fc.constantFrom(...DISTRIBUTIONS.map(item => item.name)),
          fc.constantFrom('', '[test]', '[array, dataframe]', '>=1', ' (>=1)'),
          fc.constantFrom(
            '',
            '; python_version < "3.8"',
            '; extra == "x"',
            '; os_name == "nt" or platform_release > "1"',
            '; ((',
            '; sys_platform in "linux darwin"'
          )
        )
        .map(parts => parts.join(''))
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...DISTRIBUTIONS.map(item => item.name)),
            fc.array(requirement, { maxLength: 4 })
          ),
          { maxLength: 6 }
        ),
        fc.array(fc.constantFrom(...DISTRIBUTIONS.map(item => item.name)), {
          maxLength: 3
        }),
        (overrides, roots) => {
          const replaced = new Map(overrides);
          const snapshot = {
            ...LINUX_311,
            distributions: DISTRIBUTIONS.map(item =>
              replaced.has(item.name)
                ? { ...item, requires: replaced.get(item.name) as string[] }
                : item
            )
          };
          const closure = dependencyClosure(roots, snapshot);
          roots.forEach(root => expect(closure.names.has(root)).toBe(true));
          // Closed: everything a member requires unconditionally is a member or missing.
          const missing = new Set(closure.missing.map(item => item.name));
          for (const name of closure.names) {
            const member = snapshot.distributions.find(
              item => item.name === name
            );
            for (const text of member?.requires ?? []) {
              const plain =
                /^([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])$/.exec(
                  text
                );
              if (plain) {
                const wanted = plain[1].toLowerCase().replace(/[-_.]+/g, '-');
                expect(closure.names.has(wanted) || missing.has(wanted)).toBe(
                  true
                );
              }
            }
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('markerEnvironment', () => {
  it('derives the PEP 508 variables from the snapshot', () => {
    expect(markerEnvironment(LINUX_311)).toEqual({
      python_version: '3.11',
      python_full_version: '3.11.7',
      os_name: 'posix',
      sys_platform: 'linux',
      platform_system: 'Linux',
      platform_machine: 'x86_64',
      platform_python_implementation: 'CPython',
      implementation_name: 'cpython',
      implementation_version: '3.11.7'
    });
    const windows = markerEnvironment(
      closureSnapshot('3.12.1', 'Windows', 'AMD64', 'win-amd64')
    );
    expect([windows.sys_platform, windows.os_name]).toEqual(['win32', 'nt']);
    const mac = markerEnvironment(
      closureSnapshot('3.12.1', 'Darwin', 'arm64', 'macosx-11.0-arm64')
    );
    expect([mac.sys_platform, mac.os_name]).toEqual(['darwin', 'posix']);
    const unknown = markerEnvironment(
      closureSnapshot('3.12.1', 'Plan9', 'x', 'plan9-x')
    );
    expect(unknown.sys_platform).toBeUndefined();
    expect(unknown.os_name).toBeUndefined();
  });
});

describe('real captured snapshots (fixtures)', () => {
  function load(name: string): IEnvironmentSnapshot | null {
    const file = path.join(__dirname, 'fixtures', name);
    return fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as IEnvironmentSnapshot)
      : null;
  }

  it('finds every dependency of a real venv installed, and nothing to guess', () => {
    const snapshot = load('snapshot-venv.json');
    if (!snapshot) {
      return;
    }
    const all = snapshot.distributions.map(item => item.name);
    const closure = dependencyClosure(all, snapshot);
    expect(closure.missing).toEqual([]);
    expect(closure.notes).toEqual([]);
    expect(sorted(closure.names)).toEqual(sorted(all));
  });

  it('selects IPython and its Linux dependencies only, from the venv', () => {
    const snapshot = load('snapshot-venv.json');
    if (!snapshot) {
      return;
    }
    const resolution = resolveImports(
      findImports(['import IPython']),
      snapshot
    );
    expect(resolution.distributions).toEqual(['ipython']);
    const closure = dependencyClosure(resolution.distributions, snapshot);
    expect(closure.names.has('pexpect')).toBe(true);
    expect(closure.names.has('ptyprocess')).toBe(true);
    expect(closure.names.has('colorama')).toBe(false);
    expect(closure.names.has('ipykernel')).toBe(false);
    expect(closure.names.has('pip')).toBe(false);
    expect(closure.missing).toEqual([]);
  });

  it('selects pandas and its dependencies from the conda environment', () => {
    const snapshot = load('snapshot-conda.json');
    if (!snapshot) {
      return;
    }
    const resolution = resolveImports(
      findImports(['import pandas as pd\nimport rich.console\nimport sys']),
      snapshot
    );
    expect(resolution.distributions).toEqual(['pandas', 'rich']);
    const closure = dependencyClosure(['pandas'], snapshot);
    expect(sorted(closure.names)).toEqual([
      'numpy',
      'pandas',
      'python-dateutil',
      'pytz',
      'six',
      'tzdata'
    ]);
  });
});

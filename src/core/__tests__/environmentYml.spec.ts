import * as fs from 'fs';
import * as path from 'path';

import fc from 'fast-check';

import {
  condaChannel,
  renderEnvironmentYml,
  yamlScalar
} from '../bundle/environmentYml';
import { parseRequirementsLine } from '../environment/pep508';
import { distributionIn } from './builders';
import { isSafeLine } from '../requirements/requirementsTxt';
import { translateRequirements } from '../requirements/requirements';
import {
  ICondaPackage,
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';

// js-yaml comes with eslint; when present it cross-checks the quoting with a real parser.
let jsYaml: { load: (text: string) => unknown } | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  jsYaml = require('js-yaml');
} catch {
  jsYaml = null;
}

const SITE = '/opt/conda/envs/ds/lib/python3.11/site-packages';
const FEEDSTOCK = 'file:///home/conda/feedstock_root/build_artifacts';

function dist(
  displayName: string,
  version: string,
  more: Partial<IDistribution> = {}
): IDistribution {
  return distributionIn(SITE, displayName, version, more);
}

function condaDist(name: string, version: string): IDistribution {
  return dist(name, version, {
    installer: 'conda',
    directUrl: { url: `${FEEDSTOCK}/${name}_1700000000000/work`, dir_info: {} }
  });
}

function pkg(
  name: string,
  version: string,
  channel = 'conda-forge'
): ICondaPackage {
  return { name, version, build: 'h0_0', channel };
}

function snapshot(
  distributions: IDistribution[],
  packages: ICondaPackage[] | null
): IEnvironmentSnapshot {
  return {
    schemaVersion: 1,
    python: { implementation: 'CPython', version: '3.11.8' },
    platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
    prefix: '/opt/conda/envs/ds',
    basePrefix: '/opt/conda/envs/ds',
    kind: packages ? 'conda' : 'venv',
    conda: packages ? { packages } : null,
    distributions,
    captureMs: 9
  };
}

/** Reads a double-quoted scalar as YAML does, for the escapes yamlScalar writes. */
function unquote(scalar: string): string {
  if (!scalar.startsWith('"')) {
    return scalar;
  }
  const body = scalar.slice(1, -1);
  return body.replace(
    /\\(["\\]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})/g,
    (_, escape: string) =>
      escape.length === 1
        ? escape
        : String.fromCodePoint(parseInt(escape.slice(1), 16))
  );
}

const SCALAR =
  '(?:[A-Za-z_][A-Za-z0-9_./=+:-]*|"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\(?:["\\\\]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}))*")';

interface IParsedYml {
  name: string | null;
  channels: string[];
  dependencies: string[];
  pip: string[];
}

/**
 * A strict reader of the shape renderEnvironmentYml writes: comments, `name:`,
 * `channels:` and `dependencies:` with their items, `- pip:` with its items. Any other
 * line fails the test.
 */
function readYml(text: string): IParsedYml {
  expect(text.endsWith('\n')).toBe(true);
  expect(text).toMatch(/^[\x20-\x7e\n]*$/);
  const result: IParsedYml = {
    name: null,
    channels: [],
    dependencies: [],
    pip: []
  };
  let section: 'none' | 'channels' | 'dependencies' | 'pip' = 'none';
  const item = new RegExp(`^  - (${SCALAR})$`);
  const pipItem = new RegExp(`^    - (${SCALAR})$`);
  const name = new RegExp(`^name: (${SCALAR})$`);
  for (const line of text.slice(0, -1).split('\n')) {
    let match: RegExpExecArray | null;
    if (/^# [\x20-\x7e]*$/.test(line) && section === 'none') {
      continue;
    } else if ((match = name.exec(line)) && section === 'none') {
      result.name = unquote(match[1]);
    } else if (line === 'channels:' && section === 'none') {
      section = 'channels';
    } else if (line === 'dependencies:' && section !== 'dependencies') {
      section = 'dependencies';
    } else if (line === '  - pip:' && section === 'dependencies') {
      section = 'pip';
    } else if ((match = item.exec(line)) && section === 'channels') {
      result.channels.push(unquote(match[1]));
    } else if ((match = item.exec(line)) && section === 'dependencies') {
      result.dependencies.push(unquote(match[1]));
    } else if ((match = pipItem.exec(line)) && section === 'pip') {
      result.pip.push(unquote(match[1]));
    } else {
      throw new Error(`unexpected line ${JSON.stringify(line)}`);
    }
  }
  return result;
}

describe('yamlScalar', () => {
  it('leaves unambiguous values plain', () => {
    for (const value of [
      'conda-forge',
      'numpy=1.26.4',
      'conda-forge::numpy=1.26.4',
      'python=3.11.8',
      'pip',
      'numpy==1.26.4'
    ]) {
      expect(yamlScalar(value)).toBe(value);
    }
  });

  it('quotes and escapes everything else', () => {
    const cases: [string, string][] = [
      ['', '""'],
      ['yes', '"yes"'],
      ['No', '"No"'],
      ['null', '"null"'],
      ['~', '"~"'],
      ['1.0', '"1.0"'],
      ['- evil', '"- evil"'],
      ['a: b', '"a: b"'],
      ['x #y', '"x #y"'],
      ['./vendor/x', '"./vendor/x"'],
      ['say "hi"\\', '"say \\"hi\\"\\\\"'],
      ['x\n- evil', '"x\\x0a- evil"'],
      ['é', '"\\xe9"'],
      ['\u2028', '"\\u2028"'],
      ['😀', '"\\U0001f600"'],
      ['pkg @ git+https://h/r@abc', '"pkg @ git+https://h/r@abc"']
    ];
    for (const [value, expected] of cases) {
      expect(yamlScalar(value)).toBe(expected);
    }
  });

  it('always gives one line of printable ASCII that reads back as the value', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string()),
        value => {
          const scalar = yamlScalar(value);
          expect(scalar).toMatch(new RegExp(`^${SCALAR}$`));
          expect(unquote(scalar)).toBe(value);
        }
      ),
      { numRuns: 1000 }
    );
  });

  (jsYaml ? it : it.skip)('reads back the same with a real YAML parser', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), fc.string(), (a, b) => {
        for (const value of [a, b]) {
          expect(jsYaml!.load(`- ${yamlScalar(value)}\n`)).toEqual([value]);
        }
      }),
      { numRuns: 500 }
    );
  });
});

describe('condaChannel', () => {
  it('writes names, defaults and plain https URLs', () => {
    const cases: [unknown, string | null][] = [
      ['conda-forge', 'conda-forge'],
      ['conda-forge/label/dev', 'conda-forge/label/dev'],
      ['bioconda', 'bioconda'],
      ['defaults', 'defaults'],
      ['pkgs/main', 'defaults'],
      ['pkgs/r', 'defaults'],
      ['https://conda.anaconda.org/bioconda/', 'bioconda'],
      ['https://repo.anaconda.com/pkgs/main', 'defaults'],
      [
        'https://conda.example.org/internal',
        'https://conda.example.org/internal'
      ],
      ['file:///opt/channel', null],
      ['/opt/channel', null],
      ['<unknown>', null],
      ['', null],
      ['x\n- evil', null],
      ['https://user:pw@host/c', null],
      ['../x', null],
      ['a/../b', null],
      [42, null]
    ];
    for (const [raw, expected] of cases) {
      expect([raw, condaChannel(raw)]).toEqual([raw, expected]);
    }
  });
});

describe('renderEnvironmentYml', () => {
  const packages = [
    pkg('_libgcc_mutex', '0.1'),
    pkg('openssl', '3.2.1'),
    pkg('python', '3.11.8'),
    pkg('numpy', '1.26.4'),
    pkg('pandas', '2.2.1'),
    pkg('python-tzdata', '2024.1'),
    pkg('tzdata', '2024a'),
    pkg('pysam', '0.22.0', 'bioconda'),
    pkg('scipy', '1.12.0', 'pkgs/main'),
    pkg('mylocal', '0.1', 'file:///opt/local-channel'),
    pkg('pip', '24.0')
  ];
  const environment = snapshot(
    [
      condaDist('numpy', '1.26.4'),
      condaDist('pandas', '2.2.1'),
      condaDist('tzdata', '2024.1'),
      condaDist('pysam', '0.22.0'),
      condaDist('scipy', '1.12.0'),
      condaDist('mylocal', '0.1'),
      condaDist('pip', '24.0'),
      dist('requests', '2.31.0'),
      dist('mylib', '0.3', {
        directUrl: {
          url: 'https://github.com/o/mylib.git',
          vcs_info: { vcs: 'git', commit_id: 'a'.repeat(40) }
        }
      }),
      dist('draft', '0.1', {
        directUrl: { url: 'file:///home/u/draft', dir_info: { editable: true } }
      })
    ],
    packages
  );

  it('lists conda packages by channel, python pinned, and the pip-only lines', () => {
    const plan = translateRequirements(environment);
    expect(renderEnvironmentYml(environment, plan)).toBe(
      [
        "# Generated by jupyterlab-dockerize from the kernel's environment.",
        '# Python packages are pinned to the versions the kernel runs; conda brings',
        '# their native libraries.',
        'channels:',
        '  - conda-forge',
        '  - bioconda',
        '  - defaults',
        'dependencies:',
        '  - python=3.11.8',
        '  - numpy=1.26.4',
        '  - pandas=2.2.1',
        '  - bioconda::pysam=0.22.0',
        '  - python-tzdata=2024.1',
        '  - defaults::scipy=1.12.0',
        '  - pip',
        '  - pip:',
        `    - "mylib @ git+https://github.com/o/mylib.git@${'a'.repeat(40)}"`,
        '    - mylocal==0.1',
        '    - requests==2.31.0',
        ''
      ].join('\n')
    );
  });

  it('keeps conda packages the index does not have, and the plan’s exclusions', () => {
    const plan = translateRequirements(environment, {
      indexVersions: name => (name === 'pysam' ? ['0.21.0'] : undefined),
      only: new Set(['pysam', 'requests'])
    });
    const parsed = readYml(renderEnvironmentYml(environment, plan));
    expect(parsed.dependencies).toEqual([
      'python=3.11.8',
      'bioconda::pysam=0.22.0',
      'pip'
    ]);
    expect(parsed.pip).toEqual(['requests==2.31.0']);
  });

  it('notes conda-installed distributions it cannot write', () => {
    const plan = translateRequirements(environment, {
      indexVersions: name => (name === 'mylocal' ? [] : undefined)
    });
    const text = renderEnvironmentYml(environment, plan);
    expect(text).toContain('# Not listed: mylocal (');
    expect(readYml(text).pip).not.toContain('mylocal==0.1');
  });

  it('pins python from the kernel when there is no conda', () => {
    const venv = snapshot([dist('requests', '2.31.0')], null);
    expect(
      readYml(renderEnvironmentYml(venv, translateRequirements(venv)))
    ).toEqual({
      name: null,
      channels: [],
      dependencies: ['python=3.11.8', 'pip'],
      pip: ['requests==2.31.0']
    });
  });

  it('adds the Jupyter the image needs, the Python override and a fallback channel', () => {
    const venv = snapshot([dist('requests', '2.31.0')], null);
    const options = {
      python: '3.12',
      ensure: [['jupyterlab', '4.6.6']] as [string, string][],
      fallbackChannel: 'conda-forge'
    };
    expect(
      readYml(renderEnvironmentYml(venv, translateRequirements(venv), options))
    ).toEqual({
      name: null,
      channels: ['conda-forge'],
      dependencies: ['python=3.12', 'jupyterlab=4.6.6', 'pip'],
      pip: ['requests==2.31.0']
    });
    // Listed already, by conda or by pip: not added again.
    const withLab = snapshot([dist('jupyterlab', '4.2.0')], null);
    expect(
      readYml(
        renderEnvironmentYml(withLab, translateRequirements(withLab), options)
      ).dependencies
    ).toEqual(['python=3.12', 'pip']);
    const condaLab = snapshot(
      [condaDist('jupyterlab', '4.2.0')],
      [pkg('python', '3.11.8'), pkg('jupyterlab', '4.2.0')]
    );
    expect(
      readYml(
        renderEnvironmentYml(condaLab, translateRequirements(condaLab), options)
      )
    ).toEqual({
      name: null,
      channels: ['conda-forge'],
      dependencies: ['python=3.12', 'jupyterlab=4.2.0'],
      pip: []
    });
    // python keeps its channel; the added package comes from the first one.
    const bioPython = snapshot([], [pkg('python', '3.11.8', 'bioconda')]);
    expect(
      readYml(
        renderEnvironmentYml(bioPython, translateRequirements(bioPython), {
          ...options,
          python: undefined
        })
      )
    ).toEqual({
      name: null,
      channels: ['bioconda'],
      dependencies: ['python=3.11.8', 'jupyterlab=4.6.6'],
      pip: []
    });
    // Invalid values are ignored, never written.
    expect(
      readYml(
        renderEnvironmentYml(venv, translateRequirements(venv), {
          python: '3.12\n- evil',
          ensure: [
            ['x\n- evil', '1'],
            ['jupyterlab', '4.6.6 #']
          ],
          fallbackChannel: 'file:///srv/channel'
        })
      )
    ).toEqual({
      name: null,
      channels: [],
      dependencies: ['python=3.11.8', 'pip'],
      pip: ['requests==2.31.0']
    });
  });

  it('writes a name only through the quoter', () => {
    const venv = snapshot([], null);
    const text = renderEnvironmentYml(venv, translateRequirements(venv), {
      name: 'x\nchannels:\n  - evil'
    });
    expect(readYml(text)).toMatchObject({
      name: 'x\nchannels:\n  - evil',
      channels: []
    });
  });

  const fixtureFile = path.join(__dirname, 'fixtures', 'snapshot-conda.json');
  (fs.existsSync(fixtureFile) ? it : it.skip)(
    'renders the conda fixture',
    () => {
      const conda: IEnvironmentSnapshot = JSON.parse(
        fs.readFileSync(fixtureFile, 'utf-8')
      );
      const text = renderEnvironmentYml(conda, translateRequirements(conda));
      const parsed = readYml(text);
      expect(parsed.channels[0]).toBe('conda-forge');
      expect(parsed.dependencies[0]).toBe(`python=${conda.python.version}`);
      // python-tzdata provides the tzdata distribution; conda's tzdata is zoneinfo data
      if (parsed.dependencies.some(d => d.includes('tzdata'))) {
        expect(parsed.dependencies).not.toContain('tzdata=2024a');
      }
      for (const line of parsed.pip) {
        expect(isSafeLine(line)).toBe(true);
      }
      expect(renderEnvironmentYml(conda, translateRequirements(conda))).toBe(
        text
      );
    }
  );

  it('cannot be made to add a key or list item by any captured text', () => {
    const PIECES = [
      '\n',
      '\n- evil',
      '\n  - evil',
      '\nchannels:',
      ': ',
      ' #',
      '"',
      "'",
      '\\',
      '::',
      '=',
      '/',
      'conda-forge',
      'https://',
      'pkgs/main',
      'numpy',
      '1.0',
      'é',
      '\u2028',
      '\0'
    ];
    const nasty = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc
        .array(fc.constantFrom(...PIECES), { maxLength: 5 })
        .map(p => p.join('')),
      fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/)
    );
    const entry = fc.record({ name: nasty, version: nasty, channel: nasty });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 8 }),
        nasty,
        fc.record({
          python: nasty,
          ensure: fc.array(fc.tuple(nasty, nasty), { maxLength: 3 }),
          fallbackChannel: nasty
        }),
        (items, pythonVersion, more) => {
          const distributions = items.map(item =>
            dist('x', item.version, {
              name: item.name,
              displayName: item.name,
              installer: 'conda'
            })
          );
          const environment = snapshot(
            distributions,
            items.map(item => pkg(item.name, item.version, item.channel))
          );
          environment.python.version = pythonVersion;
          const text = renderEnvironmentYml(
            environment,
            translateRequirements(environment),
            { name: pythonVersion, ...more }
          );
          const parsed = readYml(text);
          for (const channel of parsed.channels) {
            expect(condaChannel(channel)).toBe(channel);
          }
          expect(new Set(parsed.channels).size).toBe(parsed.channels.length);
          const spec =
            /^(?:([^\s:][^\s]*?)::)?[A-Za-z0-9_][A-Za-z0-9_.+-]*(?:=[A-Za-z0-9][A-Za-z0-9_.+!]*)?$/;
          for (const dependency of parsed.dependencies) {
            const match = spec.exec(dependency);
            expect(match).not.toBeNull();
            if (match![1] !== undefined) {
              expect(parsed.channels.slice(1)).toContain(match![1]);
            }
          }
          expect(parsed.dependencies[0]).toMatch(/^python(=|$)/);
          for (const line of parsed.pip) {
            expect(isSafeLine(line)).toBe(true);
            expect(['requirement', 'path']).toContain(
              parseRequirementsLine(line).kind
            );
          }
          if (jsYaml) {
            const loaded = jsYaml.load(text) as Record<string, unknown> | null;
            const keys = Object.keys(loaded ?? {}).sort();
            expect(
              keys.every(key =>
                ['channels', 'dependencies', 'name'].includes(key)
              )
            ).toBe(true);
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

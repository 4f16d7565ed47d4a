import * as fs from 'fs';
import * as path from 'path';

import fc from 'fast-check';

import { normalizeName, parseRequirementsLine } from '../environment/pep508';
import { IRequirementEntry } from '../requirements/requirementsPlan';
import {
  IRequirementsOptions,
  translateRequirements
} from '../requirements/requirements';
import {
  isSafeLine,
  renderRequirementsTxt
} from '../requirements/requirementsTxt';
import { dist, editable, git, SHA, snapshot } from './snapshotBuilders';
import {
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';

function one(
  distribution: IDistribution,
  options: IRequirementsOptions = {},
  conda: ICondaPackage[] | null = null
): IRequirementEntry {
  const plan = translateRequirements(snapshot([distribution], conda), options);
  expect(plan.entries).toHaveLength(1);
  return plan.entries[0];
}

describe('index installs', () => {
  it('pins name==version with the normalized name', () => {
    expect(one(dist('NumPy', '1.26.4'))).toMatchObject({
      name: 'numpy',
      version: '1.26.4',
      source: 'index',
      status: 'pinned',
      line: 'numpy==1.26.4'
    });
    expect(one(dist('Typing_Extensions', '4.9.0')).line).toBe(
      'typing-extensions==4.9.0'
    );
    expect(one(dist('torch', '2.1.0+cu121')).line).toBe('torch==2.1.0+cu121');
  });

  it('warns when the index does not have the release', () => {
    const entry = one(dist('internal-lib', '3.1.0'), {
      indexVersions: () => ['3.0.0']
    });
    expect(entry).toMatchObject({ status: 'warning', line: null });
    expect(entry.reason).toMatch(/not on the index/);
  });

  it('has one sentence of reason for every entry', () => {
    const plan = translateRequirements(
      snapshot([dist('numpy', '1.26.4'), dist('pip', '23.0')])
    );
    for (const entry of plan.entries) {
      expect(entry.reason).toMatch(/^[A-Z`].*\.$/);
    }
  });
});

describe('conda builds and local archives', () => {
  const numpyConda: ICondaPackage = {
    name: 'numpy',
    version: '1.26.4',
    build: 'py311h64a7726_0',
    channel: 'conda-forge'
  };

  it('rewrites conda installs to the index release, unchecked without an index', () => {
    const entry = one(dist('numpy', '1.26.4', { installer: 'conda' }));
    expect(entry).toMatchObject({
      source: 'conda',
      status: 'rewritten',
      line: 'numpy==1.26.4'
    });
    expect(entry.reason).toMatch(/conda.*not checked/);
  });

  it('recognises conda build directories in direct_url.json', () => {
    for (const url of [
      'file:///home/conda/feedstock_root/build_artifacts/numpy_1707225342954/work',
      'file:///croot/numpy_and_numpy_base_1708638617955/work',
      'file:///opt/conda/conda-bld/numpy_1700000000/work',
      'file:///tmp/build/80754af9/numpy_1600000000/work',
      'file:///D:/bld/numpy_1707225342954/work',
      'file:///private/var/folders/k1/T/abs_d5q3x/croot/numpy/work'
    ]) {
      const entry = one(
        dist('numpy', '1.26.4', { directUrl: editable(url, false) })
      );
      expect([url, entry.source, entry.status]).toEqual([
        url,
        'conda',
        'rewritten'
      ]);
    }
  });

  it('counts a distribution as conda when its conda package has the same version', () => {
    expect(
      one(dist('numpy', '1.26.4', { installer: null }), {}, [numpyConda]).source
    ).toBe('conda');
    expect(one(dist('numpy', '1.26.4'), {}, [numpyConda]).source).toBe('conda');
    // pip installed another version over it: an index install
    expect(one(dist('numpy', '2.0.0'), {}, [numpyConda])).toMatchObject({
      source: 'index',
      status: 'pinned'
    });
  });

  it('checks the index when it can', () => {
    const found = one(dist('numpy', '1.26.4', { installer: 'conda' }), {
      indexVersions: name =>
        name === 'numpy' ? ['1.26.3', '1.26.4'] : undefined
    });
    expect(found.status).toBe('rewritten');
    expect(found.reason).not.toMatch(/not checked/);
    const missing = one(dist('numpy', '1.26.4', { installer: 'conda' }), {
      indexVersions: () => ['1.26.3']
    });
    expect(missing).toMatchObject({ status: 'warning', line: null });
    expect(missing.reason).toMatch(/not on the package index/);
    const unknown = one(dist('numpy', '1.26.4', { installer: 'conda' }), {
      indexVersions: () => {
        throw new Error('offline');
      }
    });
    expect(unknown.reason).toMatch(/not checked/);
  });

  it('matches index versions by PEP 440 equality', () => {
    const entry = one(dist('x', '1.0', { installer: 'conda' }), {
      indexVersions: () => ['1.0.0']
    });
    expect(entry.status).toBe('rewritten');
  });

  it('never pins a local wheel to the index; rewrites local archives', () => {
    // Was 'rewritten' to dz-wheel-pkg==0.1.0, which no index has (issue 11, point 3).
    const entry = one(
      dist('dz-wheel-pkg', '0.1.0', {
        directUrl: {
          url: 'file:///home/user/project/wheels/dz_wheel_pkg-0.1.0-py2.py3-none-any.whl',
          archive_info: { hash: 'sha256=7f56' }
        }
      })
    );
    expect(entry).toMatchObject({
      source: 'local-archive',
      status: 'warning',
      line: null
    });
    expect(entry.reason).toContain('dz_wheel_pkg-0.1.0-py2.py3-none-any.whl');
    expect(
      one(dist('x', '1.0', { directUrl: { url: 'file:///tmp/x-1.0.tar.gz' } }))
        .source
    ).toBe('local-archive');
  });
});

describe('VCS installs', () => {
  it('pins to the commit as a PEP 508 direct reference', () => {
    const entry = one(
      dist('MyLib', '0.3.0', {
        directUrl: {
          url: 'https://github.com/o/mylib.git',
          vcs_info: { vcs: 'git', commit_id: SHA, requested_revision: 'main' }
        }
      })
    );
    expect(entry).toMatchObject({
      source: 'vcs',
      status: 'vcs',
      line: `mylib @ git+https://github.com/o/mylib.git@${SHA}`
    });
    expect(entry.reason).toContain('main');
    expect(entry.line).not.toContain('@main');
  });

  it('writes the subdirectory and the other version control systems', () => {
    expect(
      one(
        dist('sub', '1.0', {
          directUrl: git('ssh://git@github.com/o/mono.git', SHA, {
            subdirectory: 'python/sub'
          })
        })
      ).line
    ).toBe(
      `sub @ git+ssh://git@github.com/o/mono.git@${SHA}#subdirectory=python/sub`
    );
    expect(
      one(
        dist('h', '1.0', {
          directUrl: {
            url: 'https://hg.example.org/h',
            vcs_info: { vcs: 'hg', commit_id: SHA }
          }
        })
      ).line
    ).toBe(`h @ hg+https://hg.example.org/h@${SHA}`);
    expect(
      one(
        dist('s', '1.0', {
          directUrl: {
            url: 'https://svn.example.org/repo/trunk',
            vcs_info: { vcs: 'svn', commit_id: '1234' }
          }
        })
      ).line
    ).toBe('s @ svn+https://svn.example.org/repo/trunk@1234');
    expect(
      one(dist('g', '1.0', { directUrl: git(`git+https://example.org/g.git`) }))
        .line
    ).toBe(`g @ git+https://example.org/g.git@${SHA}`);
  });

  it('warns about what a Docker build cannot use', () => {
    const cases: [IDirectUrl, RegExp][] = [
      [git('file:///home/user/project/packages/dz-git-pkg'), /on this machine/],
      [git('https://github.com/o/r.git', 'main'), /not an exact commit/],
      [git('https://user:s3cret@github.com/o/r.git'), /credentials/],
      [git('https://ghp_s3cret@github.com/o/r.git'), /credentials/],
      [git('https://github.com/o/r.git?token=s3cret'), /characters/],
      [
        git('https://github.com/o/r.git\n--index-url http://evil'),
        /characters/
      ],
      [git('https://github.com/o/r .git'), /characters/],
      [git('https://github.com/o/r.git#egg=x'), /characters/],
      [git('https://github.com/o/${TOKEN}.git'), /characters/],
      [git('ftp://example.org/r.git'), /scheme/],
      [
        {
          url: 'https://cvs.example.org/r',
          vcs_info: { vcs: 'cvs', commit_id: '1' }
        },
        /does not know/
      ],
      [
        git('https://github.com/o/r.git', SHA, { subdirectory: '../etc' }),
        /subdirectory/
      ],
      [
        git('https://github.com/o/r.git', SHA, { subdirectory: 'a b' }),
        /subdirectory/
      ]
    ];
    for (const [directUrl, reason] of cases) {
      const entry = one(dist('r', '1.0', { directUrl }));
      expect([directUrl.url, entry.status, entry.line]).toEqual([
        directUrl.url,
        'warning',
        null
      ]);
      expect(entry.reason).toMatch(reason);
      expect(entry.reason).not.toContain('\n');
      if (!directUrl.url.includes('?')) {
        expect(entry.reason).not.toContain('s3cret');
      }
    }
  });
});

describe('editable and local-directory installs', () => {
  const root = '/home/u/project';

  it('warns when there is no Jupyter root or the directory is outside it', () => {
    const entry = one(
      dist('mypkg', '0.1.0', { directUrl: editable('file:///home/u/mypkg') })
    );
    expect(entry).toMatchObject({
      source: 'editable',
      status: 'warning',
      line: null
    });
    expect(entry.reason).toMatch(
      /editable mode.*`\/home\/u\/mypkg`.*cannot reach/
    );
    for (const url of [
      'file:///home/u/project2/mypkg',
      'file:///home/u/projectx',
      'file:///home/u/project/../secret/mypkg',
      'file:///home/u/project/%2e%2e/secret',
      'file:///home/u',
      'file://otherhost/home/u/project/mypkg',
      'https://example.org/mypkg'
    ]) {
      const outside = one(
        dist('mypkg', '0.1.0', { directUrl: editable(url) }),
        {
          jupyterRoot: root
        }
      );
      expect([url, outside.status, outside.workspacePath]).toEqual([
        url,
        'warning',
        undefined
      ]);
    }
  });

  it('offers directories inside the root for vendoring, and vendors them on request', () => {
    const distribution = dist('My_Pkg', '0.1.0', {
      directUrl: editable('file:///home/u/project/libs/my%20pkg')
    });
    const offered = one(distribution, { jupyterRoot: '/home/u/project/' });
    expect(offered).toMatchObject({
      status: 'vendorable',
      line: null,
      workspacePath: 'libs/my pkg'
    });
    const plan = translateRequirements(snapshot([distribution]), {
      jupyterRoot: root,
      vendor: new Set(['my-pkg'])
    });
    expect(plan.entries[0]).toMatchObject({
      status: 'vendorable',
      line: './vendor/my-pkg',
      workspacePath: 'libs/my pkg'
    });
    expect(plan.vendorPaths).toEqual([
      {
        name: 'my-pkg',
        workspacePath: 'libs/my pkg',
        bundlePath: 'vendor/my-pkg'
      }
    ]);
  });

  it('normalizes the path before deciding', () => {
    const entry = one(
      dist('p', '1.0', {
        directUrl: editable('file:///home/u/project/./a/../libs//p')
      }),
      { jupyterRoot: root }
    );
    expect(entry.workspacePath).toBe('libs/p');
  });

  it('treats non-editable local directories the same way', () => {
    const entry = one(
      dist('p', '1.0', {
        directUrl: editable('file:///home/u/project/p', false)
      }),
      { jupyterRoot: root, vendor: new Set(['p']) }
    );
    expect(entry).toMatchObject({ source: 'local-dir', line: './vendor/p' });
  });

  it('compares Windows paths case-insensitively', () => {
    const entry = one(
      dist('p', '1.0', { directUrl: editable('file:///c:/Users/U/NB/libs/p') }),
      { jupyterRoot: 'C:\\Users\\u\\nb' }
    );
    expect(entry).toMatchObject({
      status: 'vendorable',
      workspacePath: 'libs/p'
    });
  });

  it('does not vendor the whole root', () => {
    const entry = one(
      dist('p', '1.0', { directUrl: editable('file:///home/u/project') }),
      {
        jupyterRoot: root,
        vendor: new Set(['p'])
      }
    );
    expect(entry).toMatchObject({ status: 'warning', line: null });
    expect(entry.reason).toMatch(/root itself/);
  });

  it('refuses decoded control characters', () => {
    const entry = one(
      dist('p', '1.0', {
        directUrl: editable('file:///home/u/project/p%0A--index-url')
      }),
      { jupyterRoot: root, vendor: new Set(['p']) }
    );
    expect(entry).toMatchObject({ status: 'warning', line: null });
  });

  it('spots setup.py develop installs by their location', () => {
    const entry = one(
      dist('legacy', '0.1', { location: '/home/u/project/src' })
    );
    expect(entry).toMatchObject({
      source: 'editable',
      status: 'warning',
      line: null
    });
    expect(entry.reason).toMatch(/development mode/);
  });
});

describe('exclusions', () => {
  const environment = snapshot([
    dist('pip', '23.2.1'),
    dist('setuptools', '65.5.0'),
    dist('wheel', '0.42.0'),
    dist('ipykernel', '6.29.0'),
    dist('jupyter_client', '8.6.0'),
    dist('jupyterlab_dockerize', '0.1.0', {
      directUrl: editable('file:///work/main', false)
    }),
    dist('pyobjc-framework-Cocoa', '10.1'),
    dist('jupyterlab', '4.6.6'),
    dist('jupyter-server', '2.21.1'),
    dist('nest-asyncio', '1.6.0'),
    dist('numpy', '1.26.4')
  ]);

  it('leaves out tooling, kernel machinery, this extension and platform-only packages', () => {
    const plan = translateRequirements(environment);
    const status = Object.fromEntries(
      plan.entries.map(e => [e.name, e.status])
    );
    expect(status).toEqual({
      pip: 'excluded',
      setuptools: 'excluded',
      wheel: 'excluded',
      ipykernel: 'excluded',
      'jupyter-client': 'excluded',
      'jupyterlab-dockerize': 'excluded',
      'pyobjc-framework-cocoa': 'excluded',
      jupyterlab: 'pinned',
      'jupyter-server': 'pinned',
      'nest-asyncio': 'pinned',
      numpy: 'pinned'
    });
    for (const entry of plan.entries.filter(e => e.status === 'excluded')) {
      expect(entry.line).toBeNull();
      expect(entry.reason.length).toBeGreaterThan(20);
    }
  });

  it('lets include and exclude override the defaults, exclude winning', () => {
    const plan = translateRequirements(environment, {
      include: new Set(['pip', 'IPyKernel', 'numpy']),
      exclude: new Set(['numpy', 'jupyterlab'])
    });
    const byName = new Map(plan.entries.map(e => [e.name, e]));
    expect(byName.get('pip')?.line).toBe('pip==23.2.1');
    expect(byName.get('ipykernel')?.line).toBe('ipykernel==6.29.0');
    expect(byName.get('numpy')).toMatchObject({
      status: 'excluded',
      reason: 'Excluded by your choice.'
    });
    expect(byName.get('jupyterlab')?.status).toBe('excluded');
  });

  it('keeps only the first distribution of a name', () => {
    const plan = translateRequirements(
      snapshot([dist('numpy', '2.0.0'), dist('NumPy', '1.26.4')])
    );
    expect(plan.entries.map(e => [e.version, e.status])).toEqual([
      ['1.26.4', 'excluded'],
      ['2.0.0', 'pinned']
    ]);
  });
});

describe('only what the notebook imports', () => {
  const environment = snapshot([
    dist('pandas', '2.2.1', {
      requires: [
        'numpy>=1.23.2; python_version == "3.11"',
        'python-dateutil>=2.8.2',
        'pytz>=2020.1',
        'tzdata>=2022.7',
        'tomli; python_version < "3.11"',
        'openpyxl>=3.1.0; extra == "excel"'
      ]
    }),
    dist('numpy', '1.26.4'),
    dist('python-dateutil', '2.9.0', { requires: ['six>=1.5'] }),
    dist('six', '1.16.0'),
    dist('pytz', '2024.1'),
    dist('tzdata', '2024.1'),
    dist('tomli', '2.0.1'),
    dist('openpyxl', '3.1.2', { requires: ['et-xmlfile'] }),
    dist('et-xmlfile', '1.1.0'),
    dist('requests', '2.31.0', {
      requires: [
        'urllib3<3,>=1.21.1',
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"'
      ]
    }),
    dist('urllib3', '2.2.0'),
    dist('pysocks', '1.7.1'),
    dist('ipywidgets', '8.1.2', {
      requires: ['ipython>=6.1.0', 'widgetsnbextension~=4.0.10']
    }),
    dist('ipython', '8.22.0', { requires: ['jedi>=0.16'] }),
    dist('jedi', '0.19.1'),
    dist('widgetsnbextension', '4.0.10')
  ]);
  const status = (options: IRequirementsOptions) =>
    Object.fromEntries(
      translateRequirements(environment, options).entries.map(e => [
        e.name,
        e.status
      ])
    );

  it('keeps the imported distributions and what they need, transitively', () => {
    const plan = translateRequirements(environment, {
      only: new Set(['pandas'])
    });
    const byName = new Map(plan.entries.map(e => [e.name, e]));
    expect(status({ only: new Set(['pandas']) })).toMatchObject({
      pandas: 'pinned',
      numpy: 'pinned',
      'python-dateutil': 'pinned',
      six: 'pinned',
      pytz: 'pinned',
      tzdata: 'pinned',
      tomli: 'excluded',
      openpyxl: 'excluded',
      requests: 'excluded',
      urllib3: 'excluded'
    });
    expect(byName.get('pandas')?.reason).toMatch(/imported by the notebook/);
    expect(byName.get('six')?.reason).toMatch(/needed by `python-dateutil`/);
    expect(byName.get('requests')?.reason).toBe(
      'Not imported by the notebook, nor needed by anything it imports.'
    );
  });

  it('follows included distributions and requested extras', () => {
    expect(
      status({ only: new Set(['pandas']), include: new Set(['openpyxl']) })
    ).toMatchObject({ openpyxl: 'pinned', 'et-xmlfile': 'pinned' });
    expect(status({ only: new Set(['requests']) })).toMatchObject({
      requests: 'pinned',
      urllib3: 'pinned',
      pysocks: 'excluded'
    });
  });

  it('does not follow what excluded distributions need', () => {
    expect(status({ only: new Set(['ipywidgets']) })).toMatchObject({
      ipywidgets: 'pinned',
      widgetsnbextension: 'pinned',
      ipython: 'excluded',
      jedi: 'excluded'
    });
  });
});

describe('untrusted names and versions', () => {
  it('warns, with no line, about invalid names and versions', () => {
    for (const bad of [
      dist('x', '1.0', { name: '--index-url http://evil' }),
      dist('x', '1.0', { name: 'a\nb' }),
      dist('x', '1.0\n--index-url http://evil'),
      dist('x', '1.0 ; python_version > "3"'),
      dist('x', 'latest')
    ]) {
      const entry = one(bad);
      expect(entry).toMatchObject({ status: 'warning', line: null });
      expect(entry.reason).not.toMatch(/[\n\r]/);
    }
  });
});

describe('fixtures', () => {
  const fixture = (name: string): IEnvironmentSnapshot | null => {
    const file = path.join(__dirname, 'fixtures', name);
    return fs.existsSync(file)
      ? JSON.parse(fs.readFileSync(file, 'utf-8'))
      : null;
  };
  const venv = fixture('snapshot-venv.json');
  const conda = fixture('snapshot-conda.json');

  (venv ? it : it.skip)('translates the venv fixture', () => {
    const plan = translateRequirements(venv!, {
      jupyterRoot: '/home/user/project'
    });
    const byName = new Map(plan.entries.map(e => [e.name, e]));
    expect(plan.entries).toHaveLength(venv!.distributions.length);
    const check = (name: string, expected: Partial<IRequirementEntry>) => {
      if (byName.has(name)) {
        expect(byName.get(name)).toMatchObject(expected);
      }
    };
    check('pip', { status: 'excluded' });
    check('setuptools', { status: 'excluded' });
    check('ipykernel', { status: 'excluded' });
    check('six', {
      status: 'pinned',
      line: `six==${byName.get('six')?.version}`
    });
    check('dz-wheel-pkg', {
      status: 'vendorable',
      source: 'local-archive',
      line: null,
      workspacePath: 'wheels/dz_wheel_pkg-0.1.0-py2.py3-none-any.whl'
    });
    check('dz-git-pkg', { status: 'warning', source: 'vcs', line: null });
    check('dz-edit-flat', {
      status: 'vendorable',
      source: 'editable',
      workspacePath: 'packages/dz-edit-flat'
    });
    const text = renderRequirementsTxt(plan);
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    for (const line of text.split('\n')) {
      expect(line.startsWith('-')).toBe(false);
    }
  });

  (conda ? it : it.skip)('translates the conda fixture', () => {
    const plan = translateRequirements(conda!);
    expect(plan.entries).toHaveLength(conda!.distributions.length);
    expect(
      plan.entries.some(e => e.source === 'conda' && e.status === 'rewritten')
    ).toBe(true);
    for (const entry of plan.entries) {
      expect(entry.line === null || isSafeLine(entry.line)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Properties: whatever the snapshot says, a line is one requirement that reads back as
// what was meant, or there is no line.

const PIECES = [
  '--index-url http://evil/',
  '--extra-index-url=http://evil/',
  '--trusted-host evil',
  '-r other.txt',
  '-e .',
  '-c c.txt',
  '-f ./x',
  '\n',
  '\r',
  '\0',
  '\u2028',
  '\ud800',
  ' #',
  '#',
  ';',
  ' ; ',
  '"',
  "'",
  '${HOME}',
  '\\',
  '@',
  ' ',
  '\t',
  'é',
  '中',
  'numpy',
  '1.0',
  '+local',
  'git+',
  'https://',
  'file:///',
  'github.com/o/r.git',
  '..',
  '/',
  '%0A',
  '%2e%2e',
  'a',
  '-',
  '.'
];
const pieces = fc
  .array(fc.constantFrom(...PIECES), { maxLength: 6 })
  .map(p => p.join(''));
const nasty = fc.oneof(fc.string({ unit: 'binary' }), pieces, fc.string());
const nameArb = fc.oneof(
  nasty,
  fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/)
);
const versionArb = fc.oneof(
  nasty,
  fc.stringMatching(
    /^v?[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?(\.dev[0-9])?(\+[a-z0-9]{1,5}(\.[a-z0-9]{1,4})?)?$/
  )
);
const urlArb = fc.oneof(
  nasty,
  fc.webUrl(),
  fc
    .tuple(
      fc.constantFrom('https://github.com/o/', 'ssh://git@host/', 'file:///'),
      nasty
    )
    .map(([a, b]) => a + b)
);
const hex = fc.constantFrom(...'0123456789abcdef');
const commitArb = fc.oneof(
  nasty,
  fc.string({ unit: hex, minLength: 40, maxLength: 40 })
);

function expectOneRequirement(line: string): void {
  expect(isSafeLine(line)).toBe(true);
  expect(line).not.toMatch(/[\r\n\0]/);
  expect(line.startsWith('-')).toBe(false);
  expect(line).not.toContain(' #');
  expect(line).not.toContain(';');
}

describe('properties', () => {
  it('an index install gives a line that reads back, or a warning', () => {
    fc.assert(
      fc.property(nameArb, versionArb, (name, version) => {
        const entry = one(dist('x', version, { name, displayName: name }));
        if (entry.line === null) {
          expect(['warning', 'excluded']).toContain(entry.status);
          return;
        }
        expectOneRequirement(entry.line);
        const parsed = parseRequirementsLine(entry.line);
        expect(parsed.kind).toBe('requirement');
        if (parsed.kind === 'requirement') {
          expect(parsed.requirement.name).toBe(normalizeName(name));
          expect(parsed.requirement.specifiers).toEqual([
            { op: '==', version }
          ]);
          expect(parsed.requirement.url).toBeNull();
          expect(parsed.requirement.marker).toBeNull();
        }
      }),
      { numRuns: 500 }
    );
  });

  it('a VCS install gives a direct reference that reads back, or a warning', () => {
    fc.assert(
      fc.property(
        nameArb,
        urlArb,
        commitArb,
        fc.option(fc.oneof(nasty, fc.constantFrom('sub', 'a/b'))),
        (name, url, commit, subdirectory) => {
          const directUrl = git(
            url,
            commit,
            subdirectory === null ? {} : { subdirectory }
          );
          const entry = one(
            dist('x', '1.0', { name, displayName: name, directUrl })
          );
          if (entry.line === null) {
            expect(['warning', 'excluded']).toContain(entry.status);
            return;
          }
          expectOneRequirement(entry.line);
          const parsed = parseRequirementsLine(entry.line);
          expect(parsed.kind).toBe('requirement');
          if (parsed.kind === 'requirement') {
            const bare = url.startsWith('git+') ? url.slice(4) : url;
            expect(parsed.requirement.name).toBe(normalizeName(name));
            expect(parsed.requirement.url).toBe(
              `git+${bare}@${commit}${subdirectory ? `#subdirectory=${subdirectory}` : ''}`
            );
            expect(commit).toMatch(/^[0-9a-f]{40}$/);
          }
        }
      ),
      { numRuns: 500 }
    );
  });

  it('a vendored directory is inside the root, or there is none', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', 'p', 'project', 'project2'),
      nasty
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), segments => {
        const url = `file:///home/u/${segments.join('/')}`;
        const entry = one(dist('p', '1.0', { directUrl: editable(url) }), {
          jupyterRoot: '/home/u/project',
          vendor: new Set(['p'])
        });
        if (entry.workspacePath !== undefined) {
          expect(entry.status).toBe('vendorable');
          const parts = entry.workspacePath.split('/');
          expect(
            parts.every(part => part && part !== '.' && part !== '..')
          ).toBe(true);
          expect(
            [...entry.workspacePath].every(char => char.charCodeAt(0) >= 0x20)
          ).toBe(true);
        }
        if (entry.line !== null) {
          expect(entry.line).toBe('./vendor/p');
        }
      }),
      { numRuns: 500 }
    );
  });

  it('a rendered file has one requirement per non-comment line and no options', () => {
    const distribution = fc
      .tuple(
        nameArb,
        versionArb,
        fc.constantFrom('index', 'conda', 'vcs', 'editable', 'archive'),
        urlArb,
        commitArb
      )
      .map(([name, version, kind, url, commit]) =>
        dist('x', version, {
          name,
          displayName: name,
          installer: kind === 'conda' ? 'conda' : 'pip',
          directUrl:
            kind === 'vcs'
              ? git(url, commit)
              : kind === 'editable'
                ? editable(url)
                : kind === 'archive'
                  ? { url, archive_info: {} }
                  : null
        })
      );
    fc.assert(
      fc.property(fc.array(distribution, { maxLength: 12 }), distributions => {
        const plan = translateRequirements(snapshot(distributions), {
          jupyterRoot: '/home/u',
          vendor: new Set(distributions.map(d => normalizeName(String(d.name))))
        });
        const text = renderRequirementsTxt(plan);
        expect(text.endsWith('\n')).toBe(true);
        expect(text).toMatch(/^[\x20-\x7e\n]*$/);
        let requirements = 0;
        for (const line of text.slice(0, -1).split('\n')) {
          expect(line.startsWith('-')).toBe(false);
          const parsed = parseRequirementsLine(line);
          if (parsed.kind === 'requirement' || parsed.kind === 'path') {
            requirements++;
            expectOneRequirement(line);
          } else {
            expect(['comment', 'blank']).toContain(parsed.kind);
            expect(line === '' || line.startsWith('# ') || line === '#').toBe(
              true
            );
          }
        }
        expect(requirements).toBe(
          plan.entries.filter(e => e.line !== null).length
        );
      }),
      { numRuns: 300 }
    );
  });
});

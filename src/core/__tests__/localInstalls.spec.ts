/**
 * Local wheel files and git repositories on this machine (issue 11, points 3 and 9): a
 * wheel inside the Jupyter root travels in the bundle, one outside says what to do; a
 * git repository inside the root is built into a wheel by the server for the offline
 * wheelhouse; every row that cannot be included says why and what would allow it.
 */
import { distributionIn } from './builders';
import { generateBundle } from '../bundle/bundle';
import { IBundleOptions } from '../bundle/bundleTypes';
import {
  inclusionBlocker,
  needsServerBuild
} from '../requirements/inclusionBlocker';
import { IRequirementEntry } from '../requirements/requirementsPlan';
import {
  IRequirementsOptions,
  parseWheelFilename,
  translateRequirements
} from '../requirements/requirements';
import {
  isSafeLine,
  renderRequirementsTxt
} from '../requirements/requirementsTxt';
import { IDirectUrl, IDistribution } from '../environment/snapshot';
import { ROOT, SHA, SITE, snapshot } from './snapshotBuilders';

const WHEEL = 'dz_wheel_pkg-0.1.0-py2.py3-none-any.whl';

function dist(
  name: string,
  version: string,
  directUrl: IDirectUrl
): IDistribution {
  return distributionIn(SITE, name, version, { directUrl });
}

function one(
  distribution: IDistribution,
  options: IRequirementsOptions = {}
): IRequirementEntry {
  const plan = translateRequirements(snapshot([distribution]), {
    jupyterRoot: ROOT,
    ...options
  });
  expect(plan.entries).toHaveLength(1);
  return plan.entries[0];
}

const wheelAt = (url: string): IDirectUrl => ({
  url,
  archive_info: { hash: `sha256=${'0'.repeat(64)}` }
});

const git = (url: string, commit = SHA): IDirectUrl => ({
  url,
  vcs_info: { vcs: 'git', commit_id: commit }
});

const OFF = { wheelhouse: false, wheelhouseAvailable: true };
const ON = { wheelhouse: true, wheelhouseAvailable: true };

describe('wheel file names', () => {
  it.each([
    [WHEEL, { name: 'dz-wheel-pkg', version: '0.1.0' }],
    [
      'torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl',
      { name: 'torch', version: '2.3.0+cpu' }
    ],
    [
      'pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      { name: 'pkg', version: '1.0' }
    ]
  ])('reads %s', (file, parsed) => {
    expect(parseWheelFilename(file)).toEqual(parsed);
  });

  it.each([
    'pkg-1.0.whl',
    'pkg-1.0-py3-none.whl',
    'pkg-1.0-py3-none-any.tar.gz',
    '../pkg-1.0-py3-none-any.whl',
    'a/pkg-1.0-py3-none-any.whl',
    'pkg-1.0-py3-none-any .whl',
    'pkg-1.0-py3-none-any.whl\n-r x',
    'pkg-1.0;x-py3-none-any.whl',
    '-pkg-1.0-py3-none-any.whl',
    'pkg-1.0-py3-none-$(id).whl',
    `pkg-1.0-py3-none-${'a'.repeat(300)}.whl`
  ])('refuses %j', file => {
    expect(parseWheelFilename(file)).toBeNull();
  });
});

describe('a local wheel file', () => {
  it('inside the Jupyter root is vendorable, and travels in wheels/ when ticked', () => {
    const installed = dist(
      'dz-wheel-pkg',
      '0.1.0',
      wheelAt(`file://${ROOT}/dist/${WHEEL}`)
    );
    const offered = one(installed);
    expect(offered).toMatchObject({
      source: 'local-archive',
      status: 'vendorable',
      line: null,
      workspacePath: `dist/${WHEEL}`
    });
    expect(offered.reason).toMatch(/tick it to copy the wheel/);
    expect(inclusionBlocker(offered, OFF)).toBeNull();

    const plan = translateRequirements(snapshot([installed]), {
      jupyterRoot: ROOT,
      vendor: new Set(['dz-wheel-pkg'])
    });
    expect(plan.entries[0]).toMatchObject({
      status: 'vendorable',
      line: `./wheels/${WHEEL}`
    });
    expect(plan.vendorPaths).toEqual([
      {
        name: 'dz-wheel-pkg',
        workspacePath: `dist/${WHEEL}`,
        bundlePath: `wheels/${WHEEL}`
      }
    ]);
    expect(renderRequirementsTxt(plan)).toContain(`\n./wheels/${WHEEL}\n`);
    expect(renderRequirementsTxt(plan)).not.toContain('dz-wheel-pkg==');
  });

  it('outside the root (or the root unknown) is left out, saying where it is and what to do', () => {
    for (const options of [{}, { jupyterRoot: undefined }]) {
      const entry = one(
        dist('dz-wheel-pkg', '0.1.0', wheelAt(`file:///tmp/dl/${WHEEL}`)),
        options
      );
      expect(entry).toMatchObject({ status: 'warning', line: null });
      expect(entry.reason).toContain(`/tmp/dl/${WHEEL}`);
      expect(entry.reason).toMatch(/outside the Jupyter root/);
      expect(entry.action).toMatch(
        /Copy the wheel file into the Jupyter folder.*capture again/
      );
      expect(inclusionBlocker(entry, ON)).toEqual({
        reason: entry.reason,
        action: entry.action,
        fix: 'capture-again'
      });
    }
  });

  it('whose file name is not a wheel name, or names another package, is never copied', () => {
    const cases: [string, IDirectUrl, RegExp][] = [
      ['x', wheelAt(`file://${ROOT}/x.whl`), /not a valid wheel file name/],
      [
        'x',
        wheelAt(`file://${ROOT}/x-1.0-py3-none-any%0A--index-url.whl`),
        /cannot be read safely/
      ],
      [
        'x',
        wheelAt(`file://${ROOT}/x-1.0-py3-none-any%20-r%20x.whl`),
        /not a valid wheel file name/
      ],
      [
        'x',
        wheelAt(`file://${ROOT}/other-1.0-py3-none-any.whl`),
        /does not match/
      ],
      ['x', wheelAt(`file://${ROOT}/x-2.0-py3-none-any.whl`), /does not match/]
    ];
    for (const [name, directUrl, reason] of cases) {
      const entry = one(dist(name, '1.0', directUrl), {
        vendor: new Set([name])
      });
      expect(entry).toMatchObject({ status: 'warning', line: null });
      expect(entry.reason).toMatch(reason);
      expect(entry.action).toBeTruthy();
    }
  });

  it('goes through the bundle: copied next to requirements.txt, let into the context', () => {
    const plan = translateRequirements(
      snapshot([
        dist('dz-wheel-pkg', '0.1.0', wheelAt(`file://${ROOT}/dist/${WHEEL}`))
      ]),
      { jupyterRoot: ROOT, vendor: new Set(['dz-wheel-pkg']) }
    );
    const bundle = generateBundle({
      snapshot: snapshot([]),
      plan,
      notebooks: ['a.ipynb'],
      options: BASE
    });
    expect(bundle.include).toContainEqual({
      workspacePath: `dist/${WHEEL}`,
      bundlePath: `wheels/${WHEEL}`
    });
    expect(bundle.files.Dockerfile).toContain(
      `COPY ["requirements.txt", "./"]\nCOPY ["wheels/${WHEEL}", "wheels/"]\n`
    );
    expect(bundle.files['.dockerignore']).toContain(`\n!wheels/${WHEEL}\n`);
    expect(bundle.warnings).toEqual([]);
  });
});

const BASE: IBundleOptions = {
  template: 'pip',
  ui: 'lab',
  created: '2025-01-02T03:04:05Z',
  generatorVersion: '0.1.0'
};

describe('a git install from a repository on this machine', () => {
  const inside = dist(
    'dz-git-pkg',
    '0.2.0',
    git(`file://${ROOT}/repos/dz-git`)
  );

  it('inside the root: unticked, says the server can build it with the wheelhouse', () => {
    const entry = one(inside);
    expect(entry).toMatchObject({
      source: 'vcs',
      status: 'warning',
      line: null,
      serverBuild: true
    });
    expect(needsServerBuild(entry)).toBe(true);
    expect(entry.reason).toMatch(/repository on this machine/);
    expect(entry.reason).toMatch(/server can build it into a wheel/);
    expect(entry.action).toMatch(/Turn on the offline wheelhouse/);
    expect(inclusionBlocker(entry, OFF)).toEqual({
      reason: entry.reason,
      action:
        'Turn on the offline wheelhouse to build it on the server, then tick it.',
      fix: 'wheelhouse'
    });
    expect(inclusionBlocker(entry, ON)).toBeNull();
    expect(
      inclusionBlocker(entry, { wheelhouse: false, wheelhouseAvailable: false })
    ).toMatchObject({ fix: 'template' });
  });

  it('ticked: pinned to its commit as git+file, for the server to build', () => {
    const line = `dz-git-pkg @ git+file://${ROOT}/repos/dz-git@${SHA}`;
    for (const wheelhouse of [undefined, true]) {
      const entry = one(inside, {
        include: new Set(['dz-git-pkg']),
        wheelhouse
      });
      expect(entry).toMatchObject({
        status: 'vcs',
        line,
        serverBuild: true
      });
      expect(isSafeLine(entry.line!)).toBe(true);
      expect(entry.reason).toMatch(/server builds it into a wheel/);
      expect(inclusionBlocker(entry, ON)).toBeNull();
    }
    const off = one(inside, {
      include: new Set(['dz-git-pkg']),
      wheelhouse: false
    });
    expect(off).toMatchObject({ status: 'warning', line: null });
    expect(off.action).toMatch(/Turn on the offline wheelhouse/);
  });

  it('inside a root that itself lies under a hidden folder (~/.cache/work): buildable', () => {
    const root = '/home/jane/.cache/work';
    const entry = one(
      dist('dz-git-pkg', '0.2.0', git(`file://${root}/repos/dz-git`)),
      { jupyterRoot: root, include: new Set(['dz-git-pkg']), wheelhouse: true }
    );
    expect(entry).toMatchObject({
      status: 'vcs',
      line: `dz-git-pkg @ git+file://${root}/repos/dz-git@${SHA}`
    });
  });

  it('outside the root, in a hidden folder, unpinned, odd path or not git: left out with what to do', () => {
    const cases: [IDirectUrl, RegExp][] = [
      [git('file:///srv/repos/dz-git'), /outside the Jupyter root/],
      [git(`file://${ROOT}/.cache/dz-git`), /hidden folder/],
      [git(`file://${ROOT}/repos/dz-git`, 'main'), /not an exact commit/],
      [git(`file://${ROOT}/repos/my%20repo`), /characters/],
      [
        {
          url: `file://${ROOT}/repos/h`,
          vcs_info: { vcs: 'hg', commit_id: SHA }
        },
        /Mercurial repository on this machine/
      ]
    ];
    for (const [directUrl, reason] of cases) {
      const entry = one(dist('r', '1.0', directUrl), {
        include: new Set(['r']),
        wheelhouse: true
      });
      expect([directUrl.url, entry.status, entry.line]).toEqual([
        directUrl.url,
        'warning',
        null
      ]);
      expect(entry.reason).toMatch(reason);
      expect(needsServerBuild(entry)).toBe(false);
      expect(inclusionBlocker(entry, ON)?.fix).toBe('capture-again');
      expect(entry.action).toBeTruthy();
    }
  });

  it('is left out of a bundle without the wheelhouse, with a warning; kept with it', () => {
    const plan = translateRequirements(snapshot([inside]), {
      jupyterRoot: ROOT,
      include: new Set(['dz-git-pkg'])
    });
    const without = generateBundle({
      snapshot: snapshot([]),
      plan,
      notebooks: ['a.ipynb'],
      options: BASE
    });
    expect(without.files['requirements.txt']).not.toContain('git+file');
    expect(without.files['requirements.txt']).toMatch(
      /# - dz-git-pkg 0\.2\.0: Installed from a git repository on this machine/
    );
    expect(without.warnings.join('\n')).toMatch(
      /only the offline wheelhouse can hold them.*dz-git-pkg/
    );
    const offline = generateBundle({
      snapshot: snapshot([]),
      plan,
      notebooks: ['a.ipynb'],
      options: { ...BASE, wheelhouse: true }
    });
    expect(offline.files['requirements.txt']).toContain(
      `\ndz-git-pkg @ git+file://${ROOT}/repos/dz-git@${SHA}\n`
    );
    expect(offline.warnings).toEqual([]);
  });
});

describe('vendoring and the offline wheelhouse together (point 10)', () => {
  const plan = translateRequirements(
    snapshot([
      dist('dz-wheel-pkg', '0.1.0', wheelAt(`file://${ROOT}/dist/${WHEEL}`)),
      distributionIn(SITE, 'mylib', '0.3', {
        directUrl: {
          url: `file://${ROOT}/projects/mylib`,
          dir_info: { editable: true }
        }
      })
    ]),
    { jupyterRoot: ROOT, vendor: new Set(['dz-wheel-pkg', 'mylib']) }
  );

  it.each(['pip', 'uv', 'custom', 'docker-stacks'] as const)(
    '%s: the bundle carries them for the server, the image installs them from the wheelhouse',
    template => {
      const bundle = generateBundle({
        snapshot: snapshot([]),
        plan,
        notebooks: ['a.ipynb'],
        options: {
          ...BASE,
          template,
          wheelhouse: true,
          baseImage: 'python:3.11.7-slim'
        }
      });
      // The server builds vendor/ and copies wheels/ into the wheelhouse from the bundle.
      expect(bundle.include).toEqual(
        expect.arrayContaining([
          { workspacePath: 'projects/mylib', bundlePath: 'vendor/mylib' },
          { workspacePath: `dist/${WHEEL}`, bundlePath: `wheels/${WHEEL}` }
        ])
      );
      expect(bundle.files['requirements.txt']).toContain(`\n./vendor/mylib\n`);
      expect(bundle.files['requirements.txt']).toContain(
        `\n./wheels/${WHEEL}\n`
      );
      const dockerfile = bundle.files.Dockerfile;
      expect(dockerfile).not.toMatch(/COPY .*"vendor\//);
      expect(dockerfile).not.toMatch(/COPY .*"wheels\//);
      expect(dockerfile).toContain(
        '--require-hashes -r wheelhouse/requirements.lock'
      );
      expect(bundle.files['.dockerignore']).not.toMatch(/vendor|wheels\//);
      expect(bundle.wheelhouse?.python).toBe('3.11.7');
      expect(bundle.warnings).toEqual([]);
    }
  );

  it('without the wheelhouse, the Dockerfile copies both before the install', () => {
    const dockerfile = generateBundle({
      snapshot: snapshot([]),
      plan,
      notebooks: ['a.ipynb'],
      options: BASE
    }).files.Dockerfile;
    expect(dockerfile).toContain(
      `COPY ["requirements.txt", "./"]\nCOPY ["vendor/mylib", "vendor/mylib/"]\nCOPY ["wheels/${WHEEL}", "wheels/"]\n`
    );
    expect(dockerfile.indexOf('wheels/')).toBeLessThan(
      dockerfile.indexOf('RUN pip install')
    );
  });
});

describe('the wheelhouse resolves for the full Python version (point 2)', () => {
  const bundleFor = (pythonVersion: string | undefined, kernel = '3.11.7') =>
    generateBundle({
      snapshot: {
        ...snapshot([]),
        python: { implementation: 'CPython', version: kernel }
      },
      plan: translateRequirements(snapshot([])),
      notebooks: ['a.ipynb'],
      options: { ...BASE, wheelhouse: true, pythonVersion }
    });

  it.each([
    [undefined, '3.11.7', '3.11.7'],
    ['3.12.4', '3.11.7', '3.12.4'],
    ['3.11', '3.11.7', '3.11.7']
  ])('option %s, kernel %s: %s', (option, kernel, expected) => {
    const bundle = bundleFor(option, kernel);
    expect(bundle.wheelhouse?.python).toBe(expected);
    expect(bundle.warnings).toEqual([]);
  });

  it('an X.Y of another minor has no known patch release: said, never sent as X.Y.0', () => {
    const bundle = bundleFor('3.12');
    expect(bundle.wheelhouse?.python).toBe('3.12');
    expect(bundle.warnings.join('\n')).toMatch(
      /exact Python version \(3\.X\.Y\)/
    );
  });
});

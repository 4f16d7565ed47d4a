import * as fs from 'fs';
import * as path from 'path';

import { ContractError } from '../contract/errors';
import { generateBundle } from '../bundle/bundle';
import { parseSnapshot } from '../environment/snapshotParse';
import {
  cannotInstall,
  IPlatformCheck,
  IPreflightPackage,
  jupyterExtraPins,
  leftOutImports,
  mergedVerdicts,
  parsePreflightResponse,
  platformBlock,
  platformFailures,
  preflightKey,
  preflightRequest,
  preflightTarget,
  pylockInputOf,
  verdictAction
} from '../requirements/preflight';
import { IPreflightRequest } from '../contract/requests';
import {
  IRequirementEntry,
  IRequirementsPlan
} from '../requirements/requirementsPlan';

function entry(
  name: string,
  line: string | null,
  extra: Partial<IRequirementEntry> = {}
): IRequirementEntry {
  return {
    name,
    version: '1.0',
    source: 'index',
    status: line ? 'pinned' : 'excluded',
    line,
    reason: `reason of ${name}`,
    ...extra
  };
}

const plan: IRequirementsPlan = {
  python: 'CPython 3.11.7',
  platform: 'linux-x86_64',
  entries: [
    entry('beautifulsoup4', 'beautifulsoup4==4.12.3'),
    entry('ipykernel', null, { reason: 'Kernel machinery.' }),
    entry('localwheel', './wheels/localwheel-0.3.1-py3-none-any.whl', {
      source: 'local-archive',
      status: 'vendorable',
      workspacePath: 'sub/localwheel-0.3.1-py3-none-any.whl'
    }),
    entry('myproj', './vendor/myproj', {
      source: 'editable',
      status: 'vendorable',
      workspacePath: 'myproj'
    }),
    entry('pandas', 'pandas==2.2.3'),
    entry('repo', null, {
      source: 'vcs',
      status: 'warning',
      reason: 'Installed from a Git repository on this machine.'
    })
  ],
  vendorPaths: []
};

const target = { python: '3.11.7', platform: 'linux/amd64', binaryOnly: true };

describe('preflightTarget', () => {
  const base = {
    formPython: '',
    kernelPython: '3.11.7',
    template: 'uv',
    machine: 'x86_64'
  };

  it("uses the kernel's full Python version, never X.Y", () => {
    expect(preflightTarget(base)).toEqual({ target });
  });

  it('takes the kernel patch release for the same X.Y typed in the form', () => {
    expect(preflightTarget({ ...base, formPython: '3.11' })).toEqual({
      target
    });
  });

  it('takes a full version typed in the form', () => {
    expect(preflightTarget({ ...base, formPython: '3.12.4' })).toEqual({
      target: { ...target, python: '3.12.4' }
    });
  });

  it('asks for the full version when the form names another X.Y', () => {
    const result = preflightTarget({ ...base, formPython: '3.12' });
    expect('reason' in result && result.reason).toMatch(/3\.12\.X/);
  });

  it('says so when no version is known', () => {
    expect('reason' in preflightTarget({ ...base, kernelPython: '3.11' })).toBe(
      true
    );
  });

  it('is binary-only except for a custom base image', () => {
    for (const template of ['pip', 'uv', 'conda', 'docker-stacks']) {
      const result = preflightTarget({ ...base, template });
      expect('target' in result && result.target.binaryOnly).toBe(true);
    }
    const custom = preflightTarget({ ...base, template: 'custom' });
    expect('target' in custom && custom.target.binaryOnly).toBe(false);
  });

  it('is linux/amd64 unless the kernel runs on arm64 or a platform is set', () => {
    const arm = preflightTarget({ ...base, machine: 'aarch64' });
    expect('target' in arm && arm.target.platform).toBe('linux/arm64');
    const set = preflightTarget({ ...base, platform: 'linux/arm64' });
    expect('target' in set && set.target.platform).toBe('linux/arm64');
    const odd = preflightTarget({ ...base, machine: 'riscv64' });
    expect('target' in odd && odd.target.platform).toBe('linux/amd64');
  });
});

describe('preflightRequest', () => {
  it('sends the selected lines, with workspace paths for bundle-local ones', () => {
    expect(preflightRequest(plan, target)).toEqual({
      ...target,
      requirements: [
        { name: 'beautifulsoup4', line: 'beautifulsoup4==4.12.3' },
        {
          name: 'localwheel',
          line: './wheels/localwheel-0.3.1-py3-none-any.whl',
          workspacePath: 'sub/localwheel-0.3.1-py3-none-any.whl'
        },
        { name: 'myproj', line: './vendor/myproj', workspacePath: 'myproj' },
        { name: 'pandas', line: 'pandas==2.2.3' }
      ]
    });
  });

  it('adds the extra pins the image installs, unless the plan has the name', () => {
    const withJupyter = preflightRequest(plan, target, [
      'jupyterlab==4.2.5',
      'Pandas==2.0.0',
      '-r other.txt'
    ]);
    expect(withJupyter.requirements.slice(4)).toEqual([
      { name: 'jupyterlab', line: 'jupyterlab==4.2.5' }
    ]);
  });

  it('names the Jupyter the bundle installs on the install line (uv, pip) only', () => {
    const uv = generateBundle({
      snapshot: parseSnapshot(venvSnapshot),
      plan,
      notebooks: [],
      options: {
        template: 'uv',
        ui: 'notebook',
        created: '2026-01-01T00:00:00Z',
        generatorVersion: '0.0.0'
      }
    });
    const [pin] = jupyterExtraPins('uv', 'notebook');
    expect(pin).toMatch(/^notebook==\d+\.\d+\.\d+$/);
    expect(uv.files['Dockerfile']).toContain(pin);
    expect(jupyterExtraPins('pip', 'lab')[0]).toMatch(/^jupyterlab==/);
    expect(jupyterExtraPins('docker-stacks', 'lab')).toEqual([]);
    expect(jupyterExtraPins('conda', 'lab')).toEqual([]);
  });

  it('gives equal keys to equal requests only', () => {
    const one = preflightRequest(plan, target);
    const two = preflightRequest(plan, { ...target });
    expect(preflightKey(one)).toBe(preflightKey(two));
    expect(preflightKey(one)).not.toBe(
      preflightKey({ ...one, python: '3.11.8' })
    );
    expect(preflightKey(one)).not.toBe(
      preflightKey({ ...one, requirements: one.requirements.slice(1) })
    );
  });
});

const request: IPreflightRequest = {
  ...target,
  requirements: [
    { name: 'pandas', line: 'pandas==2.2.3' },
    { name: 'localwheel', line: 'localwheel==0.3.1' }
  ]
};

describe('parsePreflightResponse', () => {
  const body = {
    python: '3.11.7',
    platform: 'linux/amd64',
    packages: [
      {
        name: 'pandas',
        line: 'pandas==2.2.3',
        status: 'ok',
        version: '2.2.3',
        file: 'pandas-2.2.3-cp311-cp311-manylinux2014_x86_64.whl',
        reason: '',
        action: ''
      },
      {
        name: 'localwheel',
        line: 'localwheel==0.3.1',
        status: 'unavailable',
        version: null,
        file: null,
        reason: 'No release 0.3.1.',
        action: 'Untick it.'
      }
    ],
    dependencies: [{ name: 'numpy', version: '2.1.0', file: 'numpy.whl' }],
    cached: 1,
    elapsedMs: 1234
  };

  it('reads the resolution and what has no reachable URL', () => {
    const resolved = {
      name: 'numpy',
      version: '2.1.0',
      url: 'https://files.pythonhosted.org/packages/numpy.whl',
      sha256: 'a'.repeat(64)
    };
    const response = parsePreflightResponse(
      {
        ...body,
        resolution: [resolved, 'junk'],
        unlocked: [{ name: 'torch', version: '2.3.0+cpu', reason: 'local' }]
      },
      request
    );
    expect(response.resolution).toEqual([resolved]);
    expect(response.unlocked).toEqual([
      { name: 'torch', version: '2.3.0+cpu', reason: 'local' }
    ]);
    // An older server sends neither.
    expect(parsePreflightResponse(body, request).resolution).toEqual([]);
  });

  it('reads an answer of the contract', () => {
    const response = parsePreflightResponse(body, request);
    expect(response.packages.map(p => p.status)).toEqual(['ok', 'unavailable']);
    expect(response.packages[1].action).toBe('Untick it.');
    expect(response.dependencies).toEqual([
      { name: 'numpy', version: '2.1.0', file: 'numpy.whl' }
    ]);
    expect(response.cached).toBe(1);
    expect(response.elapsedMs).toBe(1234);
  });

  it('names each verdict after the request entry it answers', () => {
    const renamed = {
      ...body,
      packages: body.packages.map(p => ({ ...p, name: 'other' }))
    };
    expect(
      parsePreflightResponse(renamed, request).packages.map(p => p.name)
    ).toEqual(['pandas', 'localwheel']);
  });

  it('refuses an answer that does not match the request', () => {
    expect(() => parsePreflightResponse(null, request)).toThrow(ContractError);
    expect(() =>
      parsePreflightResponse(
        { ...body, packages: body.packages.slice(1) },
        request
      )
    ).toThrow(/1 packages for 2 requirements/);
    expect(() =>
      parsePreflightResponse(
        {
          ...body,
          packages: [body.packages[0], { ...body.packages[1], status: 'maybe' }]
        },
        request
      )
    ).toThrow(/localwheel has no known status/);
  });
});

function verdict(
  name: string,
  line: string,
  status: IPreflightPackage['status'],
  reason = `${status} ${name}`
): IPreflightPackage {
  return {
    name,
    line,
    status,
    version: null,
    file: null,
    reason,
    action: ''
  };
}

describe('cannotInstall', () => {
  it('holds for unavailable, refused and source-only without a compiler', () => {
    const of = (status: IPreflightPackage['status'], binaryOnly: boolean) =>
      cannotInstall(verdict('x', 'x==1', status), binaryOnly);
    expect(of('unavailable', false)).toBe(true);
    expect(of('refused', false)).toBe(true);
    expect(of('source-only', true)).toBe(true);
    expect(of('source-only', false)).toBe(false);
    expect(of('conflict', true)).toBe(false);
    expect(of('ok', true)).toBe(false);
  });

  it('offers an action for every problem, the server’s first', () => {
    expect(
      verdictAction(
        { ...verdict('x', 'x==1', 'refused'), action: 'Do X.' },
        true
      )
    ).toBe('Do X.');
    for (const status of [
      'source-only',
      'unavailable',
      'conflict',
      'refused'
    ] as const) {
      expect(verdictAction(verdict('x', 'x==1', status), true)).not.toBe('');
    }
    expect(verdictAction(verdict('x', 'x==1', 'ok'), true)).toBe('');
  });
});

describe('leftOutImports', () => {
  it('lists imported distributions the image will not have, with why', () => {
    const verdicts = new Map([
      ['pandas', verdict('pandas', 'pandas==2.2.3', 'unavailable', 'No 2.2.3')],
      [
        'beautifulsoup4',
        verdict('beautifulsoup4', 'beautifulsoup4==4.12.3', 'ok')
      ]
    ]);
    expect(
      leftOutImports(
        plan,
        ['pandas', 'beautifulsoup4', 'repo', 'ipykernel', 'not-installed'],
        verdicts,
        true
      )
    ).toEqual([
      { name: 'ipykernel', reason: 'Kernel machinery.' },
      { name: 'pandas', reason: 'No 2.2.3' },
      {
        name: 'repo',
        reason: 'Installed from a Git repository on this machine.'
      }
    ]);
  });

  it('keeps the pre-flight reason of a package it unticked', () => {
    const unticked: IRequirementsPlan = {
      ...plan,
      entries: [
        entry('localwheel', null, { reason: 'Excluded by your choice.' })
      ]
    };
    const verdicts = new Map([
      [
        'localwheel',
        verdict(
          'localwheel',
          'localwheel==0.3.1',
          'unavailable',
          'Not on PyPI.'
        )
      ]
    ]);
    expect(leftOutImports(unticked, ['localwheel'], verdicts, true)).toEqual([
      { name: 'localwheel', reason: 'Not on PyPI.' }
    ]);
  });

  it('ignores a verdict on another line than the one selected now', () => {
    const verdicts = new Map([
      ['pandas', verdict('pandas', 'pandas==2.0.0', 'unavailable')]
    ]);
    expect(leftOutImports(plan, ['pandas'], verdicts, true)).toEqual([]);
  });
});

const venvSnapshot = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'fixtures', 'snapshot-venv.json'),
    'utf8'
  )
);

describe('several platforms', () => {
  const asked = (platform: string): IPreflightRequest => ({
    python: '3.11.7',
    platform,
    binaryOnly: true,
    requirements: [
      { name: 'numpy', line: 'numpy==2.1.0' },
      { name: 'mkl', line: 'mkl==2024.2.0' },
      { name: 'myproj', line: './vendor/myproj' }
    ]
  });
  const verdict = (
    name: string,
    line: string,
    status: IPreflightPackage['status'],
    reason = ''
  ): IPreflightPackage => ({
    name,
    line,
    status,
    version: null,
    file: null,
    reason,
    action: ''
  });
  const wheel = (name: string, version: string, machine: string) => ({
    name,
    version,
    url: `https://files.pythonhosted.org/${name}-${version}-${machine}.whl`,
    sha256: (machine === 'x86_64' ? 'a' : 'b').repeat(64)
  });
  function check(
    platform: string,
    mkl: IPreflightPackage['status']
  ): IPlatformCheck {
    const machine = platform === 'linux/arm64' ? 'aarch64' : 'x86_64';
    return {
      request: asked(platform),
      response: {
        python: '3.11.7',
        platform,
        packages: [
          verdict('numpy', 'numpy==2.1.0', 'ok'),
          verdict(
            'mkl',
            'mkl==2024.2.0',
            mkl,
            mkl === 'ok' ? '' : `No release for ${machine}.`
          ),
          verdict('myproj', './vendor/myproj', 'ok')
        ],
        dependencies: [],
        resolution: [
          wheel('numpy', '2.1.0', machine),
          ...(mkl === 'ok' ? [wheel('mkl', '2024.2.0', machine)] : [])
        ],
        unlocked: [],
        cached: 0,
        elapsedMs: 1
      }
    };
  }

  it('names the platform that cannot install a package the other installs', () => {
    const checks = [
      check('linux/amd64', 'ok'),
      check('linux/arm64', 'unavailable')
    ];
    expect(platformFailures(checks)).toEqual([
      {
        platform: 'linux/arm64',
        verdicts: [checks[1].response.packages[1]]
      }
    ]);
    expect(platformBlock(checks)).toBe(
      'Not built: linux/arm64 cannot install mkl (No release for aarch64.). Untick it, or build for linux/amd64 only.'
    );
    expect(mergedVerdicts(checks).map(v => [v.status, v.reason])).toEqual([
      ['ok', ''],
      ['unavailable', 'For linux/arm64: No release for aarch64.'],
      ['ok', '']
    ]);
  });

  it('does not block for a package no platform installs, nor for one platform', () => {
    expect(
      platformBlock([
        check('linux/amd64', 'unavailable'),
        check('linux/arm64', 'unavailable')
      ])
    ).toBeNull();
    const one = [check('linux/arm64', 'unavailable')];
    expect(platformBlock(one)).toBeNull();
    expect(mergedVerdicts(one)[1].reason).toBe('No release for aarch64.');
  });

  it('makes the lock input from every platform’s resolution', () => {
    const checks = [check('linux/amd64', 'ok'), check('linux/arm64', 'ok')];
    const result = pylockInputOf(checks);
    expect(result).toEqual({
      lock: {
        python: '3.11.7',
        resolutions: [
          { platform: 'linux/amd64', packages: checks[0].response.resolution },
          { platform: 'linux/arm64', packages: checks[1].response.resolution }
        ]
      }
    });
  });

  it('has no lock while a pin fails, lacks a resolution, or a file is local only', () => {
    expect(
      pylockInputOf([
        check('linux/amd64', 'ok'),
        check('linux/arm64', 'unavailable')
      ])
    ).toEqual({ reason: 'mkl does not install on linux/arm64.' });
    const older = check('linux/amd64', 'ok');
    delete older.response.resolution;
    expect(pylockInputOf([older])).toEqual({
      reason: 'The resolution for linux/amd64 does not hold numpy.'
    });
    const local = check('linux/amd64', 'ok');
    local.response.unlocked = [
      { name: 'torch', version: '2.3.0+cpu', reason: 'from /opt/wheels only.' }
    ];
    expect(pylockInputOf([local])).toEqual({
      reason: 'No lock for linux/amd64: torch 2.3.0+cpu: from /opt/wheels only.'
    });
    expect(pylockInputOf([])).toEqual({
      reason: 'The packages have not been checked.'
    });
  });
});

import { execFileSync } from 'child_process';

import {
  IPylockInput,
  IPylockPackage,
  lockedVersions,
  PylockError,
  pylockProblems,
  renderPylock,
  tomlString
} from '../bundle/pylock';

/** The lock read back by Python's own TOML parser (tomllib, Python 3.11+). */
function parseToml(text: string): any {
  const script =
    'import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))';
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: text }).toString()
  );
}

const FILES = 'https://files.pythonhosted.org/packages';
const hash = (seed: string): string => seed.repeat(64).slice(0, 64);

function pkg(
  name: string,
  version: string,
  file: string,
  seed: string
): IPylockPackage {
  return { name, version, url: `${FILES}/ab/cd/${file}`, sha256: hash(seed) };
}

const six = pkg('six', '1.16.0', 'six-1.16.0-py2.py3-none-any.whl', 'a');
const numpyAmd = pkg(
  'numpy',
  '2.1.0',
  'numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  'b'
);
const numpyArm = pkg(
  'numpy',
  '2.1.0',
  'numpy-2.1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
  'c'
);
const onlyAmd = pkg(
  'Intel_Thing',
  '0.3',
  'intel_thing-0.3-cp311-cp311-manylinux_2_17_x86_64.whl',
  'd'
);

const twoPlatforms: IPylockInput = {
  python: '3.11.7',
  resolutions: [
    { platform: 'linux/amd64', packages: [numpyAmd, six, onlyAmd] },
    { platform: 'linux/arm64', packages: [six, numpyArm] }
  ]
};

describe('renderPylock', () => {
  it('writes PEP 751 1.0 with one entry per name and version and one wheel per platform', () => {
    const lock = parseToml(renderPylock(twoPlatforms));
    expect(lock['lock-version']).toBe('1.0');
    expect(lock['created-by']).toBe('jupyterlab-dockerize');
    expect(lock['requires-python']).toBe('==3.11.*');
    expect(lock.environments).toEqual([
      "sys_platform == 'linux' and platform_machine == 'x86_64'",
      "sys_platform == 'linux' and platform_machine == 'aarch64'"
    ]);
    expect(lock.packages.map((p: any) => [p.name, p.version])).toEqual([
      ['intel-thing', '0.3'],
      ['numpy', '2.1.0'],
      ['six', '1.16.0']
    ]);
    const numpy = lock.packages[1];
    expect(numpy.marker).toBeUndefined();
    expect(numpy.wheels).toEqual([
      {
        name: 'numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
        url: numpyAmd.url,
        hashes: { sha256: numpyAmd.sha256 }
      },
      {
        name: 'numpy-2.1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
        url: numpyArm.url,
        hashes: { sha256: numpyArm.sha256 }
      }
    ]);
    // A pure-Python wheel both platforms resolve is listed once.
    expect(lock.packages[2].wheels).toHaveLength(1);
  });

  it('puts a marker on a package only one platform resolves', () => {
    const lock = parseToml(renderPylock(twoPlatforms));
    expect(lock.packages[0].marker).toBe("platform_machine == 'x86_64'");
  });

  it('gives each platform its own entry when they resolve different versions', () => {
    const older = pkg('six', '1.15.0', 'six-1.15.0-py2.py3-none-any.whl', 'e');
    const lock = parseToml(
      renderPylock({
        python: '3.12',
        resolutions: [
          { platform: 'linux/amd64', packages: [six] },
          { platform: 'linux/arm64', packages: [older] }
        ]
      })
    );
    expect(lock['requires-python']).toBe('==3.12.*');
    expect(lock.packages.map((p: any) => [p.version, p.marker])).toEqual([
      ['1.15.0', "platform_machine == 'aarch64'"],
      ['1.16.0', "platform_machine == 'x86_64'"]
    ]);
  });

  it('has no marker when one platform is locked', () => {
    const text = renderPylock({
      python: '3.11.7',
      resolutions: [{ platform: 'linux/arm64', packages: [six, numpyArm] }]
    });
    expect(text).not.toContain('marker');
    expect(parseToml(text).environments).toEqual([
      "sys_platform == 'linux' and platform_machine == 'aarch64'"
    ]);
  });

  it('writes an sdist as the entry’s sdist table', () => {
    const sdist = pkg('tiny', '1.0', 'tiny-1.0.tar.gz', 'f');
    const lock = parseToml(
      renderPylock({
        python: '3.11.7',
        resolutions: [{ platform: 'linux/amd64', packages: [sdist] }]
      })
    );
    expect(lock.packages[0].sdist).toEqual({
      name: 'tiny-1.0.tar.gz',
      url: sdist.url,
      hashes: { sha256: sdist.sha256 }
    });
    expect(lock.packages[0].wheels).toBeUndefined();
  });

  it('decodes the file name of a percent-encoded URL', () => {
    const torch = pkg(
      'torch',
      '2.3.0+cpu',
      'torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl',
      '1'
    );
    const lock = parseToml(
      renderPylock({
        python: '3.11.7',
        resolutions: [{ platform: 'linux/amd64', packages: [torch] }]
      })
    );
    expect(lock.packages[0].wheels[0].name).toBe(
      'torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl'
    );
    expect(lock.packages[0].wheels[0].url).toBe(torch.url);
  });

  it('is the same text for the same input (sorted, stable)', () => {
    const reversed: IPylockInput = {
      ...twoPlatforms,
      resolutions: twoPlatforms.resolutions.map(r => ({
        ...r,
        packages: [...r.packages].reverse()
      }))
    };
    expect(renderPylock(reversed)).toBe(renderPylock(twoPlatforms));
  });
});

describe('pylockProblems', () => {
  it('refuses what a lock cannot carry, naming the package and platform', () => {
    const bad: IPylockInput = {
      python: '3.11.7',
      resolutions: [
        {
          platform: 'linux/amd64',
          packages: [
            {
              ...six,
              url: 'file:///opt/wheels/six-1.16.0-py2.py3-none-any.whl'
            },
            { ...numpyAmd, sha256: 'not-a-hash' },
            { ...onlyAmd, url: `${FILES}/x"y.whl` }
          ]
        }
      ]
    };
    expect(pylockProblems(bad)).toEqual([
      'six 1.16.0 (linux/amd64) has no http(s) URL on an index',
      'numpy 2.1.0 (linux/amd64) has no sha256',
      'Intel_Thing 0.3 (linux/amd64) has no http(s) URL on an index'
    ]);
    expect(() => renderPylock(bad)).toThrow(PylockError);
  });

  it('refuses no platform, an unknown platform, a bad Python and a name resolved twice', () => {
    expect(pylockProblems({ python: '3.11.7', resolutions: [] })).toEqual([
      'no platform was resolved'
    ]);
    expect(
      pylockProblems({
        python: 'three',
        resolutions: [
          { platform: 'windows/amd64', packages: [] },
          {
            platform: 'linux/amd64',
            packages: [
              six,
              pkg('Six', '1.15.0', 'six-1.15.0-py2.py3-none-any.whl', 'e')
            ]
          }
        ]
      })
    ).toEqual([
      "the Python version 'three' is not X.Y or X.Y.Z",
      "the platform 'windows/amd64' is not one a lock can name",
      'linux/amd64 resolves six twice (1.16.0 and 1.15.0)'
    ]);
  });

  it('accepts the two-platform input', () => {
    expect(pylockProblems(twoPlatforms)).toEqual([]);
  });
});

describe('lockedVersions', () => {
  it('maps each normalised name to its version for one platform', () => {
    expect(lockedVersions(twoPlatforms, 'linux/arm64')).toEqual(
      new Map([
        ['six', '1.16.0'],
        ['numpy', '2.1.0']
      ])
    );
    expect(lockedVersions(twoPlatforms, 'linux/amd64').get('intel-thing')).toBe(
      '0.3'
    );
  });
});

describe('tomlString', () => {
  it('reads back as the same string with quotes, backslashes and control characters', () => {
    const values = [
      'plain',
      'a"b',
      'back\\slash',
      'tab\there',
      'new\nline',
      'del\x7f',
      'é ✓'
    ];
    const text = values
      .map((value, i) => `k${i} = ${tomlString(value)}`)
      .join('\n');
    const parsed = parseToml(text);
    expect(values.map((_, i) => parsed[`k${i}`])).toEqual(values);
  });
});

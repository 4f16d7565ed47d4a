import { compareWithImage, pinnedVersion } from '../jobs/reproduction';
import {
  IRequirementEntry,
  IRequirementsPlan
} from '../requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { distributionIn } from './builders';

function entry(
  name: string,
  version: string,
  line: string | null
): IRequirementEntry {
  return {
    name,
    version,
    source: 'index',
    status: line === null ? 'excluded' : 'pinned',
    line,
    reason: ''
  };
}

function plan(entries: IRequirementEntry[]): IRequirementsPlan {
  return {
    python: '3.11.7',
    platform: 'Linux x86_64',
    entries,
    vendorPaths: []
  };
}

function image(dists: [string, string][]): IEnvironmentSnapshot {
  return {
    distributions: dists.map(([name, version]) =>
      distributionIn('/usr/lib', name, version)
    )
  } as unknown as IEnvironmentSnapshot;
}

describe('pinnedVersion', () => {
  it.each([
    ['numpy==1.26.4', '1.26.4'],
    ['numpy===1.26.4', '1.26.4'],
    ['pandas>=2', null],
    [
      'mypkg @ git+https://example.org/x.git@0123456789abcdef0123456789abcdef01234567',
      null
    ],
    ['./vendor/mypkg', null]
  ])('%s → %s', (line, version) => {
    expect(pinnedVersion(line)).toBe(version);
  });
});

describe('compareWithImage', () => {
  it('counts every selected package with its version as reproduced', () => {
    const result = compareWithImage(
      plan([
        entry('six', '1.16.0', 'six==1.16.0'),
        entry('Python_DateUtil', '2.9.0.post0', 'python-dateutil==2.9.0.post0'),
        entry('pip', '24.0', null)
      ]),
      image([
        ['six', '1.16.0'],
        ['python-dateutil', '2.9.0.post0'],
        ['jupyterlab', '4.6.6']
      ])
    );
    expect(result).toEqual({
      total: 2,
      reproduced: 2,
      mismatches: [],
      extraInImage: 1
    });
  });

  it('lists missing packages and other versions, sorted', () => {
    const result = compareWithImage(
      plan([
        entry('zeta', '1.0', 'zeta==1.0'),
        entry('alpha', '2.0', 'alpha==2.0'),
        entry(
          'vcs-pkg',
          '0.3.1',
          'vcs-pkg @ git+https://example.org/v.git@' + 'a'.repeat(40)
        )
      ]),
      image([
        ['alpha', '2.1'],
        ['vcs-pkg', '0.3.1']
      ])
    );
    expect(result.reproduced).toBe(1);
    expect(result.mismatches).toEqual([
      { name: 'alpha', expected: '2.0', found: '2.1' },
      { name: 'zeta', expected: '1.0', found: null }
    ]);
  });

  it('takes equal PEP 440 versions as the same (1.0 and 1.0.0)', () => {
    const result = compareWithImage(
      plan([entry('a', '1.0', 'a==1.0')]),
      image([['a', '1.0.0']])
    );
    expect(result.reproduced).toBe(1);
  });
});

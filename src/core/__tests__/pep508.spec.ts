import fc from 'fast-check';

import {
  compareVersions,
  evaluateMarker,
  isValidMarker,
  isValidName,
  isValidVersion,
  normalizeName,
  parseRequirement,
  parseRequirementsLine
} from '../environment/pep508';

describe('names', () => {
  it('accepts PEP 508 names and refuses the rest', () => {
    for (const name of [
      'a',
      'A1',
      'zope.interface',
      'typing_extensions',
      'x-y.z_1'
    ]) {
      expect(isValidName(name)).toBe(true);
    }
    for (const name of [
      '',
      '-a',
      'a-',
      '.a',
      'a b',
      'a\n',
      'naïve',
      '--index-url',
      'a;b',
      'x'.repeat(201)
    ]) {
      expect(isValidName(name)).toBe(false);
    }
  });

  it('normalizes like PEP 503', () => {
    expect(normalizeName('Zope.Interface')).toBe('zope-interface');
    expect(normalizeName('typing__extensions')).toBe('typing-extensions');
    expect(normalizeName('A-_.B')).toBe('a-b');
  });

  it('normalizes idempotently and keeps names valid', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?$/),
        name => {
          const once = normalizeName(name);
          expect(normalizeName(once)).toBe(once);
          expect(isValidName(once)).toBe(true);
        }
      )
    );
  });
});

describe('versions', () => {
  it('accepts every PEP 440 spelling', () => {
    for (const version of [
      '1',
      '1.0',
      'v1.0',
      '1!2.0',
      '1.0a1',
      '1.0-alpha.1',
      '1.0RC1',
      '1.0c1',
      '1.0.post1',
      '1.0-1',
      '1.0.dev0',
      '1.0-dev',
      '1.0a1.post2.dev3',
      '2.1.0+cu121',
      '1.0+ubuntu-1.2',
      '2023.06.15',
      '0.0.0'
    ]) {
      expect(isValidVersion(version)).toBe(true);
    }
  });

  it('refuses what is not one', () => {
    for (const version of [
      '',
      'latest',
      '1.0 ',
      ' 1.0',
      '1.0\n',
      '1.0;',
      '1.0 #x',
      '1..0',
      '1.0+',
      '1.0+a..b',
      '--index-url',
      '1.0,<2',
      '1.*',
      '2004d',
      '1'.repeat(201)
    ]) {
      expect(isValidVersion(version)).toBe(false);
    }
  });

  it('orders versions like packaging', () => {
    // packaging's own ordering test list, ascending
    const ordered = [
      '1.0.dev456',
      '1.0a1',
      '1.0a2.dev456',
      '1.0a12.dev456',
      '1.0a12',
      '1.0b1.dev456',
      '1.0b2',
      '1.0b2.post345.dev456',
      '1.0b2.post345',
      '1.0b2-346',
      '1.0c1.dev456',
      '1.0c1',
      '1.0rc2',
      '1.0c3',
      '1.0',
      '1.0.post456.dev34',
      '1.0.post456',
      '1.1.dev1',
      '1.2+123abc',
      '1.2+123abc456',
      '1.2+abc',
      '1.2+abc123',
      '1.2+abc123def',
      '1.2+1234.abc',
      '1.2+123456',
      '1.2.r32+123456',
      '1.2.rev33+123456',
      '1!1.0'
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect([
          ordered[i],
          ordered[j],
          Math.sign(compareVersions(ordered[i], ordered[j])!)
        ]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
      }
    }
  });

  it('treats spellings of one version as equal', () => {
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(compareVersions('v1.0', '1')).toBe(0);
    expect(compareVersions('1.0-1', '1.0.post1')).toBe(0);
    expect(compareVersions('1.0RC1', '1.0rc1')).toBe(0);
    expect(compareVersions('1.0+a', '1.0')).not.toBe(0);
    expect(
      compareVersions('99999999999999999999', '99999999999999999998')
    ).toBe(1);
    expect(compareVersions('1.0', 'latest')).toBeUndefined();
  });

  it('is a total order on generated versions', () => {
    const version = fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 3 }), {
          minLength: 1,
          maxLength: 3
        }),
        fc.option(fc.tuple(fc.constantFrom('a', 'b', 'rc'), fc.nat(2))),
        fc.option(fc.nat(2)),
        fc.option(fc.nat(2)),
        fc.option(fc.constantFrom('abc', '1', 'abc.2'))
      )
      .map(
        ([release, pre, post, dev, local]) =>
          release.join('.') +
          (pre ? `${pre[0]}${pre[1]}` : '') +
          (post !== null ? `.post${post}` : '') +
          (dev !== null ? `.dev${dev}` : '') +
          (local ? `+${local}` : '')
      );
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        const ab = compareVersions(a, b)!;
        const ba = compareVersions(b, a)!;
        expect(Math.sign(ab)).toBe(-Math.sign(ba));
        if (ab <= 0 && compareVersions(b, c)! <= 0) {
          expect(compareVersions(a, c)!).toBeLessThanOrEqual(0);
        }
      })
    );
  });
});

describe('markers', () => {
  const linux311 = {
    python_version: '3.11',
    python_full_version: '3.11.7',
    sys_platform: 'linux',
    platform_system: 'Linux',
    os_name: 'posix',
    implementation_name: 'cpython',
    platform_python_implementation: 'CPython',
    platform_machine: 'x86_64',
    extra: ''
  };

  it('evaluates the markers of real Requires-Dist lines', () => {
    const cases: [string, boolean | undefined][] = [
      ['python_version < "3.11"', false],
      ['python_version < "3.12"', true],
      ["python_version >= '3.8'", true],
      ['python_version == "3.11.*"', true],
      ['python_full_version ~= "3.11.0"', true],
      ['python_version ~= "3.12"', false],
      ["platform_system == 'Darwin'", false],
      ['sys_platform == "win32"', false],
      ['sys_platform != "win32" and sys_platform != "emscripten"', true],
      [
        'platform_python_implementation != "PyPy" and sys_platform == "win32"',
        false
      ],
      ['extra == "socks"', false],
      ['(python_version < "3.10") or extra == "test"', false],
      ['"linux" in sys_platform', true],
      ['platform_machine not in "arm64 aarch64"', true],
      ['platform_release >= "5"', undefined],
      ['platform_release >= "5" or python_version > "3"', true],
      ['platform_release >= "5" and python_version < "3"', false]
    ];
    for (const [marker, expected] of cases) {
      expect([marker, evaluateMarker(marker, linux311)]).toEqual([
        marker,
        expected
      ]);
    }
  });

  it('compares extras by normalized name', () => {
    expect(
      evaluateMarker('extra == "Socks_Proxy"', { extra: 'socks-proxy' })
    ).toBe(true);
  });

  it('refuses invalid syntax', () => {
    for (const marker of [
      '',
      'python_version',
      'python_version <',
      'foo == "1"',
      '"a" == "b"',
      'python_version < "3" and',
      '(python_version < "3"',
      'python_version < "3")'
    ]) {
      expect(isValidMarker(marker)).toBe(false);
      expect(evaluateMarker(marker, linux311)).toBeUndefined();
    }
  });
});

describe('parseRequirement', () => {
  it('reads Requires-Dist values', () => {
    expect(
      parseRequirement('PySocks!=1.5.7,>=1.5.6; extra == "socks"')
    ).toEqual({
      name: 'PySocks',
      extras: [],
      specifiers: [
        { op: '!=', version: '1.5.7' },
        { op: '>=', version: '1.5.6' }
      ],
      url: null,
      marker: 'extra == "socks"'
    });
    expect(parseRequirement('pytz (>=2020.1)')?.specifiers).toEqual([
      { op: '>=', version: '2020.1' }
    ]);
    expect(
      parseRequirement('ipython[matplotlib,test]; extra == "doc"')
    ).toMatchObject({
      name: 'ipython',
      extras: ['matplotlib', 'test']
    });
    expect(parseRequirement('jupyter-core!=6.0.*,>=5.1')?.specifiers).toEqual([
      { op: '!=', version: '6.0.*' },
      { op: '>=', version: '5.1' }
    ]);
    expect(
      parseRequirement(
        'pkg @ git+https://github.com/o/r.git@abc#subdirectory=x ; python_version > "3"'
      )
    ).toMatchObject({
      name: 'pkg',
      url: 'git+https://github.com/o/r.git@abc#subdirectory=x',
      marker: 'python_version > "3"'
    });
  });

  it('refuses what is not a requirement', () => {
    for (const text of [
      '',
      '-r other.txt',
      '--index-url http://x',
      'a b',
      'a==1 b',
      'a[',
      'a @',
      'a @ http://x ; nonsense',
      'a ; nonsense',
      'a (>=1'
    ]) {
      expect(parseRequirement(text)).toBeNull();
    }
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), text => {
        parseRequirement(text);
        parseRequirementsLine(text);
        evaluateMarker(text, {});
      })
    );
  });
});

describe('parseRequirementsLine', () => {
  it('tells comments, options, paths and requirements apart', () => {
    expect(parseRequirementsLine('')).toEqual({ kind: 'blank' });
    expect(parseRequirementsLine('# x')).toEqual({ kind: 'comment' });
    expect(parseRequirementsLine('  # x')).toEqual({ kind: 'comment' });
    expect(parseRequirementsLine('-r x.txt')).toMatchObject({ kind: 'option' });
    expect(parseRequirementsLine('--index-url=http://x')).toMatchObject({
      kind: 'option'
    });
    expect(parseRequirementsLine('./vendor/x')).toEqual({
      kind: 'path',
      path: './vendor/x'
    });
    expect(parseRequirementsLine('a==1 # pinned')).toMatchObject({
      kind: 'requirement',
      requirement: { name: 'a', specifiers: [{ op: '==', version: '1' }] }
    });
    expect(parseRequirementsLine('a==1#x')).toMatchObject({ kind: 'invalid' });
  });
});

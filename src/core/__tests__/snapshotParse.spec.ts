import fc from 'fast-check';

import { ContractError } from '../contract/errors';
import { parseSnapshot, readCaptureOutput } from '../environment/snapshotParse';
import { SNAPSHOT_MARKER } from '../contract/constants';

const snapshot = {
  schemaVersion: 1,
  python: { implementation: 'CPython', version: '3.11.7' },
  platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
  prefix: '/home/user/project/.venv',
  basePrefix: '/usr',
  kind: 'venv',
  conda: null,
  distributions: [
    {
      name: 'python-dateutil',
      displayName: 'python-dateutil',
      version: '2.9.0.post0',
      installer: 'pip',
      requires: ['six>=1.5'],
      topLevel: ['dateutil'],
      directUrl: null,
      location: '/home/user/project/.venv/lib/python3.11/site-packages'
    },
    {
      name: 'mylib',
      displayName: 'mylib',
      version: '0.1.0',
      installer: 'pip',
      requires: [],
      topLevel: ['mylib'],
      directUrl: {
        url: 'git+file:///src/mylib',
        vcs_info: { vcs: 'git', commit_id: 'a'.repeat(40) }
      },
      location: '/home/user/project/.venv/lib/python3.11/site-packages'
    }
  ],
  captureMs: 4.2
};

describe('parseSnapshot', () => {
  it('reads a whole snapshot', () => {
    expect(parseSnapshot(snapshot)).toEqual(snapshot);
  });

  it('names the field that is wrong', () => {
    const broken = {
      ...snapshot,
      distributions: [{ ...snapshot.distributions[0], version: 3 }]
    };
    expect(() => parseSnapshot(broken)).toThrow('distributions[0].version');
  });

  it('refuses another schema version', () => {
    expect(() => parseSnapshot({ ...snapshot, schemaVersion: 2 })).toThrow(
      ContractError
    );
  });

  it('either parses or throws a ContractError for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), body => {
        try {
          parseSnapshot(body);
        } catch (error) {
          expect(error).toBeInstanceOf(ContractError);
        }
      })
    );
  });
});

describe('readCaptureOutput', () => {
  it('finds the marker line among other output', () => {
    const stdout = `a warning\n${SNAPSHOT_MARKER}${JSON.stringify(snapshot)}\n`;
    expect(readCaptureOutput(stdout)).toEqual({ kind: 'snapshot', snapshot });
  });

  it('passes on the snippet’s own error', () => {
    const stdout = `${SNAPSHOT_MARKER}{"error": "no sys.path"}\n`;
    expect(readCaptureOutput(stdout)).toEqual({
      kind: 'error',
      message: 'no sys.path'
    });
  });

  it('refuses output without a snapshot, or a broken one', () => {
    expect(() => readCaptureOutput('hello\n')).toThrow(ContractError);
    expect(() => readCaptureOutput(`${SNAPSHOT_MARKER}{oops\n`)).toThrow(
      ContractError
    );
  });
});

import { IRowCheck } from '../../core/environment/packageTable';
import {
  inclusionBlocker,
  needsServerBuild
} from '../../core/requirements/inclusionBlocker';
import { IRequirementEntry } from '../../core/requirements/requirementsPlan';
import {
  IRequirementsOptions,
  translateRequirements
} from '../../core/requirements/requirements';
import { parseSnapshot } from '../../core/environment/snapshotParse';
import { explainRow } from '../rowActions';

// A real capture of a venv: dz-git-pkg is a git install from /home/user/project/packages/dz-git-pkg.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const venv = require('../../core/__tests__/fixtures/snapshot-venv.json');
const snapshot = parseSnapshot(venv);
const INSIDE = '/home/user/project';
const OUTSIDE = '/srv/elsewhere';

function planned(
  name: string,
  options: IRequirementsOptions = {}
): IRequirementEntry {
  const plan = translateRequirements(snapshot, {
    jupyterRoot: INSIDE,
    ...options
  });
  return plan.entries.find(entry => entry.name === name)!;
}

function entry(overrides: Partial<IRequirementEntry>): IRequirementEntry {
  return {
    name: 'pkg',
    version: '1.0',
    source: 'index',
    status: 'pinned',
    line: 'pkg==1.0',
    reason: 'Installed from the package index.',
    ...overrides
  };
}

const off = { wheelhouse: false, wheelhouseAvailable: true };
const on = { wheelhouse: true, wheelhouseAvailable: true };
const conda = { wheelhouse: false, wheelhouseAvailable: false };
const unavailable: IRowCheck = {
  status: 'unavailable',
  label: 'unavailable',
  reason: 'No release 1.0 for CPython 3.11.7.',
  action: 'Untick it.',
  blocked: true
};

describe('explainRow', () => {
  it('offers the wheelhouse for a git install the server can build', () => {
    const git = planned('dz-git-pkg', { wheelhouse: false });
    expect(needsServerBuild(git)).toBe(true);
    expect(git.line).toBeNull();

    const explained = explainRow(git, null, off);

    expect(explained).toEqual({
      reason: git.reason,
      action: inclusionBlocker(git, off)!.action,
      actions: [{ kind: 'wheelhouse', label: 'Turn on the offline wheelhouse' }]
    });
  });

  it('recognises the git install by the core, not by the words of its reason', () => {
    const git = { ...planned('dz-git-pkg', { wheelhouse: false }) };
    git.reason = 'Built by the server.';
    expect(explainRow(git, null, off).actions.map(a => a.kind)).toEqual([
      'wheelhouse'
    ]);
    // Outside the root the reason still says "repository on this machine", but the
    // server does not build it: the action is to move it and capture again.
    const outside = translateRequirements(snapshot, {
      jupyterRoot: OUTSIDE,
      include: new Set(['dz-git-pkg']),
      wheelhouse: false
    }).entries.find(e => e.name === 'dz-git-pkg')!;
    expect(outside.reason).toMatch(/repository on this machine/);
    expect(needsServerBuild(outside)).toBe(false);
    const explained = explainRow(outside, null, off);
    expect(explained.reason).toBe(outside.reason);
    expect(explained.action).toBe(outside.action);
    expect(explained.actions.map(a => a.kind)).toEqual(['capture']);
  });

  it('offers the pip template where the template has no wheelhouse', () => {
    const git = planned('dz-git-pkg', { wheelhouse: false });
    const explained = explainRow(git, null, conda);
    expect(explained.action).toBe(inclusionBlocker(git, conda)!.action);
    expect(explained.actions.map(a => a.kind)).toEqual(['template']);
  });

  it('with the wheelhouse on, the git install ticks like any other row', () => {
    const unticked = planned('dz-git-pkg', { wheelhouse: true });
    expect(unticked.line).toBeNull();
    const explained = explainRow(unticked, null, on);
    expect(explained.actions.map(a => a.kind)).toEqual(['include']);
    expect(explained.action).toBe(unticked.action);

    const ticked = planned('dz-git-pkg', {
      wheelhouse: true,
      include: new Set(['dz-git-pkg'])
    });
    expect(ticked.line).toMatch(/^dz-git-pkg @ git\+file:\/\/\//);
    expect(explainRow(ticked, null, on).actions).toEqual([]);
  });

  it('says why a row cannot tick and what to do, with a button where one helps', () => {
    const vendorable = explainRow(
      entry({ source: 'editable', status: 'vendorable', line: null }),
      null,
      off
    );
    expect(vendorable.actions.map(a => a.kind)).toEqual(['vendor']);
    const excluded = explainRow(
      entry({ status: 'excluded', line: null, reason: 'Kernel machinery.' }),
      null,
      off
    );
    expect(excluded.reason).toBe('Kernel machinery.');
    expect(excluded.actions.map(a => a.kind)).toEqual(['include']);
    const warning = explainRow(
      entry({ status: 'warning', line: null, reason: 'Not a valid name.' }),
      null,
      off
    );
    expect(warning.reason).toBe('Not a valid name.');
    expect(warning.action).toBe(
      inclusionBlocker(
        entry({ status: 'warning', line: null, reason: 'Not a valid name.' }),
        off
      )!.action
    );
    expect(warning.actions.map(a => a.kind)).toEqual(['capture']);
  });

  it('every row of a real capture that cannot be included says why, with a button', () => {
    for (const context of [off, on, conda]) {
      const plan = translateRequirements(snapshot, {
        jupyterRoot: INSIDE,
        wheelhouse: context.wheelhouse
      });
      for (const row of plan.entries.filter(e => e.line === null)) {
        const explained = explainRow(row, null, context);
        expect(explained.reason).not.toBe('');
        expect(explained.action).not.toBe('');
        expect(explained.actions).toHaveLength(1);
      }
    }
  });

  it("puts the pre-flight's reason and action first", () => {
    const ticked = explainRow(entry({}), unavailable, off);
    expect(ticked).toEqual({
      reason: unavailable.reason,
      action: 'Untick it.',
      actions: [{ kind: 'exclude', label: 'Untick it' }]
    });
    const unticked = explainRow(entry({ line: null }), unavailable, off);
    expect(unticked.actions.map(a => a.kind)).toEqual(['include']);
  });
});

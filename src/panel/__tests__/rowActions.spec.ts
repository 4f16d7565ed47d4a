import { IRowCheck } from '../../core/packageTable';
import { IRequirementEntry } from '../../core/requirements';
import { explainRow } from '../rowActions';

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

const context = { wheelhouse: false, wheelhouseAvailable: true };
const unavailable: IRowCheck = {
  status: 'unavailable',
  label: 'unavailable',
  reason: 'No release 1.0 for CPython 3.11.7.',
  action: 'Untick it.',
  blocked: true
};

describe('explainRow', () => {
  it('offers the wheelhouse for a git install from a local repository', () => {
    const git = entry({
      source: 'vcs',
      status: 'warning',
      line: null,
      reason:
        'Installed from a Git repository on this machine (/home/a/repo), which a Docker build cannot reach.'
    });
    const explained = explainRow(git, null, context);
    expect(explained.action).toBe(
      'Turn on the offline wheelhouse: the server builds it into a wheel.'
    );
    expect(explained.actions.map(a => a.kind)).toEqual(['wheelhouse']);
    // Not for conda, which has no wheelhouse.
    expect(
      explainRow(git, null, { ...context, wheelhouseAvailable: false }).actions
    ).toEqual([]);
  });

  it('says why a row cannot tick and what to do, with a button where one helps', () => {
    const vendorable = explainRow(
      entry({ source: 'editable', status: 'vendorable', line: null }),
      null,
      context
    );
    expect(vendorable.actions.map(a => a.kind)).toEqual(['vendor']);
    const excluded = explainRow(
      entry({ status: 'excluded', line: null, reason: 'Kernel machinery.' }),
      null,
      context
    );
    expect(excluded.reason).toBe('Kernel machinery.');
    expect(excluded.actions.map(a => a.kind)).toEqual(['include']);
    const warning = explainRow(
      entry({ status: 'warning', line: null, reason: 'Not a valid name.' }),
      null,
      context
    );
    expect(warning.reason).toBe('Not a valid name.');
    expect(warning.action).not.toBe('');
  });

  it("puts the pre-flight's reason and action first", () => {
    const ticked = explainRow(entry({}), unavailable, context);
    expect(ticked).toEqual({
      reason: unavailable.reason,
      action: 'Untick it.',
      actions: [{ kind: 'exclude', label: 'Untick it' }]
    });
    const unticked = explainRow(entry({ line: null }), unavailable, context);
    expect(unticked.actions.map(a => a.kind)).toEqual(['include']);
  });
});

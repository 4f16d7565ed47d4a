import { inclusionBlocker } from '../requirements/inclusionBlocker';
import { translateRequirements } from '../requirements/requirements';
import { IRequirementEntry } from '../requirements/requirementsPlan';
import { dist, editable, ROOT, snapshot } from './snapshotBuilders';

const OFF = { wheelhouse: false, wheelhouseAvailable: true };
const ON = { wheelhouse: true, wheelhouseAvailable: true };

describe('inclusionBlocker for every kind of row', () => {
  const row = (more: Partial<IRequirementEntry>): IRequirementEntry => ({
    name: 'x',
    version: '1.0',
    source: 'index',
    status: 'pinned',
    line: 'x==1.0',
    reason: 'Pinned.',
    ...more
  });

  it('is null for rows in the image, excluded rows and vendorable rows', () => {
    expect(inclusionBlocker(row({}), OFF)).toBeNull();
    expect(
      inclusionBlocker(row({ status: 'excluded', line: null }), OFF)
    ).toBeNull();
    expect(
      inclusionBlocker(
        row({ status: 'vendorable', line: null, source: 'editable' }),
        OFF
      )
    ).toBeNull();
  });

  it('says why and what to do for a warning row, with a fallback action', () => {
    expect(
      inclusionBlocker(
        row({ status: 'warning', line: null, reason: 'Bad name.' }),
        ON
      )
    ).toEqual({
      reason: 'Bad name.',
      action: expect.stringMatching(/cannot be included as installed/),
      fix: 'none'
    });
    const [outside] = translateRequirements(
      snapshot([dist('p', '1.0', { directUrl: editable('file:///srv/p') })]),
      { jupyterRoot: ROOT }
    ).entries;
    expect(inclusionBlocker(outside, ON)).toMatchObject({
      fix: 'capture-again',
      action: expect.stringMatching(/Move the project into the Jupyter folder/)
    });
  });
});

import { widenedSizes } from '../shared/splitSizes';

describe('widenedSizes', () => {
  it('widens the sidebar with room from the main area', () => {
    // left sidebar, main area, right sidebar
    expect(widenedSizes([250, 780, 250], 2, 440, 1, 400)).toEqual([
      250, 590, 440
    ]);
  });

  it('keeps the main area at its minimum', () => {
    expect(widenedSizes([250, 500, 250], 2, 440, 1, 400)).toEqual([
      250, 400, 350
    ]);
  });

  it('leaves a sidebar that is wide enough', () => {
    expect(widenedSizes([250, 700, 440], 2, 440, 1, 400)).toBeNull();
    expect(widenedSizes([250, 600, 520], 2, 440, 1, 400)).toBeNull();
  });

  it('does nothing when the main area has no room to give', () => {
    expect(widenedSizes([250, 380, 250], 2, 440, 1, 400)).toBeNull();
  });

  it('does nothing for a panel that is not there', () => {
    expect(widenedSizes([250, 780], 2, 440, 1, 400)).toBeNull();
  });
});

import fc from 'fast-check';

import {
  applyEvents,
  EMPTY_VIEW,
  IJobEvent,
  logText,
  parseJob,
  pushFraction
} from '../jobs/buildJob';
import { ContractError } from '../contract/errors';

function events(count: number): IJobEvent[] {
  const out: IJobEvent[] = [];
  for (let offset = 0; offset < count; offset++) {
    if (offset % 5 === 0) {
      out.push({
        offset,
        time: '',
        kind: 'progress',
        phase: 'build',
        step: offset / 5 + 1,
        steps: Math.ceil(count / 5),
        instruction: `RUN step ${offset}`
      });
    } else {
      out.push({
        offset,
        time: '',
        kind: 'log',
        phase: 'build',
        text: `line ${offset}`
      });
    }
  }
  return out;
}

describe('applyEvents', () => {
  it('replays from any offset in any chunks to the same view, with no line twice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.tuple(fc.nat(70), fc.nat(70)), { maxLength: 30 }),
        (count, fetches) => {
          const all = events(count);
          const whole = applyEvents(EMPTY_VIEW, all);
          let view = EMPTY_VIEW;
          // Each fetch returns a window from some offset: old, overlapping or ahead.
          for (const [start, length] of fetches) {
            view = applyEvents(view, all.slice(start, start + length));
          }
          view = applyEvents(view, all.slice(view.next));
          expect(view).toEqual(whole);
          expect(view.lines.map(line => line.offset)).toEqual(
            all.filter(e => e.kind === 'log').map(e => e.offset)
          );
        }
      )
    );
  });

  it('stops at a gap so that the caller fetches from the right offset', () => {
    const all = events(10);
    const view = applyEvents(EMPTY_VIEW, [...all.slice(0, 3), ...all.slice(5)]);
    expect(view.next).toBe(3);
  });

  it('keeps build steps, push layers and stderr lines', () => {
    const view = applyEvents(EMPTY_VIEW, [
      {
        offset: 0,
        time: '',
        kind: 'progress',
        phase: 'build',
        step: 2,
        steps: 4,
        instruction: 'RUN x'
      },
      {
        offset: 1,
        time: '',
        kind: 'log',
        phase: 'build',
        text: 'boom',
        stream: 'stderr'
      },
      { offset: 2, time: '', kind: 'phase', phase: 'push', state: 'pushing' },
      {
        offset: 3,
        time: '',
        kind: 'progress',
        phase: 'push',
        layer: 'a',
        status: 'Pushing',
        current: 50,
        total: 100
      },
      {
        offset: 4,
        time: '',
        kind: 'progress',
        phase: 'push',
        layer: 'b',
        status: 'Layer already exists',
        current: 0,
        total: 0
      }
    ]);
    expect(view.build).toEqual({ step: 2, steps: 4, instruction: 'RUN x' });
    expect(view.lines).toEqual([
      { offset: 1, phase: 'build', text: 'boom', stderr: true }
    ]);
    expect(pushFraction(view.push)).toBeCloseTo(51 / 101);
    expect(logText(view.lines)).toBe('boom');
  });
});

describe('pushFraction', () => {
  it('is null before any layer has a size and 1 when all are pushed', () => {
    expect(pushFraction({})).toBeNull();
    expect(
      pushFraction({ a: { status: 'Preparing', current: 0, total: 0 } })
    ).toBeNull();
    expect(
      pushFraction({
        a: { status: 'Pushed', current: 0, total: 0 },
        b: { status: 'Pushed', current: 10, total: 10 }
      })
    ).toBe(1);
  });
});

describe('parseJob', () => {
  const job = {
    id: 'abc',
    image: 'a/b:1',
    notebook: 'nb.ipynb',
    state: 'failed',
    message: 'no',
    phase: 'push',
    timestamps: { queued: 't' },
    imageId: 'sha256:1',
    pushed: null,
    verification: null,
    run: null,
    error: { code: 'push_unauthorized', message: 'no', hint: 'log in' },
    eventCount: 4
  };

  it('reads a job the server sends', () => {
    expect(parseJob(job)).toEqual(job);
  });

  it('refuses what is not a job', () => {
    expect(() => parseJob(null)).toThrow(ContractError);
    expect(() => parseJob({ ...job, state: 'exploded' })).toThrow(
      /unknown job state/
    );
    expect(() => parseJob({ ...job, id: 3 })).toThrow(/job.id/);
  });
});

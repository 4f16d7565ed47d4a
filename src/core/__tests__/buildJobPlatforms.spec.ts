/**
 * A multi-platform job as the server reports it: its platforms' images, the manifest
 * list it pushed, and events that name their platform.
 */
import { applyEvents, EMPTY_VIEW, IJobEvent, parseJob } from '../jobs/buildJob';
import { ContractError } from '../contract/errors';

const DIGEST_AMD = `sha256:${'a'.repeat(64)}`;
const DIGEST_ARM = `sha256:${'b'.repeat(64)}`;
const DIGEST_INDEX = `sha256:${'c'.repeat(64)}`;

const job = {
  id: 'j1',
  image: 'jane/a:1.0',
  notebook: '',
  state: 'pushed',
  message: 'Pushed.',
  phase: 'push',
  timestamps: {},
  imageId: 'sha256:1',
  platforms: [
    {
      platform: 'linux/amd64',
      image: 'jane/a:1.0',
      imageId: 'sha256:1',
      emulated: false
    },
    {
      platform: 'linux/arm64',
      image: 'jane/a:1.0-linux-arm64',
      imageId: 'sha256:2',
      emulated: true
    }
  ],
  pushed: {
    reference: 'registry.example/jane/a:1.0',
    digest: DIGEST_INDEX,
    platforms: [
      { platform: 'linux/amd64', digest: DIGEST_AMD },
      { platform: 'linux/arm64', digest: DIGEST_ARM }
    ]
  },
  verification: null,
  run: null,
  error: null,
  eventCount: 3
};

describe('a multi-platform job', () => {
  it('reads its platforms and the manifest list it pushed', () => {
    const parsed = parseJob(job);
    expect(parsed.platforms).toEqual(job.platforms);
    expect(parsed.platforms?.map(item => item.emulated)).toEqual([false, true]);
    expect(parsed.pushed?.digest).toBe(DIGEST_INDEX);
    expect(parsed.pushed?.platforms).toEqual([
      { platform: 'linux/amd64', digest: DIGEST_AMD },
      { platform: 'linux/arm64', digest: DIGEST_ARM }
    ]);
  });

  it("has no platforms when an older server's job names none", () => {
    const older: Record<string, unknown> = { ...job };
    delete older.platforms;
    const parsed = parseJob({
      ...older,
      pushed: { reference: 'jane/a:1.0', digest: DIGEST_AMD }
    });
    expect(parsed.platforms).toBeUndefined();
    expect(parsed.pushed).toEqual({
      reference: 'jane/a:1.0',
      digest: DIGEST_AMD
    });
  });

  it('refuses a platform entry without its name, or a pushed list without digests', () => {
    expect(() =>
      parseJob({ ...job, platforms: [{ image: 'x', imageId: 'sha256:1' }] })
    ).toThrow(ContractError);
    expect(() =>
      parseJob({
        ...job,
        pushed: { ...job.pushed, platforms: [{ platform: 'linux/arm64' }] }
      })
    ).toThrow(ContractError);
  });

  it("keeps each log line's platform", () => {
    const events: IJobEvent[] = [
      {
        offset: 0,
        time: 't',
        kind: 'log',
        phase: 'build',
        text: 'Building for linux/amd64',
        platform: 'linux/amd64'
      },
      {
        offset: 1,
        time: 't',
        kind: 'log',
        phase: 'build',
        text: 'Building for linux/arm64 (emulated through QEMU)',
        platform: 'linux/arm64'
      },
      { offset: 2, time: 't', kind: 'log', phase: 'build', text: 'plain' }
    ];
    const view = applyEvents(EMPTY_VIEW, events);
    expect(view.lines.map(line => line.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
      undefined
    ]);
    expect('platform' in view.lines[2]).toBe(false);
  });
});

import { IJobEvent } from '../buildJob';
import {
  applyPlatformEvents,
  isPlatformChoice,
  missingForPush,
  platformList,
  platformOfArch,
  platformsOf,
  platformVerifications,
  pushedPlatforms
} from '../platforms';

function event(
  offset: number,
  kind: string,
  fields: Record<string, unknown> = {}
): IJobEvent {
  return { offset, time: '', kind, phase: 'build', ...fields };
}

describe('platforms of a choice', () => {
  it('knows the engine’s and the kernel’s names of the two architectures', () => {
    expect(platformOfArch('amd64')).toBe('linux/amd64');
    expect(platformOfArch('x86_64')).toBe('linux/amd64');
    expect(platformOfArch('arm64', 'linux')).toBe('linux/arm64');
    expect(platformOfArch('aarch64')).toBe('linux/arm64');
    expect(platformOfArch('AArch64 ')).toBe('linux/arm64');
    expect(platformOfArch('riscv64')).toBeNull();
    expect(platformOfArch('amd64', 'windows')).toBeNull();
  });

  it('makes "auto" the engine’s own to build and both to push, the native first', () => {
    expect(platformsOf('auto', 'build', 'linux/amd64')).toEqual([
      'linux/amd64'
    ]);
    expect(platformsOf('auto', 'build', 'linux/arm64')).toEqual([
      'linux/arm64'
    ]);
    expect(platformsOf('auto', 'push', 'linux/amd64')).toEqual([
      'linux/amd64',
      'linux/arm64'
    ]);
    expect(platformsOf('auto', 'push', 'linux/arm64')).toEqual([
      'linux/arm64',
      'linux/amd64'
    ]);
    expect(platformsOf('both', 'build', 'linux/arm64')).toEqual([
      'linux/arm64',
      'linux/amd64'
    ]);
    expect(platformsOf('linux/arm64', 'push', 'linux/amd64')).toEqual([
      'linux/arm64'
    ]);
    expect(isPlatformChoice('both')).toBe(true);
    expect(isPlatformChoice('linux/386')).toBe(false);
    expect(platformList(['linux/amd64', 'linux/arm64'])).toBe(
      'linux/amd64 and linux/arm64'
    );
    expect(platformList(['linux/arm64'])).toBe('linux/arm64');
  });

  it('says which platforms a push wants that the job was not built for', () => {
    const both = ['linux/amd64', 'linux/arm64'] as const;
    const one = {
      platforms: [
        {
          platform: 'linux/amd64',
          image: 'a:1',
          imageId: 'sha256:1',
          emulated: false
        }
      ]
    };
    expect(missingForPush(one, both, 'linux/amd64')).toEqual(['linux/arm64']);
    const two = {
      platforms: [
        ...one.platforms,
        {
          platform: 'linux/arm64',
          image: 'a:1-linux-arm64',
          imageId: 'sha256:2',
          emulated: true
        }
      ]
    };
    expect(missingForPush(two, both, 'linux/amd64')).toEqual([]);
    // An older server's job names no platform: it was built for the engine's own.
    expect(missingForPush({}, ['linux/amd64'], 'linux/amd64')).toEqual([]);
    expect(missingForPush({}, both, 'linux/amd64')).toEqual(['linux/arm64']);
    // A platform whose build has not ended has no image yet.
    expect(
      missingForPush(
        { platforms: [{ ...two.platforms[1], imageId: null }] },
        ['linux/arm64'],
        'linux/amd64'
      )
    ).toEqual(['linux/arm64']);
  });
});

describe('a multi-platform job', () => {
  it('follows each platform’s build step from the events that name it', () => {
    let progress = applyPlatformEvents(
      [],
      [
        event(0, 'log', {
          platform: 'linux/amd64',
          text: 'Building for linux/amd64'
        }),
        event(1, 'progress', {
          platform: 'linux/amd64',
          step: 2,
          steps: 5,
          instruction: 'RUN pip install'
        }),
        event(2, 'progress', { step: 9, steps: 9 }),
        event(3, 'log', {
          platform: 'linux/arm64',
          text: 'Building for linux/arm64 (emulated through QEMU)'
        })
      ]
    );
    expect(progress).toEqual([
      {
        platform: 'linux/amd64',
        step: 2,
        steps: 5,
        instruction: 'RUN pip install'
      },
      { platform: 'linux/arm64', step: 0, steps: 0, instruction: '' }
    ]);
    progress = applyPlatformEvents(progress, [
      event(4, 'progress', {
        platform: 'linux/arm64',
        step: 3,
        steps: 5,
        instruction: 'COPY . .'
      }),
      event(5, 'progress', {
        platform: 'linux/arm64',
        phase: 'push',
        step: 1,
        steps: 1
      })
    ]);
    expect(progress[0].step).toBe(2);
    expect(progress[1]).toEqual({
      platform: 'linux/arm64',
      step: 3,
      steps: 5,
      instruction: 'COPY . .'
    });
  });

  it('reads the index’s platforms and each platform’s verification', () => {
    const job = {
      platforms: [
        {
          platform: 'linux/amd64',
          image: 'a:1',
          imageId: 'sha256:1',
          emulated: false
        },
        {
          platform: 'linux/arm64',
          image: 'a:1-linux-arm64',
          imageId: 'sha256:2',
          emulated: true
        }
      ],
      pushed: {
        reference: 'r/a:1',
        digest: 'sha256:index',
        platforms: [
          { platform: 'linux/amd64', digest: 'sha256:a' },
          { platform: 'linux/arm64', digest: 'sha256:b' },
          { platform: '', digest: 'no platform' }
        ]
      },
      verification: {
        ok: true,
        uid: 1000,
        byPlatform: { 'linux/arm64': { ok: false }, 'linux/s390x': 'junk' }
      }
    };
    expect(pushedPlatforms(job)).toEqual([
      { platform: 'linux/amd64', digest: 'sha256:a' },
      { platform: 'linux/arm64', digest: 'sha256:b' }
    ]);
    expect(
      pushedPlatforms({ pushed: { reference: 'r/a:1', digest: 'x' } })
    ).toEqual([]);
    const verifications = platformVerifications(job);
    expect(verifications.map(item => [item.platform, item.emulated])).toEqual([
      ['linux/amd64', false],
      ['linux/arm64', true]
    ]);
    expect(verifications[0].verification).toBe(job.verification);
    expect(verifications[1].verification).toEqual({ ok: false });
    expect(platformVerifications({ verification: null })).toEqual([]);
  });
});

import { parseNormalizedImageReference } from '../contract/imageReference';
import {
  initialPushFields,
  IPushFields,
  pushProblem,
  pushRequest,
  pushTarget,
  splitBuilt
} from '../jobs/pushForm';
import { ITranslate } from '../shared/text';

function fields(patch: Partial<IPushFields> = {}): IPushFields {
  return {
    registry: 'docker.io',
    repository: 'me/analysis',
    tag: 'v1',
    authMode: 'token',
    username: 'me',
    token: 'dckr_pat_secret',
    ...patch
  };
}

describe('pushTarget', () => {
  it('leaves every Docker Hub alias out of the reference', () => {
    for (const registry of [
      '',
      'docker.io',
      'index.docker.io',
      'registry-1.docker.io',
      ' docker.io/ '
    ]) {
      expect(pushTarget(fields({ registry }))).toBe('me/analysis:v1');
    }
  });

  it('puts any other registry in front, with its port', () => {
    expect(pushTarget(fields({ registry: 'ghcr.io' }))).toBe(
      'ghcr.io/me/analysis:v1'
    );
    expect(
      pushTarget(fields({ registry: 'localhost:5000', repository: 'app' }))
    ).toBe('localhost:5000/app:v1');
  });

  it('drops trailing slashes and spaces around the registry and the names', () => {
    expect(
      pushTarget(
        fields({
          registry: ' quay.io// ',
          repository: ' team/app ',
          tag: ' 2024-01 '
        })
      )
    ).toBe('quay.io/team/app:2024-01');
  });

  it('leaves the tag out when it is empty, so Docker defaults it to latest', () => {
    const target = pushTarget(fields({ tag: '  ' }));
    expect(target).toBe('me/analysis');
    const parsed = parseNormalizedImageReference(target);
    expect(parsed.ok && parsed.reference.tag).toBe('latest');
  });

  it('names nothing without a repository', () => {
    expect(pushTarget(fields({ repository: ' ', registry: 'ghcr.io' }))).toBe(
      ''
    );
  });
});

describe('pushProblem', () => {
  it('has none for complete fields', () => {
    expect(pushProblem(fields())).toBeNull();
    expect(
      pushProblem(fields({ registry: 'localhost:5000', repository: 'app' }))
    ).toBeNull();
  });

  it('asks for a repository first', () => {
    expect(pushProblem(fields({ repository: '  ', token: '' }))).toBe(
      'Name the repository, such as your-user/analysis.'
    );
  });

  it("shows Docker's own words for a bad reference", () => {
    const bad = fields({ repository: 'Me/Analysis' });
    const docker = parseNormalizedImageReference(pushTarget(bad));
    expect(docker.ok).toBe(false);
    expect(pushProblem(bad)).toBe(!docker.ok && docker.error);
    expect(pushProblem(bad)).toMatch(/lowercase/);
    expect(pushProblem(fields({ tag: 'v1!' }))).toBe(
      (() => {
        const parsed = parseNormalizedImageReference('me/analysis:v1!');
        return !parsed.ok && parsed.error;
      })()
    );
  });

  it('asks for a user name and a token unless the docker login is used', () => {
    const missing =
      'Give a user name and an access token, or use your docker login.';
    expect(pushProblem(fields({ token: '' }))).toBe(missing);
    expect(pushProblem(fields({ username: '  ' }))).toBe(missing);
    expect(
      pushProblem(fields({ authMode: 'docker-login', username: '', token: '' }))
    ).toBeNull();
  });

  it('is translated', () => {
    const upper: ITranslate = { __: msgid => msgid.toUpperCase() };
    expect(pushProblem(fields({ repository: '' }), upper)).toBe(
      'NAME THE REPOSITORY, SUCH AS YOUR-USER/ANALYSIS.'
    );
  });
});

describe('pushRequest', () => {
  it('sends the token and the trimmed user name', () => {
    expect(pushRequest(fields({ username: ' me ' }))).toEqual({
      request: {
        target: 'me/analysis:v1',
        auth: { username: 'me', token: 'dckr_pat_secret' }
      }
    });
  });

  it('sends no credentials with the docker login, even when some were typed', () => {
    expect(
      pushRequest(fields({ authMode: 'docker-login', registry: 'ghcr.io' }))
    ).toEqual({ request: { target: 'ghcr.io/me/analysis:v1', auth: null } });
  });

  it('gives the problem instead of a request', () => {
    expect(pushRequest(fields({ token: '' }))).toEqual({
      problem: 'Give a user name and an access token, or use your docker login.'
    });
  });
});

describe('splitBuilt', () => {
  it("takes the built image's last path component and tag", () => {
    expect(splitBuilt('localhost:5000/team/analysis:v2')).toEqual({
      repository: 'analysis',
      tag: 'v2'
    });
    expect(splitBuilt('analysis')).toEqual({
      repository: 'analysis',
      tag: 'latest'
    });
  });

  it('starts empty from a name that is no reference', () => {
    expect(splitBuilt('Not A Reference')).toEqual({
      repository: '',
      tag: 'latest'
    });
  });
});

describe('initialPushFields', () => {
  it('puts the built image under the namespace of the settings', () => {
    expect(
      initialPushFields(
        { registry: 'ghcr.io', namespace: 'team' },
        'dockerize/analysis:2024'
      )
    ).toEqual({
      registry: 'ghcr.io',
      repository: 'team/analysis',
      tag: '2024',
      authMode: 'token',
      username: 'team',
      token: ''
    });
  });

  it('defaults to Docker Hub and the bare name without settings', () => {
    const initial = initialPushFields(
      { registry: '', namespace: '' },
      'analysis'
    );
    expect(initial).toMatchObject({
      registry: 'docker.io',
      repository: 'analysis',
      tag: 'latest',
      username: ''
    });
    expect(pushTarget(initial)).toBe('analysis:latest');
  });
});

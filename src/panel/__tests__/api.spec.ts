import { ServerConnection } from '@jupyterlab/services';

import { checkRequirements, PREFLIGHT_UNSUPPORTED } from '../../api';
import {
  ContractError,
  DockerizeRequestError
} from '../../core/contract/errors';
import { IPreflightRequest } from '../../core/contract/requests';

const request: IPreflightRequest = {
  python: '3.11.7',
  platform: 'linux/amd64',
  binaryOnly: true,
  requirements: [{ name: 'pandas', line: 'pandas==2.2.3' }]
};

/** A ServerConnection whose fetch answers with `answer` and records what it was sent. */
function fakeServer(answer: (url: string) => Response) {
  const sent: { url: string; method: string; body: unknown }[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    fetch: (async (input: RequestInfo) => {
      const req = input as Request;
      sent.push({
        url: req.url.split('?')[0],
        method: req.method,
        body: req.method === 'POST' ? await req.json() : null
      });
      return answer(req.url);
    }) as typeof fetch
  });
  return { settings, sent };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

describe('checkRequirements', () => {
  it('posts the request to the preflight route and reads the verdicts', async () => {
    const { settings, sent } = fakeServer(() =>
      json(200, {
        python: '3.11.7',
        platform: 'linux/amd64',
        packages: [
          {
            name: 'pandas',
            line: 'pandas==2.2.3',
            status: 'ok',
            version: '2.2.3',
            file: 'pandas.whl',
            reason: '',
            action: ''
          }
        ],
        dependencies: [],
        cached: 0,
        elapsedMs: 12
      })
    );

    const response = await checkRequirements(request, settings);

    expect(sent).toEqual([
      {
        url: 'http://localhost:8888/lab-base/jupyterlab-dockerize/preflight',
        method: 'POST',
        body: request
      }
    ]);
    expect(response.packages[0].status).toBe('ok');
    expect(response.elapsedMs).toBe(12);
  });

  it('says plainly that a server without the route cannot check', async () => {
    const { settings } = fakeServer(
      () => new Response('<html>404: Not Found</html>', { status: 404 })
    );
    const error = await checkRequirements(request, settings).catch(e => e);
    expect(error).toBeInstanceOf(DockerizeRequestError);
    expect(error.problem.code).toBe(PREFLIGHT_UNSUPPORTED);
    expect(error.problem.hint).toMatch(/still download and build/);
  });

  it("keeps the server's problem (index unreachable is not a package's fault)", async () => {
    const problem = {
      code: 'index_unreachable',
      message: 'pip cannot reach https://pypi.org/simple.',
      hint: 'Check the network.'
    };
    const { settings } = fakeServer(() => json(503, { error: problem }));
    const error = await checkRequirements(request, settings).catch(e => e);
    expect(error).toBeInstanceOf(DockerizeRequestError);
    expect(error.problem).toEqual(problem);
    expect(error.status).toBe(503);
  });

  it('refuses an answer outside the contract', async () => {
    const { settings } = fakeServer(() => json(200, { packages: [] }));
    await expect(checkRequirements(request, settings)).rejects.toBeInstanceOf(
      ContractError
    );
  });

  it('reports an unreachable server', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch
    });
    const error = await checkRequirements(request, settings).catch(e => e);
    expect(error.problem.code).toBe('server_unreachable');
  });
});

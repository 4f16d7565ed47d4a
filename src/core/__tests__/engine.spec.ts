import fc from 'fast-check';

import {
  buildsWithBuildKit,
  describeBuilder,
  describeEngine,
  parseEngineStatus,
  parseProblem
} from '../contract/engine';
import { ContractError } from '../contract/errors';

const reachableBody = {
  reachable: true,
  host: 'unix:///var/run/docker.sock',
  product: 'Docker Engine',
  version: '20.10.24+dfsg1',
  apiVersion: '1.41',
  minApiVersion: '1.12',
  os: 'linux',
  arch: 'amd64',
  kernelVersion: '6.1.0'
};

const unreachableBody = {
  reachable: false,
  host: 'unix:///nowhere.sock',
  error: {
    code: 'engine_not_running',
    message: 'No Docker engine is running at unix:///nowhere.sock.',
    hint: 'Start Docker, or set DOCKER_HOST.'
  }
};

describe('parseEngineStatus', () => {
  it('reads a reachable engine', () => {
    expect(parseEngineStatus(200, reachableBody)).toEqual(reachableBody);
  });

  it('reads an unreachable engine with its problem', () => {
    expect(parseEngineStatus(503, unreachableBody)).toEqual(unreachableBody);
  });

  it('refuses a reachable body with a missing field', () => {
    const { version, ...withoutVersion } = reachableBody;
    expect(version).toBeTruthy();
    expect(() => parseEngineStatus(200, withoutVersion)).toThrow(ContractError);
  });

  it('refuses a 503 that carries no problem', () => {
    expect(() =>
      parseEngineStatus(503, { reachable: false, host: 'x' })
    ).toThrow(ContractError);
  });

  it('reads the builder the server names, reachable or not', () => {
    const builder = {
      name: 'buildkit-cli',
      detail:
        'BuildKit via DOCKER_BUILDKIT=1 /usr/bin/docker build (docker 20.10.24+dfsg1)'
    };
    const reachable = parseEngineStatus(200, { ...reachableBody, builder });
    expect(reachable).toEqual({ ...reachableBody, builder });
    expect(describeBuilder(reachable)).toBe(builder.detail);
    expect(buildsWithBuildKit(reachable)).toBe(true);
    const classic = {
      name: 'engine-api',
      detail: 'Engine API (classic builder)'
    };
    const unreachable = parseEngineStatus(503, {
      ...unreachableBody,
      builder: classic
    });
    expect(unreachable).toEqual({ ...unreachableBody, builder: classic });
    expect(buildsWithBuildKit(unreachable)).toBe(false);
  });

  it('reads a server that names no builder (before BuildKit)', () => {
    const status = parseEngineStatus(200, reachableBody);
    expect('builder' in status).toBe(false);
    expect(describeBuilder(status)).toBe('');
    expect(buildsWithBuildKit(status)).toBe(false);
  });

  it('refuses a builder without its name or detail', () => {
    for (const builder of [
      'buildkit-cli',
      null,
      { name: 'buildkit-cli' },
      { detail: 'x' },
      { name: 1, detail: 'x' }
    ]) {
      expect(() =>
        parseEngineStatus(200, { ...reachableBody, builder })
      ).toThrow(ContractError);
    }
  });

  it('refuses a status the route never sends', () => {
    expect(() => parseEngineStatus(500, reachableBody)).toThrow(ContractError);
  });

  it('either parses or throws a ContractError for any JSON at all', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.jsonValue(),
        (status, body) => {
          try {
            parseEngineStatus(status, body);
          } catch (error) {
            expect(error).toBeInstanceOf(ContractError);
          }
        }
      )
    );
  });

  it('keeps every string field of a reachable engine exactly', () => {
    const fields = fc.record({
      host: fc.string(),
      product: fc.string(),
      version: fc.string(),
      apiVersion: fc.string(),
      minApiVersion: fc.string(),
      os: fc.string(),
      arch: fc.string(),
      kernelVersion: fc.string()
    });
    fc.assert(
      fc.property(fields, body => {
        expect(parseEngineStatus(200, { ...body, reachable: true })).toEqual({
          ...body,
          reachable: true
        });
      })
    );
  });
});

describe('parseProblem', () => {
  it('reads code, message and hint', () => {
    expect(parseProblem(unreachableBody)).toEqual(unreachableBody.error);
  });

  it('fills a missing code and hint', () => {
    expect(parseProblem({ error: { message: 'no' } })).toEqual({
      code: 'unknown',
      message: 'no',
      hint: ''
    });
  });

  it('finds nothing in a body without a message', () => {
    expect(parseProblem({ error: { code: 'x' } })).toBeNull();
    expect(parseProblem('oops')).toBeNull();
    expect(parseProblem(null)).toBeNull();
  });
});

describe('describeEngine', () => {
  it('names product, version, API and platform', () => {
    expect(describeEngine(reachableBody as any)).toBe(
      'Docker Engine 20.10.24+dfsg1 (API 1.41, linux/amd64)'
    );
  });

  it('leaves out an unknown platform', () => {
    expect(
      describeEngine({ ...(reachableBody as any), os: '', arch: '' })
    ).toBe('Docker Engine 20.10.24+dfsg1 (API 1.41)');
  });

  it('gives the problem of an unreachable engine', () => {
    expect(describeEngine(unreachableBody as any)).toBe(
      unreachableBody.error.message
    );
  });
});

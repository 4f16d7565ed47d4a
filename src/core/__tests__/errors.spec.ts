import { DockerizeRequestError, problemOf } from '../contract/errors';
import { ITranslate } from '../shared/text';

describe('problemOf', () => {
  it("gives a request error's own problem", () => {
    const problem = {
      code: 'engine-unreachable',
      message: 'The Docker engine does not answer.',
      hint: 'Start Docker Desktop.'
    };
    expect(problemOf(new DockerizeRequestError(503, problem))).toBe(problem);
  });

  it('names any other error as unexpected', () => {
    expect(problemOf(new TypeError('x is undefined'))).toEqual({
      code: 'unexpected',
      message: 'x is undefined',
      hint: 'Try again; if it persists, see the browser console and the Jupyter server log.'
    });
    expect(problemOf('a thrown string').message).toBe('a thrown string');
    expect(problemOf(undefined).message).toBe('undefined');
  });

  it('translates its hint', () => {
    const upper: ITranslate = { __: msgid => msgid.toUpperCase() };
    expect(problemOf(new Error('boom'), upper).hint).toBe(
      'TRY AGAIN; IF IT PERSISTS, SEE THE BROWSER CONSOLE AND THE JUPYTER SERVER LOG.'
    );
  });
});

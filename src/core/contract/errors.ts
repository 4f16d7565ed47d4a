import { IProblem } from '../../tokens';
import { ITranslate, plainTranslate } from '../shared/text';

/** Thrown when a server answer does not have the shape of the contract. */
export class ContractError extends Error {
  constructor(what: string) {
    super(`Unexpected answer from the jupyterlab-dockerize server: ${what}`);
    this.name = 'ContractError';
  }
}

/** A request to the server extension failed; `problem` says what and what to do. */
export class DockerizeRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problem: IProblem
  ) {
    super(problem.message);
    this.name = 'DockerizeRequestError';
  }
}

/**
 * What went wrong, for a problem view: a DockerizeRequestError's own problem (the
 * server's words); anything else is a bug of this extension, named as it was thrown.
 */
export function problemOf(
  error: unknown,
  trans: ITranslate = plainTranslate
): IProblem {
  if (error instanceof DockerizeRequestError) {
    return error.problem;
  }
  return {
    code: 'unexpected',
    message: error instanceof Error ? error.message : String(error),
    hint: trans.__(
      'Try again; if it persists, see the browser console and the Jupyter server log.'
    )
  };
}

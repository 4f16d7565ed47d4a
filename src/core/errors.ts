import { IProblem } from '../tokens';

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

import * as React from 'react';

import { IProblem } from '../tokens';
import { RichText } from './text';

/** A problem the server or the capture explains: what is wrong, and what to do. */
export function ProblemView(props: { problem: IProblem }): JSX.Element {
  const { problem } = props;
  return (
    <div className="jp-Dockerize-problem" role="alert">
      <p className="jp-Dockerize-problemMessage">
        <RichText text={problem.message} />
      </p>
      {problem.hint && (
        <p className="jp-Dockerize-problemHint">
          <RichText text={problem.hint} />
        </p>
      )}
    </div>
  );
}

import * as React from 'react';

import { splitCode } from '../core/shared/text';

/** A server message with its `backticked` parts shown as code. */
export function RichText(props: { text: string }): JSX.Element {
  return (
    <>
      {splitCode(props.text).map((part, index) =>
        part.code ? (
          <code key={index}>{part.text}</code>
        ) : (
          <React.Fragment key={index}>{part.text}</React.Fragment>
        )
      )}
    </>
  );
}

/** A path that may wrap after each "/" (and nowhere inside a name) in a narrow panel. */
export function BreakablePath(props: { path: string }): JSX.Element {
  const segments = props.path.split('/');
  return (
    <>
      {segments.map((segment, index) => (
        <React.Fragment key={index}>
          {segment}
          {index < segments.length - 1 && (
            <>
              /<wbr />
            </>
          )}
        </React.Fragment>
      ))}
    </>
  );
}

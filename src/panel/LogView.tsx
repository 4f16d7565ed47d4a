import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ansiClasses, ansiLines, stripAnsiText } from '../core/shared/ansi';
import { ILogLine, logText } from '../core/jobs/buildJob';

/** Lines the log view puts in the page (Copy takes them all). */
const SHOWN_LINES = 2000;

/** A job's log, coloured from its ANSI codes, following the end unless scrolled. */
export function LogView(props: {
  lines: readonly ILogLine[];
  trans: TranslationBundle;
}): JSX.Element {
  const { lines, trans } = props;
  const [follow, setFollow] = React.useState(true);
  const box = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (follow && box.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  });
  const shown = lines.slice(-SHOWN_LINES);
  // The lines only change when new events come (a new array).
  const styled = React.useMemo(
    () => ansiLines(lines.slice(-SHOWN_LINES).map(line => line.text)),
    [lines]
  );

  return (
    <div className="jp-Dockerize-log">
      <div className="jp-Dockerize-logTools">
        <label>
          <input
            type="checkbox"
            checked={follow}
            onChange={event => setFollow(event.target.checked)}
            data-dockerize="build-follow"
          />{' '}
          {trans.__('Follow')}
        </label>
        <button
          className="jp-mod-styled"
          onClick={() => Clipboard.copyToSystem(stripAnsiText(logText(lines)))}
          disabled={!lines.length}
          data-dockerize="build-copy-log"
        >
          {trans.__('Copy log')}
        </button>
        {lines.length > SHOWN_LINES && (
          <span className="jp-Dockerize-hint">
            {trans.__(
              'Showing the last %1 of %2 lines.',
              SHOWN_LINES,
              lines.length
            )}
          </span>
        )}
      </div>
      <div
        ref={box}
        className="jp-Dockerize-logLines"
        data-dockerize="build-log"
        role="log"
        aria-live="off"
        onWheel={() => setFollow(false)}
      >
        {shown.map((line, index) => {
          const segments = styled[index] ?? [];
          return (
            <div
              key={line.offset}
              className={
                line.stderr
                  ? 'jp-Dockerize-logLine jp-mod-stderr'
                  : 'jp-Dockerize-logLine'
              }
            >
              {segments.length
                ? segments.map((segment, at) => {
                    const classes = ansiClasses(segment.style);
                    return classes ? (
                      <span key={at} className={classes}>
                        {segment.text}
                      </span>
                    ) : (
                      <React.Fragment key={at}>{segment.text}</React.Fragment>
                    );
                  })
                : '\u00a0'}
            </div>
          );
        })}
      </div>
    </div>
  );
}

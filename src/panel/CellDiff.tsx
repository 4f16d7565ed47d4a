/**
 * One output that differs between the saved notebook and its run in the image: the text
 * side by side, line against line (rows from the core's sideBySide, long equal runs
 * folded), or the two images side by side.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IOutputDifference } from '../core/verify/notebookCompare';
import { sideBySide } from '../core/verify/textDiff';
import { foldRows } from './verification';

function TextDiff(props: {
  difference: IOutputDifference;
  trans: TranslationBundle;
}): JSX.Element {
  const { difference, trans } = props;
  const rows = React.useMemo(
    () => foldRows(sideBySide(difference.saved, difference.produced)),
    [difference]
  );
  return (
    <table className="jp-Dockerize-diff" data-dockerize="verify-diff">
      <thead>
        <tr>
          <th>{trans.__('Saved in the notebook')}</th>
          <th>{trans.__('Produced in the image')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, at) =>
          row.kind === 'folded' ? (
            <tr key={at} className="jp-Dockerize-diffFolded">
              <td colSpan={2}>{trans.__('… %1 equal lines', row.count)}</td>
            </tr>
          ) : (
            <tr key={at} className={`jp-Dockerize-diff-${row.kind}`}>
              <td data-dockerize="verify-diff-saved">{row.saved}</td>
              <td data-dockerize="verify-diff-produced">{row.produced}</td>
            </tr>
          )
        )}
      </tbody>
    </table>
  );
}

/** Only data: URIs of raster images are shown (the core makes them from the outputs). */
function imageSource(uri: string): string | null {
  return /^data:image\/(png|jpeg);base64,/.test(uri) ? uri : null;
}

function ImageSide(props: {
  uri: string;
  caption: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { uri, caption, trans } = props;
  const source = imageSource(uri);
  return (
    <figure className="jp-Dockerize-diffImage">
      {source ? (
        <img src={source} alt={caption} />
      ) : (
        <p className="jp-Dockerize-empty">{trans.__('No image')}</p>
      )}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

function ImageDiff(props: {
  difference: IOutputDifference;
  trans: TranslationBundle;
}): JSX.Element {
  const { difference, trans } = props;
  return (
    <div className="jp-Dockerize-diffImages" data-dockerize="verify-images">
      <ImageSide
        uri={difference.saved}
        caption={trans.__('Saved in the notebook')}
        trans={trans}
      />
      <ImageSide
        uri={difference.produced}
        caption={trans.__('Produced in the image')}
        trans={trans}
      />
    </div>
  );
}

/** An output's label and the note in words, then its two sides. */
export function OutputDiff(props: {
  difference: IOutputDifference;
  trans: TranslationBundle;
}): JSX.Element {
  const { difference, trans } = props;
  const isImage =
    difference.kind === 'image' ||
    imageSource(difference.saved) !== null ||
    imageSource(difference.produced) !== null;
  return (
    <div
      className="jp-Dockerize-outputDiff"
      data-dockerize="verify-output"
      data-kind={difference.kind}
    >
      <p className="jp-Dockerize-outputNote">
        <code>{difference.label}</code>
        {difference.note ? ` — ${difference.note}` : ''}
      </p>
      {isImage ? (
        <ImageDiff difference={difference} trans={trans} />
      ) : (
        <TextDiff difference={difference} trans={trans} />
      )}
    </div>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { BuildModel } from './buildModel';
import { platformVerifyLines } from './verification';

/** What the verify found: the reproduced packages, the token check, the user. */
export function VerificationReport(props: {
  model: BuildModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const verification = model.job?.verification;
  if (!verification) {
    return null;
  }
  const platforms = platformVerifyLines(model.job, model.selected, trans);
  const platformLines = platforms.length > 0 && (
    <ul
      className="jp-Dockerize-platformLines"
      data-dockerize="verify-platforms"
    >
      {platforms.map(line => (
        <li
          key={line.platform}
          className={line.ok ? 'jp-Dockerize-ok' : 'jp-Dockerize-warn'}
          data-platform={line.platform}
          data-ok={line.ok}
        >
          {line.text}
        </li>
      ))}
    </ul>
  );
  if (verification.ok === false) {
    // The job's problem box says why; the image stays built.
    return (
      <div className="jp-Dockerize-verification" data-dockerize="verify-result">
        <p className="jp-Dockerize-warn" data-dockerize="verify-summary">
          {trans.__(
            'Verify failed: the image is still built and can be pushed.'
          )}
        </p>
        {platformLines}
      </div>
    );
  }
  const result = model.reproduction;
  const jupyter = (verification.jupyter ?? {}) as Record<string, boolean>;
  const uid = String(verification.uid ?? '');
  return (
    <div className="jp-Dockerize-verification" data-dockerize="verify-result">
      {platformLines}
      {result && (
        <p
          className={
            result.mismatches.length ? 'jp-Dockerize-warn' : 'jp-Dockerize-ok'
          }
          data-dockerize="verify-summary"
        >
          {trans.__('Reproduced: %1 of %2', result.reproduced, result.total)}
        </p>
      )}
      {result && result.mismatches.length > 0 && (
        <table
          className="jp-Dockerize-mismatchTable"
          data-dockerize="verify-mismatches"
        >
          <thead>
            <tr>
              <th>{trans.__('Package')}</th>
              <th>{trans.__('Selected')}</th>
              <th>{trans.__('In the image')}</th>
            </tr>
          </thead>
          <tbody>
            {result.mismatches.map(item => (
              <tr key={item.name}>
                <td>{item.name}</td>
                <td>{item.expected}</td>
                <td>{item.found ?? trans.__('missing')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ul className="jp-Dockerize-checks">
        <li>
          {jupyter.answered
            ? trans.__('Jupyter answered with the token')
            : trans.__('Jupyter did not answer with the token')}
        </li>
        <li>
          {jupyter.refusedWithoutToken && jupyter.refusedWrongToken
            ? trans.__('and refused requests without it or with a wrong one')
            : trans.__('but did NOT refuse requests without the token')}
        </li>
        <li>
          {uid === '0'
            ? trans.__('It runs as root (uid 0).')
            : trans.__('It runs as uid %1, not root.', uid || '?')}
        </li>
      </ul>
    </div>
  );
}

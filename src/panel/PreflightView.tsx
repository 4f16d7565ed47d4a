import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  cannotInstall,
  ILeftOutImport,
  platformFailures,
  preflightStatusLabel,
  problemVerdicts,
  verdictAction
} from '../core/requirements/preflight';
import { magicNote } from './importMagics';
import { PreflightModel } from './preflightModel';
import { ProblemView } from './ProblemView';
import { RichText } from './text';

/** The package check's progress and outcome, above the package table. */
export function PreflightSummary(props: {
  preflight: PreflightModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { preflight, trans } = props;
  const state = preflight.state;
  switch (state.kind) {
    case 'idle':
      return null;
    case 'not-checked':
      return (
        <p
          className="jp-Dockerize-preflight jp-Dockerize-hint"
          data-dockerize="preflight"
          data-state="not-checked"
        >
          {state.reason}
        </p>
      );
    case 'checking':
      return (
        <p
          className="jp-Dockerize-preflight"
          data-dockerize="preflight"
          data-state="checking"
          role="status"
        >
          {preflight.platforms.length > 1
            ? trans.__(
                'Checking %1 packages for %2…',
                state.count,
                preflight.platforms.join(trans.__(' and '))
              )
            : trans.__('Checking %1 packages…', state.count)}
        </p>
      );
    case 'failed':
      return (
        <div
          className="jp-Dockerize-preflight"
          data-dockerize="preflight"
          data-state="failed"
        >
          <ProblemView problem={state.problem} />
          <button
            className="jp-mod-styled"
            data-dockerize="preflight-retry"
            onClick={() => preflight.recheck()}
          >
            {trans.__('Check again')}
          </button>
        </div>
      );
    case 'done': {
      const { request, response, checks } = state;
      const problems = problemVerdicts(response);
      const platforms = checks
        .map(check => check.request.platform)
        .join(trans.__(' and '));
      const seconds = (
        Math.max(...checks.map(check => check.response.elapsedMs)) / 1000
      ).toFixed(1);
      const blocking = new Set(
        platformFailures(checks).flatMap(failure =>
          failure.verdicts.map(verdict => verdict.name)
        )
      );
      const blocked = preflight.blocked;
      return (
        <div
          className="jp-Dockerize-preflight"
          data-dockerize="preflight"
          data-state="done"
          role="status"
        >
          <p>
            {problems.length
              ? trans.__(
                  '%1 of %2 packages install for Python %3 on %4; the others are listed below.',
                  response.packages.length - problems.length,
                  response.packages.length,
                  response.python,
                  platforms
                )
              : trans.__(
                  'All %1 packages install for Python %2 on %3 (checked in %4 s).',
                  response.packages.length,
                  response.python,
                  platforms,
                  seconds
                )}
          </p>
          {blocked && (
            <p
              className="jp-Dockerize-warnings"
              data-dockerize="preflight-blocked"
              role="alert"
            >
              {blocked}
            </p>
          )}
          {problems.length > 0 && (
            <ul className="jp-Dockerize-preflightProblems">
              {problems.map(verdict => (
                <li key={verdict.name} data-package={verdict.name}>
                  <code>{verdict.name}</code>{' '}
                  <span
                    className={`jp-Dockerize-badge jp-Dockerize-check jp-mod-check-${verdict.status}`}
                  >
                    {preflightStatusLabel(verdict.status, trans)}
                  </span>
                  {blocking.has(verdict.name)
                    ? ` ${trans.__('(blocks the build)')}`
                    : cannotInstall(verdict, request.binaryOnly) &&
                      ` ${trans.__('(unticked)')}`}{' '}
                  <RichText text={verdict.reason} />{' '}
                  <RichText
                    text={verdictAction(verdict, request.binaryOnly, trans)}
                  />
                </li>
              ))}
            </ul>
          )}
        </div>
      );
    }
  }
}

/**
 * Distributions the notebook imports that the image will not have, before any build;
 * `magics` names the magic that needs one where no import statement does.
 */
export function LeftOutImports(props: {
  items: readonly ILeftOutImport[];
  magics?: ReadonlyMap<string, string>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { items, magics, trans } = props;
  if (!items.length) {
    return null;
  }
  return (
    <div
      className="jp-Dockerize-warnings jp-Dockerize-leftOut"
      data-dockerize="left-out-imports"
      role="alert"
    >
      <p>
        {trans.__(
          'The notebook imports %1 that the image will not have:',
          items.length === 1
            ? trans.__('1 package')
            : trans.__('%1 packages', items.length)
        )}
      </p>
      <ul>
        {items.map(item => (
          <li key={item.name} data-package={item.name}>
            <code>{item.name}</code>
            {magics?.has(item.name) &&
              ` ${magicNote(magics.get(item.name), trans)}`}{' '}
            — <RichText text={item.reason} />
          </li>
        ))}
      </ul>
    </div>
  );
}

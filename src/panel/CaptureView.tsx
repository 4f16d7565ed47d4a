import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPackageRow, rowCheck } from '../core/environment/packageTable';
import { IRequirementEntry } from '../core/requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../core/environment/snapshot';
import { CaptureAction } from '../tokens';
import { ICaptureModel, SelectionMode } from './model';
import { magicNote } from './importMagics';
import { PackageTable } from './PackageTable';
import { PreflightModel } from './preflightModel';
import { PreflightSummary } from './PreflightView';
import { ProblemView } from './ProblemView';
import { explainRow, IRowAction, IRowContext } from './rowActions';

/** What the package table needs besides the panel model (null before a bundle exists). */
export interface ICaptureExtras {
  preflight: PreflightModel;
  rowContext: IRowContext;
  onRowAction: (row: IRequirementEntry, action: IRowAction) => void;
}

function actionLabel(action: CaptureAction, trans: TranslationBundle): string {
  switch (action) {
    case 'start-kernel':
      return trans.__('Start kernel');
    case 'open-notebook':
      return trans.__('Open notebook');
    case 'retry':
      return trans.__('Try again');
  }
}

function kindLabel(
  snapshot: IEnvironmentSnapshot,
  trans: TranslationBundle
): string {
  switch (snapshot.kind) {
    case 'venv':
      return trans.__('virtual environment');
    case 'conda':
      return trans.__('conda environment');
    case 'system':
      return trans.__('system Python');
  }
}

function KernelSummary(props: {
  snapshot: IEnvironmentSnapshot;
  trans: TranslationBundle;
}) {
  const { snapshot, trans } = props;
  return (
    <p className="jp-Dockerize-kernelSummary" title={snapshot.prefix}>
      <strong data-dockerize="kernel-python">
        {snapshot.python.implementation} {snapshot.python.version}
      </strong>
      {' · '}
      <span data-dockerize="kernel-kind">{kindLabel(snapshot, trans)}</span>
      {' · '}
      {snapshot.platform.system} {snapshot.platform.machine}
    </p>
  );
}

function ModeToggle(props: {
  mode: SelectionMode;
  onMode: (mode: SelectionMode) => void;
  trans: TranslationBundle;
}) {
  const { mode, onMode, trans } = props;
  const choices: [SelectionMode, string][] = [
    ['all', trans.__('Everything installed')],
    ['imports', trans.__('Only what the notebook imports')]
  ];
  return (
    <div className="jp-Dockerize-modeToggle" role="group">
      {choices.map(([value, label]) => (
        <button
          key={value}
          className="jp-mod-styled"
          aria-pressed={mode === value}
          onClick={() => onMode(value)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function UnresolvedImports(props: {
  model: ICaptureModel;
  trans: TranslationBundle;
}) {
  const { model, trans } = props;
  const unknown = (model.imports?.unresolved ?? []).filter(
    item => item.kind !== 'stdlib'
  );
  if (model.mode !== 'imports' || unknown.length === 0) {
    return null;
  }
  return (
    <div
      className="jp-Dockerize-unresolved"
      data-dockerize="unresolved-imports"
    >
      <p>{trans.__('Imports no installed package provides:')}</p>
      <ul>
        {unknown.map(item => (
          <li key={item.name}>
            <code>{item.name}</code>{' '}
            {item.kind === 'local'
              ? trans.__('(a module next to the notebook)')
              : item.suggestion
                ? trans.__('(did you mean %1?)', item.suggestion)
                : trans.__('(not installed in this kernel)')}
            {item.magic && ` ${magicNote(item.magic, trans)}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The kernel's environment: capture it, choose the packages, see why each one is there. */
export function CaptureView(props: {
  model: ICaptureModel;
  extras?: ICaptureExtras | null;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const extras = props.extras ?? null;
  const state = model.capture;
  if (!model.notebookPath) {
    return null;
  }
  let body: React.ReactNode;
  switch (state.kind) {
    case 'idle':
      body = (
        <button
          className="jp-mod-styled jp-mod-accept"
          onClick={() => void model.captureEnvironment()}
        >
          {trans.__('Capture environment')}
        </button>
      );
      break;
    case 'capturing':
      body = (
        <p data-dockerize="capture-progress">
          {trans.__("Reading the kernel's environment…")}
        </p>
      );
      break;
    case 'failed':
      body = (
        <>
          <ProblemView problem={state.problem} />
          {state.action && (
            <button
              className="jp-mod-styled jp-mod-accept"
              data-dockerize="capture-action"
              onClick={() => void model.act(state.action!)}
            >
              {actionLabel(state.action, trans)}
            </button>
          )}
        </>
      );
      break;
    case 'captured': {
      const plan = model.plan;
      const entries: IRequirementEntry[] = plan?.entries ?? [];
      const rows: IPackageRow[] = entries;
      const byName = new Map(entries.map(entry => [entry.name, entry]));
      const lines = rows.filter(row => row.line !== null).length;
      const checkOf = extras
        ? (row: IPackageRow) =>
            rowCheck(
              row,
              extras.preflight.verdicts,
              extras.preflight.binaryOnly,
              trans
            )
        : undefined;
      body = (
        <>
          <KernelSummary snapshot={state.snapshot} trans={trans} />
          <ModeToggle
            mode={model.mode}
            onMode={mode => model.setMode(mode)}
            trans={trans}
          />
          <p data-dockerize="requirement-count">
            {trans.__(
              '%1 of %2 packages go into requirements.txt',
              lines,
              rows.length
            )}
          </p>
          {extras && (
            <PreflightSummary preflight={extras.preflight} trans={trans} />
          )}
          <UnresolvedImports model={model} trans={trans} />
          <PackageTable
            rows={rows}
            isIncluded={row => row.line !== null}
            onToggle={(row, include) => model.setIncluded(row.name, include)}
            checkOf={checkOf}
            explain={
              extras && checkOf
                ? row =>
                    explainRow(
                      byName.get(row.name) ?? (row as IRequirementEntry),
                      checkOf(row),
                      extras.rowContext,
                      trans
                    )
                : undefined
            }
            onAction={(row, action) => {
              const entry = byName.get(row.name);
              if (entry && extras) {
                extras.onRowAction(entry, action);
              }
            }}
            trans={trans}
          />
          <button
            className="jp-mod-styled"
            onClick={() => void model.captureEnvironment()}
          >
            {trans.__('Capture again')}
          </button>
        </>
      );
      break;
    }
  }
  return (
    <section className="jp-Dockerize-section" data-dockerize="capture">
      <h3>{trans.__('Environment')}</h3>
      {body}
    </section>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { downloadBundle } from '../api';
import { IBundleRequest } from '../core/contract/requests';
import {
  needsBaseImage,
  supportsWheelhouse,
  TEMPLATES,
  templateLabel
} from '../core/templates';
import { Platform } from '../core/contract/constants';
import { PLATFORM_CHOICES, PlatformChoice } from '../core/jobs/platforms';
import {
  BundleField,
  BundleModel,
  folderOf,
  IBundleForm,
  IWorkspaceEntry
} from './bundleModel';
import { TabView } from './tabView';
import { ProblemView } from './ProblemView';
import { NotebookSession } from './session';
import { BreakablePath } from './text';

/** Lists the notebooks (workspace paths) of a folder. */
export type NotebookLister = (folder: string) => Promise<string[]>;

/**
 * Lets the user choose workspace files, starting in `folder`; null when they cancel.
 * Folders may come back (a dialog with nothing selected returns its current folder).
 */
export type DataFilePicker = (
  folder: string
) => Promise<IWorkspaceEntry[] | null>;

/** What the view needs from JupyterLab besides the session. */
export interface IBundleViewServices {
  listNotebooks: NotebookLister | null;
  /** null: no document manager, so no file dialog. */
  pickDataFiles: DataFilePicker | null;
}

/** Saves a Blob as a file through a temporary <a download>. */
function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Give the browser time to start reading the URL before it goes.
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function sendAndSave(request: IBundleRequest): Promise<string> {
  const { blob, fileName } = await downloadBundle(request);
  saveBlob(blob, fileName);
  return fileName;
}

/** A labelled text input (or textarea) bound to one form field, with its live error. */
function Field(props: {
  bundle: BundleModel;
  field: Exclude<
    BundleField,
    'template' | 'ui' | 'wheelhouse' | 'platforms' | 'builder'
  >;
  label: string;
  hint?: string;
  placeholder?: string;
  multiline?: boolean;
  className?: string;
}) {
  const { bundle, field, label, hint, placeholder, multiline } = props;
  const id = `jp-Dockerize-bundle-${field}`;
  const error = bundle.errors[field];
  const describedBy = [error && `${id}-error`, hint && `${id}-hint`]
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    value: bundle.form[field],
    placeholder,
    spellCheck: false,
    autoComplete: 'off',
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
    'data-dockerize': `bundle-${field}`,
    className: 'jp-Dockerize-input'
  };
  return (
    <div className={`jp-Dockerize-field ${props.className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea
          {...common}
          rows={3}
          onChange={event => bundle.setField(field, event.target.value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          onChange={event => bundle.setField(field, event.target.value)}
        />
      )}
      {hint && !error && (
        <p id={`${id}-hint`} className="jp-Dockerize-fieldHint">
          {hint}
        </p>
      )}
      {error && (
        <p
          id={`${id}-error`}
          className="jp-Dockerize-fieldError"
          data-dockerize={`bundle-error-${field}`}
          role="alert"
        >
          {error}
        </p>
      )}
    </div>
  );
}

/** The options' Platforms: what each choice builds, "auto" naming the engine's own. */
function platformLabel(
  choice: PlatformChoice,
  native: Platform,
  trans: TranslationBundle
): string {
  switch (choice) {
    case 'auto':
      return trans.__('Auto: %1 to build, both to push', native);
    case 'both':
      return trans.__('Both: linux/amd64 and linux/arm64');
    default:
      return choice === native
        ? trans.__('%1 (this engine’s)', choice)
        : trans.__('%1 (emulated here)', choice);
  }
}

/** The platforms and the builder the Dockerfile is written for. */
/** A labelled select bound to one of the form's choice fields. */
function SelectField<F extends 'template' | 'platforms' | 'builder'>(props: {
  bundle: BundleModel;
  field: F;
  label: string;
  options: readonly { value: IBundleForm[F]; label: string }[];
}) {
  const { bundle, field, label, options } = props;
  const id = `jp-Dockerize-bundle-${field}`;
  return (
    <div className="jp-Dockerize-field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="jp-Dockerize-input"
        data-dockerize={`bundle-${field}`}
        value={bundle.form[field]}
        onChange={event =>
          bundle.setField(field, event.target.value as IBundleForm[F])
        }
      >
        {options.map(option => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function PlatformFields(props: {
  bundle: BundleModel;
  nativePlatform: Platform;
  trans: TranslationBundle;
}) {
  const { bundle, nativePlatform, trans } = props;
  return (
    <div className="jp-Dockerize-fieldRow">
      <SelectField
        bundle={bundle}
        field="platforms"
        label={trans.__('Platforms')}
        options={PLATFORM_CHOICES.map(choice => ({
          value: choice,
          label: platformLabel(choice, nativePlatform, trans)
        }))}
      />
      <SelectField
        bundle={bundle}
        field="builder"
        label={trans.__('Builder')}
        options={[
          { value: 'buildkit', label: trans.__('BuildKit (cache mounts)') },
          { value: 'classic', label: trans.__('Classic (any Docker)') }
        ]}
      />
    </div>
  );
}

function OptionsForm(props: {
  bundle: BundleModel;
  kernelPython: string;
  nativePlatform: Platform;
  pickDataFiles: DataFilePicker | null;
  trans: TranslationBundle;
}) {
  const { bundle, kernelPython, nativePlatform, pickDataFiles, trans } = props;
  const { form } = bundle;
  const wheelhouse = supportsWheelhouse(form.template);
  return (
    <div className="jp-Dockerize-bundleForm" data-dockerize="bundle-options">
      <SelectField
        bundle={bundle}
        field="template"
        label={trans.__('Template')}
        options={TEMPLATES.map(template => ({
          value: template.id,
          label: templateLabel(template.id, trans)
        }))}
      />
      {needsBaseImage(form.template) && (
        <Field
          bundle={bundle}
          field="baseImage"
          label={trans.__('Base image')}
          placeholder="python:3.12-slim"
          hint={trans.__('A Debian-based image with Python, with a tag.')}
        />
      )}
      <Field
        bundle={bundle}
        field="pythonVersion"
        label={trans.__('Python version')}
        placeholder={kernelPython}
        hint={trans.__('Empty: the kernel’s Python %1.', kernelPython)}
      />
      <NotebookChoice bundle={bundle} trans={trans} />
      <DataFileChoice
        bundle={bundle}
        pickDataFiles={pickDataFiles}
        trans={trans}
      />
      <div className="jp-Dockerize-fieldRow">
        <Field
          bundle={bundle}
          field="imageName"
          label={trans.__('Image name')}
          placeholder={trans.__('user/name')}
          className="jp-Dockerize-imageName"
        />
        <Field
          bundle={bundle}
          field="imageTag"
          label={trans.__('Tag')}
          placeholder="latest"
          className="jp-Dockerize-imageTag"
        />
      </div>
      <div className="jp-Dockerize-field" role="radiogroup">
        <span className="jp-Dockerize-fieldLabel">{trans.__('Interface')}</span>
        <div className="jp-Dockerize-radios">
          {(
            [
              ['lab', trans.__('JupyterLab')],
              ['notebook', trans.__('Notebook')]
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="jp-Dockerize-bundle-ui"
                value={value}
                checked={form.ui === value}
                onChange={() => bundle.setField('ui', value)}
              />{' '}
              {label}
            </label>
          ))}
        </div>
      </div>
      <label className="jp-Dockerize-check">
        <input
          type="checkbox"
          checked={form.wheelhouse && wheelhouse}
          disabled={!wheelhouse}
          aria-describedby={
            wheelhouse ? undefined : 'jp-Dockerize-bundle-wheelhouse-why'
          }
          data-dockerize="bundle-wheelhouse"
          onChange={event =>
            bundle.setField('wheelhouse', event.target.checked)
          }
        />{' '}
        {trans.__(
          'Offline wheelhouse: the server downloads every wheel into the bundle, pinned by hash, and the image builds with no network'
        )}
      </label>
      {!wheelhouse && (
        <p
          id="jp-Dockerize-bundle-wheelhouse-why"
          className="jp-Dockerize-fieldHint"
          data-dockerize="bundle-wheelhouse-why"
        >
          {trans.__(
            'Not with %1: it installs from its own channels.',
            templateLabel(form.template, trans)
          )}
        </p>
      )}
      <PlatformFields
        bundle={bundle}
        nativePlatform={nativePlatform}
        trans={trans}
      />
      <details className="jp-Dockerize-more">
        <summary>{trans.__('System packages, volumes, variables')}</summary>
        <Field
          bundle={bundle}
          field="aptPackages"
          label={trans.__('Debian packages (apt)')}
          placeholder="git, libgomp1"
          hint={trans.__('Separated by commas or spaces.')}
        />
        <Field
          bundle={bundle}
          field="volumes"
          label={trans.__('Extra volumes')}
          placeholder="/results"
          hint={trans.__('Besides /notebooks and /data; absolute paths.')}
        />
        <Field
          bundle={bundle}
          field="env"
          label={trans.__('Environment variables')}
          placeholder="KEY=VALUE"
          hint={trans.__('One KEY=VALUE a line; never secrets.')}
          multiline
        />
      </details>
    </div>
  );
}

function NotebookChoice(props: {
  bundle: BundleModel;
  trans: TranslationBundle;
}) {
  const { bundle, trans } = props;
  const paths = bundle.availableNotebooks.length
    ? bundle.availableNotebooks
    : [bundle.notebookPath];
  return (
    <fieldset
      className="jp-Dockerize-field jp-Dockerize-notebookChoice"
      data-dockerize="bundle-notebooks"
    >
      <legend>{trans.__('Notebooks')}</legend>
      {paths.map(path => (
        <label key={path} title={path}>
          <input
            type="checkbox"
            checked={bundle.isNotebookIncluded(path)}
            onChange={event =>
              bundle.setNotebookIncluded(path, event.target.checked)
            }
          />{' '}
          <BreakablePath path={path.split('/').pop() ?? path} />
          {path === bundle.notebookPath && (
            <span className="jp-Dockerize-muted">
              {' '}
              {trans.__('(this one)')}
            </span>
          )}
        </label>
      ))}
    </fieldset>
  );
}

function DataFileChoice(props: {
  bundle: BundleModel;
  pickDataFiles: DataFilePicker | null;
  trans: TranslationBundle;
}) {
  const { bundle, pickDataFiles, trans } = props;
  const paths = bundle.dataFiles;
  const notice = bundle.dataFilesNotice;
  const addDataFiles = async (pick: DataFilePicker) => {
    try {
      const entries = await pick(folderOf(bundle.notebookPath));
      if (entries) {
        bundle.addDataFiles(entries);
      }
    } catch (reason) {
      console.error('jupyterlab-dockerize: no data files chosen', reason);
    }
  };
  return (
    <fieldset
      className="jp-Dockerize-field jp-Dockerize-dataFiles"
      data-dockerize="bundle-data-files"
    >
      <legend>{trans.__('Data files')}</legend>
      {paths.length ? (
        <ul className="jp-Dockerize-dataFileList">
          {paths.map(path => (
            <li key={path} title={path} data-path={path}>
              <span className="jp-Dockerize-dataFilePath">
                <BreakablePath path={path} />
              </span>
              <button
                className="jp-Button jp-mod-minimal jp-Dockerize-removeDataFile"
                aria-label={trans.__('Remove %1', path)}
                title={trans.__('Remove %1 from the bundle', path)}
                onClick={() => bundle.removeDataFile(path)}
              >
                <closeIcon.react tag="span" elementSize="small" />
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="jp-Dockerize-fieldHint">
          {trans.__(
            'None: data reaches the container through the /data volume. Add the small files the notebook cannot run without.'
          )}
        </p>
      )}
      {notice && (
        <p
          className="jp-Dockerize-fieldError"
          data-dockerize="bundle-data-files-notice"
          role="alert"
        >
          {notice}
        </p>
      )}
      {pickDataFiles && (
        <button
          className="jp-mod-styled"
          data-dockerize="bundle-add-data-files"
          onClick={() => void addDataFiles(pickDataFiles)}
        >
          {trans.__('Add data files…')}
        </button>
      )}
    </fieldset>
  );
}

function Warnings(props: { warnings: string[]; trans: TranslationBundle }) {
  const { warnings, trans } = props;
  if (!warnings.length) {
    return null;
  }
  return (
    <div className="jp-Dockerize-warnings" data-dockerize="bundle-warnings">
      <p>{trans.__('Warnings')}</p>
      <ul>
        {warnings.map((warning, index) => (
          <li key={index}>{warning}</li>
        ))}
      </ul>
    </div>
  );
}

function DownloadRow(props: {
  session: NotebookSession;
  trans: TranslationBundle;
}) {
  const { session, trans } = props;
  const bundle = session.bundle;
  const state = bundle.download;
  const checking = session.checking;
  return (
    <div className="jp-Dockerize-download">
      <button
        className="jp-mod-styled jp-mod-accept"
        data-dockerize="bundle-download"
        disabled={!bundle.isValid || bundle.downloadBusy}
        onClick={() => void session.download(sendAndSave)}
      >
        {state.kind === 'checking'
          ? trans.__('Checking %1 packages…', checking ?? 0)
          : state.kind === 'downloading'
            ? trans.__('Preparing the zip…')
            : trans.__('Download bundle')}
      </button>
      {state.kind === 'checking' && (
        <button
          className="jp-mod-styled"
          data-dockerize="bundle-skip-check"
          onClick={() => session.continueWithout()}
        >
          {trans.__('Download without waiting')}
        </button>
      )}
      {!bundle.isValid && (
        <p className="jp-Dockerize-muted">
          {trans.__('Correct the options marked above first.')}
        </p>
      )}
      {state.kind === 'done' && (
        <p className="jp-Dockerize-muted" data-dockerize="bundle-downloaded">
          {trans.__('Downloaded %1.', state.fileName)}
        </p>
      )}
      {state.kind === 'failed' && <ProblemView problem={state.problem} />}
    </div>
  );
}

/**
 * The sidebar's "Dockerfile" section: the options, the warnings, the download, and the
 * way to the files themselves (preview and edit) in the notebook's tab. Shown once the
 * environment is captured.
 */
export function BundleView(props: {
  session: NotebookSession;
  services: IBundleViewServices;
  openTab: (view: TabView) => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { session, services, openTab, trans } = props;
  const { listNotebooks, pickDataFiles } = services;
  const bundle = session.bundle;

  React.useEffect(() => {
    if (!listNotebooks) {
      return;
    }
    let live = true;
    listNotebooks(folderOf(bundle.notebookPath)).then(
      paths => live && bundle.setAvailableNotebooks(paths),
      reason =>
        console.warn('jupyterlab-dockerize: notebooks not listed', reason)
    );
    return () => {
      live = false;
    };
  }, [bundle, listNotebooks]);

  const context = session.context;
  if (!context) {
    return null;
  }
  return (
    <section
      className="jp-Dockerize-section jp-Dockerize-bundle"
      data-dockerize="bundle"
      aria-labelledby="jp-Dockerize-bundleTitle"
    >
      <h3 id="jp-Dockerize-bundleTitle">{trans.__('Dockerfile')}</h3>
      <OptionsForm
        bundle={bundle}
        kernelPython={context.snapshot.python.version}
        nativePlatform={session.nativePlatform}
        pickDataFiles={pickDataFiles}
        trans={trans}
      />
      <p className="jp-Dockerize-links">
        <button
          className="jp-Dockerize-link"
          onClick={() => openTab('dockerfile')}
          data-dockerize="open-dockerfile"
        >
          {trans.__('Open the Dockerfile')}
        </button>
        {bundle.isEdited && (
          <span
            className="jp-Dockerize-badge jp-Dockerize-editedBadge"
            data-dockerize="bundle-edited-summary"
          >
            {trans.__('edited: your text is built and downloaded')}
          </span>
        )}
      </p>
      <Warnings warnings={session.generated?.warnings ?? []} trans={trans} />
      <DownloadRow session={session} trans={trans} />
    </section>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { downloadBundle } from '../api';
import { DockerfileTemplate } from '../core/dockerfile';
import {
  BundleField,
  BundleModel,
  DOCKERFILE,
  folderOf,
  IBundleContext,
  IBundleRequest,
  TEMPLATE_CHOICES
} from './bundleModel';
import { ProblemView } from './ProblemView';
import { BreakablePath } from './text';

/** Lists the notebooks (workspace paths) of a folder. */
export type NotebookLister = (folder: string) => Promise<string[]>;

function templateLabel(
  template: DockerfileTemplate,
  trans: TranslationBundle
): string {
  switch (template) {
    case 'pip':
      return trans.__('pip on python-slim');
    case 'uv':
      return trans.__('uv on python-slim');
    case 'docker-stacks':
      return trans.__('Jupyter Docker Stacks');
    case 'custom':
      return trans.__('Custom base image');
  }
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
  field: Exclude<BundleField, 'template' | 'ui'>;
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

function OptionsForm(props: {
  bundle: BundleModel;
  kernelPython: string;
  trans: TranslationBundle;
}) {
  const { bundle, kernelPython, trans } = props;
  const { form } = bundle;
  return (
    <div className="jp-Dockerize-bundleForm" data-dockerize="bundle-options">
      <div className="jp-Dockerize-field">
        <label htmlFor="jp-Dockerize-bundle-template">
          {trans.__('Template')}
        </label>
        <select
          id="jp-Dockerize-bundle-template"
          className="jp-Dockerize-input"
          data-dockerize="bundle-template"
          value={form.template}
          onChange={event =>
            bundle.setField(
              'template',
              event.target.value as DockerfileTemplate
            )
          }
        >
          {TEMPLATE_CHOICES.map(template => (
            <option key={template} value={template}>
              {templateLabel(template, trans)}
            </option>
          ))}
        </select>
      </div>
      {form.template === 'custom' && (
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

function Preview(props: {
  bundle: BundleModel;
  context: IBundleContext;
  trans: TranslationBundle;
}) {
  const { bundle, context, trans } = props;
  const spec = bundle.bundle(context);
  const generated = bundle.generated(context);
  const paths = Object.keys(spec.files);
  const selected = paths.includes(bundle.selectedFile)
    ? bundle.selectedFile
    : (paths[0] ?? DOCKERFILE);
  const text = spec.files[selected] ?? '';
  const editingDockerfile = bundle.editing && selected === DOCKERFILE;
  return (
    <div className="jp-Dockerize-preview" data-dockerize="bundle-preview">
      <ul
        className="jp-Dockerize-fileList"
        aria-label={trans.__('Files of the bundle')}
      >
        {paths.map(path => (
          <li key={path}>
            <button
              className="jp-Dockerize-fileButton"
              aria-pressed={path === selected}
              data-file={path}
              onClick={() => bundle.selectFile(path)}
            >
              {path}
            </button>
            {path === DOCKERFILE && bundle.isEdited && (
              <span
                className="jp-Dockerize-badge jp-Dockerize-editedBadge"
                data-dockerize="bundle-edited"
                title={trans.__(
                  'Your text is downloaded instead of the generated Dockerfile.'
                )}
              >
                {trans.__('edited')}
              </span>
            )}
          </li>
        ))}
        {spec.include.map(item => (
          <li
            key={item.bundlePath}
            className="jp-Dockerize-includedFile"
            title={trans.__('Copied from %1', item.workspacePath)}
          >
            <span>{item.bundlePath}</span>{' '}
            <span className="jp-Dockerize-muted">
              {trans.__('(from the workspace)')}
            </span>
          </li>
        ))}
      </ul>
      <div className="jp-Dockerize-previewToolbar">
        <span className="jp-Dockerize-previewName">{selected}</span>
        {selected === DOCKERFILE &&
          (bundle.editing ? (
            <button
              className="jp-mod-styled"
              onClick={() => bundle.stopEditing()}
            >
              {trans.__('Done')}
            </button>
          ) : (
            <button
              className="jp-mod-styled"
              onClick={() => bundle.startEditing()}
            >
              {trans.__('Edit')}
            </button>
          ))}
        {selected === DOCKERFILE && (bundle.isEdited || bundle.editing) && (
          <button
            className="jp-mod-styled jp-mod-warn"
            onClick={() => bundle.reset()}
            title={trans.__('Back to the generated Dockerfile')}
          >
            {trans.__('Reset')}
          </button>
        )}
      </div>
      {editingDockerfile ? (
        <textarea
          className="jp-Dockerize-code jp-Dockerize-editor"
          data-dockerize="bundle-editor"
          aria-label={trans.__('Dockerfile')}
          spellCheck={false}
          value={bundle.editedDockerfile ?? generated.files[DOCKERFILE] ?? ''}
          onChange={event => bundle.setDockerfile(event.target.value)}
        />
      ) : (
        // TODO: a read-only CodeMirror view (@jupyterlab/codemirror) once the package
        // depends on it; a <pre> shows the exact text meanwhile.
        <pre
          className="jp-Dockerize-code"
          data-dockerize="bundle-file-text"
          data-file={selected}
          tabIndex={0}
          aria-label={trans.__('Contents of %1', selected)}
        >
          {text}
        </pre>
      )}
    </div>
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
  bundle: BundleModel;
  context: IBundleContext;
  trans: TranslationBundle;
}) {
  const { bundle, context, trans } = props;
  const state = bundle.download;
  return (
    <div className="jp-Dockerize-download">
      <button
        className="jp-mod-styled jp-mod-accept"
        data-dockerize="bundle-download"
        disabled={!bundle.isValid || state.kind === 'downloading'}
        onClick={() => void bundle.startDownload(context, sendAndSave)}
      >
        {state.kind === 'downloading'
          ? trans.__('Preparing the zip…')
          : trans.__('Download bundle')}
      </button>
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

/** The "Dockerfile" section: options, live preview, edit/reset, download. */
export function BundleView(props: {
  bundle: BundleModel;
  context: IBundleContext;
  listNotebooks: NotebookLister | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { bundle, context, listNotebooks, trans } = props;

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

  return (
    <section
      className="jp-Dockerize-section jp-Dockerize-bundle"
      data-dockerize="bundle"
      aria-labelledby="jp-Dockerize-bundleTitle"
    >
      <h3 id="jp-Dockerize-bundleTitle">{trans.__('Dockerfile')}</h3>
      <UseSignal signal={bundle.changed}>
        {() => (
          <>
            <OptionsForm
              bundle={bundle}
              kernelPython={context.snapshot.python.version}
              trans={trans}
            />
            <Preview bundle={bundle} context={context} trans={trans} />
            <Warnings
              warnings={bundle.generated(context).warnings}
              trans={trans}
            />
            <DownloadRow bundle={bundle} context={context} trans={trans} />
          </>
        )}
      </UseSignal>
    </section>
  );
}

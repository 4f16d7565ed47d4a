import { CodeEditor, IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { downloadBundle } from '../api';
import {
  BundleField,
  BundleModel,
  DOCKERFILE,
  folderOf,
  IBundleContext,
  IBundleRequest,
  IWorkspaceEntry,
  TEMPLATE_CHOICES,
  TemplateChoice,
  templateLabel
} from './bundleModel';
import { PreflightModel } from './preflightModel';
import { ProblemView } from './ProblemView';
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

/** What the view needs from JupyterLab besides the model. */
export interface IBundleViewServices {
  /** JupyterLab's editors (CodeMirror), for the preview and the Dockerfile edit. */
  editorServices: IEditorServices;
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
  field: Exclude<BundleField, 'template' | 'ui' | 'wheelhouse'>;
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
  pickDataFiles: DataFilePicker | null;
  trans: TranslationBundle;
}) {
  const { bundle, kernelPython, pickDataFiles, trans } = props;
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
            bundle.setField('template', event.target.value as TemplateChoice)
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
      <label
        className="jp-Dockerize-check"
        title={
          form.template === 'conda'
            ? trans.__('The conda template installs from its channels.')
            : ''
        }
      >
        <input
          type="checkbox"
          checked={form.wheelhouse && form.template !== 'conda'}
          disabled={form.template === 'conda'}
          data-dockerize="bundle-wheelhouse"
          onChange={event =>
            bundle.setField('wheelhouse', event.target.checked)
          }
        />{' '}
        {trans.__(
          'Offline wheelhouse: the server downloads every wheel into the bundle, pinned by hash, and the image builds with no network'
        )}
      </label>
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

/**
 * One file of the bundle in a JupyterLab editor (CodeMirror, highlighted after the file's
 * name, following the theme). Read-only unless `editable`; what the user types goes to
 * `onEdit`. Made on mount and disposed on unmount: the parent keys it by file.
 */
function FileEditor(props: {
  editorServices: IEditorServices;
  path: string;
  text: string;
  editable: boolean;
  onEdit: (text: string) => void;
  label: string;
}) {
  const { editorServices, path, text, editable, onEdit, label } = props;
  const host = React.useRef<HTMLDivElement>(null);
  const editor = React.useRef<CodeEditor.IEditor | null>(null);
  // The latest props, for the editor's change handler.
  const latest = React.useRef({ text, editable, onEdit });
  latest.current = { text, editable, onEdit };

  React.useEffect(() => {
    const model = new CodeEditor.Model({
      mimeType: editorServices.mimeTypeService.getMimeTypeByFilePath(path)
    });
    model.sharedModel.setSource(latest.current.text);
    const made = editorServices.factoryService.newInlineEditor({
      host: host.current!,
      model,
      config: { readOnly: !latest.current.editable, lineNumbers: true }
    });
    // Only the user's typing differs from the text the view gives.
    const onChange = () => {
      const source = model.sharedModel.getSource();
      if (latest.current.editable && source !== latest.current.text) {
        latest.current.onEdit(source);
      }
    };
    model.sharedModel.changed.connect(onChange);
    editor.current = made;
    return () => {
      editor.current = null;
      model.sharedModel.changed.disconnect(onChange);
      made.dispose();
      model.dispose();
    };
  }, [editorServices, path]);

  React.useEffect(() => {
    const shared = editor.current?.model.sharedModel;
    const current = shared?.getSource();
    if (shared && current !== undefined && current !== text) {
      // Replace only what changed, so the view keeps its scroll position.
      const change = textChange(current, text);
      shared.updateSource(change.start, change.end, change.value);
    }
  }, [text]);

  React.useEffect(() => {
    const current = editor.current;
    if (current) {
      current.setOption('readOnly', !editable);
      if (editable) {
        current.focus();
      }
    }
  }, [editable]);

  return (
    <div
      ref={host}
      className={`jp-Dockerize-fileEditor${editable ? ' jp-mod-editable' : ''}`}
      data-dockerize="bundle-file-text"
      data-file={path}
      role="region"
      aria-label={label}
    />
  );
}

/** The smallest replacement of a range of `before` that gives `after`. */
function textChange(
  before: string,
  after: string
): { start: number; end: number; value: string } {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before[start] === after[start]) {
    start++;
  }
  let common = 0;
  while (
    common < shorter - start &&
    before[before.length - 1 - common] === after[after.length - 1 - common]
  ) {
    common++;
  }
  // Never split a surrogate pair (the shared text would store a replacement character).
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) {
    start--;
  }
  if (common > 0 && isLowSurrogate(before.charCodeAt(before.length - common))) {
    common--;
  }
  return {
    start,
    end: before.length - common,
    value: after.slice(start, after.length - common)
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function Preview(props: {
  bundle: BundleModel;
  context: IBundleContext;
  editorServices: IEditorServices;
  trans: TranslationBundle;
}) {
  const { bundle, context, editorServices, trans } = props;
  const spec = bundle.bundle(context);
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
      <FileEditor
        key={selected}
        editorServices={editorServices}
        path={selected}
        text={text}
        editable={editingDockerfile}
        onEdit={edited => bundle.setDockerfile(edited)}
        label={
          editingDockerfile
            ? trans.__('Editing %1', selected)
            : trans.__('Contents of %1', selected)
        }
      />
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
  preflight: PreflightModel | null;
  currentContext: () => IBundleContext | null;
  trans: TranslationBundle;
}) {
  const { bundle, context, preflight, currentContext, trans } = props;
  const state = bundle.download;
  const checking =
    preflight?.state.kind === 'checking' ? preflight.state.count : null;
  const start = () =>
    void bundle.startDownload(
      preflight ? currentContext : context,
      sendAndSave,
      preflight ? () => preflight.settled() : undefined
    );
  return (
    <div className="jp-Dockerize-download">
      <button
        className="jp-mod-styled jp-mod-accept"
        data-dockerize="bundle-download"
        disabled={!bundle.isValid || bundle.downloadBusy}
        onClick={start}
      >
        {state.kind === 'checking'
          ? trans.__('Checking %1 packages…', checking ?? 0)
          : state.kind === 'downloading'
            ? trans.__('Preparing the zip…')
            : trans.__('Download bundle')}
      </button>
      {state.kind === 'checking' && preflight && (
        <button
          className="jp-mod-styled"
          data-dockerize="bundle-skip-check"
          onClick={() => preflight.continueWithout()}
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

/** The "Dockerfile" section: options, live preview, edit/reset, download. */
export function BundleView(props: {
  bundle: BundleModel;
  context: IBundleContext;
  services: IBundleViewServices;
  /** The package check Download waits for (none: it does not wait). */
  preflight?: PreflightModel | null;
  /** The context as it is at the moment of sending (after the check unticked). */
  currentContext?: () => IBundleContext | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { bundle, context, services, trans } = props;
  const preflight = props.preflight ?? null;
  const currentContext = props.currentContext ?? (() => context);
  const { editorServices, listNotebooks, pickDataFiles } = services;

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
              pickDataFiles={pickDataFiles}
              trans={trans}
            />
            <Preview
              bundle={bundle}
              context={context}
              editorServices={editorServices}
              trans={trans}
            />
            <Warnings
              warnings={bundle.generated(context).warnings}
              trans={trans}
            />
            <DownloadRow
              bundle={bundle}
              context={context}
              preflight={preflight}
              currentContext={currentContext}
              trans={trans}
            />
          </>
        )}
      </UseSignal>
    </section>
  );
}

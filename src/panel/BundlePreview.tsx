import { CodeEditor, IEditorServices } from '@jupyterlab/codeeditor';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IBundleSpec } from '../core/bundle/bundleTypes';
import { BundleModel, DOCKERFILE } from './bundleModel';

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

/**
 * The files of the bundle as it will be downloaded or built (`spec`: the generated
 * files with the user's Dockerfile), one at a time in an editor; Edit, Done and Reset
 * for the Dockerfile.
 */
export function BundlePreview(props: {
  bundle: BundleModel;
  spec: IBundleSpec;
  editorServices: IEditorServices;
  trans: TranslationBundle;
}): JSX.Element {
  const { bundle, spec, editorServices, trans } = props;
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
              >
                {trans.__('edited')}
              </span>
            )}
          </li>
        ))}
        {spec.include.map(item => (
          <li key={item.bundlePath} className="jp-Dockerize-includedFile">
            <span>{item.bundlePath}</span>{' '}
            <span className="jp-Dockerize-muted">
              {trans.__('(from the workspace: %1)', item.workspacePath)}
            </span>
          </li>
        ))}
      </ul>
      <div className="jp-Dockerize-previewFile">
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
            >
              {trans.__('Reset')}
            </button>
          )}
        </div>
        {selected === DOCKERFILE && bundle.isEdited && (
          <p className="jp-Dockerize-hint" data-dockerize="bundle-edited-note">
            {trans.__(
              'Your text is built and downloaded instead of the generated Dockerfile; Reset goes back to the generated one.'
            )}
          </p>
        )}
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
    </div>
  );
}

import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPushAuth } from '../buildApi';
import { parseNormalizedImageReference } from '../core/imageReference';

export interface IPushDefaults {
  /** docker.io, ghcr.io, quay.io, localhost:5000… */
  registry: string;
  /** A Docker Hub user or organisation, or a registry namespace. */
  namespace: string;
}

export interface IPushAnswer {
  target: string;
  /** null: the credentials of the user's Docker config (docker login, helpers). */
  auth: IPushAuth | null;
}

interface IPushFields {
  registry: string;
  repository: string;
  tag: string;
  useDockerLogin: boolean;
  username: string;
  token: string;
}

/** The reference the fields name, Docker Hub without a registry prefix. */
export function pushTarget(
  fields: Pick<IPushFields, 'registry' | 'repository' | 'tag'>
): string {
  const registry = fields.registry.trim().replace(/\/+$/, '');
  const hub = [
    '',
    'docker.io',
    'index.docker.io',
    'registry-1.docker.io'
  ].includes(registry);
  const repository = fields.repository.trim();
  const tag = fields.tag.trim();
  return `${hub ? '' : `${registry}/`}${repository}${tag ? `:${tag}` : ''}`;
}

/** The first problem with the fields, in words; null when they can be sent. */
export function pushProblem(
  fields: IPushFields,
  trans: TranslationBundle
): string | null {
  if (!fields.repository.trim()) {
    return trans.__('Name the repository, such as your-user/analysis.');
  }
  const parsed = parseNormalizedImageReference(pushTarget(fields));
  if (!parsed.ok) {
    return parsed.error;
  }
  if (!fields.useDockerLogin && (!fields.username.trim() || !fields.token)) {
    return trans.__(
      'Give a user name and an access token, or use your docker login.'
    );
  }
  return null;
}

class PushForm extends ReactWidget {
  constructor(
    private fields: IPushFields,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Dockerize-pushForm');
  }

  getValue(): IPushFields {
    return this.fields;
  }

  render(): JSX.Element {
    const { trans } = this;
    const fields = this.fields;
    const set = (patch: Partial<IPushFields>) => {
      this.fields = { ...this.fields, ...patch };
      this.update();
    };
    const problem = pushProblem(fields, trans);
    const input = (
      key: 'registry' | 'repository' | 'tag' | 'username',
      label: string,
      placeholder: string
    ) => (
      <label className="jp-Dockerize-field">
        <span>{label}</span>
        <input
          className="jp-mod-styled"
          value={fields[key]}
          placeholder={placeholder}
          spellCheck={false}
          autoComplete="off"
          data-dockerize={`push-${key}`}
          onChange={event => set({ [key]: event.target.value })}
        />
      </label>
    );
    return (
      <form autoComplete="off" onSubmit={event => event.preventDefault()}>
        {input('registry', trans.__('Registry'), 'docker.io')}
        {input('repository', trans.__('Repository'), 'your-user/analysis')}
        {input('tag', trans.__('Tag'), 'latest')}
        <p className="jp-Dockerize-hint" data-dockerize="push-target">
          {trans.__('Pushes %1', pushTarget(fields) || '…')}
        </p>
        <label>
          <input
            type="checkbox"
            checked={fields.useDockerLogin}
            data-dockerize="push-use-login"
            onChange={event => set({ useDockerLogin: event.target.checked })}
          />{' '}
          {trans.__(
            'Use my docker login (the server’s Docker config and credential helpers)'
          )}
        </label>
        {!fields.useDockerLogin && (
          <>
            {input('username', trans.__('User name'), '')}
            <label className="jp-Dockerize-field">
              <span>{trans.__('Access token')}</span>
              <input
                className="jp-mod-styled"
                type="password"
                value={fields.token}
                autoComplete="new-password"
                data-lpignore="true"
                data-1p-ignore="true"
                data-dockerize="push-token"
                onChange={event => set({ token: event.target.value })}
              />
            </label>
            <p className="jp-Dockerize-hint">
              {trans.__(
                'Sent once for this push and kept in memory only: never saved, logged or shown again. For Docker Hub, create a token with Read & Write scope under Account settings → Personal access tokens.'
              )}
            </p>
          </>
        )}
        {problem && (
          <p
            className="jp-Dockerize-fieldError"
            role="alert"
            data-dockerize="push-problem"
          >
            {problem}
          </p>
        )}
      </form>
    );
  }
}

/** The image's repository and tag, split from a built image reference. */
function splitBuilt(image: string): { repository: string; tag: string } {
  const parsed = parseNormalizedImageReference(image);
  if (!parsed.ok) {
    return { repository: '', tag: 'latest' };
  }
  const name = parsed.reference.path.split('/').pop() ?? '';
  return { repository: name, tag: parsed.reference.tag ?? 'latest' };
}

/** Asks where to push and with which credentials; null when the user cancels. */
export async function askPushTarget(
  defaults: IPushDefaults,
  builtImage: string,
  trans: TranslationBundle
): Promise<IPushAnswer | null> {
  const built = splitBuilt(builtImage);
  let fields: IPushFields = {
    registry: defaults.registry || 'docker.io',
    repository: defaults.namespace
      ? `${defaults.namespace}/${built.repository}`
      : built.repository,
    tag: built.tag,
    useDockerLogin: false,
    username: defaults.namespace,
    token: ''
  };
  for (;;) {
    const body = new PushForm(fields, trans);
    const result = await showDialog({
      title: trans.__('Push the image'),
      body,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Push') })
      ],
      focusNodeSelector: 'input'
    });
    fields = body.getValue();
    if (!result.button.accept) {
      return null;
    }
    if (pushProblem(fields, trans) === null) {
      const auth = fields.useDockerLogin
        ? null
        : { username: fields.username.trim(), token: fields.token };
      return { target: pushTarget(fields), auth };
    }
    // Shown again with the problem under the fields.
  }
}

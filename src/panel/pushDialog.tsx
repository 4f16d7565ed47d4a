import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPushRequest } from '../core/contract/requests';
import {
  initialPushFields,
  IPushDefaults,
  IPushFields,
  pushProblem,
  pushRequest,
  pushTarget
} from '../core/jobs/pushForm';

export type { IPushDefaults } from '../core/jobs/pushForm';

/** Where to push, and auth null for the credentials of the server's docker login. */
export type IPushAnswer = IPushRequest;

class PushForm extends ReactWidget {
  constructor(
    private fields: IPushFields,
    private readonly trans: TranslationBundle,
    private readonly platformsNote: string | null = null
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
        {this.platformsNote && (
          <p className="jp-Dockerize-hint" data-dockerize="push-platforms-note">
            {this.platformsNote}
          </p>
        )}
        <label>
          <input
            type="checkbox"
            checked={fields.authMode === 'docker-login'}
            data-dockerize="push-use-login"
            onChange={event =>
              set({ authMode: event.target.checked ? 'docker-login' : 'token' })
            }
          />{' '}
          {trans.__(
            'Use my docker login (the server’s Docker config and credential helpers)'
          )}
        </label>
        {fields.authMode === 'token' && (
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

/** Asks where to push and with which credentials; null when the user cancels. */
export async function askPushTarget(
  defaults: IPushDefaults,
  builtImage: string,
  trans: TranslationBundle,
  /** What the push puts under the tag, when several platforms (null: one image). */
  platformsNote: string | null = null
): Promise<IPushAnswer | null> {
  let fields = initialPushFields(defaults, builtImage);
  for (;;) {
    const body = new PushForm(fields, trans, platformsNote);
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
    const answer = pushRequest(fields, trans);
    if ('request' in answer) {
      return answer.request;
    }
    // Shown again with the problem under the fields.
  }
}

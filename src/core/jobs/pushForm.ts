/**
 * The push dialog's fields and what they mean, without React: where the image goes
 * (registry, repository, tag), how the push authenticates, the first problem with the
 * fields, and the push request they make.
 */
import { IPushAuth, IPushRequest } from '../contract/requests';
import {
  parseNormalizedImageReference,
  withRegistry,
  withTag
} from '../contract/imageReference';
import { ITranslate, plainTranslate } from '../shared/text';

/** Where the settings say images go, before the user changes anything. */
export interface IPushDefaults {
  /** docker.io, ghcr.io, quay.io, localhost:5000… */
  registry: string;
  /** A Docker Hub user or organisation, or a registry namespace. */
  namespace: string;
}

/**
 * How the push authenticates. 'token': a user name and an access token sent with this
 * push only; 'docker-login': the server's Docker config and credential helpers.
 */
export type PushAuthMode = 'token' | 'docker-login';

export interface IPushFields {
  registry: string;
  repository: string;
  tag: string;
  authMode: PushAuthMode;
  username: string;
  token: string;
}

interface IPushAuthModeRule {
  /** What the fields lack for this mode, in words; null when nothing. */
  problem(fields: IPushFields, trans: ITranslate): string | null;
  /** The credentials the request carries; null: the server's own. */
  auth(fields: IPushFields): IPushAuth | null;
}

/** Each authentication mode: adding one is one entry here and its inputs in the dialog. */
const AUTH_MODES: Record<PushAuthMode, IPushAuthModeRule> = {
  token: {
    problem: (fields, trans) =>
      fields.username.trim() && fields.token
        ? null
        : trans.__(
            'Give a user name and an access token, or use your docker login.'
          ),
    auth: fields => ({ username: fields.username.trim(), token: fields.token })
  },
  'docker-login': {
    problem: () => null,
    auth: () => null
  }
};

/** The image's repository (last path component) and tag, from a built image reference. */
export function splitBuilt(image: string): { repository: string; tag: string } {
  const parsed = parseNormalizedImageReference(image);
  if (!parsed.ok) {
    return { repository: '', tag: 'latest' };
  }
  const name = parsed.reference.path.split('/').pop() ?? '';
  return { repository: name, tag: parsed.reference.tag ?? 'latest' };
}

/** The fields the dialog opens with: the settings' registry and namespace, the built name and tag. */
export function initialPushFields(
  defaults: IPushDefaults,
  builtImage: string
): IPushFields {
  const built = splitBuilt(builtImage);
  return {
    registry: defaults.registry || 'docker.io',
    repository: defaults.namespace
      ? `${defaults.namespace}/${built.repository}`
      : built.repository,
    tag: built.tag,
    authMode: 'token',
    username: defaults.namespace,
    token: ''
  };
}

/** The reference the fields name, Docker Hub without a registry prefix; '' without a repository. */
export function pushTarget(
  fields: Pick<IPushFields, 'registry' | 'repository' | 'tag'>
): string {
  return withTag(withRegistry(fields.registry, fields.repository), fields.tag);
}

/** The first problem with the fields, in words (Docker's own for a bad reference); null when they can be sent. */
export function pushProblem(
  fields: IPushFields,
  trans: ITranslate = plainTranslate
): string | null {
  if (!fields.repository.trim()) {
    return trans.__('Name the repository, such as your-user/analysis.');
  }
  const parsed = parseNormalizedImageReference(pushTarget(fields));
  if (!parsed.ok) {
    return parsed.error;
  }
  return AUTH_MODES[fields.authMode].problem(fields, trans);
}

/** The push request the fields make, or the first problem with them. */
export function pushRequest(
  fields: IPushFields,
  trans: ITranslate = plainTranslate
): { request: IPushRequest } | { problem: string } {
  const problem = pushProblem(fields, trans);
  if (problem !== null) {
    return { problem };
  }
  return {
    request: {
      target: pushTarget(fields),
      auth: AUTH_MODES[fields.authMode].auth(fields)
    }
  };
}

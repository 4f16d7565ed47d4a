/** The image's LABELs: OCI annotations and this extension's own, under LABEL_PREFIX. */
import { LABELS } from '../contract/constants';

/** The prefix of this extension's labels (the server finds its images by it). */
export const LABEL_PREFIX = LABELS.prefix;

export interface ILabelParts {
  /** The image's path, or the first notebook's stem. */
  title: string;
  /** The notebooks' file names in the bundle. */
  notebooks: string[];
  python: string;
  /** ISO 8601, or 'unknown'. */
  created: string;
  /** The notebooks' workspace paths. */
  sources: string[];
  generatorVersion: string;
  /** e.g. "Linux x86_64". */
  platform: string;
}

/** LABEL keys and values, in the Dockerfile's order (values are quoted there). */
export function imageLabels(parts: ILabelParts): [string, string][] {
  return [
    ['org.opencontainers.image.title', parts.title],
    [
      'org.opencontainers.image.description',
      `Jupyter notebook${parts.notebooks.length === 1 ? '' : 's'} ${parts.notebooks.join(', ') || '(none)'} with the environment of its kernel (Python ${parts.python}).`
    ],
    ['org.opencontainers.image.created', parts.created],
    [`${LABEL_PREFIX}.source`, parts.sources.join(', ')],
    [
      `${LABEL_PREFIX}.generator`,
      `jupyterlab-dockerize ${parts.generatorVersion}`
    ],
    [`${LABEL_PREFIX}.platform`, parts.platform]
  ];
}

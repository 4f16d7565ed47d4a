/**
 * The smallest inputs a bundle is generated from: a venv of CPython 3.11.7 on Linux x86_64
 * under /srv/venv with nothing captured, and a plan that pins numpy alone. The Dockerfile,
 * template-output and injection specs start from them.
 */
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { IRequirementsPlan } from '../requirements/requirementsPlan';

export const VENV_SNAPSHOT: IEnvironmentSnapshot = {
  schemaVersion: 1,
  python: { implementation: 'CPython', version: '3.11.7' },
  platform: { system: 'Linux', machine: 'x86_64', tag: 'linux-x86_64' },
  prefix: '/srv/venv',
  basePrefix: '/usr',
  kind: 'venv',
  conda: null,
  distributions: [],
  captureMs: 1
};

export const NUMPY_PLAN: IRequirementsPlan = {
  python: 'CPython 3.11.7',
  platform: 'linux-x86_64',
  entries: [
    {
      name: 'numpy',
      version: '2.1.0',
      source: 'index',
      status: 'pinned',
      line: 'numpy==2.1.0',
      reason: 'From the index.'
    }
  ],
  vendorPaths: []
};

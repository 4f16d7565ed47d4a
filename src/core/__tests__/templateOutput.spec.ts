/**
 * Pins the generated files of every template under every combination of the options that
 * change a Dockerfile (wheelhouse, apt packages, vendored projects and wheels, environment
 * variables, interface), so that moving the templates into modules keeps them byte for
 * byte. The product is pinned by sha256 (the snapshot stays small); a few cases in full
 * text, so that a reviewer sees what a change does.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import {
  BUNDLE_TEMPLATES,
  IBundleInput,
  IBundleOptions
} from '../bundle/bundleTypes';
import { generateBundle } from '../bundle/bundle';
import { translateRequirements } from '../requirements/requirements';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { NUMPY_PLAN, VENV_SNAPSHOT } from './bundleInputs';

const venv = VENV_SNAPSHOT;

const plan = NUMPY_PLAN;

const vendorPaths = [
  {
    name: 'mylib',
    workspacePath: 'projects/mylib',
    bundlePath: 'vendor/mylib'
  },
  {
    name: 'tool',
    workspacePath: 'dist/tool-1.0-py3-none-any.whl',
    bundlePath: 'wheels/tool-1.0-py3-none-any.whl'
  }
];

const condaSnapshot = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'fixtures', 'snapshot-conda.json'),
    'utf8'
  )
) as IEnvironmentSnapshot;

interface ICase {
  wheelhouse: boolean;
  apt: boolean;
  vendor: boolean;
  env: boolean;
  ui: 'lab' | 'notebook';
}

const FLAGS: (keyof Omit<ICase, 'ui'>)[] = [
  'wheelhouse',
  'apt',
  'vendor',
  'env'
];

function allCases(): ICase[] {
  const cases: ICase[] = [];
  for (let bits = 0; bits < 32; bits++) {
    cases.push({
      wheelhouse: (bits & 1) !== 0,
      apt: (bits & 2) !== 0,
      vendor: (bits & 4) !== 0,
      env: (bits & 8) !== 0,
      ui: bits & 16 ? 'notebook' : 'lab'
    });
  }
  return cases;
}

function caseName(template: string, item: ICase): string {
  const on = FLAGS.filter(flag => item[flag]);
  return `${template} ${item.ui}${on.length ? ` +${on.join(' +')}` : ''}`;
}

function bundleInput(
  template: string,
  item: ICase,
  more: Partial<IBundleOptions> = {},
  conda = false
): IBundleInput {
  const snapshot = conda ? condaSnapshot : venv;
  const base = conda ? translateRequirements(condaSnapshot) : plan;
  return {
    snapshot,
    plan: { ...base, vendorPaths: item.vendor ? vendorPaths : [] },
    notebooks: ['analysis/Report 2024.ipynb'],
    dataFiles: ['data/input.csv'],
    options: {
      template: template as IBundleOptions['template'],
      ui: item.ui,
      created: '2025-01-02T03:04:05Z',
      generatorVersion: '0.1.0',
      imageName: 'ghcr.io/alice/report:1.0',
      wheelhouse: item.wheelhouse,
      ...(item.apt ? { aptPackages: ['libgomp1', 'git'] } : {}),
      ...(item.env
        ? { env: { MODE: 'fast', DOCKER_STACKS_JUPYTER_CMD: 'x' } }
        : {}),
      ...(template === 'custom' ? { baseImage: 'python:3.11.7-bookworm' } : {}),
      ...more
    }
  };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every file, the include list, the wheelhouse and the warnings, hashed. */
function digest(input: IBundleInput): Record<string, string> {
  const spec = generateBundle(input);
  return {
    Dockerfile: sha(spec.files['Dockerfile']),
    bundle: sha(JSON.stringify(spec))
  };
}

const ALL_ON: ICase = {
  wheelhouse: true,
  apt: true,
  vendor: true,
  env: true,
  ui: 'notebook'
};
const ALL_OFF: ICase = {
  wheelhouse: false,
  apt: false,
  vendor: false,
  env: false,
  ui: 'lab'
};

describe('generated files of every template', () => {
  it.each([...BUNDLE_TEMPLATES])('%s: every option combination', template => {
    const digests: Record<string, Record<string, string>> = {};
    for (const item of allCases()) {
      digests[caseName(template, item)] = digest(bundleInput(template, item));
    }
    expect(digests).toMatchSnapshot();
  });

  it.each([...BUNDLE_TEMPLATES])(
    '%s: a conda kernel, other Python versions and platforms',
    template => {
      const digests: Record<string, Record<string, string>> = {};
      for (const item of [ALL_OFF, ALL_ON]) {
        const name = caseName(template, item);
        digests[`${name} conda kernel`] = digest(
          bundleInput(template, item, {}, true)
        );
        digests[`${name} python 3.12`] = digest(
          bundleInput(template, item, { pythonVersion: '3.12' })
        );
        digests[`${name} python 3.13.1`] = digest(
          bundleInput(template, item, { pythonVersion: '3.13.1' })
        );
        digests[`${name} no image name`] = digest(
          bundleInput(template, item, {
            imageName: '',
            baseImage: 'registry:5000/base'
          })
        );
        const arm = bundleInput(template, item);
        arm.snapshot = {
          ...venv,
          platform: {
            system: 'Linux',
            machine: 'aarch64',
            tag: 'linux-aarch64'
          }
        };
        digests[`${name} aarch64`] = digest(arm);
        const pinned = bundleInput(template, item);
        pinned.plan = {
          ...pinned.plan,
          entries: [
            ...pinned.plan.entries,
            ...['jupyterlab', 'notebook'].map(name => ({
              name,
              version: '4.0.0',
              source: 'index' as const,
              status: 'pinned' as const,
              line: `${name}==4.0.0`,
              reason: 'From the index.'
            }))
          ]
        };
        digests[`${name} jupyter pinned`] = digest(pinned);
      }
      expect(digests).toMatchSnapshot();
    }
  );

  it.each([...BUNDLE_TEMPLATES])(
    '%s: the files in full, every option off and on',
    template => {
      for (const item of [ALL_OFF, ALL_ON]) {
        const spec = generateBundle(bundleInput(template, item));
        expect(spec.files['Dockerfile']).toMatchSnapshot(
          `${caseName(template, item)} Dockerfile`
        );
        expect(spec.files['.dockerignore']).toMatchSnapshot(
          `${caseName(template, item)} .dockerignore`
        );
      }
      const spec = generateBundle(bundleInput(template, ALL_ON));
      expect(spec.files['README.md']).toMatchSnapshot(
        `${caseName(template, ALL_ON)} README.md`
      );
      expect(spec.warnings).toMatchSnapshot(
        `${caseName(template, ALL_ON)} warnings`
      );
    }
  );
});

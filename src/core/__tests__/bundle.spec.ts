/* eslint-disable no-control-regex -- hostile input is made of control characters */
import * as fs from 'fs';
import * as path from 'path';

import fc from 'fast-check';

import {
  BUNDLE_TEMPLATES,
  BundleTemplateError,
  IBundleInput,
  IBundleOptions
} from '../bundle/bundleTypes';
import { generateBundle } from '../bundle/bundle';
import { safeFileName } from '../bundle/bundlePaths';
import { renderEnvironmentYml } from '../bundle/environmentYml';
import { TEMPLATE_IDS } from '../templates';
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { renderRequirementsTxt } from '../requirements/requirementsTxt';
import { translateRequirements } from '../requirements/requirements';
import { IEnvironmentSnapshot } from '../environment/snapshot';

function fixture(name: string): IEnvironmentSnapshot {
  return JSON.parse(
    fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')
  ) as IEnvironmentSnapshot;
}

const venv = fixture('snapshot-venv.json');
const conda = fixture('snapshot-conda.json');

const plan: IRequirementsPlan = {
  ...translateRequirements(venv),
  vendorPaths: [
    {
      name: 'mylib',
      workspacePath: 'projects/mylib',
      bundlePath: 'vendor/mylib'
    }
  ]
};

const base: IBundleOptions = {
  template: 'pip',
  ui: 'lab',
  created: '2025-01-02T03:04:05Z',
  generatorVersion: '0.1.0'
};

function input(
  options: Partial<IBundleOptions> = {},
  more: Partial<IBundleInput> = {}
): IBundleInput {
  return {
    snapshot: venv,
    plan,
    notebooks: ['analysis/Report 2024.ipynb'],
    dataFiles: ['data/raw.csv'],
    ...more,
    options: { ...base, ...options }
  };
}

describe('generateBundle', () => {
  it('writes the files of a bundle, sorted by path', () => {
    const bundle = generateBundle(input({ aptPackages: ['git'] }));
    expect(Object.keys(bundle.files)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'apt.txt',
      'compose.yaml',
      'data/readme.md',
      'requirements.txt',
      'runtime.txt'
    ]);
    expect(bundle.files['requirements.txt']).toBe(renderRequirementsTxt(plan));
    expect(bundle.files['runtime.txt']).toBe('python-3.11\n');
    expect(bundle.files['apt.txt']).toBe('git\n');
    expect(bundle.warnings).toEqual([]);
  });

  it('copies the notebooks, data files and vendored projects under safe names', () => {
    const bundle = generateBundle(
      input(
        {},
        {
          notebooks: [
            'b/Report 2024.ipynb',
            'a/Report 2024.ipynb',
            'x/$(rm -rf ~)`id`\n.ipynb',
            'Données/café.ipynb',
            'évaluation.IPYNB',
            '数据.ipynb',
            '../escape.ipynb'
          ],
          dataFiles: ['readme.md', 'raw data.csv']
        }
      )
    );
    expect(bundle.include).toEqual([
      { workspacePath: 'raw data.csv', bundlePath: 'data/raw_data.csv' },
      { workspacePath: 'readme.md', bundlePath: 'data/readme-2.md' },
      {
        workspacePath: 'b/Report 2024.ipynb',
        bundlePath: 'notebooks/Report_2024-2.ipynb'
      },
      {
        workspacePath: 'a/Report 2024.ipynb',
        bundlePath: 'notebooks/Report_2024.ipynb'
      },
      {
        workspacePath: 'Données/café.ipynb',
        bundlePath: 'notebooks/cafe.ipynb'
      },
      {
        workspacePath: 'évaluation.IPYNB',
        bundlePath: 'notebooks/evaluation.IPYNB'
      },
      { workspacePath: '数据.ipynb', bundlePath: 'notebooks/notebook.ipynb' },
      {
        workspacePath: 'x/$(rm -rf ~)`id`\n.ipynb',
        bundlePath: 'notebooks/rm_-rf_id.ipynb'
      },
      { workspacePath: 'projects/mylib', bundlePath: 'vendor/mylib' }
    ]);
    expect(bundle.warnings).toEqual([
      '`../escape.ipynb` is not a workspace file path; it is left out.'
    ]);
    expect(bundle.files['.dockerignore']).toBe(
      [
        '# Only what the Dockerfile copies goes into the build context.',
        '*',
        '!requirements.txt',
        '!notebooks',
        '!data',
        '!vendor/mylib',
        ''
      ].join('\n')
    );
    expect(bundle.files['data/readme.md']).toContain('- `raw_data.csv`');
  });

  it('is deterministic: same input, byte-identical output, whatever the order given', () => {
    const one = generateBundle(
      input(
        { env: { B: '2', A: '1' }, volumes: ['/b', '/a'] },
        {
          notebooks: ['z.ipynb', 'a.ipynb']
        }
      )
    );
    const two = generateBundle(
      input(
        { env: { A: '1', B: '2' }, volumes: ['/a', '/b', '/a'] },
        {
          notebooks: ['a.ipynb', 'z.ipynb', 'a.ipynb']
        }
      )
    );
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    expect(JSON.stringify(generateBundle(input()))).toBe(
      JSON.stringify(generateBundle(input()))
    );
  });

  it('writes compose.yaml with the ports, volumes and the token from the environment', () => {
    expect(
      generateBundle(input({ imageName: 'alice/nb:1' })).files['compose.yaml']
    )
      .toBe(`# Generated by jupyterlab-dockerize. Start with: docker compose up --build
# JUPYTER_TOKEN is passed from your environment; without it Jupyter prints a random one.
services:
  notebook:
    build: .
    image: alice/nb:1
    ports:
      - "8888:8888"
    volumes:
      - ./notebooks:/notebooks
      - ./data:/data
    environment:
      - JUPYTER_TOKEN
`);
  });

  it('fills the image name into the README, or a placeholder', () => {
    const named = generateBundle(
      input({ imageName: 'registry.example.org:5000/alice/nb:1.0' })
    ).files['README.md'];
    // The chosen name itself, not its last component (issue 11, point 14).
    expect(named).toContain(
      'docker build -t registry.example.org:5000/alice/nb:1.0 .\n'
    );
    expect(named).toContain(
      'docker run --rm -v "$PWD/notebooks:/notebooks" -v "$PWD/data:/data" -p 8888:8888 -e JUPYTER_TOKEN registry.example.org:5000/alice/nb:1.0\n'
    );
    expect(named).toContain(
      '```bash\ndocker login registry.example.org:5000\ndocker push registry.example.org:5000/alice/nb:1.0\n'
    );
    expect(named).not.toContain('docker tag');
    const hub = generateBundle(input({ imageName: 'alice/nb' })).files[
      'README.md'
    ];
    expect(hub).toContain('docker build -t alice/nb .\n');
    expect(hub).toContain('```bash\ndocker login\ndocker push alice/nb\n');
    const digest = `ghcr.io/alice/nb@sha256:${'a'.repeat(64)}`;
    const pinned = generateBundle(input({ imageName: digest }));
    expect(pinned.files['README.md']).toContain('docker build -t nb .\n');
    expect(pinned.files['README.md']).toContain(`docker tag nb ${digest}\n`);
    expect(pinned.files.Dockerfile).toContain(
      '# Template: pip. Build: docker build -t nb .\n'
    );
    expect(
      generateBundle(input({ imageName: 'alice/nb:1' })).files.Dockerfile
    ).toContain('# Template: pip. Build: docker build -t alice/nb:1 .\n');
    const unnamed = generateBundle(input({ imageName: 'Alice/NB; rm -rf /' }));
    expect(unnamed.files['README.md']).toContain(
      'docker tag report-2024 <user>/<image>:<tag>\n'
    );
    expect(unnamed.files['README.md']).not.toContain('rm -rf');
    expect(unnamed.files['compose.yaml']).not.toContain('image:');
    expect(unnamed.warnings.join(' ')).toMatch(/not a valid image reference/);
  });

  it('adds environment.yml for a conda kernel', () => {
    const condaPlan = translateRequirements(conda);
    const bundle = generateBundle(
      input({}, { snapshot: conda, plan: condaPlan })
    );
    expect(bundle.files['environment.yml']).toBe(
      renderEnvironmentYml(conda, condaPlan)
    );
    expect(bundle.files['runtime.txt']).toBe('python-3.11\n');
    expect(bundle.files['Dockerfile']).toContain('FROM python:3.11.8-slim\n');
  });

  it('drops invalid apt packages, volumes and variables with a warning', () => {
    const bundle = generateBundle(
      input({
        aptPackages: ['git', 'Git', 'a', 'x;y', 'libc6-dev', 'git'],
        volumes: ['/data', 'relative', '/a/../b', '/ok/dir', '/', '/x//y'],
        env: { 'BAD NAME': 'x', GOOD: 'v', NL: 'a\nb', JUPYTER_TOKEN: 't' }
      })
    );
    const text = bundle.files['Dockerfile'];
    expect(text).toContain('--no-install-recommends git libc6-dev \\\n');
    expect(text).toContain('VOLUME ["/data", "/notebooks", "/ok/dir"]');
    expect(text).toContain('ENV GOOD="v"\n');
    expect(text).not.toMatch(/BAD|NL=|JUPYTER_TOKEN=/);
    expect(bundle.warnings).toHaveLength(3 + 4 + 3);
  });

  it('offers every template and refuses unknown ones', () => {
    // The registry's list (its literal order is pinned in templates.spec.ts).
    expect(BUNDLE_TEMPLATES).toEqual(TEMPLATE_IDS);
    for (const template of BUNDLE_TEMPLATES) {
      expect(() => generateBundle(input({ template }))).not.toThrow();
    }
    for (const template of ['poetry', '', 'Conda', undefined, 42]) {
      expect(() =>
        generateBundle(
          input({ template: template as unknown as IBundleOptions['template'] })
        )
      ).toThrow(BundleTemplateError);
    }
  });

  describe('the conda template', () => {
    const condaPlan: IRequirementsPlan = (() => {
      const translated = translateRequirements(conda);
      return {
        ...translated,
        entries: [
          ...translated.entries,
          {
            name: 'mylib',
            version: '0.3',
            source: 'local-dir',
            status: 'vendorable',
            line: './vendor/mylib',
            reason: 'Copied into the bundle.',
            workspacePath: 'projects/mylib'
          }
        ],
        vendorPaths: plan.vendorPaths
      };
    })();

    it('installs environment.yml, which the build context lets in', () => {
      const bundle = generateBundle(
        input({ template: 'conda' }, { snapshot: conda, plan: condaPlan })
      );
      expect(Object.keys(bundle.files)).toEqual([
        '.dockerignore',
        'Dockerfile',
        'README.md',
        'compose.yaml',
        'data/readme.md',
        'environment.yml',
        'requirements.txt',
        'runtime.txt'
      ]);
      expect(bundle.warnings).toEqual([]);
      expect(bundle.files['.dockerignore']).toBe(
        [
          '# Only what the Dockerfile copies goes into the build context.',
          '*',
          '!environment.yml',
          '!notebooks',
          '!data',
          '!vendor/mylib',
          ''
        ].join('\n')
      );
      // The vendored project is a pip line, relative to environment.yml's folder, where
      // micromamba runs pip (and where the Dockerfile copies vendor/).
      expect(bundle.files['environment.yml']).toBe(
        [
          "# Generated by jupyterlab-dockerize from the kernel's environment.",
          '# Python packages are pinned to the versions the kernel runs; conda brings',
          '# their native libraries.',
          'channels:',
          '  - conda-forge',
          'dependencies:',
          '  - python=3.11.8',
          '  - jupyterlab=4.6.6',
          '  - numpy=1.26.4',
          '  - pandas=2.2.1',
          '  - python-dateutil=2.9.0',
          '  - python-tzdata=2024.1',
          '  - pytz=2024.1',
          '  - six=1.16.0',
          '  - pip',
          '  - pip:',
          '    - markdown-it-py==3.0.0',
          '    - mdurl==0.1.2',
          '    - "./vendor/mylib"',
          '    - pygments==2.17.2',
          '    - rich==13.7.1',
          ''
        ].join('\n')
      );
      expect(bundle.files['Dockerfile']).toContain(
        'COPY --chown=1000:1000 ["environment.yml", "./"]\nCOPY --chown=1000:1000 ["vendor/mylib", "vendor/mylib/"]\n'
      );
      expect(bundle.files['Dockerfile']).not.toContain('requirements.txt');
      const readme = bundle.files['README.md'];
      expect(readme).toContain('(template `conda`, Python 3.11.8)');
      expect(readme).toContain(
        '- `environment.yml`: the conda environment the image installs with micromamba,'
      );
      expect(readme).toContain('docker build -t report-2024 .\n');
    });

    it('works for a venv kernel: Python pinned, everything else in the pip: section', () => {
      const bundle = generateBundle(input({ template: 'conda' }));
      const yml = bundle.files['environment.yml'];
      expect(yml).toContain(
        'channels:\n  - conda-forge\ndependencies:\n  - python=3.11.7\n  - jupyterlab=4.6.6\n  - pip\n  - pip:\n'
      );
      const pipLines = yml
        .split('\n')
        .filter(line => line.startsWith('    - '))
        .map(line => line.slice(6));
      expect(pipLines).toEqual(
        plan.entries
          .filter(entry => entry.line !== null)
          .map(entry => entry.line)
      );
      expect(bundle.warnings).toEqual([]);
    });

    it('is deterministic', () => {
      const make = () =>
        JSON.stringify(
          generateBundle(
            input(
              { template: 'conda', aptPackages: ['git'], env: { A: '1' } },
              { snapshot: conda, plan: condaPlan }
            )
          )
        );
      expect(make()).toBe(make());
    });
  });

  it('warns a conda kernel about packages pip cannot install, except with the conda template', () => {
    const missing = translateRequirements(conda, {
      indexVersions: name => (name === 'numpy' ? ['1.26.3'] : undefined)
    });
    for (const template of ['pip', 'uv', 'docker-stacks', 'custom'] as const) {
      const bundle = generateBundle(
        input(
          { template, baseImage: 'debian:12' },
          { snapshot: conda, plan: missing }
        )
      );
      expect(bundle.warnings).toEqual([
        'Installed by conda, with no release on the package index, so pip will not install them (they are left out of requirements.txt): numpy. The conda template installs them from their channels.'
      ]);
    }
    const withConda = generateBundle(
      input({ template: 'conda' }, { snapshot: conda, plan: missing })
    );
    expect(withConda.warnings).toEqual([]);
    expect(withConda.files['environment.yml']).toContain('  - numpy=1.26.4\n');
    expect(
      generateBundle(
        input({}, { snapshot: conda, plan: translateRequirements(conda) })
      ).warnings
    ).toEqual([]);
  });

  it('keeps the README and compose.yaml free of hostile text', () => {
    const hostile = fc.string({ unit: 'binary', maxLength: 30 });
    fc.assert(
      fc.property(
        hostile,
        fc.array(hostile, { maxLength: 3 }),
        fc.constantFrom(...BUNDLE_TEMPLATES),
        (name, notebooks, template) => {
          const bundle = generateBundle(
            input({ imageName: name, template }, { notebooks })
          );
          for (const file of [
            'README.md',
            'compose.yaml',
            'data/readme.md',
            '.dockerignore'
          ]) {
            expect(bundle.files[file]).not.toMatch(
              /[\u0000-\u0009\u000b-\u001f\u007f-\uffff]/
            );
          }
          expect(bundle.files['compose.yaml'].split('\n')).toHaveLength(
            name && bundle.files['compose.yaml'].includes('image:') ? 14 : 13
          );
          for (const item of bundle.include) {
            expect(item.bundlePath).toMatch(
              /^(notebooks|data|vendor)\/[A-Za-z0-9][A-Za-z0-9._-]*$/
            );
          }
          const paths = bundle.include.map(item =>
            item.bundlePath.toLowerCase()
          );
          expect(new Set(paths).size).toBe(paths.length);
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('safeFileName', () => {
  it('is safe, unique and keeps the extension', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), {
          maxLength: 8
        }),
        names => {
          const used = new Set<string>();
          const made = names.map(name =>
            safeFileName(`${name}.ipynb`, used, 'nb')
          );
          for (const name of made) {
            expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*\.ipynb$/);
            expect(name.length).toBeLessThan(120);
          }
          expect(new Set(made.map(name => name.toLowerCase())).size).toBe(
            made.length
          );
        }
      )
    );
  });
});

describe('the offline wheelhouse option', () => {
  const offlineInstall =
    'pip install --no-cache-dir --no-index --find-links=wheelhouse --require-hashes -r wheelhouse/requirements.lock';

  it.each(['pip', 'uv', 'custom'] as const)(
    'makes the %s template install the hashed wheels with no index',
    template => {
      const bundle = generateBundle(input({ template, wheelhouse: true }));
      const dockerfile = bundle.files.Dockerfile;
      expect(dockerfile).toContain('COPY ["wheelhouse/", "wheelhouse/"]\n');
      expect(dockerfile).toContain(`RUN ${offlineInstall}\n`);
      expect(dockerfile).not.toContain('ARG PIP_INDEX_URL');
      expect(dockerfile).not.toContain('uv pip install');
      expect(bundle.files['.dockerignore']).toContain('\n!wheelhouse\n');
      expect(bundle.wheelhouse).toEqual({
        // the image's full version: pip reads 3.11 as 3.11.0 (issue 11, point 2)
        python: '3.11.7',
        platform: 'linux/amd64',
        requirements: 'requirements.txt',
        extra: ['jupyterlab==4.6.6']
      });
    }
  );

  it('keeps the docker-stacks permissions step', () => {
    const dockerfile = generateBundle(
      input({ template: 'docker-stacks', wheelhouse: true })
    ).files.Dockerfile;
    expect(dockerfile).toContain(
      `RUN ${offlineInstall} \\\n    && fix-permissions`
    );
  });

  it('is refused for conda with a warning, and absent when not asked for', () => {
    const bundle = generateBundle(
      input({ template: 'conda', wheelhouse: true }, { snapshot: conda })
    );
    expect(bundle.wheelhouse).toBeUndefined();
    expect(bundle.warnings.join('\n')).toMatch(
      /wheelhouse holds Python wheels only/
    );
    expect(generateBundle(input()).wheelhouse).toBeUndefined();
  });
});

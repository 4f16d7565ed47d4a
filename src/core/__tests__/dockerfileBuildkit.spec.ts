/**
 * The BuildKit variant of the Dockerfile (bundle option `builder: 'buildkit'`): cache
 * mounts for the installer's downloads, the offline wheelhouse bind-mounted instead of
 * copied, the README saying it needs BuildKit; and pylock.toml (option `lock`), which the
 * uv template installs from. The classic variant stays what it was (templateOutput.spec
 * pins it byte for byte).
 */
import { DockerfileParser, Run } from 'dockerfile-ast';

import { generateBundle } from '../bundle/bundle';
import { IBundleInput, IBundleOptions } from '../bundle/bundleTypes';
import { renderDockerfile } from '../bundle/dockerfile';
import { IPylockInput } from '../bundle/pylock';
import { TEMPLATE_IDS } from '../templates';
import { UV_VERSION } from '../templates/uv';
import { NUMPY_PLAN, VENV_SNAPSHOT } from './bundleInputs';

const base: IBundleOptions = {
  template: 'pip',
  ui: 'lab',
  created: '2025-01-02T03:04:05Z',
  generatorVersion: '0.1.0'
};

function input(
  options: Partial<IBundleOptions>,
  more: Partial<IBundleInput> = {}
): IBundleInput {
  return {
    snapshot: VENV_SNAPSHOT,
    plan: NUMPY_PLAN,
    notebooks: ['analysis/Report 2024.ipynb'],
    ...more,
    options: { ...base, ...options }
  };
}

const dockerfileOf = (options: Partial<IBundleOptions>) =>
  generateBundle(input(options)).files['Dockerfile'];

/** The lines from the mirror comment (or the offline one) to the blank line after the RUN. */
function installBlock(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex(
    line =>
      line.startsWith('# Optional package mirror') ||
      line.startsWith('# Offline:')
  );
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}

/** Everything but the install block and the "Template:" comment line. */
function skeleton(text: string): string[] {
  const block = installBlock(text);
  return text
    .split('\n')
    .filter(line => !block.includes(line) && !line.startsWith('# Template:'));
}

const sha = (char: string) => char.repeat(64);

function wheel(name: string, version: string, machine?: string) {
  const tag = machine
    ? `cp311-cp311-manylinux_2_17_${machine}`
    : 'py3-none-any';
  return {
    name,
    version,
    url: `https://files.example.org/${name}-${version}-${tag}.whl`,
    sha256: sha(machine === 'aarch64' ? 'b' : 'a')
  };
}

const LOCK: IPylockInput = {
  python: '3.11.7',
  resolutions: [
    {
      platform: 'linux/amd64',
      packages: [
        wheel('numpy', '2.1.0', 'x86_64'),
        wheel('jupyterlab', '4.6.6'),
        wheel('jinja2', '3.1.6')
      ]
    }
  ]
};

describe('the BuildKit Dockerfile', () => {
  it('is the classic one when the option is absent or classic, for every template', () => {
    for (const template of TEMPLATE_IDS) {
      for (const wheelhouse of [false, true]) {
        const absent = generateBundle(input({ template, wheelhouse }));
        const classic = generateBundle(
          input({ template, wheelhouse, builder: 'classic' })
        );
        expect(classic).toEqual(absent);
        expect(absent.files['Dockerfile']).not.toContain('--mount');
        expect(absent.files['README.md']).not.toContain('BuildKit');
      }
    }
  });

  it('keeps uv and its downloads in cache mounts, keyed by uv version and platform', () => {
    const text = dockerfileOf({ template: 'uv', builder: 'buildkit' });
    expect(installBlock(text)).toEqual([
      '# Optional package mirror, unset by default (PyPI): docker build --build-arg PIP_INDEX_URL=URL',
      '# (and --build-arg PIP_TRUSTED_HOST=HOST for plain http). Build arguments are recorded in',
      '# the image history: never put credentials in them.',
      'ARG PIP_INDEX_URL',
      'ARG PIP_TRUSTED_HOST',
      'ARG TARGETARCH',
      '# BuildKit keeps uv itself (per uv version and platform) and its downloads in cache',
      '# mounts, never in the image: after a requirement changes, only what changed is',
      '# downloaded again.',
      `RUN --mount=type=cache,id=dockerize-uv-${UV_VERSION}-\${TARGETARCH},target=/opt/uv,sharing=locked \\`,
      '    --mount=type=cache,id=dockerize-uv-cache,target=/root/.cache/uv \\',
      `    if ! /opt/uv/bin/uv --version >/dev/null 2>&1; then pip install --no-cache-dir --upgrade --target /opt/uv uv==${UV_VERSION}; fi \\`,
      '    && UV_LINK_MODE=copy UV_DEFAULT_INDEX="${PIP_INDEX_URL:-https://pypi.org/simple}" /opt/uv/bin/uv pip install --system --compile-bytecode -r requirements.txt jupyterlab==4.6.6'
    ]);
    // No --no-cache: the cache mount is the point; the image never gets it.
    expect(text).not.toContain('--no-cache ');
    expect(text).not.toContain('rm -rf /tmp/uv');
    expect(text.split('\n')[2]).toBe(
      '# Template: uv, for BuildKit. Build: DOCKER_BUILDKIT=1 docker build -t report-2024 .'
    );
  });

  it("keeps pip's downloads in a cache mount of the installing user", () => {
    const run = (template: IBundleOptions['template']) =>
      installBlock(
        dockerfileOf({
          template,
          builder: 'buildkit',
          baseImage: 'python:3.11-bookworm'
        })
      ).filter(line => !line.startsWith('# ') && !line.startsWith('ARG '));
    expect(run('pip')).toEqual([
      'RUN --mount=type=cache,id=dockerize-pip,target=/root/.cache/pip \\',
      '    pip install -r requirements.txt jupyterlab==4.6.6'
    ]);
    // The custom base image's step runs as root too (USER 0).
    expect(run('custom')).toEqual(run('pip'));
    // docker-stacks installs as jovyan (uid 1000, group users): its cache, its ids.
    expect(run('docker-stacks')).toEqual([
      'RUN --mount=type=cache,id=dockerize-pip-1000-100,target=/home/jovyan/.cache/pip,uid=1000,gid=100 \\',
      '    pip install -r requirements.txt \\',
      '    && fix-permissions "${CONDA_DIR}" \\',
      '    && fix-permissions "/home/${NB_USER}"'
    ]);
  });

  it('mounts the offline wheelhouse for the install step instead of copying it', () => {
    for (const template of ['pip', 'uv', 'docker-stacks', 'custom'] as const) {
      const spec = generateBundle(
        input({
          template,
          wheelhouse: true,
          builder: 'buildkit',
          baseImage: 'python:3.11-bookworm'
        })
      );
      const text = spec.files['Dockerfile'];
      const block = installBlock(text);
      expect(block.slice(0, 3)).toEqual([
        '# Offline: exactly the wheels in wheelhouse/, each pinned by its sha256 in',
        '# wheelhouse/requirements.lock (made by jupyterlab-dockerize); no index is contacted.',
        '# BuildKit mounts wheelhouse/ for this step only: the image does not carry the wheels.'
      ]);
      expect(block[3]).toBe(
        'RUN --mount=type=bind,source=wheelhouse,target=/opt/bundle/wheelhouse \\'
      );
      expect(block[4]).toBe(
        '    pip install --no-cache-dir --no-index --find-links=wheelhouse --require-hashes -r wheelhouse/requirements.lock' +
          (template === 'docker-stacks' ? ' \\' : '')
      );
      expect(text).not.toMatch(/COPY .*wheelhouse/);
      // The mount's source comes from the build context, so it must still be let in.
      expect(spec.files['.dockerignore']).toContain('\n!wheelhouse\n');
      expect(spec.wheelhouse?.requirements).toBe('requirements.txt');
    }
  });

  it('changes nothing but the install step and the comment naming the builder', () => {
    for (const template of TEMPLATE_IDS) {
      for (const wheelhouse of [false, true]) {
        const options = {
          template,
          wheelhouse,
          aptPackages: ['git'],
          baseImage: 'python:3.11-bookworm'
        };
        const classic = generateBundle(input(options));
        const buildkit = generateBundle(
          input({ ...options, builder: 'buildkit' })
        );
        expect(skeleton(buildkit.files['Dockerfile'])).toEqual(
          skeleton(classic.files['Dockerfile'])
        );
        expect(buildkit.warnings).toEqual(classic.warnings);
        expect(buildkit.wheelhouse).toEqual(classic.wheelhouse);
        for (const name of Object.keys(classic.files)) {
          if (name !== 'Dockerfile' && name !== 'README.md') {
            expect(buildkit.files[name]).toBe(classic.files[name]);
          }
        }
      }
    }
  });

  it('has no syntax directive and parses, with the mounts as RUN flags', () => {
    for (const template of TEMPLATE_IDS) {
      const text = dockerfileOf({
        template,
        builder: 'buildkit',
        baseImage: 'python:3.11-bookworm'
      });
      expect(text.toLowerCase()).not.toContain('syntax');
      const parsed = DockerfileParser.parse(text);
      expect(parsed.getDirectives()).toEqual([]);
      const runs = parsed
        .getInstructions()
        .filter(instruction => instruction.getKeyword() === 'RUN');
      const mounts = runs.flatMap(run =>
        (run as Run)
          .getFlags()
          .filter(flag => flag.getName() === 'mount')
          .map(flag => flag.getValue())
      );
      expect(mounts.every(value => /^type=(cache|bind),/.test(value!))).toBe(
        true
      );
      if (template === 'conda') {
        expect(mounts).toEqual([]);
      } else {
        expect(mounts.length).toBeGreaterThan(0);
      }
    }
  });

  it('says in the README that it needs BuildKit, and how to get it', () => {
    const readme = generateBundle(
      input({ template: 'uv', builder: 'buildkit' })
    ).files['README.md'];
    const build = readme.split('## Build\n')[1].split('## Run')[0];
    expect(build).toContain('The Dockerfile needs BuildKit (`RUN --mount`)');
    expect(build).toContain(
      'Docker 23 and later build with BuildKit by default'
    );
    expect(build).toContain('need `DOCKER_BUILDKIT=1`');
    expect(build).toContain(
      '```bash\nDOCKER_BUILDKIT=1 docker build -t report-2024 .\n```'
    );
    expect(build).toContain('the classic builder setting');
  });

  it('refuses an unknown builder with a warning and writes the classic Dockerfile', () => {
    const spec = generateBundle(
      input({ builder: 'kaniko' as unknown as IBundleOptions['builder'] })
    );
    expect(spec.files['Dockerfile']).toBe(dockerfileOf({}));
    expect(spec.warnings).toEqual([
      "The builder `kaniko` is not 'buildkit' or 'classic'; the Dockerfile is for any builder (classic)."
    ]);
  });

  it('refuses parts that promise what the template cannot do', () => {
    const parts = {
      template: 'pip' as const,
      baseImage: 'python:3.11-slim',
      comments: [],
      aptPackages: [],
      volumes: [],
      env: [],
      vendor: [],
      jupyterPin: null,
      ui: 'lab' as const,
      labels: []
    };
    expect(() =>
      renderDockerfile({ ...parts, builder: 'podman' as 'buildkit' })
    ).toThrow('Invalid Dockerfile part: builder');
    expect(() => renderDockerfile({ ...parts, pylockInstall: true })).toThrow(
      'Invalid Dockerfile part: pylock install'
    );
  });
});

describe('pylock.toml in the bundle', () => {
  it('is what uv installs from when it pins everything, the Jupyter pin included', () => {
    for (const builder of ['classic', 'buildkit'] as const) {
      const spec = generateBundle(
        input({ template: 'uv', builder, lock: LOCK })
      );
      expect(spec.warnings).toEqual([]);
      const lock = spec.files['pylock.toml'];
      expect(lock).toContain('lock-version = "1.0"');
      expect(lock).toContain('name = "jupyterlab"');
      const text = spec.files['Dockerfile'];
      expect(text).toContain('COPY ["pylock.toml", "./"]\n');
      expect(text).not.toContain('COPY ["requirements.txt"');
      const install = installBlock(text).join('\n');
      expect(install).toMatch(
        /uv pip install --system .*-r pylock\.toml( \\)?$/m
      );
      expect(install).not.toContain('jupyterlab==');
      expect(spec.files['.dockerignore']).toContain(
        '\n!requirements.txt\n!pylock.toml\n'
      );
      expect(spec.files['README.md']).toContain(
        "- `pylock.toml`: the same packages locked (PEP 751), dependencies included, each with\n  its file's URL and sha256 for every platform resolved; the image installs from it."
      );
      // requirements.txt is still there, for pip, Binder and people.
      expect(spec.files['requirements.txt']).toContain('numpy==2.1.0');
    }
  });

  it('is beside the offline wheelhouse, which is what installs then', () => {
    const spec = generateBundle(
      input({
        template: 'uv',
        builder: 'buildkit',
        wheelhouse: true,
        lock: LOCK
      })
    );
    expect(spec.warnings).toEqual([]);
    expect(spec.files['pylock.toml']).toContain('name = "numpy"');
    expect(spec.files['Dockerfile']).toBe(
      dockerfileOf({ template: 'uv', builder: 'buildkit', wheelhouse: true })
    );
    expect(spec.files['README.md']).toContain(
      'the image installs from `requirements.txt`).'
    );
  });

  it('falls back to requirements.txt when the lock lacks a pin, with a warning', () => {
    const noJupyter: IPylockInput = {
      ...LOCK,
      resolutions: [
        {
          platform: 'linux/amd64',
          packages: [wheel('numpy', '2.0.0', 'x86_64')]
        }
      ]
    };
    const spec = generateBundle(
      input({ template: 'uv', builder: 'buildkit', lock: noJupyter })
    );
    expect(spec.warnings).toEqual([
      'pylock.toml does not pin everything the image installs (jupyterlab==4.6.6, numpy==2.1.0), so the image installs from requirements.txt; pylock.toml is beside it.'
    ]);
    expect(spec.files['pylock.toml']).toContain('name = "numpy"');
    const text = spec.files['Dockerfile'];
    expect(text).toContain('COPY ["requirements.txt", "./"]\n');
    expect(installBlock(text).join('\n')).toContain(
      '-r requirements.txt jupyterlab==4.6.6'
    );
    expect(spec.files['.dockerignore']).not.toContain('pylock');
  });

  it('needs every platform it resolves to pin the same', () => {
    const twoPlatforms: IPylockInput = {
      python: '3.11',
      resolutions: [
        LOCK.resolutions[0],
        {
          platform: 'linux/arm64',
          packages: [wheel('jupyterlab', '4.6.6'), wheel('jinja2', '3.1.6')]
        }
      ]
    };
    const spec = generateBundle(input({ template: 'uv', lock: twoPlatforms }));
    expect(spec.warnings).toEqual([
      'pylock.toml does not pin everything the image installs (numpy==2.1.0 (linux/arm64)), so the image installs from requirements.txt; pylock.toml is beside it.'
    ]);
    expect(spec.files['pylock.toml']).toContain(
      'marker = "platform_machine == \'x86_64\'"'
    );
  });

  it('is beside requirements.txt for the pip templates, and absent for conda', () => {
    const pip = generateBundle(input({ template: 'pip', lock: LOCK }));
    expect(pip.warnings).toEqual([]);
    expect(pip.files['pylock.toml']).toBeDefined();
    expect(pip.files['Dockerfile']).toBe(dockerfileOf({ template: 'pip' }));
    expect(pip.files['README.md']).toContain(
      'for every platform resolved (`uv pip install -r pylock.toml`\n  installs exactly these files; the image installs from `requirements.txt`).'
    );
    const conda = generateBundle(input({ template: 'conda', lock: LOCK }));
    expect(conda.files['pylock.toml']).toBeUndefined();
    expect(conda.warnings).toContain(
      'The conda template does not install Python packages from an index, so the bundle has no pylock.toml.'
    );
  });

  it('is left out, with a warning, when it is not a lock for this image', () => {
    const cases: [unknown, string][] = [
      [
        { ...LOCK, python: '3.12' },
        'No pylock.toml in the bundle: it resolves for Python 3.12, the image runs 3.11.7.'
      ],
      [
        { python: '3.11', resolutions: 'all' },
        'No pylock.toml in the bundle: it is not a resolution per platform.'
      ],
      [
        {
          python: '3.11',
          resolutions: [
            {
              platform: 'linux/amd64',
              packages: [
                { ...wheel('six', '1.17.0'), url: 'file:///tmp/six.whl' }
              ]
            }
          ]
        },
        'No pylock.toml in the bundle: six 1.17.0 (linux/amd64) has no http(s) URL on an index.'
      ]
    ];
    for (const [lock, warning] of cases) {
      const spec = generateBundle(
        input({ template: 'uv', lock: lock as IPylockInput })
      );
      expect(spec.warnings).toEqual([warning]);
      expect(spec.files['pylock.toml']).toBeUndefined();
      expect(spec.files['Dockerfile']).toBe(dockerfileOf({ template: 'uv' }));
    }
  });
});

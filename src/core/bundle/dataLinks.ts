/**
 * Data links: the image has the notebooks flat in /notebooks (the working folder of
 * Jupyter and of Verify) and the data files flat in /data/<safe name>. A notebook that
 * reads `sales.csv` or `data/sales.csv` relative to its own workspace folder would not
 * find it there, so for each notebook and chosen data file this computes the path the
 * notebook would use, resolved against /notebooks, and a symbolic link there to the
 * file in /data when that is not already where the image has it.
 *
 * A link is left out, with a warning, when it would leave /notebooks and /data, when
 * two files claim it, when it would stand where a file of the image is (or inside one),
 * or when its name has a control character.
 */
import { IBundleInclude } from './bundleTypes';
import { clip, order } from './bundleText';
import { hasControls } from '../shared/guards';
import { showUntrusted } from '../shared/text';

export const NOTEBOOKS_DIR = '/notebooks';
export const DATA_DIR = '/data';

export interface IDataLink {
  /** Where the notebook looks: an absolute path under /notebooks or /data. */
  path: string;
  /** The file in the image: /data/<safe name>. */
  target: string;
}

export interface IDataLinkPlan {
  /** Sorted by path. */
  links: IDataLink[];
  /** Folders to make for the links (not /notebooks or /data themselves), sorted. */
  folders: string[];
  warnings: string[];
}

function folderOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** `to` relative to the folder `from` ("" is the root), both clean "/"-paths. */
export function relativePath(from: string, to: string): string {
  const fromParts = from ? from.split('/') : [];
  const toParts = to.split('/');
  let common = 0;
  while (
    common < fromParts.length &&
    common < toParts.length - 1 &&
    fromParts[common] === toParts[common]
  ) {
    common++;
  }
  return [
    ...fromParts.slice(common).map(() => '..'),
    ...toParts.slice(common)
  ].join('/');
}

/** An absolute path with `.` and `..` resolved (`..` stops at the root). */
function resolveAbsolute(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return `/${parts.join('/')}`;
}

/** The workspace path as "/"-separated parts without empty or `.` parts. */
function clean(path: string): string {
  return path
    .split('/')
    .filter(part => part !== '' && part !== '.')
    .join('/');
}

function under(path: string, folder: string): boolean {
  return path.startsWith(`${folder}/`) && path.length > folder.length + 1;
}

/** Every proper ancestor folder of an absolute path, nearest last ("/a", "/a/b"). */
function ancestors(path: string): string[] {
  const parts = path.split('/').slice(1, -1);
  return parts.map((_, at) => `/${parts.slice(0, at + 1).join('/')}`);
}

interface IClaim {
  target: string;
  dataFile: string;
  notebook: string;
}

/**
 * The links that let every notebook find every chosen data file at the path relative to
 * its own workspace folder. `notebooks` and `data` are the bundle's placed files
 * (bundlePath `notebooks/<name>`, `data/<name>`); `reserved` are the other files the
 * image has in /data (the bundle's data/readme.md).
 */
export function planDataLinks(
  notebooks: readonly IBundleInclude[],
  data: readonly IBundleInclude[],
  reserved: readonly string[] = [`${DATA_DIR}/readme.md`]
): IDataLinkPlan {
  const warnings: string[] = [];
  const imageFiles = new Set<string>(reserved);
  const imagePath = (item: IBundleInclude) => `/${item.bundlePath}`;
  notebooks.forEach(item => imageFiles.add(imagePath(item)));
  data.forEach(item => imageFiles.add(imagePath(item)));

  const claims = new Map<string, IClaim[]>();
  const outside = new Map<string, string[]>();
  const unsafe = new Set<string>();
  for (const notebook of notebooks) {
    const folder = folderOf(clean(notebook.workspacePath));
    for (const file of data) {
      const target = imagePath(file);
      const relative = relativePath(folder, clean(file.workspacePath));
      const path = resolveAbsolute(`${NOTEBOOKS_DIR}/${relative}`);
      if (path === target) {
        continue;
      }
      if (!under(path, NOTEBOOKS_DIR) && !under(path, DATA_DIR)) {
        const list = outside.get(file.workspacePath) ?? [];
        list.push(notebook.workspacePath);
        outside.set(file.workspacePath, list);
        continue;
      }
      if (hasControls(path)) {
        unsafe.add(file.workspacePath);
        continue;
      }
      const list = claims.get(path) ?? [];
      if (!list.some(claim => claim.target === target)) {
        list.push({
          target,
          dataFile: file.workspacePath,
          notebook: notebook.workspacePath
        });
      }
      claims.set(path, list);
    }
  }

  for (const [dataFile, notebookPaths] of outside) {
    const target = imagePath(
      data.find(item => item.workspacePath === dataFile)!
    );
    warnings.push(
      `${showUntrusted(dataFile)} is not linked for ${clip(notebookPaths.map(path => showUntrusted(path)))}: the path from the notebook's folder leads out of /notebooks and /data in the image; the notebook can read it as ${showUntrusted(target)}.`
    );
  }
  for (const dataFile of unsafe) {
    warnings.push(
      `${showUntrusted(dataFile)} is not linked where the notebooks read it: its path has a control character.`
    );
  }

  const candidates = new Map<string, IClaim>();
  for (const [path, list] of claims) {
    if (list.length > 1) {
      warnings.push(
        `${showUntrusted(path)} would link to ${clip(list.map(claim => showUntrusted(claim.dataFile)))} for different notebooks; none is linked there: read them from /data.`
      );
    } else if (imageFiles.has(path)) {
      warnings.push(
        `${showUntrusted(list[0].dataFile)} is not linked at ${showUntrusted(path)} for ${showUntrusted(list[0].notebook)}: the image has another file there.`
      );
    } else {
      candidates.set(path, list[0]);
    }
  }
  // A link cannot stand inside a file (another link, or a file of the image).
  const links: IDataLink[] = [];
  for (const [path, claim] of candidates) {
    const blocked = ancestors(path).find(
      folder => candidates.has(folder) || imageFiles.has(folder)
    );
    if (blocked) {
      warnings.push(
        `${showUntrusted(claim.dataFile)} is not linked at ${showUntrusted(path)}: ${showUntrusted(blocked)} is a file in the image, not a folder.`
      );
    } else {
      links.push({ path, target: claim.target });
    }
  }
  links.sort((a, b) => order(a.path, b.path));
  const folders = new Set<string>();
  for (const link of links) {
    for (const folder of ancestors(link.path)) {
      if (folder !== NOTEBOOKS_DIR && folder !== DATA_DIR) {
        folders.add(folder);
      }
    }
  }
  // mkdir -p makes the parents: only the deepest folders are needed.
  const deepest = [...folders].filter(
    folder => ![...folders].some(other => under(other, folder))
  );
  return { links, folders: deepest.sort(order), warnings };
}

/**
 * Why a re-executed notebook failed in the image, in words a data scientist understands,
 * each with the one action that fixes it when there is one: a module left out of the
 * build (include the distribution), a system library or program the image lacks (add its
 * Debian package), a data file not in the image (add it, or bind the data folder), a time
 * limit (raise it), no notebook runner in the image, a kernel that died.
 *
 * Made from the INotebookRun record and its comparison alone (no DOM, no server), so the
 * same diagnosis comes back after a reload. Modules are mapped to distributions the way
 * the package table maps imports (imports/importResolution.ts), not by a second table.
 */
import { placeDataFiles } from '../bundle/bundlePaths';
import { normalizeName } from '../environment/pep508';
import type {
  IDistribution,
  IEnvironmentSnapshot
} from '../environment/snapshot';
import { resolveImports } from '../imports/importResolution';
import { stripAnsiText } from '../shared/ansi';
import { showUntrusted } from '../shared/text';
import type { ICellComparison, INotebookComparison } from './notebookCompare';
import type { ICellRun, INotebookRun } from './notebookRun';
import {
  debianPackageFor,
  debianPackageForProgram,
  KNOWN_MESSAGES,
  sonameOf
} from './sharedLibraries';

export type DiagnosisAction =
  /** A distribution of the snapshot to include, then rebuild (normalized name). */
  | { kind: 'include-package'; name: string }
  /** A Debian package to add (aptPackages), then rebuild. */
  | { kind: 'add-system-package'; name: string }
  /** A workspace path to add as a data file, then rebuild. */
  | { kind: 'add-data-file'; path: string }
  /** Verify again with the workspace's data folder bound read-only at /data. */
  | { kind: 'bind-data-folder' }
  /** Raise a time limit (the setting) to `seconds`, then verify again. */
  | {
      kind: 'raise-time-limit';
      setting: 'verifyCellTimeout' | 'verifyNotebookTimeout';
      seconds: number;
    };

export type DiagnosisKind =
  | 'missing-module'
  | 'missing-library'
  | 'missing-file'
  | 'timeout'
  | 'no-notebook-runner'
  | 'kernel-died'
  | 'error';

export interface IDiagnosis {
  /** ICellComparison.number (1-based among code cells); null for the whole notebook. */
  cellNumber: number | null;
  kind: DiagnosisKind;
  /** "`scikit-learn` was left out of the image". */
  title: string;
  /** One or two sentences, with the action in words. Values are in backticks. */
  detail: string;
  action: DiagnosisAction | null;
}

export interface IDiagnosisContext {
  /** The captured kernel; null when there is none (modules then map to nothing). */
  snapshot: IEnvironmentSnapshot | null;
  /** Normalized names of the distributions in the build; null when unknown. */
  selected: readonly string[] | null;
  /** The notebook's workspace path (run.workspacePath). */
  notebookWorkspacePath: string;
  /** Workspace paths chosen as data files. */
  dataFiles: readonly string[];
}

/** The longest limit the server accepts, in seconds. */
const MAX_LIMIT = 86400;

/** Where the image has the notebooks and the data files. */
const NOTEBOOKS_DIR = '/notebooks';
const DATA_DIR = '/data';

interface ICellError {
  ename: string;
  evalue: string;
  /** `ename: evalue` and the traceback, escape codes removed. */
  text: string;
}

/** The error outputs a cell produced, escape codes removed. */
function errorsOf(cell: ICellRun | undefined): ICellError[] {
  const errors: ICellError[] = [];
  for (const output of cell?.produced ?? []) {
    if (output.output_type !== 'error') {
      continue;
    }
    const ename = stripAnsiText(String(output.ename ?? ''));
    const evalue = stripAnsiText(String(output.evalue ?? ''));
    const traceback = Array.isArray(output.traceback)
      ? output.traceback.map(line => stripAnsiText(String(line))).join('\n')
      : '';
    errors.push({ ename, evalue, text: `${ename}: ${evalue}\n${traceback}` });
  }
  return errors;
}

function savedError(cell: ICellRun | undefined): string | null {
  for (const output of cell?.saved ?? []) {
    if (output.output_type === 'error') {
      return String(output.ename ?? '');
    }
  }
  return null;
}

/** A dotted Python module name, or null for anything else. */
function moduleName(text: string | undefined): string | null {
  return text && /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*$/.test(text)
    ? text
    : null;
}

/** The module a ModuleNotFoundError (or pandas' "Missing optional dependency") names. */
function missingModule(error: ICellError): string | null {
  const direct = /No module named '([^']+)'/.exec(error.evalue);
  if (direct) {
    return moduleName(direct[1]);
  }
  const optional = /Missing optional dependency '([^']+)'/.exec(error.evalue);
  if (optional) {
    return moduleName(optional[1]);
  }
  // Raised as the cause of another error: the traceback still names it.
  const chained = /ModuleNotFoundError: No module named '([^']+)'/.exec(
    error.text
  );
  return chained ? moduleName(chained[1]) : null;
}

/** The library a loader or dlopen message names: `libGL.so.1`, `gobject-2.0-0`. */
function missingLibrary(error: ICellError): string | null {
  const loader =
    /([\w+.-]+\.so(?:\.[\w]+)*): cannot open shared object file/.exec(
      error.text
    );
  if (loader) {
    return loader[1];
  }
  const cffi = /cannot load library '([^']+)'/.exec(error.text);
  return cffi ? sonameOf(cffi[1]) : null;
}

/** The path of a "No such file or directory" (or pandas' "File … does not exist"). */
function missingPath(error: ICellError): string | null {
  for (const text of [error.evalue, error.text]) {
    const quoted = /No such file or directory: (['"])(.+?)\1/.exec(text);
    if (quoted) {
      return quoted[2];
    }
    const pandas = /File (\S.*?) does not exist/.exec(text);
    if (pandas) {
      return pandas[1];
    }
  }
  return null;
}

const NETWORK =
  /Temporary failure in name resolution|Name or service not known|NameResolutionError|Failed to resolve|Network is unreachable|nodename nor servname|getaddrinfo failed|Failed to establish a new connection/;

const WRITES =
  /\.(?:to_csv|to_parquet|to_excel|to_json|to_pickle|to_feather|to_hdf|savefig|save|dump)\(|open\([^)\n]*['"][wax]b?\+?['"]/;

/** The top-level module of the last frame in site-packages: the library that failed. */
function failingLibrary(text: string): string | null {
  let found: string | null = null;
  const frames = /(?:site|dist)-packages\/([A-Za-z_]\w*)[/.]/g;
  for (let match = frames.exec(text); match; match = frames.exec(text)) {
    found = match[1];
  }
  return found;
}

interface IProviders {
  /** Normalized names of the distributions that provide the module, best first. */
  names: string[];
  /** For a module no distribution provides: why ("removed in Python 3.12"), or "". */
  note: string;
  suggestion: string | null;
  stdlib: boolean;
}

/**
 * The snapshot's distributions that provide a module, through resolveImports (their
 * top-level names). A namespace package (`google.cloud.storage`) prefers the distribution
 * named after the longest dotted prefix (`google-cloud-storage`).
 */
function providersOf(
  module: string,
  snapshot: IEnvironmentSnapshot
): IProviders {
  const top = module.split('.')[0];
  const resolution = resolveImports(
    {
      imports: [
        {
          name: top,
          cell: 0,
          line: 1,
          dynamic: false,
          guarded: false,
          modules: [module]
        }
      ],
      relative: [],
      writtenModules: [],
      skippedCells: []
    },
    snapshot
  );
  const resolved = resolution.resolved[0];
  if (resolved) {
    let names = resolved.distributions;
    if (names.length > 1) {
      const parts = module.split('.');
      for (let length = parts.length; length > 0; length--) {
        const named = normalizeName(parts.slice(0, length).join('-'));
        if (names.includes(named)) {
          names = [named, ...names.filter(name => name !== named)];
          break;
        }
      }
    }
    return { names, note: '', suggestion: null, stdlib: false };
  }
  const unresolved = resolution.unresolved[0];
  return {
    names: [],
    note: unresolved?.note ?? '',
    suggestion: unresolved?.suggestion ?? null,
    stdlib: unresolved?.kind === 'stdlib'
  };
}

function distribution(
  snapshot: IEnvironmentSnapshot | null,
  name: string
): IDistribution | undefined {
  return snapshot?.distributions.find(
    item => normalizeName(item.name) === name
  );
}

/** "`scikit-learn` 1.5.2" for a sentence; the name alone when it is not in the snapshot. */
function shown(snapshot: IEnvironmentSnapshot | null, name: string): string {
  const found = distribution(snapshot, name);
  return showUntrusted(found?.displayName || name);
}

function shownWithVersion(
  snapshot: IEnvironmentSnapshot | null,
  name: string
): string {
  const found = distribution(snapshot, name);
  return showUntrusted(
    found ? `${found.displayName || name} ${found.version}` : name
  );
}

type Draft = Omit<IDiagnosis, 'cellNumber'>;

function diagnoseModule(module: string, context: IDiagnosisContext): Draft {
  const { snapshot, selected } = context;
  const code = showUntrusted(module);
  if (!snapshot) {
    return {
      kind: 'missing-module',
      title: `${code} is not in the image`,
      detail: `The notebook imports ${code}, and the image has no such module. Capture the kernel to see which package provides it, include that package and rebuild.`,
      action: null
    };
  }
  const providers = providersOf(module, snapshot);
  if (providers.names.length) {
    const included = selected
      ? providers.names.filter(name => selected.includes(name))
      : [];
    const name = included[0] ?? providers.names[0];
    if (selected && !included.length) {
      return {
        kind: 'missing-module',
        title: `${shown(snapshot, name)} was left out of the image`,
        detail: `The notebook imports ${code}, which ${shownWithVersion(snapshot, name)} provides in your kernel, but the build did not include it. Include ${shown(snapshot, name)} and rebuild.`,
        action: { kind: 'include-package', name }
      };
    }
    if (selected) {
      return {
        kind: 'missing-module',
        title: `${shown(snapshot, name)} is in the build, but the image cannot import ${code}`,
        detail: `The build included ${shownWithVersion(snapshot, name)}, which provides ${code} in your kernel, yet Python in the image does not find it. Look for ${shown(snapshot, name)} in the build log: its install may have failed, or the image may run another Python than the one the packages went into.`,
        action: null
      };
    }
    return {
      kind: 'missing-module',
      title: `${code} is not in the image`,
      detail: `${shownWithVersion(snapshot, name)} provides ${code} in your kernel. Include ${shown(snapshot, name)} and rebuild.`,
      action: { kind: 'include-package', name }
    };
  }
  if (providers.stdlib) {
    return {
      kind: 'missing-module',
      title: `The image's Python has no ${code}`,
      detail: `${code} is part of Python's standard library in your kernel (Python ${showUntrusted(snapshot.python.version)}), but the image's Python lacks it. Build the image on the same Python version (the Python option), or on an image whose Python is complete.`,
      action: null
    };
  }
  const hint = [
    providers.note ? ` (${providers.note})` : '',
    providers.suggestion
      ? `; did you mean ${showUntrusted(providers.suggestion)}?`
      : '.'
  ].join('');
  return {
    kind: 'missing-module',
    title: `No package of your kernel provides ${code}`,
    detail: `Neither the packages captured from your kernel nor Python's standard library have ${code}${hint} If it is a package, install it in your kernel, capture again and rebuild; if it is your own module (a .py file beside the notebook), add that file to the bundle.`,
    action: null
  };
}

function diagnoseLibrary(
  library: string,
  error: ICellError,
  context: IDiagnosisContext
): Draft {
  const soname = sonameOf(library);
  const debian = debianPackageFor(soname);
  const code = showUntrusted(soname);
  const failing = failingLibrary(error.text);
  let who = 'The notebook';
  if (failing && context.snapshot) {
    const name = providersOf(failing, context.snapshot).names[0];
    who = name ? shown(context.snapshot, name) : showUntrusted(failing);
  } else if (failing) {
    who = showUntrusted(failing);
  }
  return {
    kind: 'missing-library',
    title: `The system library ${code} is missing from the image`,
    detail: debian
      ? `${who} loads ${code}, a system library that Python packages do not bring and the image's Debian does not have. Add the Debian package ${showUntrusted(debian)} as a system package and rebuild.`
      : `${who} loads ${code}, a system library that Python packages do not bring and the image's Debian does not have. Find the Debian 12 package that provides it (apt-file search ${code}, or packages.debian.org), add it as a system package and rebuild.`,
    action: debian ? { kind: 'add-system-package', name: debian } : null
  };
}

function diagnoseProgram(program: string, debian: string): Draft {
  const code = showUntrusted(program);
  return {
    kind: 'missing-library',
    title: `The program ${code} is not in the image`,
    detail: `The notebook runs ${code}, a program that Python packages do not bring and the image's Debian does not have. Add the Debian package ${showUntrusted(debian)} as a system package and rebuild.`,
    action: { kind: 'add-system-package', name: debian }
  };
}

/** A "/"-path with `.` and `..` resolved; null when `..` climbs above its start. */
function normalizePath(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      if (!parts.length) {
        return null;
      }
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

function folderOf(workspacePath: string): string {
  const at = workspacePath.lastIndexOf('/');
  return at < 0 ? '' : workspacePath.slice(0, at);
}

/**
 * The failing lines write a file: the lines IPython marks with an arrow (`----> 3 …`),
 * or the whole traceback when none is marked.
 */
function writes(traceback: string): boolean {
  const marked = traceback
    .split('\n')
    .filter(line => /^\s*-*>\s*\d+\s/.test(line));
  return WRITES.test(marked.length ? marked.join('\n') : traceback);
}

function missingFolder(path: string): Draft {
  const code = showUntrusted(path, 160);
  return {
    kind: 'missing-file',
    title: `The folder of ${code} does not exist in the image`,
    detail: `The notebook writes ${code}, and that folder is not in the image. Make the folder in the notebook before writing (os.makedirs(folder, exist_ok=True)).`,
    action: null
  };
}

function diagnoseFile(
  path: string,
  error: ICellError,
  context: IDiagnosisContext
): Draft {
  const code = showUntrusted(path, 160);
  const placed = placeDataFiles(context.dataFiles, []);
  const imageData = (workspacePath: string): string | null => {
    const at = placed.includes.findIndex(
      item => item.workspacePath === workspacePath
    );
    return at < 0 ? null : `${DATA_DIR}/${placed.names[at]}`;
  };
  if (writes(error.text)) {
    return missingFolder(path);
  }
  let relative: string | null = null;
  if (path.startsWith(`${NOTEBOOKS_DIR}/`)) {
    relative = path.slice(NOTEBOOKS_DIR.length + 1);
  } else if (!path.startsWith('/') && !path.startsWith('~')) {
    relative = path;
  }
  if (relative === null) {
    if (path.startsWith(`${DATA_DIR}/`)) {
      return {
        kind: 'missing-file',
        title: `${code} is not in the image`,
        detail: `The notebook reads ${code} from the image's data folder, where no chosen data file has that name. Verify again with your workspace's data folder bound at ${DATA_DIR} (read-only), or add the file as a data file and rebuild.`,
        action: { kind: 'bind-data-folder' }
      };
    }
    const chosen = context.dataFiles.find(
      file => path === `/${file}` || path.endsWith(`/${file}`)
    );
    const where = chosen ? imageData(chosen) : null;
    return {
      kind: 'missing-file',
      title: `${code} is a path of your machine`,
      detail: where
        ? `The notebook reads ${code}, an absolute path the image does not have; the image has that file at ${showUntrusted(where)}. Read it with a path relative to the notebook, or from ${showUntrusted(where)}.`
        : `The notebook reads ${code}, an absolute path the image does not have. Read the file with a path relative to the notebook and add it as a data file, or read it from ${DATA_DIR} and verify with your data folder bound there.`,
      action: null
    };
  }
  const workspacePath = normalizePath(
    `${folderOf(context.notebookWorkspacePath)}/${relative}`
  );
  if (!workspacePath) {
    return {
      kind: 'missing-file',
      title: `${code} is outside your Jupyter folder`,
      detail: `The notebook reads ${code}, which leads out of the folder Jupyter serves, so it cannot be bundled. Move the file into the workspace, read it from there and add it as a data file.`,
      action: null
    };
  }
  const where = imageData(workspacePath);
  if (where) {
    return {
      kind: 'missing-file',
      title: `${code} was not found, though it is a chosen data file`,
      detail: `${showUntrusted(workspacePath, 160)} is in the image at ${showUntrusted(where)}, but the notebook did not find it as ${code}: it may change its working folder first. Read it from ${showUntrusted(where)}, or relative to the notebook.`,
      action: null
    };
  }
  return {
    kind: 'missing-file',
    title: `${showUntrusted(workspacePath, 160)} is not in the image`,
    detail: `The notebook reads ${code}, which is ${showUntrusted(workspacePath, 160)} in your workspace; it was not chosen as a data file. Add it as a data file and rebuild: the image then has it in ${DATA_DIR} and where the notebook looks for it.`,
    action: { kind: 'add-data-file', path: workspacePath }
  };
}

/** What a cell's unexpected error means, the most specific reading first. */
function diagnoseError(
  error: ICellError,
  cell: ICellRun | undefined,
  context: IDiagnosisContext
): Draft {
  const module = missingModule(error);
  if (module) {
    return diagnoseModule(module, context);
  }
  const library = missingLibrary(error);
  if (library) {
    return diagnoseLibrary(library, error, context);
  }
  for (const known of KNOWN_MESSAGES) {
    if (known.pattern.test(error.text)) {
      return {
        kind: 'missing-library',
        title: `${known.what[0].toUpperCase()}${known.what.slice(1)} is missing from the image`,
        detail: `The notebook needs ${known.what}, which Python packages do not bring and the image's Debian does not have. Add the Debian package ${showUntrusted(known.debianPackage)} as a system package and rebuild.`,
        action: { kind: 'add-system-package', name: known.debianPackage }
      };
    }
  }
  // pandas 2 checks the folder itself before writing.
  const folder =
    /Cannot save file into a non-existent directory: '([^']*)'/.exec(
      error.evalue
    );
  if (folder) {
    return missingFolder(folder[1]);
  }
  const path = missingPath(error);
  if (path !== null) {
    const program = /_execute_child|subprocess\.py/.test(error.text)
      ? debianPackageForProgram(path)
      : null;
    if (program) {
      return diagnoseProgram(path, program);
    }
    if (error.ename === 'FileNotFoundError' || /Errno 2\b/.test(error.text)) {
      return diagnoseFile(path, error, context);
    }
  }
  if (NETWORK.test(error.text)) {
    return {
      kind: 'error',
      title: 'The notebook needs the network, which Verify does not give',
      detail:
        'Verify runs the notebook without network access, so that its results depend on the image alone. Download what the cell fetches once, add the file as a data file and read it from there.',
      action: null
    };
  }
  if (error.ename === 'StdinNotImplementedError') {
    return {
      kind: 'error',
      title: 'The notebook asks for input',
      detail:
        'No one can type an answer while Verify runs it. Set the value in the cell instead of asking for it.',
      action: null
    };
  }
  const raised = showUntrusted(error.ename || 'an error');
  const value = error.evalue ? `: ${showUntrusted(error.evalue, 160)}` : '';
  const saved = savedError(cell);
  return {
    kind: 'error',
    title: `The cell raised ${raised}`,
    detail:
      saved !== null
        ? `${raised}${value}. The saved notebook has an error in this cell as well (${showUntrusted(saved || 'an error')}), with other words: compare the two.`
        : `${raised}${value}. It ran without this error in your kernel: a package version, a file or a setting that differs in the image is the usual cause.`,
    action: null
  };
}

function nextLimit(limit: number): number {
  return Math.min(MAX_LIMIT, Math.max(60, Math.ceil((limit * 2) / 60) * 60));
}

function diagnoseTimeout(
  comparison: ICellComparison | null,
  run: INotebookRun
): Draft {
  const notebookLimit = run.code === 'notebook_timeout';
  const limit = notebookLimit ? run.notebookTimeout : run.cellTimeout;
  const seconds = nextLimit(limit);
  const where = comparison ? `cell ${comparison.number}` : 'its first cell';
  const spent =
    comparison?.seconds !== null && comparison?.seconds !== undefined
      ? ` after ${formatSeconds(comparison.seconds)}`
      : '';
  return {
    kind: 'timeout',
    title: notebookLimit
      ? `The notebook passed its time limit of ${formatSeconds(limit)} in ${where}`
      : `Cell ${comparison?.number ?? '?'} did not finish within ${formatSeconds(limit)}`,
    detail: `Verify stopped ${where}${spent}${notebookLimit ? ', when the whole notebook reached its limit' : ''}. If it is only slow, raise the ${notebookLimit ? 'notebook' : 'cell'} time limit (to ${formatSeconds(seconds)}, say) and verify again; if it waits for something (input, or the network, which Verify does not give), change the cell.`,
    action: {
      kind: 'raise-time-limit',
      setting: notebookLimit ? 'verifyNotebookTimeout' : 'verifyCellTimeout',
      seconds
    }
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return '? s';
  }
  if (seconds >= 120 && seconds % 60 === 0) {
    return `${seconds / 60} min`;
  }
  return seconds >= 10 ? `${Math.round(seconds)} s` : `${seconds.toFixed(1)} s`;
}

/** The runner's candidates, in the snapshot, in the order to include them. */
const NOTEBOOK_RUNNERS = ['nbclient', 'nbconvert', 'jupyter-server'];

function diagnoseNoRunner(context: IDiagnosisContext): Draft {
  const name = NOTEBOOK_RUNNERS.find(runner =>
    distribution(context.snapshot, runner)
  );
  return {
    kind: 'no-notebook-runner',
    title: 'The image cannot run notebooks',
    detail: name
      ? `It has no nbclient, the library Verify runs a notebook with (nbconvert and jupyter_server bring it). Include ${shown(context.snapshot, name)} and rebuild.`
      : 'It has no nbclient, the library Verify runs a notebook with (nbconvert and jupyter_server bring it). Install nbclient in your kernel, capture again and rebuild.',
    action: name ? { kind: 'include-package', name } : null
  };
}

function diagnoseNoKernel(context: IDiagnosisContext): Draft {
  const found = distribution(context.snapshot, 'ipykernel');
  return {
    kind: 'no-notebook-runner',
    title: 'The image has no Python kernel',
    detail: found
      ? `Verify runs the notebook on the image's Python kernel, and the image has none. Include ${shown(context.snapshot, 'ipykernel')} and rebuild.`
      : "Verify runs the notebook on the image's Python kernel, and the image has none. Install ipykernel in your kernel, capture again and rebuild.",
    action: found ? { kind: 'include-package', name: 'ipykernel' } : null
  };
}

const KERNEL_DIED: Draft = {
  kind: 'kernel-died',
  title: 'The kernel died',
  detail:
    'Python stopped while running it, most often because it ran out of memory: give Docker more memory, or try the notebook on a smaller sample. A crash in a compiled library is the other usual cause.',
  action: null
};

/**
 * The diagnoses of a notebook's run: one per problem (the same problem in several cells
 * is reported at its first cell), the notebook's own first, then in cell order. Empty
 * when nothing failed (differing outputs are the comparison's to show, not a failure).
 */
export function diagnoseNotebook(
  run: INotebookRun,
  comparison: INotebookComparison,
  context: IDiagnosisContext
): IDiagnosis[] {
  const diagnoses: IDiagnosis[] = [];
  const seen = new Set<string>();
  const add = (cellNumber: number | null, draft: Draft) => {
    const key = `${draft.kind}\u0000${draft.title}\u0000${JSON.stringify(draft.action)}`;
    if (!seen.has(key)) {
      seen.add(key);
      diagnoses.push({ cellNumber, ...draft });
    }
  };
  const cellRuns = new Map(run.cells.map(cell => [cell.index, cell]));

  if (run.code === 'no_nbclient') {
    add(null, diagnoseNoRunner(context));
    return diagnoses;
  }
  if (run.code === 'no_kernel') {
    add(null, diagnoseNoKernel(context));
    return diagnoses;
  }
  const cellFailed = comparison.cells.some(cell =>
    ['error', 'timeout', 'died', 'did-not-raise'].includes(cell.verdict)
  );
  if (run.status === 'failed' && !cellFailed) {
    add(
      null,
      run.code === 'kernel_died'
        ? KERNEL_DIED
        : {
            kind: 'error',
            title: 'The notebook did not run',
            detail: run.message
              ? `${showUntrusted(run.message, 240)}`
              : 'The image could not start its kernel; the verification log says why.',
            action: null
          }
    );
  }
  if (run.status === 'timeout' && !cellFailed) {
    add(null, diagnoseTimeout(null, run));
  }
  for (const cell of comparison.cells) {
    const cellRun = cellRuns.get(cell.index);
    const producedError = errorsOf(cellRun).length > 0;
    switch (cell.verdict) {
      case 'differs':
        // Saved with an error, and now another one: that one is the news.
        if (producedError) {
          add(
            cell.number,
            diagnoseError(errorsOf(cellRun)[0], cellRun, context)
          );
        }
        break;
      case 'error': {
        const errors = errorsOf(cellRun);
        if (!errors.length && cell.error) {
          const { ename, evalue } = cell.error;
          errors.push({ ename, evalue, text: `${ename}: ${evalue}` });
        }
        for (const error of errors.slice(0, 1)) {
          add(cell.number, diagnoseError(error, cellRun, context));
        }
        break;
      }
      case 'timeout':
        add(cell.number, diagnoseTimeout(cell, run));
        break;
      case 'died':
        add(cell.number, {
          ...KERNEL_DIED,
          title: `The kernel died in cell ${cell.number}`
        });
        break;
      case 'did-not-raise':
        add(cell.number, {
          kind: 'error',
          title: `Cell ${cell.number} did not raise the error it is tagged with`,
          detail:
            'The cell is tagged to raise an error (raises-exception), and it ran without one in the image. If the error was fixed, remove the tag.',
          action: null
        });
        break;
      default:
        break;
    }
  }
  return diagnoses;
}

/** The action as a button's words: "Include scikit-learn and rebuild". */
export function actionLabel(
  action: DiagnosisAction,
  snapshot: IEnvironmentSnapshot | null = null
): string {
  switch (action.kind) {
    case 'include-package':
      return `Include ${distribution(snapshot, action.name)?.displayName || action.name} and rebuild`;
    case 'add-system-package':
      return `Add ${action.name} and rebuild`;
    case 'add-data-file':
      return `Add ${action.path.split('/').pop()} and rebuild`;
    case 'bind-data-folder':
      return 'Verify with the data folder';
    case 'raise-time-limit':
      return `Raise the limit to ${formatSeconds(action.seconds)}`;
  }
}

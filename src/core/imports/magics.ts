/**
 * What IPython magics and shell lines need installed (issue 11, point 7): `%matplotlib
 * widget` runs nothing the import scanner sees, yet the image needs matplotlib and ipympl.
 * Each function returns the dotted module names the line makes Python import; imports.ts
 * records them like `import x` statements, so they resolve to distributions through the
 * same top-level names (`%load_ext sql` → whichever of ipython-sql and jupysql is
 * installed, since both provide `sql`).
 *
 * What needs nothing: IPython's own magics (`%%capture`, `%%time`, `%%bash`, `%%html`, …)
 * and built-in extensions (`autoreload`, `storemagic`); `%pip`, `%conda` and the other
 * installers (they change the environment the capture already saw); `%run script.py` (a
 * local file). Pure, table-driven.
 */

/** The backends `%matplotlib <backend>` serves through ipympl. */
const IPYMPL_BACKENDS: ReadonlySet<string> = new Set([
  'widget',
  'ipympl',
  'module://ipympl.backend_nbagg'
]);

/** Extensions IPython ships in IPython.extensions: nothing to install. */
const BUILTIN_EXTENSIONS: ReadonlySet<string> = new Set([
  'autoreload',
  'storemagic'
]);

/** The words of a magic's argument, without its options (`-x`, `--flag`). */
function words(args: string): string[] {
  return args
    .trim()
    .split(/\s+/)
    .filter(word => word !== '' && !word.startsWith('-'));
}

/** An extension's module, or nothing for IPython's own. */
function extension(args: string): string[] {
  const name = words(args)[0];
  if (
    name === undefined ||
    BUILTIN_EXTENSIONS.has(name) ||
    name === 'IPython' ||
    name.startsWith('IPython.')
  ) {
    return [];
  }
  return [name];
}

/** `%run -m module …` runs a module; `%run file.py` a local file (nothing to install). */
function runModule(args: string): string[] {
  const match = /^\s*(?:-\S+\s+)*?-m\s+(\S+)/.exec(args);
  return match ? [match[1]] : [];
}

type Needs = (args: string) => string[];
const constant =
  (...modules: string[]): Needs =>
  () =>
    modules;

/**
 * Line magics (`%name args`) that need a distribution. The magics of an extension
 * (`%sql`, `%lprun`, …) name the extension's module too: a notebook may load it in a
 * startup file or a cell the user deleted.
 */
const LINE_MAGICS: ReadonlyMap<string, Needs> = new Map<string, Needs>([
  [
    'matplotlib',
    args =>
      IPYMPL_BACKENDS.has(words(args)[0] ?? '')
        ? ['matplotlib', 'ipympl']
        : ['matplotlib']
  ],
  ['pylab', constant('matplotlib', 'numpy')],
  ['load_ext', extension],
  ['reload_ext', extension],
  ['run', runModule],
  ['sql', constant('sql')],
  ['lprun', constant('line_profiler')],
  ['memit', constant('memory_profiler')],
  ['mprun', constant('memory_profiler')],
  ['cython_inline', constant('Cython')],
  ['cython_pyximport', constant('Cython')],
  ['R', constant('rpy2')],
  ['Rpush', constant('rpy2')],
  ['Rpull', constant('rpy2')],
  ['Rget', constant('rpy2')],
  ['kql', constant('Kqlmagic')],
  ['tensorboard', constant('tensorboard')],
  ['watermark', constant('watermark')]
]);

/** Cell magics (`%%name args` on a cell's first line) that need a distribution. */
const CELL_MAGICS: ReadonlyMap<string, Needs> = new Map<string, Needs>([
  ['sql', constant('sql')],
  ['cython', constant('Cython')],
  ['cython_inline', constant('Cython')],
  ['cython_pyximport', constant('Cython')],
  ['R', constant('rpy2')],
  ['memit', constant('memory_profiler')],
  ['mprun', constant('memory_profiler')],
  ['kql', constant('Kqlmagic')]
]);

/** The modules a line magic `%name args` needs installed. */
export function lineMagicModules(name: string, args: string): string[] {
  return LINE_MAGICS.get(name)?.(args) ?? [];
}

/** The modules a cell magic `%%name args` needs installed. */
export function cellMagicModules(name: string, args: string): string[] {
  return CELL_MAGICS.get(name)?.(args) ?? [];
}

/** Modules run by `python -m` that only set up the environment. */
const SETUP_MODULES: ReadonlySet<string> = new Set([
  'pip',
  'venv',
  'ensurepip',
  'conda',
  'uv',
  'ipykernel'
]);

/**
 * The modules a shell line (`!cmd`, without the `!`) runs with the kernel's Python:
 * `python -m x`, `python3 -m x`, `{sys.executable} -m x`, `$PYTHON -m x`. Installers and
 * the like need nothing; other commands are not Python the image must provide.
 */
export function shellModules(command: string): string[] {
  const modules: string[] = [];
  const pattern =
    /(?:^|[\s;&|(])(?:\S*\/)?(?:python(?:3(?:\.\d+)?)?|\{sys\.executable\}|\$\{?PYTHON\}?)\s+(?:-[A-Za-z]+\s+)*?-m\s+([A-Za-z_][\w.]*)/g;
  for (const match of command.matchAll(pattern)) {
    const module = match[1];
    if (!SETUP_MODULES.has(module.split('.')[0])) {
      modules.push(module);
    }
  }
  return modules;
}

/**
 * The distributions a kernel's environment has that the image should not pin (installer
 * tooling, kernel machinery, other platforms' packages, conda's own), each with the reason
 * the panel shows; the user can still include them.
 */

const TOOLING =
  'Installer tooling: the base image brings its own, and pinning it can break the build.';
const KERNEL =
  "Kernel machinery: the image installs its own kernel, so this comes with it in a version that fits the image's Jupyter.";
const NOT_LINUX =
  'Only for Windows or macOS: it does not install on the Linux image.';
const CONDA_TOOL =
  "conda's own machinery: not a dependency of the notebook and not installable with pip.";

/**
 * Left out unless `include` names them; each with the reason shown for it.
 *
 * - This extension: it packages the notebook; the image does not need it.
 * - pip, setuptools, wheel (and distribute, Debian's `pkg-resources==0.0.0` placeholder):
 *   the base image's installer; pinning pip from inside a requirements file fights the
 *   installer that is running. Anything that needs setuptools at run time declares it and
 *   pip installs it anyway.
 * - The kernel machinery: ipykernel and what it needs to run (ipython and its hard
 *   dependencies that no notebook code uses directly, jupyter-client, jupyter-core,
 *   traitlets, tornado, pyzmq, comm, debugpy, matplotlib-inline). The image has to install
 *   a kernel to run notebooks at all, so these are there whatever this file says; pinning
 *   the author's versions only risks conflicts with the image's own Jupyter pins.
 *   Dependencies with a life outside the kernel stay pinned (pygments, psutil, packaging,
 *   python-dateutil, decorator, wcwidth, typing-extensions, nest-asyncio — ipykernel 7 no
 *   longer brings the latter, and notebooks import it).
 * - Platform-only packages that appear in a Windows or macOS kernel's environment and do
 *   not install on Linux (pywin32, pywinpty, appnope, pyobjc-*, windows-curses).
 * - conda's own Python packages (conda, mamba, menuinst, …), present when the kernel runs
 *   in a conda base environment; they are not on PyPI in those versions.
 *
 * jupyterlab and jupyter-server are NOT excluded: the image template installs a
 * JupyterLab to serve the notebook, but keeping the author's exact versions pinned
 * (when the kernel's environment has them at all) makes the image run the same server
 * and UI, keeps lab extensions in the file compatible with it, and a template that
 * installs `jupyterlab` unpinned resolves to the pin without conflict. Excluding them
 * and their dependency trees would also drop packages notebooks use directly (jinja2,
 * requests, jsonschema, …).
 */
export const DEFAULT_EXCLUSIONS: ReadonlyMap<string, string> = new Map([
  [
    'jupyterlab-dockerize',
    'This extension packages the notebook; the image does not need it.'
  ],
  ['pip', TOOLING],
  ['setuptools', TOOLING],
  ['wheel', TOOLING],
  ['distribute', TOOLING],
  [
    'pkg-resources',
    "Debian's pkg-resources==0.0.0 placeholder: no such release exists on the index."
  ],
  ['ipykernel', KERNEL],
  ['ipython', KERNEL],
  ['ipython-pygments-lexers', KERNEL],
  ['jupyter-client', KERNEL],
  ['jupyter-core', KERNEL],
  ['traitlets', KERNEL],
  ['tornado', KERNEL],
  ['pyzmq', KERNEL],
  ['comm', KERNEL],
  ['debugpy', KERNEL],
  ['matplotlib-inline', KERNEL],
  ['jedi', KERNEL],
  ['parso', KERNEL],
  ['prompt-toolkit', KERNEL],
  ['pexpect', KERNEL],
  ['ptyprocess', KERNEL],
  ['stack-data', KERNEL],
  ['executing', KERNEL],
  ['asttokens', KERNEL],
  ['pure-eval', KERNEL],
  ['pickleshare', KERNEL],
  ['backcall', KERNEL],
  ['pywin32', NOT_LINUX],
  ['pywin32-ctypes', NOT_LINUX],
  ['pywinpty', NOT_LINUX],
  ['appnope', NOT_LINUX],
  ['windows-curses', NOT_LINUX],
  ['conda', CONDA_TOOL],
  ['conda-build', CONDA_TOOL],
  ['conda-libmamba-solver', CONDA_TOOL],
  ['conda-package-handling', CONDA_TOOL],
  ['conda-package-streaming', CONDA_TOOL],
  ['conda-content-trust', CONDA_TOOL],
  ['conda-index', CONDA_TOOL],
  ['libmambapy', CONDA_TOOL],
  ['mamba', CONDA_TOOL],
  ['menuinst', CONDA_TOOL]
]);

/** Why `name` (normalized) is excluded by default, or null when it is not. */
export function defaultExclusion(name: string): string | null {
  const reason = DEFAULT_EXCLUSIONS.get(name);
  if (reason) {
    return reason;
  }
  if (name === 'pyobjc' || name.startsWith('pyobjc-')) {
    return NOT_LINUX;
  }
  return null;
}

/**
 * diagnoseNotebook: a failed re-execution read as a data scientist needs it, with the
 * one action that fixes it. The runs are shaped as the server records them
 * (notebookRun.ts), with tracebacks as ipykernel writes them (ANSI colours included),
 * and compared by the real compareNotebookRun.
 */
import { dist, snapshot } from './snapshotBuilders';
import {
  actionLabel,
  diagnoseNotebook,
  IDiagnosis,
  IDiagnosisContext
} from '../verify/diagnose';
import { compareNotebookRun } from '../verify/notebookCompare';
import {
  ICellRun,
  INotebookOutput,
  INotebookRun,
  CellRunStatus
} from '../verify/notebookRun';

const kernel = snapshot([
  dist('scikit-learn', '1.5.2', { topLevel: ['sklearn'] }),
  dist('numpy', '2.1.0', { topLevel: ['numpy'] }),
  dist('opencv-python-headless', '4.10.0.84', { topLevel: ['cv2'] }),
  dist('pandas', '2.2.3', { topLevel: ['pandas'] }),
  dist('openpyxl', '3.1.5', { topLevel: ['openpyxl'] }),
  dist('google-cloud-storage', '2.18.2', { topLevel: ['google'] }),
  dist('google-api-core', '2.19.0', { topLevel: ['google'] }),
  dist('nbclient', '0.10.0', { topLevel: ['nbclient'] })
]);

function context(more: Partial<IDiagnosisContext> = {}): IDiagnosisContext {
  return {
    snapshot: kernel,
    selected: ['numpy', 'pandas', 'opencv-python-headless'],
    notebookWorkspacePath: 'projects/sales/analysis.ipynb',
    dataFiles: [],
    ...more
  };
}

/** An error output with the traceback ipykernel prints (coloured). */
function error(
  ename: string,
  evalue: string,
  frames: string[] = []
): INotebookOutput {
  return {
    output_type: 'error',
    ename,
    evalue,
    traceback: [
      '\u001b[0;31m---------------------------------------------------------------------------\u001b[0m',
      `\u001b[0;31m${ename}\u001b[0m                         Traceback (most recent call last)`,
      ...frames,
      `\u001b[0;31m${ename}\u001b[0m: ${evalue}`
    ]
  };
}

function cell(
  index: number,
  source: string,
  status: CellRunStatus = 'ok',
  produced: INotebookOutput[] = [],
  more: Partial<ICellRun> = {}
): ICellRun {
  return {
    index,
    source,
    tags: [],
    saved: [],
    produced,
    status,
    seconds: status === 'not-run' ? null : 0.2,
    ...more
  };
}

function run(
  cells: ICellRun[],
  more: Partial<INotebookRun> = {}
): INotebookRun {
  return {
    bundlePath: 'notebooks/analysis.ipynb',
    workspacePath: 'projects/sales/analysis.ipynb',
    status: 'completed',
    message: '',
    code: '',
    kernel: 'python3',
    cellTimeout: 120,
    notebookTimeout: 600,
    seconds: 3.1,
    cells,
    truncated: false,
    ...more
  };
}

function diagnose(
  notebook: INotebookRun,
  more: Partial<IDiagnosisContext> = {}
): IDiagnosis[] {
  return diagnoseNotebook(
    notebook,
    compareNotebookRun(notebook),
    context(more)
  );
}

/** A notebook whose second code cell fails with `output`, the third then not run. */
function failingAt(output: INotebookOutput, source = 'x = 1'): INotebookRun {
  return run(
    [
      cell(0, 'import numpy as np'),
      cell(2, source, 'error', [output]),
      cell(3, 'print(x)', 'not-run')
    ],
    { status: 'completed' }
  );
}

describe('a module the image does not have', () => {
  it('names the distribution left out of the build, and includes it', () => {
    const found = diagnose(
      failingAt(
        error('ModuleNotFoundError', "No module named 'sklearn'"),
        'from sklearn.linear_model import LinearRegression'
      )
    );
    expect(found).toEqual([
      {
        cellNumber: 2,
        kind: 'missing-module',
        title: '`scikit-learn` was left out of the image',
        detail:
          'The notebook imports `sklearn`, which `scikit-learn 1.5.2` provides in your kernel, but the build did not include it. Include `scikit-learn` and rebuild.',
        action: { kind: 'include-package', name: 'scikit-learn' }
      }
    ]);
    expect(actionLabel(found[0].action!, kernel)).toBe(
      'Include scikit-learn and rebuild'
    );
  });

  it('reads the top module of a dotted name', () => {
    const [found] = diagnose(
      failingAt(
        error('ModuleNotFoundError', "No module named 'sklearn.ensemble'")
      )
    );
    expect(found.action).toEqual({
      kind: 'include-package',
      name: 'scikit-learn'
    });
  });

  it('prefers the distribution named after a namespace package', () => {
    const [found] = diagnose(
      failingAt(
        error('ModuleNotFoundError', "No module named 'google.cloud.storage'")
      )
    );
    expect(found.action).toEqual({
      kind: 'include-package',
      name: 'google-cloud-storage'
    });
  });

  it("reads pandas' missing optional dependency", () => {
    const [found] = diagnose(
      failingAt(
        error(
          'ImportError',
          "Missing optional dependency 'openpyxl'.  Use pip or conda to install openpyxl."
        ),
        "pd.read_excel('sales.xlsx')"
      )
    );
    expect(found.kind).toBe('missing-module');
    expect(found.action).toEqual({ kind: 'include-package', name: 'openpyxl' });
  });

  it('says so when the build included it and the image still lacks it', () => {
    const [found] = diagnose(
      failingAt(error('ModuleNotFoundError', "No module named 'numpy'"))
    );
    expect(found.title).toBe(
      '`numpy` is in the build, but the image cannot import `numpy`'
    );
    expect(found.detail).toMatch(/build log/);
    expect(found.action).toBeNull();
  });

  it('includes the provider when the selection is unknown', () => {
    const [found] = diagnose(
      failingAt(error('ModuleNotFoundError', "No module named 'sklearn'")),
      { selected: null }
    );
    expect(found.action).toEqual({
      kind: 'include-package',
      name: 'scikit-learn'
    });
  });

  it('suggests a capture or the file when no captured distribution provides it', () => {
    const [found] = diagnose(
      failingAt(error('ModuleNotFoundError', "No module named 'helpers'"))
    );
    expect(found.kind).toBe('missing-module');
    expect(found.title).toBe('No package of your kernel provides `helpers`');
    expect(found.detail).toMatch(/install it in your kernel, capture again/);
    expect(found.detail).toMatch(/your own module/);
    expect(found.action).toBeNull();
  });

  it('offers the close name of an installed module', () => {
    const [found] = diagnose(
      failingAt(error('ModuleNotFoundError', "No module named 'sklern'"))
    );
    expect(found.detail).toMatch(/did you mean `sklearn`\?/);
  });

  it('without a snapshot, still names the module', () => {
    const [found] = diagnose(
      failingAt(error('ModuleNotFoundError', "No module named 'sklearn'")),
      { snapshot: null }
    );
    expect(found.title).toBe('`sklearn` is not in the image');
    expect(found.action).toBeNull();
  });

  it('finds the module named in a chained traceback', () => {
    const output = error('RuntimeError', 'plugin failed', [
      "ModuleNotFoundError: No module named 'sklearn'",
      '',
      'The above exception was the direct cause of the following exception:'
    ]);
    const [found] = diagnose(failingAt(output));
    expect(found.action).toEqual({
      kind: 'include-package',
      name: 'scikit-learn'
    });
  });
});

describe('a system library the image does not have', () => {
  const cv2Frames = [
    'File \u001b[0;32m/usr/local/lib/python3.11/site-packages/cv2/__init__.py:181\u001b[0m',
    '\u001b[0;32m--> 181\u001b[0m bootstrap()',
    'File \u001b[0;32m/usr/local/lib/python3.11/site-packages/cv2/__init__.py:153\u001b[0m, in \u001b[0;36mbootstrap\u001b[0;34m()\u001b[0m',
    '\u001b[0;32m--> 153\u001b[0m native_module \u001b[38;5;241m=\u001b[39m importlib\u001b[38;5;241m.\u001b[39mimport_module(\u001b[38;5;124m"\u001b[39m\u001b[38;5;124mcv2\u001b[39m\u001b[38;5;124m"\u001b[39m)'
  ];

  it('names the Debian package of a loader error, and who needs it', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'ImportError',
          'libGL.so.1: cannot open shared object file: No such file or directory',
          cv2Frames
        ),
        'import cv2'
      )
    );
    expect(found).toEqual({
      cellNumber: 2,
      kind: 'missing-library',
      title: 'The system library `libGL.so.1` is missing from the image',
      detail:
        "`opencv-python-headless` loads `libGL.so.1`, a system library that Python packages do not bring and the image's Debian does not have. Add the Debian package `libgl1` as a system package and rebuild.",
      action: { kind: 'add-system-package', name: 'libgl1' }
    });
  });

  it('reads an OSError from ctypes (lightgbm and libgomp)', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'OSError',
          'libgomp.so.1: cannot open shared object file: No such file or directory'
        )
      )
    );
    expect(found.action).toEqual({
      kind: 'add-system-package',
      name: 'libgomp1'
    });
  });

  it("reads cffi's dlopen message (WeasyPrint)", () => {
    const [found] = diagnose(
      failingAt(
        error(
          'OSError',
          "cannot load library 'gobject-2.0-0': gobject-2.0-0: cannot open shared object file: No such file or directory."
        )
      )
    );
    expect(found.action).toEqual({
      kind: 'add-system-package',
      name: 'libglib2.0-0'
    });
  });

  it.each([
    [
      'ImportError',
      'failed to find libmagic.  Check your installation',
      'libmagic1'
    ],
    ['OSError', 'PortAudio library not found', 'libportaudio2'],
    ['ImportError', 'Unable to find zbar shared library', 'libzbar0'],
    [
      'OSError',
      'sndfile library not found using ctypes.util.find_library',
      'libsndfile1'
    ],
    [
      'TesseractNotFoundError',
      "tesseract is not installed or it's not in your PATH. See README file for more information.",
      'tesseract-ocr'
    ]
  ])(
    'reads the words of a library that looks itself: %s %s',
    (ename, evalue, debian) => {
      const [found] = diagnose(failingAt(error(ename, evalue)));
      expect(found.kind).toBe('missing-library');
      expect(found.action).toEqual({
        kind: 'add-system-package',
        name: debian
      });
    }
  );

  it('a program run through subprocess: its Debian package', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'FileNotFoundError',
          "[Errno 2] No such file or directory: 'dot'",
          [
            'File /usr/lib/python3.11/subprocess.py:1950, in Popen._execute_child(self, args)'
          ]
        )
      )
    );
    expect(found.title).toBe('The program `dot` is not in the image');
    expect(found.action).toEqual({
      kind: 'add-system-package',
      name: 'graphviz'
    });
  });

  it('a library the table does not know: how to find its package, no action', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'OSError',
          'libfoo.so.7: cannot open shared object file: No such file or directory'
        )
      )
    );
    expect(found.kind).toBe('missing-library');
    expect(found.detail).toMatch(/apt-file search `libfoo.so.7`/);
    expect(found.action).toBeNull();
  });
});

describe('a data file the image does not have', () => {
  const missing = (path: string) =>
    error(
      'FileNotFoundError',
      `[Errno 2] No such file or directory: '${path}'`
    );

  it('a path relative to the notebook: the workspace file to add', () => {
    const [found] = diagnose(
      failingAt(missing('data/sales.csv'), "pd.read_csv('data/sales.csv')")
    );
    expect(found).toEqual({
      cellNumber: 2,
      kind: 'missing-file',
      title: '`projects/sales/data/sales.csv` is not in the image',
      detail:
        'The notebook reads `data/sales.csv`, which is `projects/sales/data/sales.csv` in your workspace; it was not chosen as a data file. Add it as a data file and rebuild: the image then has it in /data and where the notebook looks for it.',
      action: { kind: 'add-data-file', path: 'projects/sales/data/sales.csv' }
    });
  });

  it('resolves `..` against the notebook folder', () => {
    const [found] = diagnose(failingAt(missing('../shared/./lookup.json')));
    expect(found.action).toEqual({
      kind: 'add-data-file',
      path: 'projects/shared/lookup.json'
    });
  });

  it('a path that climbs out of the workspace cannot be added', () => {
    const [found] = diagnose(failingAt(missing('../../../secret.csv')));
    expect(found.title).toMatch(/outside your Jupyter folder/);
    expect(found.action).toBeNull();
  });

  it('a chosen data file not found: says where the image has it', () => {
    const [found] = diagnose(failingAt(missing('sales 2024.csv')), {
      dataFiles: ['projects/sales/sales 2024.csv']
    });
    expect(found.detail).toMatch(/is in the image at `\/data\/sales_2024.csv`/);
    expect(found.action).toBeNull();
  });

  it('a file under /data: verify again with the data folder bound', () => {
    const [found] = diagnose(failingAt(missing('/data/raw/2024.parquet')));
    expect(found.action).toEqual({ kind: 'bind-data-folder' });
    expect(found.detail).toMatch(/read-only/);
  });

  it("a path of the author's machine: change the path, and where the image has it", () => {
    const [found] = diagnose(
      failingAt(missing('/home/alice/projects/sales/sales.csv')),
      { dataFiles: ['projects/sales/sales.csv'] }
    );
    expect(found.title).toBe(
      '`/home/alice/projects/sales/sales.csv` is a path of your machine'
    );
    expect(found.detail).toMatch(/has that file at `\/data\/sales.csv`/);
    expect(found.action).toBeNull();
  });

  it('a file the notebook writes into a missing folder is not a data file', () => {
    const [pandas] = diagnose(
      failingAt(
        error(
          'OSError',
          "Cannot save file into a non-existent directory: 'out'",
          ["Cell In[3], line 1\n----> 1 df.to_csv('out/result.csv')"]
        )
      )
    );
    expect(pandas).toMatchObject({
      kind: 'missing-file',
      title: 'The folder of `out` does not exist in the image',
      action: null
    });
    const [opened] = diagnose(
      failingAt(
        error(
          'FileNotFoundError',
          "[Errno 2] No such file or directory: 'out/summary.txt'",
          [
            "Cell In[4], line 2\n      1 text = 'done'\n----> 2 with open('out/summary.txt', 'w') as file:\n      3     file.write(text)"
          ]
        )
      )
    );
    expect(opened.title).toBe(
      'The folder of `out/summary.txt` does not exist in the image'
    );
  });

  it('a read beside a write in the same cell is still a data file', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'FileNotFoundError',
          "[Errno 2] No such file or directory: 'sales.csv'",
          [
            "Cell In[2], line 1\n----> 1 df = pd.read_csv('sales.csv')\n      2 df.to_csv('copy.csv')"
          ]
        )
      )
    );
    expect(found.action).toEqual({
      kind: 'add-data-file',
      path: 'projects/sales/sales.csv'
    });
  });

  it("reads pandas' old wording", () => {
    const [found] = diagnose(
      failingAt(error('FileNotFoundError', 'File sales.csv does not exist'))
    );
    expect(found.action).toEqual({
      kind: 'add-data-file',
      path: 'projects/sales/sales.csv'
    });
  });
});

describe('limits, the kernel and the runner', () => {
  it('a cell over its limit: the cell, its time and a higher limit', () => {
    const notebook = run(
      [
        cell(0, 'import time'),
        cell(1, 'while True: pass', 'timeout', [], { seconds: 120.3 }),
        cell(2, 'print(1)', 'not-run')
      ],
      { status: 'timeout', code: 'cell_timeout', message: 'Cell 2 timed out.' }
    );
    expect(diagnose(notebook)).toEqual([
      {
        cellNumber: 2,
        kind: 'timeout',
        title: 'Cell 2 did not finish within 2 min',
        detail:
          'Verify stopped cell 2 after 120 s. If it is only slow, raise the cell time limit (to 4 min, say) and verify again; if it waits for something (input, or the network, which Verify does not give), change the cell.',
        action: {
          kind: 'raise-time-limit',
          setting: 'verifyCellTimeout',
          seconds: 240
        }
      }
    ]);
  });

  it("the notebook's limit: the notebook setting", () => {
    const notebook = run([cell(0, 'train()', 'timeout', [], { seconds: 30 })], {
      status: 'timeout',
      code: 'notebook_timeout',
      notebookTimeout: 30,
      message: 'The notebook passed its limit.'
    });
    const [found] = diagnose(notebook);
    expect(found.action).toEqual({
      kind: 'raise-time-limit',
      setting: 'verifyNotebookTimeout',
      seconds: 60
    });
    expect(found.title).toBe(
      'The notebook passed its time limit of 30 s in cell 1'
    );
  });

  it('never suggests a limit above what the server accepts', () => {
    const [found] = diagnose(
      run([cell(0, 'x', 'timeout')], {
        status: 'timeout',
        cellTimeout: 80000
      })
    );
    expect(found.action).toEqual({
      kind: 'raise-time-limit',
      setting: 'verifyCellTimeout',
      seconds: 86400
    });
  });

  it('a kernel that died: the cell, and memory first', () => {
    const notebook = run(
      [cell(0, 'big = np.ones(10**12)', 'died'), cell(1, 'x', 'not-run')],
      { status: 'failed', code: 'kernel_died', message: 'The kernel died.' }
    );
    const found = diagnose(notebook);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      cellNumber: 1,
      kind: 'kernel-died',
      title: 'The kernel died in cell 1',
      action: null
    });
    expect(found[0].detail).toMatch(/out of memory/);
  });

  it('no nbclient in the image: include the runner the kernel has', () => {
    const notebook = run([cell(0, 'x', 'not-run')], {
      status: 'failed',
      code: 'no_nbclient',
      message: 'The image has no nbclient.'
    });
    expect(diagnose(notebook)).toEqual([
      {
        cellNumber: null,
        kind: 'no-notebook-runner',
        title: 'The image cannot run notebooks',
        detail:
          'It has no nbclient, the library Verify runs a notebook with (nbconvert and jupyter_server bring it). Include `nbclient` and rebuild.',
        action: { kind: 'include-package', name: 'nbclient' }
      }
    ]);
    expect(diagnose(notebook, { snapshot: null })[0].action).toBeNull();
  });

  it('no kernel in the image: include ipykernel when the kernel has it', () => {
    const notebook = run([cell(0, 'x', 'not-run')], {
      status: 'failed',
      code: 'no_kernel',
      message: 'The image has no Python kernel to run the notebook.'
    });
    const withKernel = snapshot([
      ...kernel.distributions,
      dist('ipykernel', '6.29.5')
    ]);
    expect(diagnose(notebook, { snapshot: withKernel })).toEqual([
      {
        cellNumber: null,
        kind: 'no-notebook-runner',
        title: 'The image has no Python kernel',
        detail:
          "Verify runs the notebook on the image's Python kernel, and the image has none. Include `ipykernel` and rebuild.",
        action: { kind: 'include-package', name: 'ipykernel' }
      }
    ]);
    expect(diagnose(notebook)[0].action).toBeNull();
  });

  it('a run that could not start: its message', () => {
    const [found] = diagnose(
      run([cell(0, 'x', 'not-run')], {
        status: 'failed',
        code: 'notebook_unreadable',
        message: 'The notebook notebooks/analysis.ipynb cannot be read.'
      })
    );
    expect(found).toMatchObject({ cellNumber: null, kind: 'error' });
    expect(found.detail).toContain('cannot be read');
  });
});

describe('other failures', () => {
  it('the network, which Verify does not give', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'URLError',
          '<urlopen error [Errno -3] Temporary failure in name resolution>'
        )
      )
    );
    expect(found.title).toMatch(/network/);
  });

  it('an error of its own: the error in words, no action', () => {
    const [found] = diagnose(failingAt(error('ValueError', 'bad shape (3,)')));
    expect(found).toMatchObject({
      cellNumber: 2,
      kind: 'error',
      title: 'The cell raised `ValueError`',
      action: null
    });
    expect(found.detail).toMatch(/ran without this error in your kernel/);
  });

  it('a cell saved with an error: the same error matches, another one is diagnosed', () => {
    const same = failingAt(error('ValueError', 'bad shape (3,)'));
    same.cells[1].saved = [error('ValueError', 'bad shape (3,)')];
    same.cells[2].status = 'ok';
    expect(diagnose(same)).toEqual([]);

    const other = failingAt(
      error('ModuleNotFoundError', "No module named 'sklearn'")
    );
    other.cells[1].saved = [error('ValueError', 'bad shape (3,)')];
    expect(diagnose(other)[0].action).toEqual({
      kind: 'include-package',
      name: 'scikit-learn'
    });

    const reworded = failingAt(error('ValueError', 'bad shape (4,)'));
    reworded.cells[1].saved = [error('ValueError', 'bad shape (3,)')];
    expect(diagnose(reworded)[0].detail).toMatch(
      /saved notebook has an error in this cell as well \(`ValueError`\)/
    );
  });

  it('a tagged cell that did not raise', () => {
    const notebook = run([
      cell(0, '1 / 0', 'ok', [], { tags: ['raises-exception'] })
    ]);
    const [found] = diagnose(notebook);
    expect(found.title).toBe(
      'Cell 1 did not raise the error it is tagged with'
    );
  });

  it('nothing to say about a notebook that ran, even when outputs differ', () => {
    const notebook = run([
      cell(
        0,
        'print(1)',
        'ok',
        [{ output_type: 'stream', name: 'stdout', text: '2\n' }],
        {
          saved: [{ output_type: 'stream', name: 'stdout', text: '1\n' }]
        }
      ),
      cell(
        1,
        '1 / 0',
        'error',
        [error('ZeroDivisionError', 'division by zero')],
        {
          tags: ['raises-exception']
        }
      )
    ]);
    expect(diagnose(notebook)).toEqual([]);
  });

  it('the same problem in several cells is said once, at its first cell', () => {
    const notebook = run([
      cell(0, 'import sklearn', 'error', [
        error('ModuleNotFoundError', "No module named 'sklearn'")
      ]),
      cell(1, 'from sklearn import svm', 'error', [
        error('ModuleNotFoundError', "No module named 'sklearn'")
      ])
    ]);
    const found = diagnose(notebook);
    expect(found).toHaveLength(1);
    expect(found[0].cellNumber).toBe(1);
  });

  it('untrusted names stay one line of code in the sentence', () => {
    const [found] = diagnose(
      failingAt(
        error(
          'FileNotFoundError',
          "[Errno 2] No such file or directory: 'a`b\u202e.csv'"
        )
      )
    );
    expect(found.title).not.toMatch(/[\u202e\n]/);
    expect(found.title.split('`')).toHaveLength(3);
  });
});

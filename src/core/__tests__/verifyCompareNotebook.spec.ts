import fc from 'fast-check';

import volatileRuns from './fixtures/verifyCompare/volatile-runs.json';
import {
  compareNotebookRun,
  DEFAULT_RELATIVE_TOLERANCE,
  type INotebookComparison
} from '../verify/notebookCompare';
import {
  notebookRunsOf,
  type ICellRun,
  type INotebookOutput,
  type INotebookRun
} from '../verify/notebookRun';

function stdout(text: string | string[]): INotebookOutput {
  return { output_type: 'stream', name: 'stdout', text };
}

function result(data: Record<string, unknown>): INotebookOutput {
  return {
    output_type: 'execute_result',
    data,
    metadata: {},
    execution_count: 1
  };
}

function display(data: Record<string, unknown>): INotebookOutput {
  return { output_type: 'display_data', data, metadata: {} };
}

function error(ename: string, evalue: string): INotebookOutput {
  return {
    output_type: 'error',
    ename,
    evalue,
    traceback: [`\u001b[0;31m${ename}\u001b[0m: ${evalue}`]
  };
}

function cell(overrides: Partial<ICellRun> = {}): ICellRun {
  return {
    index: 0,
    source: 'x',
    tags: [],
    saved: [],
    produced: [],
    status: 'ok',
    seconds: 0.1,
    ...overrides
  };
}

function run(
  cells: ICellRun[],
  overrides: Partial<INotebookRun> = {}
): INotebookRun {
  return {
    bundlePath: 'notebooks/analysis.ipynb',
    workspacePath: 'work/analysis.ipynb',
    status: 'completed',
    message: '',
    code: '',
    kernel: 'python3',
    cellTimeout: 120,
    notebookTimeout: 600,
    seconds: 4.2,
    cells: cells.map((item, position) => ({
      ...item,
      index: item.index || position * 2
    })),
    truncated: false,
    ...overrides
  };
}

/** One cell compared on its own. */
function judge(item: Partial<ICellRun>, tolerance?: number) {
  const comparison = compareNotebookRun(
    run([cell(item)]),
    tolerance === undefined ? undefined : { relativeTolerance: tolerance }
  );
  return comparison.cells[0];
}

describe('compareNotebookRun on a real notebook run twice', () => {
  const [volatile] = notebookRunsOf({ notebooks: [volatileRuns] });
  const comparison = compareNotebookRun(volatile);
  const bySource = (start: string) =>
    comparison.cells.find(item => item.source.startsWith(start))!;

  it('reads the fixture as a notebook run', () => {
    expect(volatile.cells.length).toBeGreaterThan(20);
  });

  it('matches every cell whose outputs vary only in clocks, addresses, timings, ids and paths', () => {
    const unexpected = comparison.cells.filter(
      item =>
        item.verdict !== 'match' && !item.source.startsWith('import random')
    );
    expect(unexpected.map(item => [item.source, item.differences])).toEqual([]);
  });

  it('finds the one genuinely random cell', () => {
    const random = bySource('import random');
    expect(random.verdict).toBe('differs');
    expect(random.differences).toHaveLength(1);
    expect(random.differences[0]).toMatchObject({
      kind: 'text',
      label: 'text/plain',
      note: expect.stringMatching(
        /^1 number differs beyond 1e-6 \(first: 0\.\d+ → 0\.\d+\)$/
      )
    });
    expect(comparison.verdict).toBe('differs');
    expect(comparison.summary).toBe(
      `Notebook differs: ${comparison.cells.length - 1} of ${comparison.cells.length} cells match · 1 differs`
    );
  });

  it('compares a raised error the author saved like any output', () => {
    const raising = bySource("raise ValueError(f'bad object");
    expect(raising.verdict).toBe('match');
    expect(raising.error).toEqual({
      ename: 'ValueError',
      evalue: expect.stringMatching(
        /^bad object <object object at 0x[0-9a-f]+>$/
      )
    });
  });

  it('finds a changed word in any of its outputs', () => {
    const changed = structuredClone(volatile);
    const target = changed.cells.find(item =>
      item.source.startsWith('df.info()')
    )!;
    const output = target.produced[0] as { text: string };
    output.text = output.text.replace('3 non-null', '2 non-null');
    const differs = compareNotebookRun(changed).cells[target.index];
    expect(differs.verdict).toBe('differs');
    expect(differs.differences[0].note).toBe(
      '1 number differs beyond 1e-6 (first: 3 → 2)'
    );
  });
});

describe('compareNotebookRun: cell verdicts', () => {
  it('matches equal text after normalising, numbers within the tolerance', () => {
    const item = judge({
      saved: [stdout(['mean 0.512345678\n', 'at 2026-01-01 10:00:00.5\n'])],
      produced: [stdout('mean 0.512345679\nat 2026-12-03 15:00:01.7\n')]
    });
    expect(item.verdict).toBe('match');
    expect(item.differences).toEqual([]);
  });

  it('uses the tolerance it is given', () => {
    const outputs = {
      saved: [result({ 'text/plain': '0.5123' })],
      produced: [result({ 'text/plain': '0.5124' })]
    };
    expect(judge(outputs).verdict).toBe('differs');
    expect(judge(outputs, 1e-3).verdict).toBe('match');
    expect(DEFAULT_RELATIVE_TOLERANCE).toBe(1e-6);
  });

  it('joins a stream however the kernel split it', () => {
    expect(
      judge({
        saved: [stdout('a\nb\n')],
        produced: [stdout('a\n'), display({ 'text/plain': 'x' }), stdout('b\n')]
      }).differences.map(difference => difference.kind)
    ).toEqual(['extra']);
  });

  it('reports output missing or new on a stream', () => {
    const missing = judge({ saved: [stdout('hello')], produced: [] });
    expect(missing.verdict).toBe('differs');
    expect(missing.differences).toEqual([
      {
        kind: 'missing',
        label: 'stream:stdout',
        saved: 'hello',
        produced: '',
        note: 'Nothing was printed to stdout'
      }
    ]);
    const extra = judge({
      saved: [stdout('hello')],
      produced: [
        stdout('hello'),
        { output_type: 'stream', name: 'stderr', text: 'Warn' }
      ]
    });
    expect(extra.differences).toEqual([
      {
        kind: 'extra',
        label: 'stream:stderr',
        saved: '',
        produced: 'Warn',
        note: 'New output on stderr'
      }
    ]);
  });

  it('compares the richest type both sides have', () => {
    const html = judge({
      saved: [result({ 'text/html': '<b>1</b>', 'text/plain': 'same' })],
      produced: [result({ 'text/html': '<b>2</b>', 'text/plain': 'same' })]
    });
    expect(html.differences).toEqual([
      expect.objectContaining({
        kind: 'text',
        label: 'text/html',
        saved: '<b>1</b>',
        produced: '<b>2</b>'
      })
    ]);
    const plainOnly = judge({
      saved: [result({ 'text/html': '<b>1</b>', 'text/plain': 'same' })],
      produced: [result({ 'text/plain': 'same' })]
    });
    expect(plainOnly.verdict).toBe('match');
  });

  it('compares JSON whatever the order of its keys', () => {
    expect(
      judge({
        saved: [result({ 'application/json': { a: 1, b: [1, 2] } })],
        produced: [
          result({ 'application/json': { b: [1, 2], a: 1.0000000001 } })
        ]
      }).verdict
    ).toBe('match');
    expect(
      judge({
        saved: [result({ 'application/json': { a: 1 } })],
        produced: [result({ 'application/json': { a: 1, c: 2 } })]
      }).verdict
    ).toBe('differs');
  });

  it('reports an image that is no longer produced', () => {
    const item = judge({
      saved: [
        display({ 'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>' })
      ],
      produced: [display({ 'text/plain': '<Figure>' })]
    });
    expect(item.verdict).toBe('differs');
    expect(item.differences[0]).toMatchObject({
      kind: 'image',
      label: 'image/png',
      saved: 'data:image/png;base64,iVBORw0KGgo=',
      produced: '<Figure>',
      pixelsDiffer: null,
      note: 'The saved output has an image (image/png); the new one has none'
    });
  });

  it('pairs rich outputs in order and reports the ones left over', () => {
    const item = judge({
      saved: [display({ 'text/plain': 'a' })],
      produced: [
        display({ 'text/plain': 'a' }),
        display({ 'text/markdown': '**b**' })
      ]
    });
    expect(item.differences).toEqual([
      {
        kind: 'extra',
        label: 'text/markdown',
        saved: '',
        produced: '**b**',
        note: 'Output 2 (text/markdown) is new'
      }
    ]);
  });

  it('compares errors by name and value, not traceback', () => {
    const saved = {
      ...error('KeyError', "'price'"),
      traceback: ['File /home/ana/x.py line 3']
    } as INotebookOutput;
    expect(
      judge({
        saved: [saved],
        produced: [error('KeyError', "'price'")],
        status: 'error'
      }).verdict
    ).toBe('match');
    const other = judge({
      saved: [saved],
      produced: [error('KeyError', "'cost'")],
      status: 'error'
    });
    expect(other.verdict).toBe('differs');
    expect(other.differences[0]).toMatchObject({
      kind: 'text',
      label: 'error',
      saved: "KeyError: 'price'",
      produced: "KeyError: 'cost'"
    });
  });

  it('calls a cell that raised when its saved output did not an error', () => {
    const item = judge({
      saved: [stdout('ok')],
      produced: [error('ModuleNotFoundError', "No module named 'sklearn'")],
      status: 'error'
    });
    expect(item.verdict).toBe('error');
    expect(item.error).toEqual({
      ename: 'ModuleNotFoundError',
      evalue: "No module named 'sklearn'"
    });
  });

  it('counts a cell without saved output that ran as ran', () => {
    expect(judge({ saved: [], produced: [stdout('new')] }).verdict).toBe('ran');
    expect(judge({ saved: [], produced: [] }).verdict).toBe('ran');
    expect(
      judge({ saved: [], produced: [error('NameError', 'x')], status: 'error' })
        .verdict
    ).toBe('error');
  });

  it('follows the tags', () => {
    const differing = { saved: [stdout('a')], produced: [stdout('b')] };
    expect(judge({ ...differing, tags: ['nbval-ignore-output'] }).verdict).toBe(
      'skipped'
    );
    expect(
      judge({ ...differing, source: '# NBVAL_IGNORE_OUTPUT\nx' }).verdict
    ).toBe('skipped');
    expect(
      judge({ ...differing, tags: ['nbval-ignore-output'], status: 'error' })
        .verdict
    ).toBe('error');
    expect(
      judge({ ...differing, tags: ['nbval-skip'], status: 'error' }).verdict
    ).toBe('skipped');
    expect(
      judge({
        tags: ['raises-exception'],
        produced: [error('ZeroDivisionError', 'division by zero')],
        status: 'error'
      }).verdict
    ).toBe('raised-as-expected');
    expect(judge({ tags: ['raises-exception'], status: 'ok' }).verdict).toBe(
      'did-not-raise'
    );
  });

  it('passes on how the run ended for cells that did not finish', () => {
    expect(judge({ status: 'timeout', seconds: 120 })).toMatchObject({
      verdict: 'timeout',
      seconds: 120
    });
    expect(judge({ status: 'died' }).verdict).toBe('died');
    expect(judge({ status: 'not-run', seconds: null })).toMatchObject({
      verdict: 'not-run',
      seconds: null
    });
    expect(judge({ status: 'timeout', tags: ['nbval-skip'] }).verdict).toBe(
      'timeout'
    );
  });

  it('numbers code cells from 1 and keeps their notebook index', () => {
    const comparison = compareNotebookRun(
      run([cell({ index: 1 }), cell({ index: 4 }), cell({ index: 5 })])
    );
    expect(comparison.cells.map(item => [item.index, item.number])).toEqual([
      [1, 1],
      [4, 2],
      [5, 3]
    ]);
  });

  it('survives malformed outputs', () => {
    const item = judge({
      saved: [{ output_type: 'display_data' } as unknown as INotebookOutput],
      produced: [display({ 'text/plain': 'x' })]
    });
    expect(item.verdict).toBe('differs');
    const garbage = [
      null,
      3,
      { output_type: 'error' }
    ] as unknown as INotebookOutput[];
    expect(
      judge({ saved: garbage, produced: garbage, status: 'error' })
    ).toMatchObject({
      verdict: 'match',
      error: { ename: '', evalue: '' }
    });
  });
});

describe('compareNotebookRun: notebook verdicts and summaries', () => {
  const match = cell({ saved: [stdout('1')], produced: [stdout('1')] });
  const differs = cell({ saved: [stdout('1')], produced: [stdout('2')] });
  const failed = cell({ produced: [error('NameError', 'x')], status: 'error' });
  const notRun = cell({ status: 'not-run', seconds: null });
  const tagged = cell({ tags: ['nbval-skip'] });

  function verdictOf(comparison: INotebookComparison) {
    return [comparison.verdict, comparison.summary];
  }

  it('says reproduced when every cell matches or is tagged', () => {
    expect(verdictOf(compareNotebookRun(run([match, match, tagged])))).toEqual([
      'reproduced',
      'Notebook reproduced: 2 of 3 cells match · 1 not compared (tagged)'
    ]);
  });

  it('says differs and counts the cells', () => {
    const comparison = compareNotebookRun(
      run([match, differs, differs, match])
    );
    expect(verdictOf(comparison)).toEqual([
      'differs',
      'Notebook differs: 2 of 4 cells match · 2 differ'
    ]);
    expect(comparison.counts).toEqual({
      total: 4,
      match: 2,
      differs: 2,
      skipped: 0,
      failed: 0,
      notRun: 0
    });
  });

  it('says failed when a cell raised, whatever else', () => {
    const comparison = compareNotebookRun(
      run([match, differs, failed, notRun, notRun], {
        status: 'failed',
        message: 'A cell raised.'
      })
    );
    expect(verdictOf(comparison)).toEqual([
      'failed',
      'Notebook failed: 1 of 5 cells match · 1 differs · 1 error · 2 not run'
    ]);
    expect(comparison.message).toBe('A cell raised.');
    expect(comparison.counts.failed).toBe(1);
    expect(comparison.counts.notRun).toBe(2);
  });

  it('says timeout when the run hit a limit', () => {
    const comparison = compareNotebookRun(
      run([match, cell({ status: 'timeout', seconds: 30 }), notRun], {
        status: 'timeout',
        code: 'notebook_timeout'
      })
    );
    expect(verdictOf(comparison)).toEqual([
      'timeout',
      'Notebook timed out: 1 of 3 cells match · 1 timed out · 1 not run'
    ]);
  });

  it('says not run when the run failed before any cell', () => {
    const comparison = compareNotebookRun(
      run([notRun, notRun], {
        status: 'failed',
        code: 'no_nbclient',
        message: 'The image has no nbclient.'
      })
    );
    expect(verdictOf(comparison)).toEqual([
      'not-run',
      'Notebook not run: 0 of 2 cells ran'
    ]);
    expect(
      verdictOf(compareNotebookRun(run([], { status: 'failed', message: 'x' })))
    ).toEqual(['not-run', 'Notebook not run: no code cells']);
  });

  it('says failed for a kernel that died or a cell that did not raise', () => {
    expect(
      verdictOf(
        compareNotebookRun(run([match, cell({ status: 'died' }), notRun]))
      )
    ).toEqual([
      'failed',
      'Notebook failed: 1 of 3 cells match · 1 crashed the kernel · 1 not run'
    ]);
    expect(
      verdictOf(compareNotebookRun(run([cell({ tags: ['raises-exception'] })])))
    ).toEqual([
      'failed',
      'Notebook failed: 0 of 1 cells match · 1 did not raise'
    ]);
  });

  it('says failed for a cancelled run that had started', () => {
    expect(
      compareNotebookRun(run([match, notRun], { status: 'cancelled' })).verdict
    ).toBe('failed');
  });

  it('matches any outputs compared with themselves', () => {
    const text = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 4 }));
    const output: fc.Arbitrary<INotebookOutput> = fc.oneof(
      fc.record({
        output_type: fc.constant('stream' as const),
        name: fc.constantFrom('stdout', 'stderr'),
        text
      }),
      fc.record({
        output_type: fc.constantFrom(
          'execute_result' as const,
          'display_data' as const
        ),
        data: fc.dictionary(
          fc.constantFrom(
            'text/plain',
            'text/html',
            'text/markdown',
            'text/latex',
            'image/svg+xml',
            'image/png',
            'image/jpeg',
            'application/json',
            'application/vnd.jupyter.widget-view+json'
          ),
          fc.oneof(text, fc.jsonValue())
        )
      }),
      fc.record({
        output_type: fc.constant('error' as const),
        ename: fc.string(),
        evalue: fc.string(),
        traceback: fc.constant<string[]>([])
      })
    );
    fc.assert(
      fc.property(fc.array(output, { minLength: 1, maxLength: 5 }), outputs => {
        const item = judge({
          saved: outputs,
          produced: structuredClone(outputs)
        });
        expect(item.differences).toEqual([]);
        expect(item.verdict).toBe('match');
      })
    );
  });
});

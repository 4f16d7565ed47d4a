import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';

import {
  findImports,
  IImportScan,
  isPythonIdentifier
} from '../imports/importScanner';

/** The statically imported top-level names, sorted. */
function names(...cells: string[]): string[] {
  return findImports(cells)
    .imports.filter(item => !item.dynamic)
    .map(item => item.name)
    .sort();
}

function where(scan: IImportScan, name: string): [number, number] | null {
  const item = scan.imports.find(entry => entry.name === name);
  return item ? [item.cell, item.line] : null;
}

describe('findImports: Python statements', () => {
  it('takes the top-level name of plain imports', () => {
    expect(names('import a.b as c')).toEqual(['a']);
    expect(names('import a, b.c')).toEqual(['a', 'b']);
    expect(names('import a.b.c as d, e as f, g')).toEqual(['a', 'e', 'g']);
    expect(names('from x.y import z')).toEqual(['x']);
    expect(names('from x import *')).toEqual(['x']);
  });

  it('keeps the dotted modules seen', () => {
    const scan = findImports([
      'import sklearn\nfrom sklearn.linear_model import Ridge\nimport sklearn'
    ]);
    expect(scan.imports).toEqual([
      {
        name: 'sklearn',
        cell: 0,
        line: 1,
        dynamic: false,
        guarded: false,
        modules: ['sklearn', 'sklearn.linear_model']
      }
    ]);
  });

  it('reports relative imports as local and not as imports', () => {
    const scan = findImports([
      'from . import z\nfrom .utils import helper\nfrom ...pkg.mod import (a,\n  b)'
    ]);
    expect(scan.imports).toEqual([]);
    expect(scan.relative).toEqual([
      { module: '.', cell: 0, line: 1 },
      { module: '.utils', cell: 0, line: 2 },
      { module: '...pkg.mod', cell: 0, line: 3 }
    ]);
  });

  it('finds imports nested in functions, classes, if, try, with and loops', () => {
    const cell = [
      'def load():',
      '    import a',
      '    class Inner:',
      '        import b',
      '        def deeper(self):',
      '\t\t\timport c',
      'if True:',
      '  import d',
      'else:',
      '  from e import f',
      'for i in range(3):',
      '    with open(x) as fh:',
      '        import g',
      'while False:',
      '    import h'
    ].join('\n');
    expect(names(cell)).toEqual(['a', 'b', 'c', 'd', 'e', 'g', 'h']);
  });

  it('finds simple statements after a compound statement colon', () => {
    expect(
      names(
        'if x: import a\nelse: import b\nfor i in y: import c; import d\n' +
          'def f(x: int = {1: 2}) -> int: import e\nclass K(B): import f\n' +
          'with a as b: import g\nwhile (lambda: 1)(): import h\n' +
          'if lambda: 0: import i'
      )
    ).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  });

  it('does not take a dict, slice, lambda or annotation colon for a statement start', () => {
    expect(
      names(
        'x = {1: import_me}\ny = z[1:2]\nf = lambda: importer\nv: int = 3\n' +
          'match = {"a": 1}\ncase = 2'
      )
    ).toEqual([]);
  });

  it('reads match/case blocks', () => {
    expect(
      names(
        'match cmd:\n    case "load":\n        import a\n    case _: import b'
      )
    ).toEqual(['a', 'b']);
  });

  it('reads parenthesised multi-line from-imports', () => {
    const scan = findImports([
      'x = 1\nfrom pkg.sub import (\n    a,\n    b as c,\n)\nimport after'
    ]);
    expect(scan.imports.map(item => [item.name, item.line])).toEqual([
      ['pkg', 2],
      ['after', 6]
    ]);
  });

  it('follows backslash continuations', () => {
    expect(
      names('import a, \\\n    b, \\\n  c\nfrom d \\\n  import e')
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(where(findImports(['x = 1\nimport a, \\\n    b']), 'b')).toEqual([
      0, 3
    ]);
  });

  it('splits statements at semicolons', () => {
    expect(names('import os; import sys')).toEqual(['os', 'sys']);
    expect(names('x = 1; from a import b ;import c')).toEqual(['a', 'c']);
    expect(names('print("a; import no"); import yes')).toEqual(['yes']);
  });

  it('ignores keywords in module position and half-written statements', () => {
    expect(
      names('import\nimport if\nfrom import x\nfrom a\nimport 3d')
    ).toEqual([]);
    expect(names('import os,')).toEqual(['os']);
  });

  it('accepts PEP 810 lazy imports and Unicode identifiers (NFKC)', () => {
    expect(names('lazy import a\nlazy from b import c')).toEqual(['a', 'b']);
    expect(names('import café, ｐａｎｄａｓ')).toEqual(['café', 'pandas']);
  });

  it('gives the cell index and line of the first occurrence', () => {
    const scan = findImports([
      '# setup\n\nimport numpy as np',
      'import pandas\nimport numpy',
      '',
      'x = 1\n\n\nfrom scipy import stats'
    ]);
    expect(where(scan, 'numpy')).toEqual([0, 3]);
    expect(where(scan, 'pandas')).toEqual([1, 1]);
    expect(where(scan, 'scipy')).toEqual([3, 4]);
    expect(scan.imports.map(item => item.name)).toEqual([
      'numpy',
      'pandas',
      'scipy'
    ]);
  });

  it('accepts nbformat line lists and CRLF sources', () => {
    expect(findImports([['import a\r\n', 'import b']]).imports.length).toBe(2);
    expect(where(findImports(['x = 1\r\nimport a\r\n']), 'a')).toEqual([0, 2]);
  });
});

describe('findImports: strings and comments', () => {
  it('ignores imports in comments and strings', () => {
    expect(
      names(
        '# import a\nx = "import b"  # import c\ny = \'from d import e\'\n' +
          'z = b"import f"; w = rb\'import g\''
      )
    ).toEqual([]);
  });

  it('ignores triple-quoted strings spanning lines', () => {
    const cell = [
      'doc = """',
      'import a',
      "it's fine: ''' and \" inside",
      '"""',
      "other = '''",
      'from b import c',
      "'''",
      'import real'
    ].join('\n');
    expect(names(cell)).toEqual(['real']);
    expect(where(findImports([cell]), 'real')).toEqual([0, 8]);
  });

  it('reads string prefixes and escapes', () => {
    expect(names("x = r'\\'; import no'\nimport yes")).toEqual(['yes']);
    expect(names('x = "a\\"import no"\nimport yes')).toEqual(['yes']);
    expect(names("x = U'import no'; y = Rb'import no'; import yes")).toEqual([
      'yes'
    ]);
    expect(names('x = "line \\\nimport no"\nimport yes')).toEqual(['yes']);
  });

  it('reads f-strings, nested quotes (3.12) and format specs', () => {
    expect(names('x = f"{d["import no"]} {y:>{w}}"\nimport yes')).toEqual([
      'yes'
    ]);
    expect(names('x = f\'{a!r:{"import no"}}\' ; import yes')).toEqual(['yes']);
    expect(names('x = f"{{import no}}"\nimport yes')).toEqual(['yes']);
    expect(
      names(
        'x = f"""\n{value}\nimport no\n{f\'{"""nested"""}\'}\n"""\nimport yes'
      )
    ).toEqual(['yes']);
    expect(names('x = rf"{a}\\{b}"; import yes')).toEqual(['yes']);
  });

  it('confines an unterminated single-quoted string to its line', () => {
    expect(names("x = 'oops\nimport yes")).toEqual(['yes']);
    expect(names('x = f"{oops\nimport yes')).toEqual(['yes']);
  });

  it('does not take a name followed by a quote for a prefix unless it is one', () => {
    expect(names("x = foo'import no'\nimport yes")).toEqual(['yes']);
  });
});

describe('findImports: IPython syntax', () => {
  it('skips line magics that are not Python', () => {
    expect(
      names(
        '%pip install pandas\n%conda install numpy\n%load_ext autoreload\n' +
          '%matplotlib inline\n%pip install x; import no\n%env A=import no\nimport yes'
      )
      // matplotlib: what %matplotlib needs installed (magics.ts), not read as Python.
    ).toEqual(['matplotlib', 'yes']);
  });

  it('reads the argument of %time, %timeit, %prun and %debug as Python', () => {
    const scan = findImports([
      'x = 1\n%time import a\n%timeit -n 10 -r3 -q import b\n' +
        '%prun -s cumulative -q import c\n%debug --breakpoint f.py:3 import d\n' +
        '%timeit -x import unknown_option'
    ]);
    expect(scan.imports.map(item => [item.name, item.line])).toEqual([
      ['a', 2],
      ['b', 3],
      ['c', 4],
      ['d', 5]
    ]);
  });

  it('skips shell escapes, also assigned and continued', () => {
    expect(
      names(
        '!pip install pandas\nfiles = !ls import no\nx = %sx import no\n' +
          "!echo it's (\nimport yes\n!echo a \\\nimport no\n  !ls\na, b = \\\n  !ls"
      )
    ).toEqual(['yes']);
  });

  it('skips shell escapes inside blocks', () => {
    expect(names('if True:\n    !pip install x\n    import a')).toEqual(['a']);
  });

  it('takes an escape only at the start of a logical line', () => {
    expect(names('x = f(1,\n  !ls); import a')).toEqual(['a']);
    expect(names('x == !ls; import a')).toEqual(['a']);
  });

  it('skips help syntax', () => {
    expect(
      names(
        'pd?\n?pd\npd.read_csv??\n??np\nimport help_me?\nx = y?\nimport yes'
      )
    ).toEqual(['yes']);
    expect(names('f(x?); import a')).toEqual(['a']);
  });

  it('skips autocall escapes', () => {
    expect(
      names('/print import no\n,f import no\n;f import no\nimport a')
    ).toEqual(['a']);
  });

  it('skips whole cells of non-Python cell magics', () => {
    const scan = findImports([
      '%%bash\nimport no\npip install x',
      '\n\n%%html\n<p>import no</p>',
      '%%script bash\nimport no',
      '%%sql\nSELECT 1',
      'import yes'
    ]);
    // sql: what %%sql needs installed (magics.ts); its body is not read as Python.
    expect(scan.imports.map(item => item.name)).toEqual(['sql', 'yes']);
    expect(scan.skippedCells).toEqual([
      { cell: 0, magic: 'bash' },
      { cell: 1, magic: 'html' },
      { cell: 2, magic: 'script' },
      { cell: 3, magic: 'sql' }
    ]);
  });

  it('reads the body of Python cell magics', () => {
    const scan = findImports([
      '%%time\nimport a',
      '%%timeit -n 2 -r 1 import setup_mod\nimport b',
      '%%capture out --no-stderr\nimport c',
      '%%prun\nimport d',
      '%%script python3\nimport e',
      '%%python\nimport f',
      '%%time\n%%capture\n!ls\nimport g'
    ]);
    expect(scan.imports.map(item => [item.name, item.cell, item.line])).toEqual(
      [
        ['a', 0, 2],
        ['setup_mod', 1, 1],
        ['b', 1, 2],
        ['c', 2, 2],
        ['d', 3, 2],
        ['e', 4, 2],
        ['f', 5, 2],
        ['g', 6, 4]
      ]
    );
    expect(scan.skippedCells).toEqual([]);
  });

  it('takes %% only on the first line, in column 0', () => {
    // IPython: a later or indented %%bash is a line magic named %bash; the rest is Python.
    expect(names('# first\n%%bash\nimport a')).toEqual(['a']);
    expect(names('  %%bash\nimport a')).toEqual(['a']);
    expect(names('\n\n%%bash\nimport no')).toEqual([]);
  });

  it('reports modules written with %%writefile', () => {
    const scan = findImports([
      '%%writefile helpers.py\nimport no',
      '%%writefile -a ./pkg/__init__.py\nx = 1',
      '%%file data.csv\na,b',
      'import helpers, pkg'
    ]);
    expect(scan.writtenModules).toEqual(['helpers', 'pkg']);
    expect(scan.imports.map(item => item.name)).toEqual(['helpers', 'pkg']);
    expect(scan.skippedCells).toEqual([]);
  });

  it('strips pasted prompts', () => {
    expect(names('>>> import a\n>>> import b\n... import c')).toEqual([
      'a',
      'b',
      'c'
    ]);
    expect(names('In [1]: import a\n   ...: import b')).toEqual(['a', 'b']);
  });
});

describe('findImports: dynamic and guarded imports', () => {
  it('reports literal importlib.import_module and __import__ calls, flagged', () => {
    const scan = findImports([
      'import importlib\nm = importlib.import_module("plugins.csv")\n' +
        "n = __import__('json', globals())\nfrom importlib import import_module\n" +
        "import_module('yaml')\nimport_module(name)\nimport_module(f'x{y}')\n" +
        "import_module('.sub', 'pkg')\ndef import_module(n): pass\n" +
        "import_module('a' 'b')"
    ]);
    expect(
      scan.imports.map(item => [item.name, item.line, item.dynamic])
    ).toEqual([
      ['importlib', 1, false],
      ['plugins', 2, true],
      ['json', 3, true],
      ['yaml', 5, true]
    ]);
    expect(scan.relative).toEqual([{ module: '.sub', cell: 0, line: 8 }]);
  });

  it('prefers a static import to an earlier dynamic one', () => {
    const scan = findImports(['__import__("json")', 'import json']);
    expect(scan.imports).toEqual([
      expect.objectContaining({
        name: 'json',
        cell: 1,
        line: 1,
        dynamic: false
      })
    ]);
  });

  it('flags imports that stand in a try statement', () => {
    const scan = findImports([
      [
        'try:',
        '    import ujson as json',
        'except ImportError:',
        '    import json',
        'else:',
        '    import orjson',
        'finally:',
        '    import fin',
        'import plain',
        'if x:',
        '    import cond',
        'else:',
        '    import cond2',
        'try: import inline_try',
        'except: import inline_except',
        'def f():',
        '    try:',
        '        if y:',
        '            import deep',
        '    except Exception:',
        '        pass',
        '    import after_try'
      ].join('\n')
    ]);
    const guarded = Object.fromEntries(
      scan.imports.map(item => [item.name, item.guarded])
    );
    expect(guarded).toEqual({
      ujson: true,
      json: true,
      orjson: true,
      fin: true,
      plain: false,
      cond: false,
      cond2: false,
      inline_try: true,
      inline_except: true,
      deep: true,
      after_try: false
    });
  });

  it('is not guarded when imported unguarded anywhere', () => {
    const scan = findImports(['try:\n    import a\nexcept: pass', 'import a']);
    expect(scan.imports[0].guarded).toBe(false);
  });
});

describe('findImports: a tricky notebook (fixture)', () => {
  it('finds exactly what the notebook imports', () => {
    const file = path.join(__dirname, 'fixtures', 'notebooks', 'tricky.ipynb');
    const notebook = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    const cells = notebook.cells.map(cell =>
      cell.cell_type === 'code' ? cell.source : ''
    );
    const scan = findImports(cells);
    expect(
      scan.imports.map(item => [item.name, item.cell, item.line, item.dynamic])
    ).toEqual([
      ['os', 1, 1, false],
      ['sys', 1, 1, false],
      ['numpy', 1, 3, false],
      ['pandas', 1, 4, false],
      ['sklearn', 3, 1, false],
      ['PIL', 3, 5, false],
      ['yaml', 4, 3, false],
      ['matplotlib', 4, 8, false],
      ['scipy', 5, 2, false],
      ['plotly', 6, 2, true],
      ['helpers', 8, 1, false],
      ['colections', 8, 2, false]
    ]);
    expect(scan.relative).toEqual([{ module: '.', cell: 8, line: 3 }]);
    expect(scan.writtenModules).toEqual(['helpers']);
    expect(scan.skippedCells).toEqual([{ cell: 2, magic: 'bash' }]);
    expect(scan.imports.find(item => item.name === 'yaml')?.guarded).toBe(true);
  });
});

describe('findImports: properties', () => {
  const pieces = [
    'import ',
    'from ',
    ' import ',
    ' as ',
    'os',
    'a.b',
    'x',
    'é',
    ' ',
    '\t',
    '\n',
    '\r\n',
    '"',
    "'",
    '"""',
    "'''",
    'f"',
    "rb'",
    'f"{',
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    '\\',
    '\\\n',
    '#',
    '%',
    '%%',
    '%%time\n',
    '%time ',
    '%timeit -n ',
    '!',
    '?',
    '=',
    ';',
    ':',
    ',',
    '.',
    'try:\n',
    'if x:',
    'lambda',
    '__import__("',
    'import_module(',
    '>>> ',
    '\u{1F600}',
    '\uD800'
  ];
  const source = fc.oneof(
    fc.string({ unit: fc.constantFrom(...pieces), maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({
      unit: fc.constantFrom('{', 'f"', '"', '\n', 'x'),
      maxLength: 200
    })
  );

  it('never throws and returns Python identifiers only', () => {
    fc.assert(
      fc.property(fc.array(source, { maxLength: 4 }), cells => {
        const scan = findImports(cells);
        for (const item of scan.imports) {
          expect(isPythonIdentifier(item.name)).toBe(true);
          expect(item.cell).toBeGreaterThanOrEqual(0);
          expect(item.cell).toBeLessThan(cells.length);
          expect(item.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 }
    );
  });

  const lines = [
    'import a',
    'import b.c as d, e',
    'from f.g import (h,',
    '    i)',
    'x = """',
    'import j',
    '"""',
    'def k():',
    '    import l',
    'try:',
    '    import m',
    'except ImportError:',
    '    pass',
    "s = 'import n'",
    'y = f"{z}"; import o',
    'q = (1,',
    '2)',
    '%time import p',
    '!ls',
    'r?',
    'print(1)',
    '%%time',
    '%%bash',
    ''
  ];
  const cellLines = fc.array(fc.constantFrom(...lines), {
    minLength: 1,
    maxLength: 12
  });

  // Whole statements (brackets and strings closed), so that an inserted line stands alone.
  const statements = fc.array(
    fc.constantFrom(
      'import a',
      'import b.c as d, e',
      'from f.g import (h,\n    i)',
      'x = """\nimport j\n"""',
      'def k():\n    import l',
      'try:\n    import m\nexcept ImportError:\n    pass',
      "s = 'import n'",
      'y = f"{z}"; import o',
      'q = (1,\n2)',
      '%time import p',
      '!ls',
      'r?',
      'print(1)',
      '%%time',
      '%%bash',
      ''
    ),
    { minLength: 1, maxLength: 12 }
  );

  const insertedLineAdds = (inserted: string, cells: fc.Arbitrary<string[]>) =>
    fc.property(cells, fc.nat(), (cell, at) => {
      // Not after a backslash, nor before the first line of a cell or of a Python cell
      // magic's body: there it would (rightly) unmake a cell magic such as %%bash.
      const position = 1 + (at % cell.length);
      const head = cell.slice(0, position);
      if (
        cell[position - 1].endsWith('\\') ||
        head.every(line => line.trim() === '' || line.startsWith('%%'))
      ) {
        return;
      }
      const before = new Set(names(cell.join('\n')));
      const changed = [...cell];
      changed.splice(position, 0, inserted);
      for (const name of names(changed.join('\n'))) {
        expect(before.has(name)).toBe(true);
      }
    });

  it('adds no import when a comment line is inserted, anywhere', () => {
    fc.assert(
      insertedLineAdds('# import commented; from x import y', cellLines),
      { numRuns: 1000 }
    );
  });

  it('adds no import when a shell-escape line is inserted between statements', () => {
    fc.assert(
      insertedLineAdds('!pip install shell; import shell', statements),
      { numRuns: 1000 }
    );
  });

  const identifier = fc
    .tuple(
      fc.constantFrom('a', 'B', '_', 'z', 'é', 'Ω', '_x'),
      fc.string({
        unit: fc.constantFrom('a', 'q', '0', '9', '_', 'Z', 'ß', 'ä'),
        maxLength: 8
      })
    )
    .map(([head, tail]) => head + tail)
    .filter(isPythonIdentifier);
  const dotted = fc
    .array(identifier, { minLength: 1, maxLength: 3 })
    .map(parts => parts.join('.'));

  it('always finds a generated import statement', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dotted, fc.option(identifier)), {
          minLength: 1,
          maxLength: 4
        }),
        fc.constantFrom('', '    ', '\t'),
        fc.constantFrom('', 'def f():\n', 'try:\n', 'if x: pass\nelse:\n'),
        fc.constantFrom(', ', ',', ' ,\\\n  '),
        (modules, indent, wrapper, comma) => {
          const clause = modules
            .map(([module, alias]) =>
              alias ? `${module} as ${alias}` : module
            )
            .join(comma);
          const body = `${wrapper ? indent || ' ' : ''}import ${clause}`;
          const expected = [...new Set(modules.map(([m]) => m.split('.')[0]))];
          expect(names(`x = 1\n${wrapper}${body}`)).toEqual(expected.sort());
          const [first] = modules[0];
          expect(names(`from ${first} import (\n  y as z,\n)`)).toEqual([
            first.split('.')[0]
          ]);
        }
      ),
      { numRuns: 1000 }
    );
  });
});

describe('findImports: speed', () => {
  it('scans 1,000 cells of 50 lines quickly', () => {
    const block = [
      'import numpy as np',
      'from sklearn.model_selection import train_test_split',
      'df = pd.read_csv("data.csv")  # load the data',
      's = """multi',
      'line string with import os',
      '"""',
      'x = f"{df.shape[0]:>10} rows {{literal}}"',
      'for i in range(10):',
      '    total = (i +',
      '             2) * 3; y = [a for a in range(i)]',
      '!pip install something',
      '%timeit sum(range(10))'
    ];
    const lines: string[] = [];
    for (let i = 0; lines.length < 50; i++) {
      lines.push(block[i % block.length]);
    }
    const cells = Array.from({ length: 1000 }, () => lines.join('\n'));
    findImports(cells.slice(0, 50)); // warm up
    const start = performance.now();
    const scan = findImports(cells);
    const elapsed = performance.now() - start;
    expect(scan.imports.map(item => item.name)).toEqual(['numpy', 'sklearn']);
    expect(elapsed).toBeLessThan(2000);
  });

  it('has no pathological cases', () => {
    const start = performance.now();
    findImports([
      '('.repeat(50000),
      'f"{'.repeat(20000),
      '"""'.repeat(20000),
      '%time '.repeat(10000),
      '%%time\n'.repeat(5000),
      '\\\n'.repeat(50000),
      'x = \\\n'.repeat(20000),
      'import a.'.repeat(20000)
    ]);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

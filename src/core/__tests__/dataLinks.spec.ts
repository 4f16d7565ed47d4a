/**
 * Data links: a notebook finds a chosen data file in the image at the path relative to
 * itself that it uses in the workspace. planDataLinks alone, then through generateBundle
 * (the Dockerfile's RUN and the README), with a property test on a model of the image's
 * file system. The real build of such a Dockerfile is test_image_build.py's, its lint
 * test_hadolint.py's.
 */
import fc from 'fast-check';
import { DockerfileParser } from 'dockerfile-ast';

import { NUMPY_PLAN, VENV_SNAPSHOT } from './bundleInputs';
import { generateBundle } from '../bundle/bundle';
import { placeDataFiles, place } from '../bundle/bundlePaths';
import { IBundleInput, IBundleOptions } from '../bundle/bundleTypes';
import {
  IDataLinkPlan,
  planDataLinks,
  relativePath
} from '../bundle/dataLinks';
import { TEMPLATE_IDS } from '../templates';

/** The links for these workspace notebooks and data files, placed as the bundle does. */
function linksFor(notebooks: string[], dataFiles: string[]): IDataLinkPlan {
  const placedNotebooks = place(notebooks, 'notebooks', 'notebook', [], []);
  const placedData = placeDataFiles(dataFiles, []);
  return planDataLinks(placedNotebooks.includes, placedData.includes);
}

const options: IBundleOptions = {
  template: 'pip',
  ui: 'lab',
  created: '2025-01-02T03:04:05Z',
  generatorVersion: '0.1.0'
};

function bundleInput(more: Partial<IBundleInput> = {}): IBundleInput {
  return {
    snapshot: VENV_SNAPSHOT,
    plan: NUMPY_PLAN,
    notebooks: ['analysis.ipynb'],
    dataFiles: ['data/sales.csv'],
    dataLinks: true,
    options,
    ...more
  };
}

describe('relativePath', () => {
  it.each([
    ['', 'sales.csv', 'sales.csv'],
    ['', 'data/sales.csv', 'data/sales.csv'],
    ['analysis', 'data/sales.csv', '../data/sales.csv'],
    ['a/b', 'a/x.csv', '../x.csv'],
    ['a/b', 'a/b/c/x.csv', 'c/x.csv'],
    ['a', 'ab/x.csv', '../ab/x.csv']
  ])('from %j to %j is %j', (from, to, expected) => {
    expect(relativePath(from, to)).toBe(expected);
  });
});

describe('planDataLinks', () => {
  it('a data file beside the notebook, or in a folder beside it: a link in /notebooks', () => {
    expect(
      linksFor(
        ['sales/analysis.ipynb'],
        ['sales/sales 2024.csv', 'sales/data/regions.csv']
      )
    ).toEqual({
      links: [
        { path: '/notebooks/data/regions.csv', target: '/data/regions.csv' },
        {
          path: '/notebooks/sales 2024.csv',
          target: '/data/sales_2024.csv'
        }
      ],
      folders: ['/notebooks/data'],
      warnings: []
    });
  });

  it('no link where the image already has the file (../data/x.csv from a folder)', () => {
    expect(linksFor(['analysis/report.ipynb'], ['data/sales.csv'])).toEqual({
      links: [],
      folders: [],
      warnings: []
    });
  });

  it('a path into a subfolder of data/: a link inside /data', () => {
    expect(
      linksFor(['analysis/report.ipynb'], ['data/2024/sales.csv'])
    ).toEqual({
      links: [{ path: '/data/2024/sales.csv', target: '/data/sales.csv' }],
      folders: ['/data/2024'],
      warnings: []
    });
  });

  it('leaves out, with a warning, a path that leads out of /notebooks and /data', () => {
    const plan = linksFor(['a/b/report.ipynb'], ['a/lookup.json']);
    expect(plan.links).toEqual([]);
    expect(plan.warnings).toEqual([
      "`a/lookup.json` is not linked for `a/b/report.ipynb`: the path from the notebook's folder leads out of /notebooks and /data in the image; the notebook can read it as `/data/lookup.json`."
    ]);
  });

  it('two files claiming one link: neither is linked, and it says so', () => {
    const plan = linksFor(
      ['north/report.ipynb', 'south/summary.ipynb'],
      ['north/sales.csv', 'south/sales.csv']
    );
    expect(plan.links).toEqual([]);
    expect(plan.warnings).toContain(
      '`/notebooks/sales.csv` would link to `north/sales.csv`, `south/sales.csv` for different notebooks; none is linked there: read them from /data.'
    );
  });

  it('a link where the image has a notebook is left out', () => {
    const plan = linksFor(
      ['x/report.ipynb', 'y/summary.ipynb'],
      ['y/report.ipynb']
    );
    expect(plan.links).toEqual([]);
    expect(plan.warnings).toContain(
      '`y/report.ipynb` is not linked at `/notebooks/report.ipynb` for `y/summary.ipynb`: the image has another file there.'
    );
  });

  it('a link cannot stand inside another one', () => {
    const plan = linksFor(
      ['p/first.ipynb', 'q/second.ipynb'],
      ['p/data', 'q/data/x.csv']
    );
    expect(plan.links).toEqual([
      { path: '/notebooks/data', target: '/data/data' }
    ]);
    expect(plan.warnings).toContain(
      '`q/data/x.csv` is not linked at `/notebooks/data/x.csv`: `/notebooks/data` is a file in the image, not a folder.'
    );
  });

  it('a control character in the path: not linked', () => {
    const plan = linksFor(['report.ipynb'], ['in\nput.csv']);
    expect(plan.links).toEqual([]);
    expect(plan.warnings).toEqual([
      '`in\\x0aput.csv` is not linked where the notebooks read it: its path has a control character.'
    ]);
  });

  it('makes only the deepest folders (mkdir -p makes the rest)', () => {
    const plan = linksFor(
      ['nb.ipynb'],
      ['a/b/c.csv', 'a/d.csv', 'a/b/e/f.csv']
    );
    expect(plan.folders).toEqual(['/notebooks/a/b/e']);
    expect(plan.links.map(link => link.path)).toEqual([
      '/notebooks/a/b/c.csv',
      '/notebooks/a/b/e/f.csv',
      '/notebooks/a/d.csv'
    ]);
  });

  it('every notebook finds every data file: through a link, in /data, or a warning says why not', () => {
    const segment = fc.constantFrom(
      'a',
      'b',
      'data',
      'sales.csv',
      'x y',
      "it's"
    );
    const workspacePath = fc
      .array(segment, { minLength: 1, maxLength: 3 })
      .map(parts => parts.join('/'));
    fc.assert(
      fc.property(
        fc.uniqueArray(workspacePath, { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(workspacePath, { minLength: 1, maxLength: 4 }),
        (notebookPaths, dataPaths) => {
          const notebooks = place(
            notebookPaths,
            'notebooks',
            'notebook',
            [],
            []
          );
          const data = placeDataFiles(dataPaths, []);
          const plan = planDataLinks(notebooks.includes, data.includes);
          // The image: files, and links to files.
          const files = new Set([
            '/data/readme.md',
            ...notebooks.includes.map(item => `/${item.bundlePath}`),
            ...data.includes.map(item => `/${item.bundlePath}`)
          ]);
          const links = new Map(
            plan.links.map(link => [link.path, link.target])
          );
          for (const link of plan.links) {
            expect(files.has(link.path)).toBe(false);
            expect(files.has(link.target)).toBe(true);
          }
          for (const folder of plan.folders) {
            expect(files.has(folder) || links.has(folder)).toBe(false);
          }
          for (const notebook of notebooks.includes) {
            const folder = notebook.workspacePath
              .split('/')
              .slice(0, -1)
              .join('/');
            for (const file of data.includes) {
              const relative = relativePath(folder, file.workspacePath);
              const parts: string[] = [];
              for (const part of `notebooks/${relative}`.split('/')) {
                if (part === '..') {
                  parts.pop();
                } else {
                  parts.push(part);
                }
              }
              const seen = `/${parts.join('/')}`;
              const target = `/${file.bundlePath}`;
              const found = seen === target || links.get(seen) === target;
              const said = plan.warnings.some(warning =>
                warning.includes(file.workspacePath)
              );
              expect(found || said).toBe(true);
            }
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('data links through generateBundle', () => {
  it('a RUN after the content and before VOLUME, as the image user, names quoted', () => {
    const bundle = generateBundle(
      bundleInput({
        notebooks: ['sales/analysis.ipynb'],
        dataFiles: ["sales/data/it's 2024.csv", 'sales/regions.csv']
      })
    );
    const lines = bundle.files['Dockerfile'].split('\n');
    const volume = lines.findIndex(line => line.startsWith('VOLUME'));
    expect(lines.slice(volume - 6, volume + 1)).toEqual([
      'COPY --chown=1000:1000 ["data/", "/data/"]',
      '# The data files also where the notebooks read them: the same path relative to the',
      '# notebook as in the workspace (links to /data).',
      "RUN mkdir -p '/notebooks/data' \\",
      "    && ln -s '/data/it_s_2024.csv' '/notebooks/data/it'\\''s 2024.csv' \\",
      "    && ln -s '/data/regions.csv' '/notebooks/regions.csv'",
      'VOLUME ["/data", "/notebooks"]'
    ]);
    const user = lines.findIndex(line => line === 'USER 1000');
    expect(user).toBeGreaterThan(-1);
    expect(user).toBeLessThan(volume);
    const instructions = DockerfileParser.parse(bundle.files['Dockerfile'])
      .getInstructions()
      .map(instruction => instruction.getKeyword());
    expect(instructions.slice(-3)).toEqual(['COPY', 'RUN', 'VOLUME']);
    expect(bundle.warnings).toEqual([]);
  });

  it('README: where the links are, and that a mounted /notebooks hides them', () => {
    const readme = generateBundle(bundleInput()).files['README.md'];
    expect(readme).toContain(
      [
        '- `data/`: data files, copied to `/data`.',
        '  The notebooks also find them where they read them, at the same path relative to the',
        '  notebook as in your workspace (links the Dockerfile makes):',
        '  - `/notebooks/data/sales.csv` → `/data/sales.csv`'
      ].join('\n')
    );
    expect(readme).toContain('a folder mounted there hides them');
  });

  it.each([...TEMPLATE_IDS])(
    '%s: nothing changes when no link is needed, or when links are not asked for',
    template => {
      const input = bundleInput({
        notebooks: ['analysis/report.ipynb'],
        dataFiles: ['data/sales.csv'],
        options: {
          ...options,
          template,
          ...(template === 'custom'
            ? { baseImage: 'python:3.11.7-bookworm' }
            : {})
        }
      });
      const without = generateBundle({ ...input, dataLinks: undefined });
      expect(JSON.stringify(generateBundle(input))).toBe(
        JSON.stringify(without)
      );
      const rooted = { ...input, notebooks: ['report.ipynb'] };
      expect(
        JSON.stringify(generateBundle({ ...rooted, dataLinks: false }))
      ).toBe(
        JSON.stringify(generateBundle({ ...rooted, dataLinks: undefined }))
      );
      expect(generateBundle(rooted).files['Dockerfile']).toContain(
        "ln -s '/data/sales.csv' '/notebooks/data/sales.csv'"
      );
    }
  );

  it('warnings of the plan reach the bundle', () => {
    const bundle = generateBundle(
      bundleInput({ notebooks: ['a/b/report.ipynb'], dataFiles: ['a/x.csv'] })
    );
    expect(bundle.warnings).toHaveLength(1);
    expect(bundle.warnings[0]).toMatch(/leads out of \/notebooks and \/data/);
    expect(bundle.files['Dockerfile']).not.toContain('ln -s');
  });
});

describe('the README after Verify', () => {
  const verification = {
    image: 'dockerize-report:latest',
    verifiedAt: '2026-12-03T16:40:00Z',
    lines: [
      'report.ipynb: Notebook reproduced: 12 of 12 cells match',
      'summary.ipynb: Notebook differs: 3 of 4 cells match · 1 differs'
    ]
  };

  it('a Verified section with one line per notebook', () => {
    const readme = generateBundle(bundleInput({ verification })).files[
      'README.md'
    ];
    expect(readme).toContain(
      [
        '## Verified',
        '',
        'jupyterlab-dockerize ran the notebooks again inside the image `dockerize-report:latest`',
        "(`2026-12-03T16:40:00Z`) and compared each cell's outputs with the saved ones:",
        '',
        '- report.ipynb: Notebook reproduced: 12 of 12 cells match',
        '- summary.ipynb: Notebook differs: 3 of 4 cells match · 1 differs',
        '',
        '## Contents'
      ].join('\n')
    );
  });

  it('absent: the README is unchanged', () => {
    const input = bundleInput({ dataLinks: undefined });
    const plain = generateBundle(input).files['README.md'];
    expect(plain).not.toContain('## Verified');
    expect(
      generateBundle({ ...input, verification: undefined }).files['README.md']
    ).toBe(plain);
  });

  it('untrusted lines stay one list item each, and a backtick cannot close the code', () => {
    const readme = generateBundle(
      bundleInput({
        verification: {
          image: 'evil`image',
          verifiedAt: 'now',
          lines: ['a\n## Injected', '', 'b\u0000c']
        }
      })
    ).files['README.md'];
    expect(readme).toContain('the image ``evil`image``');
    expect(readme).toContain('- a ## Injected\n- bc\n');
    expect(readme.split('\n').filter(line => line.startsWith('## '))).toEqual([
      '## Verified',
      '## Contents',
      '## Build',
      '## Run',
      '## Push',
      '## Binder'
    ]);
  });
});

/**
 * The words of a shell command made of bare words and single-quoted parts joined by
 * `\'` (what shellQuoted writes); throws on anything else, so an unquoted `$`, backquote
 * or `;` fails the test.
 */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let at = 0; at < command.length;) {
    const char = command[at];
    if (char === ' ') {
      if (word !== null) {
        words.push(word);
        word = null;
      }
      at++;
    } else if (char === "'") {
      const end = command.indexOf("'", at + 1);
      if (end < 0) {
        throw new Error(`unclosed quote in ${command}`);
      }
      word = (word ?? '') + command.slice(at + 1, end);
      at = end + 1;
    } else if (command.startsWith("\\'", at)) {
      word = (word ?? '') + "'";
      at += 2;
    } else if (/[A-Za-z-]/.test(char)) {
      word = (word ?? '') + char;
      at++;
    } else {
      throw new Error(`unquoted ${JSON.stringify(char)} in ${command}`);
    }
  }
  if (word !== null) {
    words.push(word);
  }
  return words;
}

describe('hostile data file names', () => {
  const parts = [
    '\n',
    '\r',
    '\u2028',
    '\u0085',
    '\\',
    '\\\n',
    '"',
    "'",
    '`id`',
    '$HOME',
    '$(id)',
    '; rm -rf /',
    '&&',
    '\nRUN rm -rf /\n',
    '# escape=`',
    ' ',
    '..',
    '.',
    '/',
    'é',
    '数据',
    'a',
    'data',
    '-'
  ];
  const hostile = fc
    .array(fc.constantFrom(...parts), { minLength: 1, maxLength: 6 })
    .map(items => items.join(''));

  it('add at most one RUN, whose words are exactly the links', () => {
    const keywords = (text: string) =>
      DockerfileParser.parse(text)
        .getInstructions()
        .map(instruction => instruction.getKeyword());
    fc.assert(
      fc.property(
        fc.array(hostile, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...TEMPLATE_IDS),
        (dataFiles, template) => {
          const input = bundleInput({
            notebooks: ['nb.ipynb', 'a/b.ipynb'],
            dataFiles,
            options: {
              ...options,
              template,
              ...(template === 'custom'
                ? { baseImage: 'python:3.11.7-bookworm' }
                : {})
            }
          });
          const text = generateBundle(input).files['Dockerfile'];
          const plain = generateBundle({ ...input, dataLinks: false }).files[
            'Dockerfile'
          ];
          const notebooks = place(
            input.notebooks,
            'notebooks',
            'notebook',
            [],
            []
          );
          const plan = planDataLinks(
            notebooks.includes,
            placeDataFiles(dataFiles, []).includes
          );
          // eslint-disable-next-line no-control-regex -- line breaks of every kind
          expect(text).not.toMatch(/[\r\u2028\u2029\u0085\u0000]/);
          if (!plan.links.length) {
            expect(text).toBe(plain);
            return;
          }
          const expected = keywords(plain);
          expected.splice(expected.length - 1, 0, 'RUN');
          expect(keywords(text)).toEqual(expected);
          const lines = text.split('\n');
          const start = lines.findIndex(
            line =>
              line.startsWith("RUN mkdir -p '/") ||
              line.startsWith("RUN ln -s '/")
          );
          const end = lines.findIndex(line => line.startsWith('VOLUME'));
          const commands = lines
            .slice(start, end)
            .join('\n')
            .replace(/^RUN /, '')
            .split(' \\\n    && ');
          const words = commands.map(shellWords);
          const links = words.filter(command => command[0] === 'ln');
          expect(links).toEqual(
            plan.links.map(link => ['ln', '-s', link.target, link.path])
          );
          const folders = words.filter(command => command[0] === 'mkdir');
          expect(folders).toEqual(
            plan.folders.length ? [['mkdir', '-p', ...plan.folders]] : []
          );
          // Before the links' comment and RUN, the Dockerfile is the one without links.
          expect(lines.slice(start - 2, start)).toEqual([
            '# The data files also where the notebooks read them: the same path relative to the',
            '# notebook as in the workspace (links to /data).'
          ]);
          expect(plain.split('\n').slice(0, start - 2)).toEqual(
            lines.slice(0, start - 2)
          );
        }
      ),
      { numRuns: 300 }
    );
  });
});

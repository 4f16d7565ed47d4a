import fc from 'fast-check';

import { NORMALISE_RULES, normaliseText } from '../verify/normalise';

/** Both texts normalise to the same thing. */
function expectSame(saved: string, produced: string) {
  expect(normaliseText(produced)).toBe(normaliseText(saved));
}

function expectDifferent(saved: string, produced: string) {
  expect(normaliseText(produced)).not.toBe(normaliseText(saved));
}

describe('normaliseText: what is expected to vary', () => {
  it('writes addresses out of reprs (CPython, ctypes, Windows)', () => {
    expect(normaliseText('<__main__.Foo at 0x7fe23413ecd0>')).toBe(
      '<__main__.Foo at 0x<address>>'
    );
    expectSame(
      '<object object at 0x7fe23a5a7370>\n<function <lambda> at 0x7fe2340f2200>',
      '<object object at 0x7f1da334f370>\n<function <lambda> at 0x7f1d98607740>'
    );
    expectSame('c_void_p(0x55d0c3a0e2b0)', 'c_void_p(0x55d0c3b01a40)');
    expectSame('<X at 0x000001F2A3B4C5D0>', '<X at 0x000001F2A3B40000>');
  });

  it('keeps short hex values, which are data', () => {
    expectDifferent('flags = 0xff', 'flags = 0xfe');
  });

  it('writes out the clock in its common forms, keeping midnight as data', () => {
    expectSame('2026-12-03 15:56:30.416019', '2026-12-03 15:56:38.990443');
    expectSame('2026-12-03T15:56:34.413963', '2026-12-04T09:01:02.000001');
    expectSame('2026-12-03T15:56:34Z', '2026-12-03T15:56:35+01:00');
    expectSame(
      'datetime.datetime(2026, 12, 3, 15, 56, 30, 416371)',
      'datetime.datetime(2026, 12, 3, 15, 56, 38, 997319)'
    );
    expectSame(
      "Timestamp('2026-12-03 15:56:31.561565')",
      "Timestamp('2026-12-03 15:56:40.259181')"
    );
    expectSame('Thu Dec  3 15:56:34 2026', 'Fri Dec  4 01:02:03 2026');
    expectSame('Thu Dec 3 15:56:34 UTC 2026', 'Thu Dec 3 15:57:00 UTC 2026');
    expectSame(
      'Thu, 03 Dec 2026 15:56:34 GMT',
      'Thu, 03 Dec 2026 16:00:01 GMT'
    );
    expectSame('12/03/2026 15:56:34', '12/03/2026 15:56:35');
    expectSame('Dec 03, 2026 03:48:38 PM', 'Dec 03, 2026 03:49:00 PM');
    expectSame(
      '2026-12-03 15:56:34,478 WARNING loaded 3 rows',
      '2026-12-03 15:56:42,554 WARNING loaded 3 rows'
    );
    expectSame('at 15:56:34', 'at 15:56:42');
    expectSame('elapsed 0:00:00.010478', 'elapsed 0:00:00.010552');
    expectSame('now 1796313394.41126', 'now 1796313402.4905589');
    // Dates and midnights are data: a change in them is a real difference.
    expectDifferent('2021-03-01    1', '2021-03-02    1');
    expectDifferent('2020-01-01 00:00:00', '2020-01-02 00:00:00');
    expectDifferent(
      'datetime.datetime(2020, 1, 1, 0, 0)',
      'datetime.datetime(2020, 1, 2, 0, 0)'
    );
    expectDifferent('meeting at 12:30', 'meeting at 12:45');
    expectDifferent(
      "Timedelta('0 days 00:00:05')",
      "Timedelta('0 days 00:00:06')"
    );
    expectDifferent('1 day 01:00:00', '1 day 02:00:00');
  });

  it('writes out durations and IPython timings', () => {
    expectSame(
      'CPU times: user 2.15 ms, sys: 0 ns, total: 2.15 ms\nWall time: 3.25 ms\n',
      'CPU times: user 620 μs, sys: 76 μs, total: 696 μs\nWall time: 1.2 s\n'
    );
    expectSame(
      '18.6 μs ± 343 ns per loop (mean ± std. dev. of 3 runs, 10 loops each)',
      '1.87 ms ± 12.7 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)'
    );
    expectSame(
      'The slowest run took 5.12 times longer than the fastest. This could mean that an intermediate result is being cached.\n100 loops, best of 3: 2.1 ms per loop',
      '1000 loops, best of 3: 1.9 ms per loop'
    );
    expectSame('took 0.010 s', 'took 0.012 s');
    expectSame('done in 12ms', 'done in 9ms');
    expectSame('waited 2 min', 'waited 3 mins');
    expectSame(
      '1875/1875 - 3s 1ms/step - loss: 0.2986',
      '1875/1875 - 4s 2ms/step - loss: 0.2986'
    );
    // The words around a duration and values that are not durations stay.
    expectDifferent('took 0.010 s to fit', 'took 0.010 s to load');
    expectDifferent('loss: 0.2986', 'loss: 0.3986');
    expectDifferent('distance 5 m', 'distance 6 m');
  });

  it('reads tqdm and Keras progress bars as a terminal shows them, timing written out', () => {
    const saved =
      '\r  0%|          | 0/50 [00:00<?, ?it/s]\r 96%|█████████▌| 48/50 [00:00<00:00, 470.38it/s]\r100%|██████████| 50/50 [00:00<00:00, 465.69it/s]\n';
    const produced =
      '\r  0%|          | 0/50 [00:00<?, ?it/s]\r 90%|█████████ | 45/50 [00:00<00:00, 445.20it/s]\r100%|██████████| 50/50 [00:01<00:00, 28.51it/s]\n';
    expect(normaliseText(saved)).toBe('100%|<bar>| 50/50 [<progress>]');
    expectSame(saved, produced);
    expectSame('\r20it [00:00, 301.20it/s]\n', '\r20it [00:01, 15.38it/s]\n');
    expectSame(
      'fit: 100%|##########| 30/30 [00:00<00:00, 193.42it/s, loss=0.033]  ',
      'fit: 100%|##########| 30/30 [00:02<00:00, 12.11s/it, loss=0.033]'
    );
    expectSame(
      '60000/60000 [==============================] - 5s 83us/sample',
      '60000/60000 [==============================] - 6s 97us/sample'
    );
    expectSame(
      '1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step',
      '1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step'
    );
    // Where the bar stopped, what it counted and its postfix are results.
    expectDifferent(
      '100%|██████████| 50/50 [00:00<00:00, 465.69it/s]',
      ' 90%|█████████ | 45/50 [00:00<00:00, 445.20it/s]'
    );
    expectDifferent(
      '30/30 [00:00<00:00, 193.42it/s, loss=0.033]',
      '30/30 [00:00<00:00, 193.42it/s, loss=0.5]'
    );
  });

  it('resolves carriage returns and removes terminal colours', () => {
    expect(normaliseText('10%\r50%\r100%\n')).toBe('100%');
    expect(normaliseText('\u001b[31mError\u001b[0m: bad\r\n')).toBe(
      'Error: bad'
    );
  });

  it('writes out temporary paths, keeping the file name the code chose', () => {
    expectSame('/tmp/tmpyo4hk772.csv', '/tmp/tmpnvvfjijq.csv');
    expectSame('/tmp/tmp54ebr2yb/model.pkl', '/tmp/tmplpdi5hjv/model.pkl');
    expectSame(
      "'/var/folders/x7/k2n_9s0d1/T/tmpab12cd34/model.pkl'",
      "'/tmp/tmpq1w2e3r4/model.pkl'"
    );
    expectSame(
      'C:\\Users\\ana\\AppData\\Local\\Temp\\tmpa1b2c3d4\\model.pkl',
      '/tmp/tmpzzzzzzzz/model.pkl'
    );
    expect(normaliseText('saved to /tmp/tmp54ebr2yb/model.pkl, done')).toBe(
      'saved to <tmp>/model.pkl, done'
    );
    expectDifferent('/tmp/x/model.pkl', '/tmp/x/weights.pkl');
    expectDifferent('/home/ana/tmp/a.csv', '/home/ana/tmp/b.csv');
    expectDifferent('/tmpdata/a', '/tmpdata/b');
  });

  it("writes out ipykernel's cell files and where packages are installed", () => {
    expectSame(
      "/tmp/ipykernel_24661/2608338407.py:2: UserWarning: careful\n  warnings.warn('careful')\n",
      "/tmp/ipykernel_24802/1111111111.py:2: UserWarning: careful\n  warnings.warn('careful')\n"
    );
    expectSame(
      '/var/folders/x7/abc/T/ipykernel_99/123.py:1: DeprecationWarning: x',
      '/tmp/ipykernel_7/456.py:1: DeprecationWarning: x'
    );
    expectSame(
      '/home/ana/.venv/lib/python3.11/site-packages/sklearn/base.py:12: FutureWarning: x',
      '/usr/local/lib/python3.11/site-packages/sklearn/base.py:12: FutureWarning: x'
    );
    expect(normaliseText('in File:/tmp/ipykernel_5/77.py, line 2')).toBe(
      'in File:<cell>, line 2'
    );
    expect(
      normaliseText(
        'C:\\Users\\ana\\AppData\\Local\\Temp\\ipykernel_8\\9.py:1: W'
      )
    ).toBe('<cell>:1: W');
    expectDifferent(
      '/tmp/ipykernel_1/2.py:2: UserWarning: careful',
      '/tmp/ipykernel_1/2.py:3: UserWarning: careful'
    );
  });

  it('writes out random ids of HTML and SVG outputs', () => {
    expectSame(
      '<style type="text/css">\n#T_ae86e_row2_col0 {\n}\n</style>\n<table id="T_ae86e">',
      '<style type="text/css">\n#T_69e36_row2_col0 {\n}\n</style>\n<table id="T_69e36">'
    );
    expectSame(
      '<path id="m85d43d2307" d="M 0 0"/><use xlink:href="#m85d43d2307"/> clip-path="url(#p0ff1f2a3a2)"',
      '<path id="m3d59d124c4" d="M 0 0"/><use xlink:href="#m3d59d124c4"/> clip-path="url(#p9411a1d412)"'
    );
    expectSame(
      "UUID('226e5d34-8956-40cc-b388-570bc6191c8c')",
      "UUID('c1b68e6d-3c49-4dc1-b4c4-8be12bfb75d6')"
    );
    expectSame(
      '<div id="altair-viz-0123456789abcdef0123456789abcdef"></div>',
      '<div id="altair-viz-fedcba9876543210fedcba9876543210"></div>'
    );
    expectSame(
      '<Thread(Thread-5 (<lambda>), stopped 140608578516672)>',
      '<Thread(Thread-5 (<lambda>), stopped 139764229469888)>'
    );
    expectSame(
      "<Process name='P-1' pid=4242 parent=4200 started>",
      "<Process name='P-1' pid=17 parent=1 started>"
    );
    expectSame(
      '<div class="folium-map" id="map_0123456789abcdef0123456789abcdef"></div>',
      '<div class="folium-map" id="map_fedcba9876543210fedcba9876543210"></div>'
    );
    expectSame(
      '<style>#sk-container-id-7 {color: black;}</style><input id="sk-estimator-id-7">',
      '<style>#sk-container-id-1 {color: black;}</style><input id="sk-estimator-id-1">'
    );
    expectSame(
      'Dashboard: http://127.0.0.1:8787/status, tcp://localhost:43121, http://[::1]:5000',
      'Dashboard: http://127.0.0.1:40211/status, tcp://localhost:39001, http://[::1]:5001'
    );
    expectDifferent('http://example.org:8080/a', 'http://example.org:8081/a');
    // A hash the code printed is a result.
    expectDifferent(
      'md5 9e107d9d372bb6826bd81d3542a419d6',
      'md5 e4d909c290d0fb1ca068ffaddf22cbd0'
    );
  });

  it('drops trailing whitespace and blank lines, nothing else', () => {
    expect(normaliseText('a  \nb\t\n\n\n')).toBe('a\nb');
    expect(normaliseText('  indented\n\nkept')).toBe('  indented\n\nkept');
  });

  it('keeps words and integers as they are', () => {
    expectDifferent('3 rows', '4 rows');
    expectDifferent('accuracy', 'precision');
    expectDifferent(
      'RangeIndex: 3 entries, 0 to 2',
      'RangeIndex: 4 entries, 0 to 3'
    );
  });
});

describe('normaliseText on large outputs', () => {
  it('takes time in proportion to the text, also for one long line', () => {
    // plotly's HTML: one line of data with no spaces, where a pattern that rescans a
    // run from each of its characters takes minutes.
    const data = Array.from({ length: 20000 }, (_, i) =>
      (Math.sin(i) * 1000).toFixed(6)
    ).join(',');
    const html = `<div id="3f2a9c1b-1111-2222-3333-444455556666"></div><script>Plotly.newPlot("x", [{"x":[${data}]}])</script>`;
    expect(html.length).toBeGreaterThan(200000);
    const started = performance.now();
    const normalised = normaliseText(html);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(normalised.startsWith('<div id="<uuid>"></div>')).toBe(true);
  });
});

describe('NORMALISE_RULES', () => {
  it('are global patterns with distinct names', () => {
    const names = NORMALISE_RULES.map(rule => rule.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of NORMALISE_RULES) {
      expect(rule.pattern.global).toBe(true);
    }
  });
});

describe('normaliseText properties', () => {
  /** Text made of the pieces the rules look for, glued in any order. */
  const piece = fc.constantFrom(
    ' ',
    '\n',
    '\r',
    '\t',
    '0x7f3a2c1b4d30',
    'at 0x1f',
    '2026-12-03 15:56:30.416019',
    '00:00:00',
    '15:56',
    ':',
    '/',
    '\\',
    '/tmp/',
    'tmpab12cd34',
    'ipykernel_12/',
    '345.py',
    'site-packages/',
    '100%|',
    '██',
    '|',
    '[00:01<00:02, 3.1it/s]',
    '[',
    ']',
    '<',
    '>',
    '1.5 s',
    '12',
    '.',
    '-',
    'ms',
    ' s',
    'Wall time: ',
    'CPU times: ',
    ' per loop (mean ± std. dev. of 7 runs, 10 loops each)',
    'T_ab12c',
    '_row0',
    'id="',
    '"',
    'p0ff1f2a3a2',
    'Thu Dec  3 ',
    '2026',
    'stopped 123',
    'pid=9',
    '\u001b[31m',
    'loss=0.5',
    'word'
  );
  const volatileText = fc
    .array(piece, { maxLength: 30 })
    .map(parts => parts.join(''));

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(volatileText, fc.string()), text => {
        const once = normaliseText(text);
        expect(normaliseText(once)).toBe(once);
      }),
      { numRuns: 2000 }
    );
  });

  it('never changes text the rules have nothing to say about', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z ,;=()]*$/), text => {
        expect(normaliseText(text)).toBe(text.replace(/ +$/, ''));
      })
    );
  });
});

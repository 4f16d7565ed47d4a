/**
 * What is expected to vary between two executions of the same notebook, written out of
 * an output's text before it is compared: clocks, durations, memory addresses, random
 * ids, temporary paths, progress bars. Each rule replaces only the varying part with a
 * placeholder (`<datetime>`, `0x<address>`, …) so the words and numbers around it are
 * still compared; numbers that are data stay numbers (numbers.ts compares them with a
 * tolerance). Pure and idempotent: normalising a normalised text changes nothing.
 */
import { stripAnsi } from '../shared/ansi';

export interface INormaliseRule {
  /** A short name, for tests and for reading the table. */
  name: string;
  /** Global (and, where lines matter, multiline) pattern. */
  pattern: RegExp;
  /** As for String.replace: a string with $1… or a function of the match. */
  replacement: string | ((match: string, ...groups: string[]) => string);
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\\.?';

/** A clock reading of exactly midnight is almost always data (a date), not "now". */
function isMidnight(time: string): boolean {
  return /^0?0:00:00(?:[.,]0*)?$/.test(time);
}

/** Names Python's tempfile module gives: tmp + 8 random characters (+ a suffix). */
const TEMPFILE_NAME = /^tmp[a-z0-9_]{8}(?:\.[\w.]+)?$/;

/**
 * A path under a temporary folder: the random folder part goes; the file's own name
 * stays (it is chosen by the code, and a different one is a real difference) unless it
 * is itself a tempfile name.
 */
function temporaryPath(match: string, rest: string): string {
  const parts = rest.split(/[/\\]/).filter(part => part !== '');
  const last = parts[parts.length - 1];
  if (last === undefined || parts.length === 0 || TEMPFILE_NAME.test(last)) {
    return '<tmp>';
  }
  return `<tmp>/${last}`;
}

/**
 * The rules, in the order they apply (earlier rules see the text first: the whole-line
 * timing rules run before the duration rule would eat their numbers, the tqdm rules
 * before the clock rules would read `00:01` as a time). Outputs can be megabytes on one
 * line (plotly's HTML), so every pattern starts with a literal or is tried only where a
 * token starts (a lookbehind): none rescans a long run from each of its characters.
 */
export const NORMALISE_RULES: readonly INormaliseRule[] = [
  // IPython %time / %%time: "CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms" and
  // "Wall time: 2.31 s" are measurements from start to end of the line.
  {
    name: 'ipython-time',
    pattern: /^(CPU times|Wall time):.*$/gm,
    replacement: '$1: <measured>'
  },
  // IPython %timeit: "1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 1,000
  // loops each)"; timeit picks the loop count from the speed, so the whole line varies.
  {
    name: 'ipython-timeit',
    pattern: /^.*per loop \(mean ± std\. dev\. of .*$/gm,
    replacement: '<timeit>'
  },
  // Older %timeit: "100 loops, best of 3: 2.1 ms per loop".
  {
    name: 'ipython-timeit-best-of',
    pattern: /^[\d,]+ loops?, best of \d+: .* per loop$/gm,
    replacement: '<timeit>'
  },
  // %timeit's warning appears in some runs and not others: the line goes altogether.
  {
    name: 'ipython-timeit-slowest-run',
    pattern:
      /^The slowest run took .* times longer than the fastest\..*(?:\n|$)/gm,
    replacement: ''
  },
  // tqdm's bar glyphs ("45%|████▌     |", ascii "45%|####5     |"): their number
  // depends on the line width; the percentage before the bar stays and is compared.
  {
    name: 'tqdm-bar',
    pattern: /(\d{1,3}%)\|[\u2580-\u259f #1-9]*\|/g,
    replacement: '$1|<bar>|'
  },
  // tqdm's timing bracket "[00:01<00:02, 30.12it/s" (elapsed<remaining, rate; also
  // "[00:01, 3.2s/it" without a total): the counts before it and a postfix after it
  // (", loss=0.12]") stay.
  {
    name: 'tqdm-timing',
    pattern:
      /\[\d+(?::\d\d)+(?:<(?:\d+(?::\d\d)+|\?))?(?:, *(?:\?|\d+(?:\.\d+)?) ?[kMGTPEZY]?(?:[a-zA-Z]+\/s|s\/[a-zA-Z]+))?(?=[,\]])/g,
    replacement: '[<progress>'
  },
  // Keras' bar "[==========>...................]" redraws as the epoch advances.
  {
    name: 'keras-bar',
    pattern: /\[(?=[=>.]{10,}\])=*>?\.*\]/g,
    replacement: '[<bar>]'
  },
  // Keras 3 / rich bars "━━━━━━━━━━" (box-drawing runs; rich's table borders become
  // placeholders too, harmlessly: the cells between them are still compared).
  {
    name: 'box-drawing-bar',
    pattern: /[\u2500-\u257f]{5,}/g,
    replacement: '<bar>'
  },
  // Memory addresses in reprs: "<Foo object at 0x7f3a2c1b4d30>", "<function f at 0x…>".
  {
    name: 'repr-address',
    pattern: /\bat 0x[0-9a-fA-F]+\b/g,
    replacement: 'at 0x<address>'
  },
  // Other pointer-sized hex values (8 to 16 digits): ctypes, "id=0x55d0c3a0e2b0", Windows
  // "0x000001F2A3B4C5D0". Shorter hex (0xff) is data and stays.
  {
    name: 'hex-address',
    pattern: /\b0x[0-9a-fA-F]{8,16}\b/g,
    replacement: '0x<address>'
  },
  // Random UUIDs in reprs and in HTML/JS outputs (plotly and bokeh div ids, uuid4()).
  // uuid3/uuid5 are deterministic, but printing one is rare next to random ids.
  {
    name: 'uuid',
    pattern:
      /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g,
    replacement: '<uuid>'
  },
  // ipykernel's file for a cell: "/tmp/ipykernel_1234/3456789012.py" (Linux),
  // ".../T/ipykernel_1234/…" (macOS); warnings print it. The numbers are the kernel's pid
  // and a hash.
  {
    name: 'ipykernel-cell-file',
    pattern:
      /(?<![^\s'"()<>:])(?:[A-Za-z]:)?(?:[^\s'"()<>:]*[/\\])?ipykernel_\d+[/\\]\d+\.py/g,
    replacement: '<cell>'
  },
  // Older IPython's cell file "<ipython-input-12-3f2a9c1b>".
  {
    name: 'ipython-input',
    pattern: /<ipython-input-\d+-[0-9a-f]+>/g,
    replacement: '<ipython-input>'
  },
  // Where packages are installed differs between the author's machine and the image
  // ("/home/a/.venv/lib/python3.11/site-packages/sklearn/base.py:12: FutureWarning").
  {
    name: 'site-packages',
    pattern:
      /(?<![^\s'"()<>:])(?:[A-Za-z]:)?[^\s'"()<>:]*[/\\](?:site|dist)-packages[/\\]/g,
    replacement: '<site-packages>/'
  },
  // Temporary folders: /tmp, /var/tmp, macOS /var/folders/…/T, Windows …\AppData\Local\Temp.
  {
    name: 'temporary-path',
    pattern:
      /(?<![\w.~-])(?:\/(?:private\/)?var\/folders\/[^\s'"/]+\/[^\s'"/]+\/T|\/var\/tmp|\/tmp|[A-Za-z]:\\Users\\[^\\\s'"]+\\AppData\\Local\\Temp)(?![\w.-])((?:[/\\][^\s'"/\\,;:()[\]<>]+)*[/\\]?)/g,
    replacement: temporaryPath
  },
  // pandas Styler's random table id "T_3f2a9" (in id="T_3f2a9" and CSS "#T_3f2a9_row0_col1").
  {
    name: 'pandas-styler-id',
    pattern: /\bT_[0-9a-f]{5}(?=[_"'\s{,.:)])/g,
    replacement: 'T_<id>'
  },
  // Altair's chart div "altair-viz-<uuid4 hex>".
  {
    name: 'altair-id',
    pattern: /\baltair-viz-[0-9a-f]{32}\b/g,
    replacement: 'altair-viz-<id>'
  },
  // Folium and other HTML makers name elements word_<uuid4 hex> ("map_3f2a…", "marker_…").
  {
    name: 'suffixed-hex-id',
    pattern: /(?<=[a-z]_)[0-9a-f]{32}\b/g,
    replacement: '<id>'
  },
  // scikit-learn's HTML repr numbers its containers per kernel session
  // ("sk-container-id-7" after the author re-ran the cell six times).
  {
    name: 'sklearn-repr-id',
    pattern: /\b(sk-(?:container|estimator)-id)-\d+/g,
    replacement: '$1-<n>'
  },
  // Servers started by the notebook listen on a free local port (Dask's dashboard,
  // Spark's UI, a test server): "http://127.0.0.1:43121/status".
  {
    name: 'local-port',
    pattern: /(?<![\w.])(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):\d{2,5}\b/g,
    replacement: '$1:<port>'
  },
  // Matplotlib SVG ids "p3a1f0e2b9c"/"m1b2c3d4e5f" (salted hashes) in id="…", url(#…),
  // href="#…".
  {
    name: 'svg-hash-id',
    pattern: /(id="|#)[a-z][0-9a-f]{10}(?=["')])/g,
    replacement: '$1<id>'
  },
  // Thread and process reprs: "<Thread(Thread-1, started daemon 140234…)>", "…stopped 1402…",
  // "<Process name='P-1' pid=4242 parent=4200 started>".
  {
    name: 'thread-ident',
    pattern: /\b((?:started|stopped)(?: daemon)?) \d+/g,
    replacement: '$1 <ident>'
  },
  {
    name: 'process-id',
    pattern: /\b(pid|parent)=\d+/g,
    replacement: '$1=<pid>'
  },
  // time.time(): seconds since 1970 with a fraction, 2017 to 2033 ("1764780000.1234").
  {
    name: 'epoch-seconds',
    pattern: /(?<![\w.])1[5-9]\d{8}\.\d+(?![\w.])/g,
    replacement: '<epoch>'
  },
  // ISO date and time ("2026-12-03 15:48:38.123456", "…T15:48:38Z", logging's
  // "…15:48:38,123"; pandas Timestamp and numpy datetime64 reprs). Seconds required, and
  // exactly midnight is kept: "2020-01-01 00:00:00" is a date in the data, not a clock.
  {
    name: 'iso-datetime',
    pattern:
      /\b\d{4}-\d\d-\d\d[T ](\d\d:\d\d:\d\d(?:[.,]\d+)?)(?:Z|[+-]\d\d:?\d\d\b)?/g,
    replacement: (match, time) => (isMidnight(time) ? match : '<datetime>')
  },
  // Python's datetime repr "datetime.datetime(2026, 12, 3, 15, 48, 38, 123456)"; all-zero
  // times kept as above.
  {
    name: 'python-datetime-repr',
    pattern: /\bdatetime\.datetime\(\d{4}, \d{1,2}, \d{1,2}((?:, \d+){1,4})/g,
    replacement: (match, time) =>
      /^(?:, 0+)+$/.test(time) ? match : 'datetime.datetime(<datetime>'
  },
  // ctime/date/HTTP/logging forms: "Thu Dec  3 15:48:38 2026", "Thu Dec 3 15:48:38 UTC
  // 2026", "Thu, 03 Dec 2026 15:48:38 GMT", "Dec 03, 2026 03:48:38 PM".
  {
    name: 'written-datetime',
    pattern: new RegExp(
      `\\b(?:${WEEKDAY},? +)?(?:${MONTH} +\\d{1,2}|\\d{1,2} +${MONTH})(?:,? +\\d{4})?,? +\\d{1,2}:\\d\\d:\\d\\d(?:[.,]\\d+)?(?: ?[AP]M)?(?: +(?:[A-Z]{2,5}|[+-]\\d{4}))?(?: +\\d{4})?\\b`,
      'g'
    ),
    replacement: '<datetime>'
  },
  // Numeric forms "12/03/2026 15:48:38", "03/12/26, 3:48:38 PM" (strftime %x %X).
  {
    name: 'slashed-datetime',
    pattern:
      /(?<![\d/])\d{1,2}\/\d{1,2}\/\d{2,4},? +\d{1,2}:\d\d:\d\d(?:[.,]\d+)?(?: ?[AP]M)?/g,
    replacement: '<datetime>'
  },
  // A clock time alone ("15:48:38", "15:48:38.123") or a timedelta ("0:00:03.52");
  // midnight kept, and pandas' Timedelta "2 days 01:00:00" (data) too.
  {
    name: 'clock-time',
    pattern: /(?<![\d:.]|days? )\d{1,2}:\d\d:\d\d(?:[.,]\d+)?(?![\d:])/g,
    replacement: match => (isMidnight(match) ? match : '<time>')
  },
  // Durations with a time unit: "1.23 s", "12ms", "3.4 µs", "2 min", "0.5 seconds",
  // Keras' "3s 1ms/step". Hours and bare "m"/"h" are left alone (metres, data).
  {
    name: 'duration',
    pattern:
      /(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)? ?(?:ns|[µμu]s|ms|s|secs?|seconds?|mins?|minutes?)(?![\w])/g,
    replacement: '<duration>'
  }
];

/** Trailing spaces on each line and blank lines at the end: never meaningful in output. */
function trimLines(text: string): string {
  return text
    .split('\n')
    .map(line => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

function applyRules(text: string): string {
  let result = text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map(stripAnsi)
    .join('\n');
  for (const rule of NORMALISE_RULES) {
    rule.pattern.lastIndex = 0;
    const replacement = rule.replacement;
    result =
      typeof replacement === 'string'
        ? result.replace(rule.pattern, replacement)
        : result.replace(rule.pattern, replacement);
  }
  return trimLines(result);
}

/**
 * The text as it is compared: terminal escapes removed and `\r`-overwritten lines
 * resolved (what a terminal shows), every rule of NORMALISE_RULES applied, trailing
 * whitespace dropped. Applied until nothing changes (one pass in practice; a placeholder
 * never feeds another rule), so normalising twice equals normalising once.
 */
export function normaliseText(text: string): string {
  let current = applyRules(text);
  for (let pass = 0; pass < 3; pass++) {
    const next = applyRules(current);
    if (next === current) {
      break;
    }
    current = next;
  }
  return current;
}

import {
  ansiClasses,
  ansiLines,
  ansiSegments,
  stripAnsi,
  stripAnsiText
} from '../shared/ansi';

const ESC = '\u001b';

describe('stripAnsi', () => {
  it('removes colour codes and keeps the text', () => {
    expect(
      stripAnsi(`${ESC}[31mERROR${ESC}[0m: no matching distribution`)
    ).toBe('ERROR: no matching distribution');
  });

  it('removes cursor movement, erase-line and OSC titles', () => {
    expect(stripAnsi(`${ESC}[2K${ESC}[1G  Downloading${ESC}[?25l`)).toBe(
      '  Downloading'
    );
    expect(stripAnsi(`${ESC}]0;title\u0007done`)).toBe('done');
    expect(stripAnsi(`${ESC}]8;;https://x${ESC}\\link`)).toBe('link');
  });

  it('shows what a terminal shows after carriage returns', () => {
    expect(stripAnsi('  10%\r  50%\r 100% done')).toBe(' 100% done');
    expect(stripAnsi('windows line\r')).toBe('windows line');
  });

  it('drops other control characters but keeps tabs', () => {
    expect(stripAnsi('a\u0007b\tc\u0000')).toBe('ab\tc');
    expect(stripAnsi(`lone ${ESC}`)).toBe('lone ');
  });

  it('leaves plain text alone', () => {
    const text = 'Step 3/9 : RUN pip install -r requirements.txt [ok] 100%';
    expect(stripAnsi(text)).toBe(text);
  });

  it('strips every line of a text', () => {
    expect(stripAnsiText(`${ESC}[1ma${ESC}[0m\n${ESC}[32mb`)).toBe('a\nb');
  });
});

describe('ansiSegments', () => {
  it('splits a line into styled runs', () => {
    const { segments } = ansiSegments(
      `${ESC}[1;31mERROR:${ESC}[0m pip ${ESC}[92mok${ESC}[39m.`
    );
    expect(segments).toEqual([
      { text: 'ERROR:', style: { bold: true, fg: 'red' } },
      { text: ' pip ', style: {} },
      { text: 'ok', style: { fg: 'bright-green' } },
      { text: '.', style: {} }
    ]);
  });

  it('merges runs of the same style and skips 256-colour arguments', () => {
    const { segments } = ansiSegments(
      `${ESC}[38;5;196mred${ESC}[38;2;1;2;3m more${ESC}[1m!`
    );
    expect(segments).toEqual([
      { text: 'red more', style: {} },
      { text: '!', style: { bold: true } }
    ]);
  });

  it('carries the style over to the next line', () => {
    const lines = ansiLines([
      `${ESC}[33mwarning`,
      'still yellow',
      `${ESC}[mplain`
    ]);
    expect(lines).toEqual([
      [{ text: 'warning', style: { fg: 'yellow' } }],
      [{ text: 'still yellow', style: { fg: 'yellow' } }],
      [{ text: 'plain', style: {} }]
    ]);
  });

  it('gives CSS classes for a style', () => {
    expect(ansiClasses({ bold: true, fg: 'bright-red', bg: 'black' })).toBe(
      'jp-Dockerize-ansi-bold jp-Dockerize-ansi-fg-bright-red jp-Dockerize-ansi-bg-black'
    );
    expect(ansiClasses({})).toBe('');
  });
});

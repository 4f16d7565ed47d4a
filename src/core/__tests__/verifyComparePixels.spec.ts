import { execFileSync } from 'child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

import fc from 'fast-check';
import { deflate } from 'pako';
import ts from 'typescript';
import { encode as encodePng } from 'fast-png';

import images from './fixtures/verifyCompare/images.json';
import { compareNotebookRun } from '../verify/notebookCompare';
import type { ICellRun, INotebookRun } from '../verify/notebookRun';
import {
  base64ToBytes,
  decodeImage,
  pixelDifference,
  type IRgbaImage
} from '../verify/pixels';

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function decoded(mime: string, base64: string): IRgbaImage {
  const image = decodeImage(mime, base64);
  expect(image).not.toBeNull();
  return image!;
}

/** The difference verdict of one display_data cell, saved vs produced. */
function compareImageCell(
  saved: Record<string, unknown>,
  produced: Record<string, unknown>,
  options = {}
) {
  const cell: ICellRun = {
    index: 0,
    source: 'plt.show()',
    tags: [],
    saved: [{ output_type: 'display_data', data: saved, metadata: {} }],
    produced: [{ output_type: 'display_data', data: produced, metadata: {} }],
    status: 'ok',
    seconds: 1
  };
  const run: INotebookRun = {
    bundlePath: 'notebooks/plot.ipynb',
    workspacePath: 'plot.ipynb',
    status: 'completed',
    message: '',
    code: '',
    kernel: 'python3',
    cellTimeout: 60,
    notebookTimeout: 600,
    seconds: 2,
    cells: [cell],
    truncated: false
  };
  return compareNotebookRun(run, options).cells[0];
}

describe('base64ToBytes', () => {
  it('decodes what Node encodes, with or without line breaks and padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
        const text = toBase64(bytes);
        expect(base64ToBytes(text)).toEqual(bytes);
        expect(
          base64ToBytes(text.replace(/(.{7})/g, '$1\n').replace(/=+$/, ''))
        ).toEqual(bytes);
      })
    );
  });

  it('refuses what is not base64', () => {
    expect(base64ToBytes('abc$')).toBeNull();
    expect(base64ToBytes('a')).toBeNull();
  });
});

describe('decodeImage', () => {
  it("decodes matplotlib's PNG to RGBA", () => {
    const image = decoded('image/png', images.original);
    expect([image.width, image.height, image.rgba.length]).toEqual([
      image.width,
      image.height,
      image.width * image.height * 4
    ]);
    expect(image.width).toBeGreaterThan(100);
  });

  it('decodes grey, palette and JPEG images to RGBA of the same size', () => {
    const original = decoded('image/png', images.original);
    for (const [mime, base64] of [
      ['image/png', images.grey],
      ['image/png', images.palette],
      ['image/jpeg', images.jpeg]
    ]) {
      const image = decoded(mime, base64);
      expect([image.width, image.height]).toEqual([
        original.width,
        original.height
      ]);
      expect(image.rgba.length).toBe(original.width * original.height * 4);
    }
  });

  it('gives null for bytes that are not an image', () => {
    expect(
      decodeImage('image/png', toBase64(new Uint8Array([1, 2, 3, 4])))
    ).toBeNull();
    expect(decodeImage('image/jpeg', 'not base64!')).toBeNull();
    expect(decodeImage('image/gif', images.small)).toBeNull();
  });

  it('reads PNGs of 1, 2, 4, 8 and 16 bits per sample as the same pixels', () => {
    const width = 5;
    const height = 3;
    const levels = (depth: number) => (1 << depth) - 1;
    for (const depth of [1, 2, 4, 8, 16] as const) {
      // A grey ramp of black and white only, so every depth can hold it exactly.
      const samples = Array.from({ length: width * height }, (_, i) =>
        i % 2 ? levels(depth) : 0
      );
      const data =
        depth === 16 ? new Uint16Array(samples) : new Uint8Array(samples);
      const png =
        depth < 8
          ? encodePacked(width, height, depth, samples)
          : encodePng({ width, height, data, depth, channels: 1 });
      const image = decoded('image/png', toBase64(png));
      expect(Array.from(image.rgba.filter((_, i) => i % 4 === 0))).toEqual(
        samples.map(sample => (sample ? 255 : 0))
      );
    }
  });
});

/** fast-png takes packed rows for depths under 8. */
function encodePacked(
  width: number,
  height: number,
  depth: number,
  samples: number[]
) {
  const rowBytes = Math.ceil((width * depth) / 8);
  const packed = new Uint8Array(rowBytes * height);
  samples.forEach((sample, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    const bit = x * depth;
    packed[y * rowBytes + Math.floor(bit / 8)] |=
      sample << (8 - depth - (bit % 8));
  });
  return encodePng({
    width,
    height,
    data: packed,
    depth: depth as 1 | 2 | 4,
    channels: 1
  });
}

describe('pixelDifference', () => {
  const white = (width: number, height: number): IRgbaImage => ({
    width,
    height,
    rgba: new Uint8Array(width * height * 4).fill(255)
  });

  it('is null when the sizes differ and 0 for empty images', () => {
    expect(pixelDifference(white(2, 2), white(2, 3), 8)).toBeNull();
    expect(pixelDifference(white(0, 0), white(0, 0), 8)).toBe(0);
  });

  it('counts pixels beyond the channel tolerance', () => {
    const changed = white(10, 10);
    changed.rgba[0] = 255 - 8; // within 8
    changed.rgba[4] = 255 - 9; // beyond
    changed.rgba[9] = 0; // another pixel, green
    expect(pixelDifference(white(10, 10), changed, 8)).toBe(0.02);
  });

  it('treats fully transparent pixels as equal whatever their colour', () => {
    const clear = (r: number): IRgbaImage => ({
      width: 1,
      height: 1,
      rgba: new Uint8Array([r, 0, 0, 0])
    });
    expect(pixelDifference(clear(0), clear(255), 0)).toBe(0);
    expect(
      pixelDifference(
        clear(0),
        { ...clear(0), rgba: new Uint8Array([0, 0, 0, 255]) },
        8
      )
    ).toBe(1);
  });
});

describe('images in a notebook comparison', () => {
  const png = (base64: string) => ({
    'image/png': base64,
    'text/plain': '<Figure>'
  });

  it('matches the same pixels encoded differently', () => {
    expect(images.optimised).not.toBe(images.original);
    expect(
      compareImageCell(png(images.original), png(images.optimised)).verdict
    ).toBe('match');
    expect(
      compareImageCell(png(images.grey), png(images.greyAsRgb)).verdict
    ).toBe('match');
    expect(
      compareImageCell(
        png(images.original),
        png(`${images.original.slice(0, 60)}\n${images.original.slice(60)}`)
      ).verdict
    ).toBe('match');
  });

  it('finds a line drawn over the plot, with the fraction of pixels', () => {
    const cell = compareImageCell(png(images.original), png(images.changed));
    expect(cell.verdict).toBe('differs');
    const [difference] = cell.differences;
    expect(difference).toMatchObject({
      kind: 'image',
      label: 'image/png',
      saved: `data:image/png;base64,${images.original}`,
      produced: `data:image/png;base64,${images.changed}`
    });
    expect(difference.pixelsDiffer).toBeGreaterThan(0.001);
    expect(difference.pixelsDiffer).toBeLessThan(0.05);
    expect(difference.note).toMatch(
      /^\d\.\d+% of pixels differ \(more than 8 of 255 in a channel; 0\.1% allowed\)$/
    );
    expect(
      compareImageCell(png(images.original), png(images.changed), {
        pixelTolerance: 0.05
      }).verdict
    ).toBe('match');
  });

  it('reports a changed size', () => {
    const [difference] = compareImageCell(
      png(images.original),
      png(images.resized)
    ).differences;
    expect(difference.pixelsDiffer).toBeNull();
    expect(difference.note).toMatch(/^Image size changed: \d+×\d+ → \d+×\d+$/);
  });

  it('compares a PNG with a JPEG by pixels', () => {
    const small = compareImageCell(png(images.small), {
      'image/jpeg': images.smallJpeg
    });
    expect(small.verdict).toBe('match');
    const lossy = compareImageCell(png(images.original), {
      'image/jpeg': images.jpeg
    });
    expect(lossy.differences[0]).toMatchObject({
      kind: 'image',
      label: 'image/jpeg'
    });
  });

  it('says when an image cannot be decoded', () => {
    const [difference] = compareImageCell(
      png(images.original),
      png(toBase64(new Uint8Array([137, 80, 78, 71])))
    ).differences;
    expect(difference).toMatchObject({
      pixelsDiffer: null,
      note: 'The new image could not be decoded'
    });
  });

  it('matches any image re-encoded with another zlib level, interlacing or channel layout', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        fc.context(),
        (width, height, opaque, level, interlace, context) => {
          const rgba = new Uint8Array(width * height * 4);
          for (let i = 0; i < rgba.length; i++) {
            rgba[i] = (i * 97 + width * 13 + height) % 256;
            if (opaque && i % 4 === 3) {
              rgba[i] = 255;
            }
          }
          const saved = encodePng({ width, height, data: rgba, channels: 4 });
          const rgb = rgba.filter((_, i) => i % 4 !== 3);
          const produced = encodePng(
            opaque
              ? { width, height, data: rgb, channels: 3 }
              : {
                  width,
                  height,
                  data: new Uint16Array(Array.from(rgba, value => value * 257)),
                  depth: 16,
                  channels: 4
                },
            {
              zlib: { level: level as 0 },
              interlace: interlace ? 'Adam7' : 'null'
            }
          );
          context.log(`${toBase64(saved)} vs ${toBase64(produced)}`);
          expect(
            compareImageCell(png(toBase64(saved)), png(toBase64(produced)))
              .verdict
          ).toBe('match');
        }
      )
    );
  });

  it('matches any image re-encoded with other PNG row filters', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 4 }), {
          minLength: 10,
          maxLength: 10
        }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1000 }),
        (width, height, filters, level, seed) => {
          const rgba = new Uint8Array(width * height * 4);
          for (let i = 0; i < rgba.length; i++) {
            rgba[i] = (i * 31 + seed * 7 + ((i * seed) >> 3)) % 256;
          }
          const saved = encodePng({ width, height, data: rgba, channels: 4 });
          const produced = encodeFiltered(width, height, rgba, filters, level);
          expect(
            compareImageCell(png(toBase64(saved)), png(toBase64(produced)))
              .verdict
          ).toBe('match');
        }
      )
    );
  });

  it('finds one pixel changed beyond the tolerance in a small image', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 9, max: 255 }),
        (at, by) => {
          const rgba = new Uint8Array(8 * 8 * 4).fill(255);
          const changed = rgba.slice();
          changed[at * 4 + 1] = 255 - by;
          const saved = toBase64(
            encodePng({ width: 8, height: 8, data: rgba, channels: 4 })
          );
          const produced = toBase64(
            encodePng({ width: 8, height: 8, data: changed, channels: 4 })
          );
          const cell = compareImageCell(png(saved), png(produced));
          expect(cell.verdict).toBe('differs');
          expect(cell.differences[0].pixelsDiffer).toBe(1 / 64);
        }
      )
    );
  });

  it('compares a 200-cell notebook with 20 re-encoded plots well under a second in Node', () => {
    const run = bigNotebook();
    // Jest's module sandbox runs fast-png's inflate several times slower than Node does,
    // so the time is taken in a plain Node process running the same modules.
    const { warm, cold, summary } = timeInNode(run);
    expect(summary).toBe('Notebook reproduced: 200 of 200 cells match');
    expect(cold).toBeLessThan(2500);
    expect(warm).toBeLessThan(1000);
    // In Jest too the result is the same.
    expect(compareNotebookRun(run).summary).toBe(summary);
  });
});

/** 200 cells: every tenth shows a plot re-encoded (bytes differ, pixels equal), the others print numbers and a clock. */
function bigNotebook(): INotebookRun {
  const png = (base64: string) => ({
    'image/png': base64,
    'text/plain': '<Figure>'
  });
  const cells: ICellRun[] = Array.from({ length: 200 }, (_, i) => ({
    index: i,
    source: `cell ${i}`,
    tags: [],
    saved:
      i % 10 === 0
        ? [
            {
              output_type: 'display_data',
              data: png(images.original),
              metadata: {}
            }
          ]
        : [
            {
              output_type: 'stream',
              name: 'stdout',
              text: `step ${i}: loss 0.${i}12345678 at 2026-01-01 10:00:0${i % 10}.1\n`
            }
          ],
    produced:
      i % 10 === 0
        ? [
            {
              output_type: 'display_data',
              data: png(images.optimised),
              metadata: {}
            }
          ]
        : [
            {
              output_type: 'stream',
              name: 'stdout',
              text: `step ${i}: loss 0.${i}12345679 at 2026-12-03 15:00:0${i % 10}.7\n`
            }
          ],
    status: 'ok',
    seconds: 0.1
  }));
  return {
    bundlePath: 'notebooks/big.ipynb',
    workspacePath: 'big.ipynb',
    status: 'completed',
    message: '',
    code: '',
    kernel: 'python3',
    cellTimeout: 60,
    notebookTimeout: 600,
    seconds: 20,
    cells,
    truncated: false
  };
}

/** The compare modules, transpiled to CommonJS as they are, into a temporary folder. */
const MODULES = [
  'shared/ansi',
  'shared/guards',
  'verify/notebookRun',
  'verify/cellTags',
  'verify/normalise',
  'verify/numbers',
  'verify/pixels',
  'verify/outputs',
  'verify/notebookCompare'
];

function timeInNode(run: INotebookRun): {
  cold: number;
  warm: number;
  summary: string;
} {
  const folder = mkdtempSync(join(tmpdir(), 'verify-compare-'));
  try {
    for (const module of MODULES) {
      const source = readFileSync(
        join(__dirname, '..', `${module}.ts`),
        'utf8'
      );
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true
        }
      });
      mkdirSync(join(folder, dirname(module)), { recursive: true });
      writeFileSync(join(folder, `${module}.js`), outputText);
    }
    writeFileSync(join(folder, 'run.json'), JSON.stringify(run));
    const script = `
      const { compareNotebookRun } = require('./verify/notebookCompare.js');
      const run = JSON.parse(require('fs').readFileSync('./run.json', 'utf8'));
      let started = performance.now();
      const { summary } = compareNotebookRun(run);
      const cold = performance.now() - started;
      started = performance.now();
      compareNotebookRun(run);
      const warm = performance.now() - started;
      process.stdout.write(JSON.stringify({ cold, warm, summary }));
    `;
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: folder,
      env: {
        ...process.env,
        NODE_PATH: join(__dirname, '..', '..', '..', 'node_modules')
      },
      encoding: 'utf8'
    });
    return JSON.parse(output);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * An RGBA PNG whose row y uses filter filters[y % length] (0 none, 1 sub, 2 up,
 * 3 average, 4 Paeth) at a zlib level: fast-png's encoder only writes filter 0, while
 * libpng and Pillow choose per row.
 */
function encodeFiltered(
  width: number,
  height: number,
  rgba: Uint8Array,
  filters: number[],
  level: number
): Uint8Array {
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  const at = (y: number, x: number) =>
    y < 0 || x < 0 ? 0 : rgba[y * stride + x];
  for (let y = 0; y < height; y++) {
    const filter = filters[y % filters.length];
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const left = at(y, x - 4);
      const up = at(y - 1, x);
      const upLeft = at(y - 1, x - 4);
      const estimate = left + up - upLeft;
      const paeth = [left, up, upLeft].reduce((best, candidate) =>
        Math.abs(estimate - candidate) < Math.abs(estimate - best)
          ? candidate
          : best
      );
      const predictor = [0, left, up, (left + up) >> 1, paeth][filter];
      raw[y * (stride + 1) + 1 + x] = (at(y, x) - predictor) & 0xff;
    }
  }
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const chunks = [
    chunk('IHDR', header),
    chunk('IDAT', deflate(raw, { level: level as 1 })),
    chunk('IEND', new Uint8Array(0))
  ];
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  return new Uint8Array([
    ...signature,
    ...chunks.flatMap(part => Array.from(part))
  ]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(
    Array.from(type, char => char.charCodeAt(0)),
    4
  );
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

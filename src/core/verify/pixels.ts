/**
 * Images compared by what they show, not by their bytes: PNG and JPEG outputs decoded to
 * 8-bit RGBA (fast-png, jpeg-js; pure JS, no DOM) and compared pixel by pixel with a
 * per-channel tolerance. Two encoders (zlib level, PNG filter, palette or not, 16-bit or
 * 8-bit) give different bytes for the same pixels; those compare equal here.
 */
import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';

/** Pixels as 8-bit RGBA, row by row. */
export interface IRgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const BASE64_VALUES = (() => {
  const table = new Int16Array(128).fill(-1);
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) {
    table[alphabet.charCodeAt(i)] = i;
  }
  // The URL-safe alphabet decodes too.
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

/**
 * Base64 (as notebooks store images, possibly with line breaks) to bytes; null when it is
 * not base64. Written out because the core runs without DOM (no atob) and without Node
 * (no Buffer) in the browser.
 */
export function base64ToBytes(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=]+/g, '');
  if (clean.length % 4 === 1) {
    return null;
  }
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let bitCount = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const value = code < 128 ? BASE64_VALUES[code] : -1;
    if (value < 0) {
      return null;
    }
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes[at++] = (bits >> bitCount) & 0xff;
    }
  }
  return bytes;
}

/** Samples of any PNG bit depth scaled to 0..255. */
function to8Bit(
  data: ArrayLike<number>,
  depth: number,
  width: number,
  height: number,
  channels: number
): Uint8Array {
  const samples = width * height * channels;
  if (depth === 8 && data instanceof Uint8Array) {
    return data;
  }
  const out = new Uint8Array(samples);
  if (depth === 8) {
    out.set(data as Uint8ClampedArray);
  } else if (depth === 16) {
    for (let i = 0; i < samples; i++) {
      out[i] = data[i] >> 8;
    }
  } else {
    // 1, 2 or 4 bits per sample, packed, each row starting on a byte boundary.
    const rowBytes = Math.ceil((width * channels * depth) / 8);
    const max = (1 << depth) - 1;
    const perByte = 8 / depth;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width * channels; x++) {
        const byte = data[y * rowBytes + Math.floor(x / perByte)];
        const shift = 8 - depth * ((x % perByte) + 1);
        out[y * width * channels + x] = Math.round(
          (((byte >> shift) & max) * 255) / max
        );
      }
    }
  }
  return out;
}

/** 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) channels to RGBA. */
function toRgba(
  samples: Uint8Array,
  channels: number,
  pixels: number
): Uint8Array {
  if (channels === 4) {
    return samples;
  }
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    const d = p * 4;
    if (channels === 3) {
      rgba[d] = samples[s];
      rgba[d + 1] = samples[s + 1];
      rgba[d + 2] = samples[s + 2];
      rgba[d + 3] = 255;
    } else {
      const grey = samples[s];
      rgba[d] = grey;
      rgba[d + 1] = grey;
      rgba[d + 2] = grey;
      rgba[d + 3] = channels === 2 ? samples[s + 1] : 255;
    }
  }
  return rgba;
}

function decodePngRgba(bytes: Uint8Array): IRgbaImage {
  const png = decodePng(bytes);
  const pixels = png.width * png.height;
  if (png.palette) {
    const colours = convertIndexedToRgb(png);
    return {
      width: png.width,
      height: png.height,
      rgba: toRgba(colours, png.palette[0]?.length ?? 3, pixels)
    };
  }
  const samples = to8Bit(
    png.data,
    png.depth,
    png.width,
    png.height,
    png.channels
  );
  return {
    width: png.width,
    height: png.height,
    rgba: toRgba(samples, png.channels, pixels)
  };
}

function decodeJpegRgba(bytes: Uint8Array): IRgbaImage {
  const jpeg = decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxMemoryUsageInMB: 512
  });
  return { width: jpeg.width, height: jpeg.height, rgba: jpeg.data };
}

/** An image output (`image/png` or `image/jpeg`, base64) decoded; null when it cannot be. */
export function decodeImage(mime: string, base64: string): IRgbaImage | null {
  const bytes = base64ToBytes(base64);
  if (!bytes) {
    return null;
  }
  try {
    if (mime === 'image/png') {
      return decodePngRgba(bytes);
    }
    if (mime === 'image/jpeg') {
      return decodeJpegRgba(bytes);
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The fraction of pixels that differ by more than `channelTolerance` in any channel,
 * colours premultiplied by alpha (fully transparent pixels are equal whatever their
 * colour); null when the sizes differ.
 */
export function pixelDifference(
  saved: IRgbaImage,
  produced: IRgbaImage,
  channelTolerance: number
): number | null {
  if (saved.width !== produced.width || saved.height !== produced.height) {
    return null;
  }
  const pixels = saved.width * saved.height;
  if (pixels === 0) {
    return 0;
  }
  const a = saved.rgba;
  const b = produced.rgba;
  let differing = 0;
  for (let i = 0; i < pixels * 4; i += 4) {
    // Most pixels are identical: four byte compares, then the next pixel.
    if (
      a[i] === b[i] &&
      a[i + 1] === b[i + 1] &&
      a[i + 2] === b[i + 2] &&
      a[i + 3] === b[i + 3]
    ) {
      continue;
    }
    if (pixelsDiffer(a, b, i, channelTolerance)) {
      differing++;
    }
  }
  return differing / pixels;
}

function pixelsDiffer(
  a: Uint8Array,
  b: Uint8Array,
  i: number,
  channelTolerance: number
): boolean {
  const alphaA = a[i + 3];
  const alphaB = b[i + 3];
  if (Math.abs(alphaA - alphaB) > channelTolerance) {
    return true;
  }
  for (let c = 0; c < 3; c++) {
    const premultipliedA = (a[i + c] * alphaA) / 255;
    const premultipliedB = (b[i + c] * alphaB) / 255;
    if (Math.abs(premultipliedA - premultipliedB) > channelTolerance) {
      return true;
    }
  }
  return false;
}

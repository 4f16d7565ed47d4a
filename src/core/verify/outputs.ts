/**
 * One cell's saved outputs against its produced outputs: streams per stream name (their
 * chunks joined: how the kernel split them does not matter), rich outputs
 * (execute_result, display_data) pair by pair in order, each pair compared in the
 * richest type both have, and the error's name and value (not its traceback, which
 * holds paths and line numbers of the machine it ran on).
 */
import { isRecord } from '../shared/guards';
import type { INotebookOutput } from './notebookRun';
import { normaliseText } from './normalise';
import {
  compareTextWithNumbers,
  formatTolerance,
  type ITolerance
} from './numbers';
import { decodeImage, pixelDifference } from './pixels';

export interface IOutputTolerances extends ITolerance {
  /** Fraction of pixels allowed to differ. */
  pixels: number;
  /** Difference per channel (0..255) that counts as equal. */
  channel: number;
}

/** A difference between saved and produced outputs (see notebookCompare.ts). */
export interface IOutputDifference {
  kind: 'text' | 'image' | 'missing' | 'extra';
  /** 'stream:stdout', 'text/plain', 'text/html', 'image/png', 'error', … */
  label: string;
  /** Text after normalising (text), or a data: URI (image); '' when absent. */
  saved: string;
  produced: string;
  /** For images: fraction of pixels beyond tolerance, or null when sizes differ/undecodable. */
  pixelsDiffer?: number | null;
  /** One line in words: "3 numbers differ beyond 1e-6 (first: 0.512 → 0.498)". */
  note: string;
}

/** Raster images, compared by pixels. */
const RASTER_TYPES = ['image/png', 'image/jpeg'];

/** Text types from richest to plainest; image/svg+xml is compared as text. */
const TEXT_TYPES = [
  'image/svg+xml',
  'text/html',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain'
];

/** nbformat stores multi-line strings as a list of lines. */
export function joinedText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(part => (typeof part === 'string' ? part : '')).join('');
  }
  return typeof value === 'string' ? value : '';
}

/** JSON with keys sorted, so key order does not count as a difference. */
function stableJson(value: unknown): string {
  const sorted = (item: unknown): unknown => {
    if (Array.isArray(item)) {
      return item.map(sorted);
    }
    if (item && typeof item === 'object') {
      const record = item as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(record)
          .sort()
          .map(key => [key, sorted(record[key])])
      );
    }
    return item;
  };
  return JSON.stringify(sorted(value), null, 2) ?? '';
}

/** A mime bundle's value for one type as text. */
export function bundleText(
  data: Record<string, unknown>,
  mime: string
): string {
  const value = data[mime];
  if (mime === 'application/json' || mime.endsWith('+json')) {
    return typeof value === 'string' ? value : stableJson(value);
  }
  return joinedText(value);
}

type RichOutput = Extract<
  INotebookOutput,
  { output_type: 'execute_result' | 'display_data' }
>;

function streamsOf(outputs: readonly INotebookOutput[]): Map<string, string> {
  const streams = new Map<string, string>();
  for (const output of outputs) {
    if (output.output_type === 'stream') {
      streams.set(
        output.name,
        (streams.get(output.name) ?? '') + joinedText(output.text)
      );
    }
  }
  return streams;
}

/** The mime bundles of the rich outputs, in order ({} for a malformed one). */
function richBundlesOf(
  outputs: readonly INotebookOutput[]
): Record<string, unknown>[] {
  return outputs
    .filter(
      (output): output is RichOutput =>
        output.output_type === 'execute_result' ||
        output.output_type === 'display_data'
    )
    .map(output => (isRecord(output.data) ? output.data : {}));
}

function errorOf(outputs: readonly INotebookOutput[]): string | null {
  for (const output of outputs) {
    if (output.output_type === 'error') {
      return `${output.ename ?? ''}: ${output.evalue ?? ''}`;
    }
  }
  return null;
}

/** The richest type of a bundle we know how to show; '' when none. */
function richestType(data: Record<string, unknown>): string {
  return [...RASTER_TYPES, ...TEXT_TYPES].find(mime => mime in data) ?? '';
}

function dataUri(mime: string, data: Record<string, unknown>): string {
  return `data:${mime};base64,${joinedText(data[mime]).replace(/\s+/g, '')}`;
}

/** What a lone output looks like in a difference: normalised text or a data: URI. */
function showBundle(data: Record<string, unknown>, mime: string): string {
  if (RASTER_TYPES.includes(mime)) {
    return dataUri(mime, data);
  }
  return mime ? normaliseText(bundleText(data, mime)) : '';
}

function compareTexts(
  label: string,
  saved: string,
  produced: string,
  tolerances: IOutputTolerances
): IOutputDifference | null {
  return compareNormalised(
    label,
    normaliseText(saved),
    normaliseText(produced),
    tolerances
  );
}

function compareNormalised(
  label: string,
  savedText: string,
  producedText: string,
  tolerances: IOutputTolerances
): IOutputDifference | null {
  const verdict = compareTextWithNumbers(savedText, producedText, tolerances);
  if (verdict.equal) {
    return null;
  }
  return {
    kind: 'text',
    label,
    saved: savedText,
    produced: producedText,
    note: verdict.note
  };
}

function percent(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 1 ? value.toFixed(1) : Number(value.toPrecision(2))}%`;
}

function compareImages(
  savedMime: string,
  saved: Record<string, unknown>,
  producedMime: string,
  produced: Record<string, unknown>,
  tolerances: IOutputTolerances
): IOutputDifference | null {
  const savedBase64 = joinedText(saved[savedMime]).replace(/\s+/g, '');
  const producedBase64 = joinedText(produced[producedMime]).replace(/\s+/g, '');
  if (savedMime === producedMime && savedBase64 === producedBase64) {
    return null;
  }
  const difference = (pixelsDiffer: number | null, note: string) => ({
    kind: 'image' as const,
    label: producedMime,
    saved: dataUri(savedMime, saved),
    produced: dataUri(producedMime, produced),
    pixelsDiffer,
    note
  });
  const savedImage = decodeImage(savedMime, savedBase64);
  const producedImage = decodeImage(producedMime, producedBase64);
  if (!savedImage || !producedImage) {
    const which = !savedImage ? 'saved' : 'new';
    return difference(null, `The ${which} image could not be decoded`);
  }
  const fraction = pixelDifference(
    savedImage,
    producedImage,
    tolerances.channel
  );
  if (fraction === null) {
    return difference(
      null,
      `Image size changed: ${savedImage.width}×${savedImage.height} → ${producedImage.width}×${producedImage.height}`
    );
  }
  if (fraction <= tolerances.pixels) {
    return null;
  }
  return difference(
    fraction,
    `${percent(fraction)} of pixels differ (more than ${tolerances.channel} of 255 in a channel; ${formatTolerance(tolerances.pixels * 100)}% allowed)`
  );
}

/** One rich output of each side, in the richest type they share. */
function compareRich(
  saved: Record<string, unknown>,
  produced: Record<string, unknown>,
  tolerances: IOutputTolerances
): IOutputDifference | null {
  const savedRaster = RASTER_TYPES.find(mime => mime in saved);
  const producedRaster = RASTER_TYPES.find(mime => mime in produced);
  if (savedRaster && producedRaster) {
    const shared = RASTER_TYPES.find(mime => mime in saved && mime in produced);
    return compareImages(
      shared ?? savedRaster,
      saved,
      shared ?? producedRaster,
      produced,
      tolerances
    );
  }
  const savedImage =
    savedRaster ?? ('image/svg+xml' in saved ? 'image/svg+xml' : '');
  const producedImage =
    producedRaster ?? ('image/svg+xml' in produced ? 'image/svg+xml' : '');
  if (savedImage && producedImage && savedImage !== producedImage) {
    return {
      kind: 'image',
      label: producedImage,
      saved: showBundle(saved, savedImage),
      produced: showBundle(produced, producedImage),
      pixelsDiffer: null,
      note: `The image changed format: ${savedImage} → ${producedImage}`
    };
  }
  if (Boolean(savedImage) !== Boolean(producedImage)) {
    const producedType = producedImage || richestType(produced);
    const savedType = savedImage || richestType(saved);
    return {
      kind: 'image',
      label: savedImage || producedImage,
      saved: showBundle(saved, savedType),
      produced: showBundle(produced, producedType),
      pixelsDiffer: null,
      note: savedImage
        ? `The saved output has an image (${savedImage}); the new one has none`
        : `The new output has an image (${producedImage}); the saved one has none`
    };
  }
  const shared = TEXT_TYPES.find(mime => mime in saved && mime in produced);
  if (!shared) {
    const savedType = richestType(saved);
    const producedType = richestType(produced);
    if (!savedType && !producedType) {
      // Neither side has a type we can compare (a widget alone, say): nothing to say.
      return null;
    }
    return {
      kind: 'text',
      label: producedType || savedType,
      saved: showBundle(saved, savedType),
      produced: showBundle(produced, producedType),
      note: `The output changed type: ${savedType || 'nothing shown'} → ${producedType || 'nothing shown'}`
    };
  }
  return compareTexts(
    shared,
    bundleText(saved, shared),
    bundleText(produced, shared),
    tolerances
  );
}

const STREAM_ORDER = ['stdout', 'stderr'];

function streamNames(
  saved: Map<string, string>,
  produced: Map<string, string>
): string[] {
  const names = new Set([...saved.keys(), ...produced.keys()]);
  return [...names].sort((a, b) => {
    const rank = (name: string) =>
      STREAM_ORDER.includes(name)
        ? STREAM_ORDER.indexOf(name)
        : STREAM_ORDER.length;
    return rank(a) - rank(b) || a.localeCompare(b);
  });
}

function compareStreams(
  saved: readonly INotebookOutput[],
  produced: readonly INotebookOutput[],
  tolerances: IOutputTolerances
): IOutputDifference[] {
  const savedStreams = streamsOf(saved);
  const producedStreams = streamsOf(produced);
  const differences: IOutputDifference[] = [];
  for (const name of streamNames(savedStreams, producedStreams)) {
    const label = `stream:${name}`;
    const savedText = normaliseText(savedStreams.get(name) ?? '');
    const producedText = normaliseText(producedStreams.get(name) ?? '');
    if (savedText && !producedText) {
      differences.push({
        kind: 'missing',
        label,
        saved: savedText,
        produced: '',
        note: `Nothing was printed to ${name}`
      });
    } else if (producedText && !savedText) {
      differences.push({
        kind: 'extra',
        label,
        saved: '',
        produced: producedText,
        note: `New output on ${name}`
      });
    } else {
      const difference = compareNormalised(
        label,
        savedText,
        producedText,
        tolerances
      );
      if (difference) {
        differences.push(difference);
      }
    }
  }
  return differences;
}

function compareRichOutputs(
  saved: readonly INotebookOutput[],
  produced: readonly INotebookOutput[],
  tolerances: IOutputTolerances
): IOutputDifference[] {
  const savedRich = richBundlesOf(saved);
  const producedRich = richBundlesOf(produced);
  const differences: IOutputDifference[] = [];
  const count = Math.max(savedRich.length, producedRich.length);
  for (let i = 0; i < count; i++) {
    const savedData = savedRich[i];
    const producedData = producedRich[i];
    if (savedData && producedData) {
      const difference = compareRich(savedData, producedData, tolerances);
      if (difference) {
        differences.push(difference);
      }
    } else if (savedData) {
      const mime = richestType(savedData);
      differences.push({
        kind: 'missing',
        label: mime || 'display',
        saved: showBundle(savedData, mime),
        produced: '',
        note: `Output ${i + 1} (${mime || 'display'}) was not produced`
      });
    } else if (producedData) {
      const mime = richestType(producedData);
      differences.push({
        kind: 'extra',
        label: mime || 'display',
        saved: '',
        produced: showBundle(producedData, mime),
        note: `Output ${i + 1} (${mime || 'display'}) is new`
      });
    }
  }
  return differences;
}

function compareErrors(
  saved: readonly INotebookOutput[],
  produced: readonly INotebookOutput[],
  tolerances: IOutputTolerances
): IOutputDifference[] {
  const savedError = errorOf(saved);
  const producedError = errorOf(produced);
  if (savedError !== null && producedError !== null) {
    const difference = compareTexts(
      'error',
      savedError,
      producedError,
      tolerances
    );
    return difference ? [difference] : [];
  }
  if (savedError !== null) {
    return [
      {
        kind: 'missing',
        label: 'error',
        saved: normaliseText(savedError),
        produced: '',
        note: 'The saved output has an error; the new run raised none'
      }
    ];
  }
  if (producedError !== null) {
    return [
      {
        kind: 'extra',
        label: 'error',
        saved: '',
        produced: normaliseText(producedError),
        note: `The new run raised ${producedError.split(':')[0]}`
      }
    ];
  }
  return [];
}

/** Every difference between a cell's saved and produced outputs; [] when they match. */
export function compareOutputs(
  saved: readonly INotebookOutput[],
  produced: readonly INotebookOutput[],
  tolerances: IOutputTolerances
): IOutputDifference[] {
  const savedOutputs = wellFormed(saved);
  const producedOutputs = wellFormed(produced);
  return [
    ...compareStreams(savedOutputs, producedOutputs, tolerances),
    ...compareRichOutputs(savedOutputs, producedOutputs, tolerances),
    ...compareErrors(savedOutputs, producedOutputs, tolerances)
  ];
}

/** Outputs come from notebooks and kernels: anything that is not an object is left out. */
function wellFormed(outputs: readonly INotebookOutput[]): INotebookOutput[] {
  return outputs.filter(output => isRecord(output));
}

/** The produced error's name and value, if the cell raised. */
export function producedError(
  outputs: readonly INotebookOutput[]
): { ename: string; evalue: string } | null {
  for (const output of wellFormed(outputs)) {
    if (output.output_type === 'error') {
      return {
        ename: String(output.ename ?? ''),
        evalue: String(output.evalue ?? '')
      };
    }
  }
  return null;
}

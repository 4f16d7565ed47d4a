/**
 * The notebook's imports: found in the cells (importScanner.ts), then resolved to the
 * environment's distributions (importResolution.ts). Kept so that existing imports of
 * this module compile while src/core is regrouped.
 */
export * from './importScanner';
export * from './importResolution';

/**
 * The one dictionary of the console, Danish first (`messages-da.ts`) and English typed by its keys
 * (`messages-en.ts`); split in two files only to keep each under the size we aim for.
 */
export { da } from './messages-da.js';
export type { MessageKey } from './messages-da.js';
export { en } from './messages-en.js';

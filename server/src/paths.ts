import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root, for the files the server reads (the built console, the Redis
 * configuration, the directory fixtures). Found from this module's own location, which is two
 * levels below the root in every form the server runs in: server/src (tests, tsx),
 * server/dist (tsc's output) and server/dist/varsel-app.cjs (the one-file bundle `npm start`
 * loads, where import.meta.url is the bundle's own URL: see bundle.ts).
 */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A path inside the checkout, from `/`-separated parts. */
export function repoPath(relative: string): string {
  return path.join(REPO_ROOT, ...relative.split('/'));
}

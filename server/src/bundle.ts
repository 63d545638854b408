/**
 * Build step (`npm run bundle -w server`, part of `npm run build`): bundles the compiled server
 * (dist/main.js and everything it imports, dependencies included) into one CommonJS file,
 * dist/varsel-app.cjs, and its entry (dist/launcher.js: the configuration and the early listener
 * of early-listen.ts) into the ES module dist/varsel.mjs, which `npm start` and the production
 * commands run and which requires varsel-app.cjs once an edge's port is bound.
 *
 * One file, because node loads it in about two thirds of the time of the 846 modules it replaces
 * (no resolution, package lookups or CommonJS export scanning). CommonJS, because node's CommonJS
 * loader reads and compiles a 6 MB file faster than its ES module loader does (which decodes the
 * source with a TextDecoder and links it as a module): an idle edge needs about a tenth less CPU
 * from start to serving, 0.76 s instead of 0.84 s on a 2-core EPYC. A restarted edge spends that
 * CPU while thousands of agents reconnect to it, on cores it shares with them.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { repoPath } from './paths.js';

// Packages that load native code or optional native helpers by path at run time: left to node's
// resolution from dist/, as for the unbundled server.
// firebase-admin too: it is large and loaded only by a worker with FCM configured (push/fcm-channel.ts).
const EXTERNAL = ['@node-rs/argon2', 'msgpackr-extract', 'bufferutil', 'utf-8-validate', 'firebase-admin'];

// CommonJS dependencies inside the ES module entry still call require() and read __dirname and
// __filename: give them the entry's own.
const ESM_BANNER = [
  "import { createRequire as __varselCreateRequire } from 'node:module';",
  "import { fileURLToPath as __varselFileURLToPath } from 'node:url';",
  "import { dirname as __varselDirname } from 'node:path';",
  'const require = __varselCreateRequire(import.meta.url);',
  'const __filename = __varselFileURLToPath(import.meta.url);',
  'const __dirname = __varselDirname(__filename);',
].join('\n');

// The server's own modules are ES modules that find their files from import.meta.url (paths.ts):
// in the CommonJS bundle that is the bundle's own URL. Strict, as ES modules are: the directive
// must come before the banner's statement to count.
const CJS_BANNER = ['"use strict";', "const __varselImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
} as const;

// The server.
const app = await build({
  ...common,
  format: 'cjs',
  banner: { js: CJS_BANNER },
  define: { 'import.meta.url': '__varselImportMetaUrl' },
  entryPoints: [repoPath('server/dist/main.js')],
  outfile: repoPath('server/dist/varsel-app.cjs'),
});

// The entry: the configuration, the early listener, and a require of the server's bundle
// (launcher.ts's APP_BUNDLE). Its import of main.js, for the unbundled server, stays unresolved
// rather than bundle the server a second time.
const appEntry: Plugin = {
  name: 'varsel-app-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.js', external: true }));
  },
};
const entry = await build({
  ...common,
  format: 'esm',
  banner: { js: ESM_BANNER },
  define: { VARSEL_APP_BUNDLE: JSON.stringify('./varsel-app.cjs') },
  entryPoints: [repoPath('server/dist/launcher.js')],
  outfile: repoPath('server/dist/varsel.mjs'),
  plugins: [appEntry],
});

const count = (r: { metafile: Metafile }): number => Object.keys(r.metafile.inputs).length;
process.stdout.write(`bundled ${count(app)} modules into server/dist/varsel-app.cjs, and its entry (${count(entry)} modules) into server/dist/varsel.mjs\n`);

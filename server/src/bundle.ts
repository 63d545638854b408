/**
 * Build step (`npm run bundle -w server`, part of `npm run build`): bundles the compiled server
 * (dist/main.js and everything it imports, dependencies included) into one file,
 * dist/varsel-app.mjs, and its entry (dist/launcher.js: the configuration and the early listener
 * of early-listen.ts) into dist/varsel.mjs, which `npm start` and the production commands run
 * and which loads varsel-app.mjs once an edge's port is bound. Same program, one file:
 * node loads it in about two thirds of the time of the 846 modules it replaces (no resolution,
 * package lookups or CommonJS export scanning): an idle edge is up in 330-350 ms instead of
 * 490-550 ms, and an edge restarted after a kill on a loaded machine accepts agents 0.7-0.9 s
 * sooner, which in a reconnect storm is that much less of agents retrying against a closed port.
 */
import { build, type Plugin } from 'esbuild';
import { repoPath } from './paths.js';

// Packages that load native code or optional native helpers by path at run time: left to node's
// resolution from dist/, as for the unbundled server.
// firebase-admin too: it is large and loaded only by a worker with FCM configured (push/fcm-channel.ts).
const EXTERNAL = ['@node-rs/argon2', 'msgpackr-extract', 'bufferutil', 'utf-8-validate', 'firebase-admin'];

// CommonJS dependencies inside an ES module bundle still call require() and read __dirname and
// __filename (ioredis its package.json, msgpackr its optional helper): give them the bundle's own.
const BANNER = [
  "import { createRequire as __varselCreateRequire } from 'node:module';",
  "import { fileURLToPath as __varselFileURLToPath } from 'node:url';",
  "import { dirname as __varselDirname } from 'node:path';",
  'const require = __varselCreateRequire(import.meta.url);',
  'const __filename = __varselFileURLToPath(import.meta.url);',
  'const __dirname = __varselDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  banner: { js: BANNER },
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
} as const;

// The server.
const app = await build({ ...common, entryPoints: [repoPath('server/dist/main.js')], outfile: repoPath('server/dist/varsel-app.mjs') });

// The entry: the configuration, the early listener, and an import of the server's bundle (not of
// main.js, which it would otherwise bundle a second time).
const appEntry: Plugin = {
  name: 'varsel-app-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './varsel-app.mjs', external: true }));
  },
};
const entry = await build({ ...common, entryPoints: [repoPath('server/dist/launcher.js')], outfile: repoPath('server/dist/varsel.mjs'), plugins: [appEntry] });

const count = (r: typeof app): number => Object.keys(r.metafile.inputs).length;
process.stdout.write(`bundled ${count(app)} modules into server/dist/varsel-app.mjs, and its entry (${count(entry)} modules) into server/dist/varsel.mjs\n`);

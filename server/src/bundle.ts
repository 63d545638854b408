/**
 * Build step (`npm run bundle -w server`, part of `npm run build`): bundles the compiled server
 * (dist/main.js and everything it imports, dependencies included) into one file,
 * dist/varsel.mjs, which `npm start` and the production commands run. Same program, one file:
 * node loads it in about half the CPU time of the 600 modules it replaces (resolution, package
 * lookups, CommonJS export scanning), so an edge restarted after a crash accepts agents about
 * a second sooner on a loaded machine, which in a reconnect storm is a second of agents
 * not retrying against a closed port.
 */
import { build } from 'esbuild';
import { repoPath } from './paths.js';

// Packages that load native code or optional native helpers by path at run time: left to node's
// resolution from dist/, as for the unbundled server.
const EXTERNAL = ['@node-rs/argon2', 'msgpackr-extract', 'bufferutil', 'utf-8-validate'];

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

const result = await build({
  entryPoints: [repoPath('server/dist/main.js')],
  outfile: repoPath('server/dist/varsel.mjs'),
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
});
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundled ${inputs} modules into server/dist/varsel.mjs\n`);

/**
 * The entry point of the bundle, `server/dist/varsel.mjs`: binds an edge's port with only the
 * configuration loaded (early-listen.ts), then loads the server (main.ts, the CommonJS file
 * `varsel-app.cjs` in the bundle), which takes the bound port over. A worker binds nothing here.
 * A configuration that does not parse binds nothing either: main.ts then says what is wrong and
 * exits 78, having opened nothing.
 */
import { createRequire } from 'node:module';
import { ConfigError, loadConfig, parseRole } from './config.js';
import { listenEarly } from './early-listen.js';

/** Set by bundle.ts in the bundle: the server's own bundle, beside this file. */
declare const VARSEL_APP_BUNDLE: string | undefined;

try {
  if (parseRole(process.argv.slice(2)) !== 'worker') {
    const config = loadConfig(process.env);
    await listenEarly(config.PORT, config.HOST);
  }
} catch (err) {
  // Reported by main.ts, which reads the same configuration.
  if (!(err instanceof ConfigError)) throw err;
}
if (typeof VARSEL_APP_BUNDLE === 'string') createRequire(import.meta.url)(VARSEL_APP_BUNDLE);
else await import('./main.js');

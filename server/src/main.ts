#!/usr/bin/env node
import { ConfigError, loadConfig, parseRole } from './config.js';
import { createLogger } from './log.js';
import { createApp } from './app.js';
import { EmbeddedRedisError, resolveRedis, type EmbeddedRedis } from './embedded-redis.js';
import { EDGE_BACKLOG, takeEarlyListener } from './early-listen.js';

/**
 * Entry point: `node server/dist/varsel.mjs [--role all|edge|worker]` (launcher.ts, which loads
 * this module; see bundle.ts). Run from source, it listens itself.
 */
async function main(): Promise<number> {
  // The port the launcher bound: closed on every way out, so a failed start exits.
  const early = takeEarlyListener();
  let code: number;
  try {
    code = await run(early);
  } finally {
    early?.close();
  }
  return code;
}

async function run(early: ReturnType<typeof takeEarlyListener>): Promise<number> {
  let config;
  let role;
  try {
    config = loadConfig(process.env);
    role = parseRole(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nNothing was started. See .env.example for every setting.\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config, { role });

  let embedded: EmbeddedRedis | undefined;
  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    try {
      embedded = await resolveRedis({ dataDir: config.DATA_DIR, port: config.EMBEDDED_REDIS_PORT, log });
    } catch (err) {
      if (err instanceof EmbeddedRedisError) {
        process.stderr.write(`${err.message}\n`);
        return 69; // EX_UNAVAILABLE
      }
      throw err;
    }
    redisUrl = embedded.url;
  }

  let app;
  try {
    app = await createApp({ config, log, redisUrl, role });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nNothing was started. See .env.example for every setting.\n`);
      await embedded?.stop();
      return 78; // EX_CONFIG
    }
    log.fatal({ err }, 'could not start');
    await embedded?.stop();
    return 1;
  }

  if (app.httpServer) {
    const server = app.httpServer;
    const bound = early?.matches(config.PORT, config.HOST) ? early : undefined;
    if (bound) {
      // The connections made while the server loaded are served now, in the order they came.
      log.info({ waiting: bound.waiting }, 'taking over the port bound at start');
      bound.handTo(server);
    } else {
      early?.close();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: config.PORT, host: config.HOST, backlog: EDGE_BACKLOG }, () => resolve());
      }).catch(async (err: unknown) => {
        log.fatal({ err, port: config.PORT }, 'could not listen');
        await app.close();
        await embedded?.stop();
        process.exit(1);
      });
    }
    const addr = (bound ?? server).address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const url = config.PUBLIC_URL ?? `http://localhost:${port}`;
    log.info({ url, role }, 'listening');
    const lines = [`\nVarsel kører / is running: ${url}`];
    if (app.firstAdmin?.generatedPassword) {
      lines.push(
        `Første start: log ind som "${app.firstAdmin.username}" med adgangskoden / first start: log in as "${app.firstAdmin.username}" with the password:`,
        `    ${app.firstAdmin.generatedPassword}`,
        'Den vises kun denne ene gang. / It is shown only this once.',
      );
    } else if (app.firstAdmin) {
      lines.push(`Første start: log ind som "${app.firstAdmin.username}" med VARSEL_ADMIN_PASSWORD.`);
    } else {
      lines.push(`Log ind på / log in at ${url}`);
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } else {
    let metricsUrl: string | undefined;
    if (app.metricsServer) {
      const server = app.metricsServer;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: config.METRICS_PORT, host: config.HOST }, () => resolve());
      }).catch(async (err: unknown) => {
        log.fatal({ err, port: config.METRICS_PORT }, 'could not listen for /metrics (set METRICS_PORT)');
        await app.close();
        await embedded?.stop();
        process.exit(1);
      });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.METRICS_PORT;
      metricsUrl = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/metrics`;
    }
    log.info({ role, metricsUrl }, 'worker started');
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const forced = setTimeout(() => {
    log.error('shutdown took longer than 15 s; exiting');
    process.exit(1);
  }, 15_000);
  forced.unref();
  // No new connections while the server closes the ones it has.
  early?.close();
  await app.close();
  await embedded?.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Varsel stopped on an unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

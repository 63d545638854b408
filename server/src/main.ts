#!/usr/bin/env node
import { ConfigError, loadConfig, parseRole } from './config.js';
import { createLogger } from './log.js';
import { createApp } from './app.js';
import { EmbeddedRedisError, resolveRedis, type EmbeddedRedis } from './embedded-redis.js';

/** Entry point: `node server/dist/varsel.mjs [--role all|edge|worker]` (this module, bundled; see bundle.ts). */
async function main(): Promise<number> {
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
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // 4096: room for a reconnect storm of thousands of agents (Node's default backlog is 511).
      server.listen({ port: config.PORT, host: config.HOST, backlog: 4096 }, () => resolve());
    }).catch(async (err: unknown) => {
      log.fatal({ err, port: config.PORT }, 'could not listen');
      await app.close();
      await embedded?.stop();
      process.exit(1);
    });
    const addr = server.address();
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

import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from '../log.js';
import type { MetricsHandler } from '../metrics/metrics-endpoint.js';
import { apiRouter, type ApiDeps } from './api-router.js';
import { apiNotFound, errorHandler, requireJson } from './error-handler.js';
import { openApiDocument } from './openapi.js';

/** 64 KiB: an alert is at most a few KiB; anything larger is a mistake or an attack. */
const BODY_LIMIT = '64kb';

export interface HttpDeps extends ApiDeps {
  log: Logger;
  version: string;
  /** Built console to serve at /, if present. */
  webConsoleDir: string | undefined;
  isReady: () => boolean;
  /** GET /metrics (Prometheus); no session, its own optional bearer token. */
  metrics: MetricsHandler;
}

/** The express app of an edge: JSON API, OpenAPI document, health checks and the console. */
export function createHttpApp(d: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/readyz', (_req, res) => void res.status(d.isReady() ? 200 : 503).json({ ok: d.isReady() }));
  app.get('/metrics', d.metrics);

  const openapi = openApiDocument(d.version);
  app.get('/api/openapi.json', (_req, res) => void res.json(openapi));
  app.use('/api', requireJson, express.json({ limit: BODY_LIMIT, strict: true }), (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', apiRouter(d));
  app.use('/api', apiNotFound);

  const dir = d.webConsoleDir;
  if (dir && existsSync(path.join(dir, 'index.html'))) {
    app.use(
      express.static(dir, {
        index: 'index.html',
        maxAge: '1h',
        // Assets carry content hashes; the shell must be revalidated so a new build is picked up.
        setHeaders: (res, file) => {
          if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
        },
      }),
    );
    // The console is a single-page app: unknown non-API paths get its shell.
    app.get(/^(?!\/api\/|\/socket\.io\/).*/, (_req, res) => res.sendFile(path.join(dir, 'index.html')));
  } else {
    d.log.warn({ dir }, 'web console is not built; run npm run build');
    app.get('/', (_req, res) => void res.type('text/plain').send('Varsel is running, but the web console is not built: run npm run build.'));
  }

  app.use(errorHandler(d.log.child({ area: 'http' })));
  return app;
}

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { VarselError, type ErrorBody } from '@varsel/shared';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  // Hashing first gives both sides the same length, which timingSafeEqual needs.
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

function sendError(res: ServerResponse, err: VarselError, headers: Record<string, string> = {}, errorId?: string): void {
  const body: ErrorBody = { ...err.toBody(), ...(errorId ? { errorId } : {}) };
  res.writeHead(err.http, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * GET /metrics in Prometheus' text format: an edge mounts it on its express app, a worker serves it
 * from createMetricsServer. No session: with a token set, it takes `Authorization: Bearer <token>`;
 * without one it is open, so keep it off the public load balancer.
 */
export function metricsHandler(metrics: Metrics, opts: { token: string | undefined; log: Logger }): MetricsHandler {
  return (req, res) => {
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      opts.log.debug({ address: req.socket.remoteAddress }, 'metrics scrape without the right token');
      sendError(res, new VarselError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>.'), { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        const errorId = randomUUID();
        opts.log.error({ err, errorId }, 'collecting metrics failed');
        sendError(res, new VarselError('INTERNAL'), {}, errorId);
      },
    );
  };
}

/** A worker's HTTP server, which serves only /metrics. Not listening: main (or a test) listens. */
export function createMetricsServer(handler: MetricsHandler): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) handler(req, res);
    else sendError(res, new VarselError('NOT_FOUND', `No route ${req.method ?? '?'} ${path}.`));
  });
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorBody } from '@varsel/shared';
import { createLogger } from '../log.js';
import { Metrics } from './metrics.js';
import { bearerMatches, createMetricsServer, metricsHandler } from './metrics-endpoint.js';

const log = createLogger({ LOG_LEVEL: 'silent' });

describe('bearerMatches', () => {
  const token = 'a-metrics-token-0123456789';
  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer ${token}x`, false],
    [`Bearer ${token.slice(1)}`, false],
    [`Basic ${token}`, false],
    [token, false],
    ['Bearer ', false],
    [undefined, false],
  ] as const)('%j matches: %s', (header, ok) => {
    expect(bearerMatches(header, token)).toBe(ok);
  });
});

describe("a worker's metrics server", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });
  const start = async (token: string | undefined): Promise<string> => {
    const m = new Metrics('worker', log);
    m.fanoutJob('completed');
    server = createMetricsServer(metricsHandler(m, { token, log }));
    const s = server;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  it('serves the text format at /metrics and nothing else', async () => {
    const url = await start(undefined);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('varsel_fanout_jobs_total{result="completed",role="worker"} 1');
    const other = await fetch(`${url}/`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as ErrorBody).code).toBe(ERRORS.NOT_FOUND.code);
  });

  it('with METRICS_TOKEN set, answers 401 without the bearer token and the metrics with it', async () => {
    const url = await start('metrics-token-for-the-test');
    const anon = await fetch(`${url}/metrics`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await anon.json()) as ErrorBody).code).toBe(ERRORS.UNAUTHENTICATED.code);
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-the-test' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('varsel_fanout_jobs_total');
  });
});

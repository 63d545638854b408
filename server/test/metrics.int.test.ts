import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CONSOLE_NAMESPACE, ERRORS, type AlertView, type ErrorBody } from '@varsel/shared';
import { ApiClient, SIREN, TestAgent, createEnrollmentToken, enrollDevices, rawUpgrade, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { metricSum } from '../../test-support/prometheus-text.js';

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

describe('Prometheus metrics of an edge and a worker', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  const start = async (role: 'edge' | 'worker', prefix: string, env: Record<string, string> = {}): Promise<TestVarsel> => {
    const v = await startVarsel({ redisUrl: inject('redisUrl'), prefix, role, env });
    cleanups.push(() => v.close());
    return v;
  };

  it('count connections, accepted alerts, reports by state and outcome, replays, refusals and the fan-out, each on the process that did the work', async () => {
    const N = 20;
    const prefix = testPrefix();
    const edge = await start('edge', prefix);
    const worker = await start('worker', prefix);

    const admin = await ApiClient.login(edge.url);
    const devices = await enrollDevices(edge.url, await createEnrollmentToken(admin), N + 1);
    const online = devices.slice(0, N);
    const late = devices[N]!;
    const agents = online.map((d) => new TestAgent(edge.url, d));
    cleanups.push(() => agents.forEach((a) => a.close()));
    await Promise.all(agents.map((a) => a.connected()));

    const refused = new TestAgent(edge.url, late, { secret: 'y'.repeat(43) });
    cleanups.push(() => refused.close());
    await expect(refused.connected()).rejects.toMatchObject({ data: { reason: 'DEVICE_AUTH_FAILED' } });

    const consoleSocket = connect(`${edge.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: admin.sessionCookie } });
    cleanups.push(() => void consoleSocket.disconnect());
    await new Promise<void>((resolve, reject) => {
      consoleSocket.once('connect', resolve);
      consoleSocket.once('connect_error', reject);
    });

    let text = await scrape(edge.metricsUrl);
    expect(metricSum(text, 'varsel_connected_agents', { role: 'edge' })).toBe(N);
    expect(metricSum(text, 'varsel_connected_consoles')).toBe(1);
    expect(metricSum(text, 'varsel_handshake_refusals_total', { reason: 'DEVICE_AUTH_FAILED' })).toBe(1);
    expect(metricSum(text, 'varsel_alerts_accepted_total')).toBe(0);
    expect(metricSum(text, 'varsel_redis_up')).toBe(1);
    expect(metricSum(text, 'varsel_upgrades_abandoned_total')).toBe(0);

    // An agent that gave up while its connection waited: its upgrade request, then its end of stream.
    void rawUpgrade(Number(new URL(edge.url).port), (s) => s.end());
    await waitFor('the edge to drop the abandoned upgrade', async () => metricSum(await scrape(edge.metricsUrl), 'varsel_upgrades_abandoned_total') === 1);

    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const alertId = sent.body.id;
    await waitFor('every agent to receive the siren', () => agents.every((a) => a.received.length === 1));

    const delivered = await Promise.all(agents.map((a) => a.report(alertId, 'delivered')));
    const acked = await Promise.all(agents.map((a) => a.report(alertId, 'acknowledged')));
    expect([...delivered, ...acked].every((r) => r.ok && r.data.recorded)).toBe(true);
    const again = await agents[0]!.report(alertId, 'acknowledged');
    expect(again.ok && again.data.recorded).toBe(false);

    // The device enrolled but offline at the fan-out catches up by replay when it connects.
    const catchingUp = new TestAgent(edge.url, late);
    cleanups.push(() => catchingUp.close());
    await catchingUp.connected();
    await waitFor('the late agent to receive the siren by replay', () => catchingUp.received.length === 1);

    text = await scrape(edge.metricsUrl);
    expect(metricSum(text, 'varsel_alerts_accepted_total', { kind: 'siren', msg_type: 'alert' })).toBe(1);
    expect(metricSum(text, 'varsel_alerts_accepted_total')).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { state: 'delivered', outcome: 'recorded' })).toBe(N);
    expect(metricSum(text, 'varsel_reports_total', { state: 'acknowledged', outcome: 'recorded' })).toBe(N);
    expect(metricSum(text, 'varsel_reports_total', { state: 'acknowledged', outcome: 'unchanged' })).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { outcome: 'failed' })).toBe(0);
    expect(metricSum(text, 'varsel_report_batch_size_sum')).toBe(2 * N + 1);
    expect(metricSum(text, 'varsel_report_batch_duration_seconds_count')).toBe(metricSum(text, 'varsel_report_batch_size_count'));
    // Every report answered: none waits for a batch.
    expect(metricSum(text, 'varsel_reports_waiting', { role: 'edge' })).toBe(0);
    expect(metricSum(text, 'varsel_replayed_messages_total')).toBe(1);
    expect(metricSum(text, 'varsel_connected_agents')).toBe(N + 1);
    expect(metricSum(text, 'varsel_queue_jobs', { queue: 'fanout', state: 'failed' })).toBe(0);
    expect(metricSum(text, 'varsel_queue_jobs', { queue: 'lifecycle', state: 'delayed' })).toBeGreaterThanOrEqual(1); // expiry and repeat
    expect(metricSum(text, 'varsel_process_resident_memory_bytes', { role: 'edge' })).toBeGreaterThan(0);

    // BullMQ emits `completed` after it has moved the job, which can be just after the agents received it.
    await waitFor('the worker to count the fan-out job', async () => metricSum(await scrape(worker.metricsUrl), 'varsel_fanout_jobs_total', { result: 'completed' }) === 1);
    const w = await scrape(worker.metricsUrl);
    expect(metricSum(w, 'varsel_fanout_jobs_total', { result: 'completed', role: 'worker' })).toBe(1);
    expect(metricSum(w, 'varsel_fanout_jobs_total', { result: 'failed' })).toBe(0);
    expect(metricSum(w, 'varsel_fanout_duration_seconds_count')).toBe(1);
    expect(metricSum(w, 'varsel_fanout_duration_seconds_sum')).toBeGreaterThan(0);
    expect(metricSum(w, 'varsel_queue_jobs', { queue: 'fanout', state: 'waiting' })).toBe(0);
    expect(metricSum(w, 'varsel_redis_up')).toBe(1);
    // A worker holds no connections, so it does not claim any.
    expect(metricSum(w, 'varsel_connected_agents')).toBeUndefined();
  });

  it('require the bearer token on every process when METRICS_TOKEN is set', async () => {
    const prefix = testPrefix();
    const token = 'a-long-metrics-token-for-this-test';
    const edge = await start('edge', prefix, { METRICS_TOKEN: token });
    const worker = await start('worker', prefix, { METRICS_TOKEN: token });
    for (const url of [edge.metricsUrl, worker.metricsUrl]) {
      const anon = await fetch(url);
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as ErrorBody).code).toBe(ERRORS.UNAUTHENTICATED.code);
      expect(metricSum(await scrape(url, { authorization: `Bearer ${token}` }), 'varsel_redis_up')).toBe(1);
    }
    // /metrics needs no console session, and the console's session does not open it.
    const admin = await ApiClient.login(edge.url);
    const withCookie = await fetch(edge.metricsUrl, { headers: { cookie: admin.sessionCookie } });
    expect(withCookie.status).toBe(401);
    await withCookie.arrayBuffer();
  });
});

import { afterEach, describe, expect, inject, it } from 'vitest';
import type { AlertView } from '@varsel/shared';
import {
  ApiClient,
  SIREN,
  TestAgent,
  createEnrollmentToken,
  enrollDevices,
  startVarsel,
  testPrefix,
  waitFor,
  type TestVarsel,
} from '../../test-support/varsel.js';

describe('a siren on the production shape: two edges, one worker, one Redis', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('reaches each of 200 agents split over two edges exactly once, and counts 200/200/200 even when every acknowledgement is sent twice', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = testPrefix();
    const start = async (role: 'edge' | 'worker'): Promise<TestVarsel> => {
      const v = await startVarsel({ redisUrl, prefix, role });
      cleanups.push(() => v.close());
      return v;
    };
    const edgeA = await start('edge');
    const edgeB = await start('edge');
    await start('worker');

    const admin = await ApiClient.login(edgeA.url);
    const token = await createEnrollmentToken(admin);
    const devices = await enrollDevices(edgeA.url, token, 200);

    const agents = devices.map((d, i) => new TestAgent(i % 2 === 0 ? edgeA.url : edgeB.url, d));
    cleanups.push(() => agents.forEach((a) => a.close()));
    await Promise.all(agents.map((a) => a.connected()));
    expect(edgeA.app.io.of('/').sockets.size).toBe(100);
    expect(edgeB.app.io.of('/').sockets.size).toBe(100);

    // Sent through edge B, so the alert also crosses the adapter to edge A's agents.
    const api = await ApiClient.login(edgeB.url);
    const sent = await api.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const alertId = sent.body.id;

    await waitFor('every agent to receive the siren', () => agents.every((a) => a.received.length >= 1));
    for (const a of agents) {
      a.report(alertId, 'delivered').catch(() => undefined);
    }
    // Any duplicate would have arrived by now: the broadcast is one message per socket.
    await new Promise((r) => setTimeout(r, 300));
    for (const a of agents) {
      expect(a.received.map((x) => x.id)).toEqual([alertId]);
    }

    // Every agent acknowledges twice; the second changes nothing.
    const first = await Promise.all(agents.map((a) => a.report(alertId, 'acknowledged')));
    expect(first.every((r) => r.ok && r.data.recorded)).toBe(true);
    const second = await Promise.all(agents.map((a) => a.report(alertId, 'acknowledged')));
    expect(second.every((r) => r.ok && !r.data.recorded)).toBe(true);

    const view = await api.request<AlertView>('GET', `/api/alerts/${alertId}`);
    expect(view.status).toBe(200);
    expect(view.body.fanout.state).toBe('done');
    expect(view.body.counts).toEqual({ targeted: 200, delivered: 200, displayed: 200, acknowledged: 200, expired: 0, cancelled: 0 });
  });
});

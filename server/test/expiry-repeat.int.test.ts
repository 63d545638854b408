import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlertView, DeviceDelivery } from '@varsel/shared';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { SimAgent } from '../../test-support/sim-agent.js';

/** The shortest lifetime and repeat interval the API allows are one minute, so these tests take about a minute; they run side by side. */
describe.concurrent('expiry and repeat, on their real schedule', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  const agents: SimAgent[] = [];
  const prefix = testPrefix();
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix });
    admin = await ApiClient.login(v.url);
  });
  afterAll(async () => {
    agents.forEach((a) => a.stop());
    await v.close();
  });
  const view = async (id: string): Promise<AlertView> => (await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body;

  it('an alert that expires while agents are offline is never replayed, and its unacknowledged devices become expired', { timeout: 120_000 }, async () => {
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin, 'SUF-HJEMMEPLEJE'), 60);
    const online = devices.slice(0, 10).map((d) => new SimAgent(v.url, d, { autoAck: true }));
    const offline = devices.slice(10).map((d) => new SimAgent(v.url, d, { autoAck: true, autoConnect: false }));
    agents.push(...online, ...offline);
    await waitFor('10 agents synced', () => online.every((a) => a.syncs >= 1));
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['SUF-HJEMMEPLEJE'] }, expiresInMinutes: 1 });
    expect(sent.status).toBe(201);
    const id = sent.body.id;
    await waitFor('10 acknowledgements', async () => (await view(id)).counts.acknowledged === 10);

    await waitFor('the expiry job', async () => (await view(id)).counts.expired === 50, 90_000, 500);
    const expired = await view(id);
    expect(expired.threadStatus).toBe('expired');
    expect(expired.counts).toMatchObject({ targeted: 60, acknowledged: 10, expired: 50 });
    const states = (await admin.request<DeviceDelivery[]>('GET', `/api/alerts/${id}/devices?state=expired`)).body;
    expect(states).toHaveLength(50);
    expect(states.every((s) => s.at.expired !== undefined)).toBe(true);

    offline.forEach((a) => a.start());
    await waitFor('50 agents back and synced', () => offline.every((a) => a.syncs >= 1));
    for (const a of offline) expect(a.receivedCount(id)).toBe(0);
  });

  it('a siren sounds again every minute on agents that have not acknowledged, and not after it is cancelled', { timeout: 120_000 }, async () => {
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin, 'KFF-BIBLIOTEKER'), 10);
    const acking = devices.slice(0, 5).map((d) => new SimAgent(v.url, d, { autoAck: true }));
    const silent = devices.slice(5).map((d) => new SimAgent(v.url, d, { autoAck: false }));
    agents.push(...acking, ...silent);
    await waitFor('10 agents synced', () => [...acking, ...silent].every((a) => a.syncs >= 1));
    const t0 = performance.now();
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['KFF-BIBLIOTEKER'] }, repeatMinutes: 1 });
    const id = sent.body.id;
    await waitFor('the first repeat', () => silent.every((a) => a.repeats.includes(id)), 90_000, 250);
    const repeatedAfter = performance.now() - t0;
    expect(repeatedAfter).toBeGreaterThan(55_000);
    // Addressed to the five that have not acknowledged: the others are not sent it at all.
    expect((await view(id)).counts).toMatchObject({ targeted: 10, acknowledged: 5 });
    await new Promise((r) => setTimeout(r, 500));
    expect(acking.some((a) => a.repeats.includes(id))).toBe(false);
    console.info(`[repeat] first repeat after ${Math.round(repeatedAfter)} ms`);

    const cancelled = await admin.request<AlertView>('POST', `/api/alerts/${id}/cancel`, {});
    expect(cancelled.status).toBe(201);
    await waitFor('the cancellation', () => silent.every((a) => a.cancelled.has(id)));
    expect((await view(id)).counts).toMatchObject({ acknowledged: 5, cancelled: 5 });

    // The next repeat is already scheduled; run it now instead of waiting a minute: it must end the chain silently.
    const lifecycle = new Queue('lifecycle', { connection: { url: inject('redisUrl') }, prefix: `${prefix}:bull` });
    try {
      const next = await lifecycle.getJob(`repeat-${id}-2`);
      expect(next).toBeDefined();
      await next!.promote();
      await waitFor('the promoted repeat to finish', async () => (await lifecycle.getJob(`repeat-${id}-2`))?.returnvalue === 'finished');
      expect(await lifecycle.getJob(`repeat-${id}-3`)).toBeUndefined();
      expect(silent.every((a) => a.repeats.filter((r) => r === id).length === 1)).toBe(true);
    } finally {
      await lifecycle.close();
    }
  });
});

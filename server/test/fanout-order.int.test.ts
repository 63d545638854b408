import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlertView } from '@varsel/shared';
import { ApiClient, SIREN, TestAgent, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';

describe('an alert that agents get before its fan-out is done', () => {
  const prefix = testPrefix();
  let v: TestVarsel;
  let worker: TestVarsel | undefined;
  let admin: ApiClient;
  const agents: TestAgent[] = [];
  // An edge alone: alerts are stored and queued, and nothing fans them out until a worker starts.
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix, role: 'edge' });
    admin = await ApiClient.login(v.url);
  });
  afterAll(async () => {
    agents.forEach((a) => a.close());
    await worker?.close();
    await v.close();
  });
  const view = async (id: string): Promise<AlertView> => (await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body;

  it('counts the whole audience when an agent got the alert by replay before the fan-out, and records reports by org unit until the audience is fixed', async () => {
    const [early, late, offline] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'KFF'), 3);
    const [outsider] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'BIF'), 1);
    const live = new TestAgent(v.url, early!);
    agents.push(live);
    await live.connected();

    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['KFF'] } });
    expect(sent.status).toBe(201);
    const id = sent.body.id;
    // Connects before the fan-out: the alert is stored, so replay sends it at once.
    const replayed = new TestAgent(v.url, late!);
    agents.push(replayed);
    await waitFor('the replay', () => replayed.received.some((a) => a.id === id));
    expect((await view(id)).fanout.state).toBe('queued');

    // Its report arrives before the audience is fixed: its org unit is in the audience, so it counts.
    expect(await replayed.report(id, 'delivered')).toEqual({ ok: true, data: { recorded: true } });
    // A device of another unit that reports the alert does not.
    const stranger = new TestAgent(v.url, outsider!);
    agents.push(stranger);
    await stranger.connected();
    expect(await stranger.report(id, 'delivered')).toEqual({ ok: true, data: { recorded: false } });
    expect((await view(id)).counts).toMatchObject({ targeted: 0, delivered: 1 });

    worker = await startVarsel({ redisUrl: inject('redisUrl'), prefix, role: 'worker' });
    await waitFor('the live broadcast', () => live.received.some((a) => a.id === id));
    await waitFor('the fan-out', async () => (await view(id)).fanout.state === 'done');
    const after = await view(id);
    // The broadcast left before the fan-out finished (the audience is fixed after it).
    expect(Date.parse(after.fanout.broadcastAt!)).toBeLessThanOrEqual(Date.parse(after.fanout.doneAt!));
    // Every device of the unit is targeted, the offline one and the replayed one included.
    expect(after.counts).toMatchObject({ targeted: 3, delivered: 1 });

    expect(await live.report(id, 'acknowledged')).toEqual({ ok: true, data: { recorded: true } });
    const devices = (await admin.request<{ deviceId: string; state: string }[]>('GET', `/api/alerts/${id}/devices`)).body;
    expect(Object.fromEntries(devices.map((d) => [d.deviceId, d.state]))).toEqual({
      [early!.deviceId]: 'acknowledged',
      [late!.deviceId]: 'delivered',
      [offline!.deviceId]: 'pending',
    });
  });
});

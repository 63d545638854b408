import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ERRORS, type AlertView, type DeviceDelivery, type ErrorBody } from '@varsel/shared';
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
import { SimAgent } from '../../test-support/sim-agent.js';

describe('nothing lost: catch-up, cancellation and acknowledgement order', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  const agents: SimAgent[] = [];
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    admin = await ApiClient.login(v.url);
  });
  afterAll(async () => {
    agents.forEach((a) => a.stop());
    await v.close();
  });
  const view = async (id: string): Promise<AlertView> => (await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body;

  it('300 agents offline while a siren is sent and cancelled and a second siren sent: on reconnect none shows the cancelled siren and all get the second exactly once', async () => {
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin, 'BUF-SKOLER'), 350);
    const offline = devices.slice(0, 300).map((d) => new SimAgent(v.url, d, { autoAck: false, autoConnect: false }));
    const online = devices.slice(300).map((d) => new SimAgent(v.url, d, { autoAck: false }));
    agents.push(...offline, ...online);
    await waitFor('50 online agents synced', () => online.every((a) => a.syncs >= 1));

    const first = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['BUF'] } });
    expect(first.status).toBe(201);
    await waitFor('the online agents to show the first siren', () => online.every((a) => a.shownCount(first.body.id) === 1));
    const cancel = await admin.request<AlertView>('POST', `/api/alerts/${first.body.id}/cancel`, {});
    expect(cancel.status).toBe(201);
    expect(cancel.body).toMatchObject({ msgType: 'cancel', references: first.body.id, threadStatus: 'cancelled', thread: [] });
    const second = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(second.status).toBe(201);
    await waitFor('the online agents to get the cancellation and the second siren', () =>
      online.every((a) => a.cancelled.has(first.body.id) && a.shownCount(second.body.id) === 1),
    );

    const t0 = performance.now();
    offline.forEach((a) => a.start());
    await waitFor('300 agents to reconnect and catch up', () => offline.every((a) => a.syncs >= 1 && a.receivedCount(second.body.id) === 1), 30_000);
    console.info(`[fault] 300 agents back from offline: all caught up in ${Math.round(performance.now() - t0)} ms`);
    for (const a of offline) {
      expect(a.receivedCount(first.body.id)).toBe(0);
      expect(a.shownCount(first.body.id)).toBe(0);
      expect(a.cancelled.has(first.body.id)).toBe(true);
      expect(a.receivedCount(second.body.id)).toBe(1);
    }
    // The cancelled siren: online devices that had not acknowledged and offline ones are all final.
    const firstView = await view(first.body.id);
    expect(firstView.threadStatus).toBe('cancelled');
    expect(firstView.counts).toMatchObject({ targeted: 350, acknowledged: 0, cancelled: 350 });
    expect(firstView.thread.map((m) => m.msgType)).toEqual(['cancel']);
    // A late acknowledgement of the cancelled siren changes nothing.
    online[0]!.report(first.body.id, 'acknowledged');
    await waitFor('the late report to be answered', () => online[0]!.unconfirmed === 0);
    expect((await view(first.body.id)).counts.acknowledged).toBe(0);
    // Reconnecting again replays nothing new.
    const again = offline[0]!;
    again.stop();
    again.start();
    await waitFor('a second sync', () => again.syncs >= 2);
    expect(again.receivedCount(second.body.id)).toBe(1);
    // Cancelling again is refused and changes nothing.
    const twice = await admin.request<ErrorBody>('POST', `/api/alerts/${first.body.id}/cancel`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe(ERRORS.ALERT_CLOSED.code);
  });

  it('replays an update after its original, in sequence order, to an agent that missed both', async () => {
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'KFF'), 1);
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['KFF'] } });
    const upd = await admin.request<AlertView>('POST', `/api/alerts/${sent.body.id}/updates`, { content: { da: { title: 'Opdatering', body: 'Mødested flyttet til Kongens Nytorv.' } } });
    expect(upd.status).toBe(201);
    // Missed both: connect only once both went out (an update fanned out after the agent joined
    // would arrive live, before the replay of its original).
    await waitFor('both fan-outs', async () => (await view(sent.body.id)).fanout.state === 'done' && (await view(upd.body.id)).fanout.state === 'done');
    const agent = new SimAgent(v.url, device!, { autoAck: false });
    agents.push(agent);
    await waitFor('the replay', () => agent.syncs >= 1);
    // Other tests' sirens to everyone are still active and replayed too; look at this thread only.
    const thread = agent.received.filter((a) => (a.references ?? a.id) === sent.body.id);
    expect(thread.map((a) => [a.msgType, a.id])).toEqual([
      ['alert', sent.body.id],
      ['update', upd.body.id],
    ]);
    expect(thread[1]!.content.da.title).toBe('Opdatering');
  });

  it('replays a message the agent already has (by its cursor) only when the device never reported it delivered', async () => {
    const [reported, lost] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'KFF'), 2);
    const online = new SimAgent(v.url, reported!, { autoAck: false });
    agents.push(online);
    await waitFor('the online agent synced', () => online.syncs >= 1);
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['KFF'] } });
    expect(sent.status).toBe(201);
    await waitFor('the online agent to have it, delivered and confirmed', () => online.receivedCount(sent.body.id) === 1 && online.unconfirmed === 0);

    // Reconnecting with a cursor at the siren: it has the siren and reported it, so nothing comes again.
    online.stop();
    expect(online.cursor).toBeGreaterThanOrEqual(sent.body.seq);
    online.start();
    await waitFor('a second sync', () => online.syncs >= 2);
    expect(online.receivedCount(sent.body.id)).toBe(1);

    // An agent that says it has the siren (cursor) but whose device never reported it delivered
    // (a lost report, or a fan-out that finished after a newer one): it is sent again.
    const agent = new SimAgent(v.url, lost!, { autoAck: false, autoConnect: false });
    agents.push(agent);
    agent.cursor = sent.body.seq;
    agent.start();
    await waitFor('the replay', () => agent.syncs >= 1);
    expect(agent.receivedCount(sent.body.id)).toBe(1);
    await waitFor('its delivered report', async () => (await view(sent.body.id)).counts.delivered === 2);
  });

  it('leaves out of the replay the messages the agent lists as seen, and only those', async () => {
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'SUF'), 1);
    const audience = { type: 'units', units: ['SUF'] };
    const first = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience });
    const update = await admin.request<AlertView>('POST', `/api/alerts/${first.body.id}/updates`, { content: { da: { title: 'Opdatering', body: 'Strømmen er tilbage.' } } });
    const second = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience });
    expect([first.status, update.status, second.status]).toEqual([201, 201, 201]);
    const ids = [first.body.id, update.body.id, second.body.id];
    await waitFor('the fan-outs', async () => (await Promise.all(ids.map(view))).every((a) => a.fanout.state === 'done'));
    // Other tests' sirens to everyone are replayed too; look at these three only.
    const ours = (agent: SimAgent): string[] => agent.received.map((a) => a.id).filter((id) => ids.includes(id));

    // Its device never reported the first siren or its update delivered, so by the cursor alone both
    // would be sent again; the agent says it has them (seen), so only the newer siren comes.
    const agent = new SimAgent(v.url, device!, { autoAck: false, autoConnect: false });
    agents.push(agent);
    agent.cursor = update.body.seq;
    agent.seenSeqs = [first.body.seq, update.body.seq];
    agent.start();
    await waitFor('the replay', () => agent.syncs >= 1);
    expect(ours(agent)).toEqual([second.body.id]);
    await waitFor('its reports', () => agent.unconfirmed === 0);
    expect((await view(first.body.id)).counts.delivered).toBe(0);
    expect((await view(second.body.id)).counts.delivered).toBe(1);

    // Without `seen` the same agent is sent both again, in sequence order.
    agent.stop();
    agent.seenSeqs = undefined;
    agent.start();
    await waitFor('a second sync', () => agent.syncs >= 2);
    expect(ours(agent)).toEqual([second.body.id, first.body.id, update.body.id]);
  });

  it('keeps a state that never goes backwards and counts each device once, whatever order and number of reports arrive in', async () => {
    const [d1, d2] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'TMF-DRIFT'), 2);
    const a1 = new TestAgent(v.url, d1!);
    const a2 = new TestAgent(v.url, d2!);
    await Promise.all([a1.connected(), a2.connected()]);
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['TMF-DRIFT'] } });
    const id = sent.body.id;
    await waitFor('both agents to receive it', () => [a1, a2].every((a) => a.received.some((x) => x.id === id)));
    // Out of order: acknowledged first, then the earlier states, then duplicates, all at once.
    const results = await Promise.all([
      a1.report(id, 'acknowledged'),
      a1.report(id, 'delivered'),
      a1.report(id, 'displayed'),
      a1.report(id, 'acknowledged'),
      a2.report(id, 'delivered'),
      a2.report(id, 'delivered'),
      a2.report(id, 'delivered'),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.data.recorded)).toHaveLength(2);
    expect((await view(id)).counts).toMatchObject({ targeted: 2, delivered: 2, displayed: 1, acknowledged: 1 });
    const states = (await admin.request<DeviceDelivery[]>('GET', `/api/alerts/${id}/devices`)).body;
    const s1 = states.find((s) => s.deviceId === d1!.deviceId)!;
    expect(s1.state).toBe('acknowledged');
    expect(Object.keys(s1.at).sort()).toEqual(['acknowledged', 'delivered', 'displayed']);
    expect(states.find((s) => s.deviceId === d2!.deviceId)).toMatchObject({ state: 'delivered' });
    const notAcked = (await admin.request<DeviceDelivery[]>('GET', `/api/alerts/${id}/devices?state=pending,sent,delivered,displayed`)).body;
    expect(notAcked.map((s) => s.deviceId)).toEqual([d2!.deviceId]);
    a1.close();
    a2.close();
  });

  it('refuses updates to an update, to unknown alerts, and bad update bodies, changing nothing', async () => {
    const sent = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['SOF'] } });
    const upd = await admin.request<AlertView>('POST', `/api/alerts/${sent.body.id}/updates`, { content: { da: { title: 'x', body: 'y' } } });
    const before = await view(sent.body.id);
    const cases: [string, unknown, number][] = [
      [`/api/alerts/${upd.body.id}/updates`, { content: { da: { title: 'x', body: 'y' } } }, ERRORS.NOT_AN_ORIGINAL.code],
      [`/api/alerts/${crypto.randomUUID()}/cancel`, {}, ERRORS.ALERT_NOT_FOUND.code],
      [`/api/alerts/${sent.body.id}/updates`, { content: { da: { title: '' } } }, ERRORS.VALIDATION_FAILED.code],
      [`/api/alerts/${sent.body.id}/updates`, { content: { da: { title: 'x', body: 'y' } }, expiresInMinutes: 0 }, ERRORS.VALIDATION_FAILED.code],
    ];
    for (const [path, body, code] of cases) {
      const res = await admin.request<ErrorBody>('POST', path, body);
      expect(res.body.code, path).toBe(code);
    }
    expect(await view(sent.body.id)).toEqual(before);
  });
});

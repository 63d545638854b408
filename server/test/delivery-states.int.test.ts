import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlertInputSchema } from '@varsel/shared';
import { AlertStore } from '../src/store/alert-store.js';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { DeviceStore } from '../src/store/device-store.js';
import { Keys } from '../src/store/keys.js';
import { SIREN, testPrefix } from '../../test-support/varsel.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The per-device state scripts against real Redis, one report per call, so each step reads what
 * the one before wrote: the state only moves forward, and every state reached keeps its time.
 */
describe('per-device delivery states and their times', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(() => redis.disconnect());

  /** An alert to KIT and four devices (three in KIT, one in SOF), under a key prefix of its own. */
  async function setup(fixed: boolean): Promise<{ keys: Keys; alertId: string; ids: string[]; delivery: DeliveryStore; alerts: AlertStore }> {
    const keys = new Keys(testPrefix());
    const enrolled = await new DeviceStore(redis, keys).enrollMany(
      ['KIT', 'KIT', 'KIT', 'SOF'].map((orgUnit, i) => ({ platform: 'linux' as const, hostname: `pc-${fixed}-${i}`, orgUnit })),
    );
    const alerts = new AlertStore(redis, keys);
    const alert = await alerts.create(AlertInputSchema.parse(SIREN), 'admin', ['KIT']);
    if (fixed) {
      await alerts.fixAudience(alert.id, [keys.devicesInUnit('KIT')]);
      await alerts.markFanoutDone(alert.id);
    }
    return { keys, alertId: alert.id, ids: enrolled.map((e) => e.device.id), delivery: new DeliveryStore(redis, keys), alerts };
  }

  it('keeps the time of every state a device reached, over separate reports and a replay', async () => {
    const { alertId, ids, delivery, alerts } = await setup(true);
    const [replayed, stepwise, ackFirst, other] = ids as [string, string, string, string];
    const report = (deviceId: string, orgUnit: string, state: 'delivered' | 'displayed' | 'acknowledged', now: number) =>
      delivery.recordReports([{ alertId, deviceId, orgUnit, state }], now);

    // Replayed to a device that never reported: `sent`, then its reports one by one.
    expect(await delivery.replayCheck(alertId, replayed, true, 1_000)).toBe(true);
    expect(await report(replayed, 'KIT', 'delivered', 2_000)).toEqual(['recorded']);
    expect(await report(replayed, 'KIT', 'acknowledged', 3_000)).toEqual(['recorded']);
    // Reports one by one from a device the live broadcast reached (no `sent`).
    expect(await report(stepwise, 'KIT', 'delivered', 4_000)).toEqual(['recorded']);
    expect(await report(stepwise, 'KIT', 'displayed', 5_000)).toEqual(['recorded']);
    expect(await report(stepwise, 'KIT', 'delivered', 5_500)).toEqual(['unchanged']);
    expect(await report(stepwise, 'KIT', 'acknowledged', 6_000)).toEqual(['recorded']);
    expect(await report(stepwise, 'KIT', 'acknowledged', 6_500)).toEqual(['unchanged']);
    // Acknowledged first: delivered and displayed are reached at the same time.
    expect(await report(ackFirst, 'KIT', 'acknowledged', 7_000)).toEqual(['recorded']);
    expect(await report(ackFirst, 'KIT', 'delivered', 8_000)).toEqual(['unchanged']);
    // Not in the audience (the fixed audience is KIT): refused, nothing written.
    expect(await report(other, 'SOF', 'delivered', 9_000)).toEqual(['not-targeted']);
    // A replay of an alert the device has already reported changes nothing.
    expect(await delivery.replayCheck(alertId, stepwise, false, 9_500)).toBe(false);

    const byId = new Map((await delivery.devices(alertId, { limit: 10 })).map((d) => [d.deviceId, d]));
    expect(byId.get(replayed)).toEqual({ deviceId: replayed, state: 'acknowledged', at: { sent: iso(1_000), delivered: iso(2_000), displayed: iso(3_000), acknowledged: iso(3_000) } });
    expect(byId.get(stepwise)).toEqual({
      deviceId: stepwise,
      state: 'acknowledged',
      at: { delivered: iso(4_000), displayed: iso(5_000), acknowledged: iso(6_000) },
    });
    expect(byId.get(ackFirst)).toEqual({
      deviceId: ackFirst,
      state: 'acknowledged',
      at: { delivered: iso(7_000), displayed: iso(7_000), acknowledged: iso(7_000) },
    });
    expect(byId.has(other)).toBe(false);
    expect(await alerts.counts(alertId)).toMatchObject({ targeted: 3, delivered: 3, displayed: 3, acknowledged: 3 });
  });

  it('takes a batch as the same reports one at a time: over 1,000 devices, repeats in the batch, states from before', async () => {
    type State = 'delivered' | 'displayed' | 'acknowledged';
    const reports: { deviceId: string; orgUnit: string; state: State }[] = [];
    // Before the fix, a KIT device's report adds it to the audience; a SOF device's is refused.
    const unit = (i: number): string => (i % 10 === 9 ? 'SOF' : 'KIT');
    for (let i = 0; i < 2_500; i++) reports.push({ deviceId: `pc-${i}`, orgUnit: unit(i), state: 'delivered' });
    // The same devices again in the same batch: forward, the same state, and backwards.
    const again: State[] = ['acknowledged', 'delivered', 'displayed'];
    for (let i = 0; i < 300; i++) reports.push({ deviceId: `pc-${i}`, orgUnit: unit(i), state: again[i % 3] as State });
    for (let i = 0; i < 30; i++) reports.push({ deviceId: `pc-${i}`, orgUnit: unit(i), state: 'delivered' });

    const batched = await setup(false);
    const oneByOne = await setup(false);
    const outcomes: string[][] = [];
    for (const s of [batched, oneByOne]) {
      // States from before the batch: acknowledged (final) and displayed.
      for (let i = 2_000; i < 2_100; i++) {
        await s.delivery.recordReports([{ alertId: s.alertId, deviceId: `pc-${i}`, orgUnit: unit(i), state: i % 2 === 0 ? 'acknowledged' : 'displayed' }], 500);
      }
    }
    outcomes.push(await batched.delivery.recordReports(reports.map((r) => ({ ...r, alertId: batched.alertId })), 1_000));
    const each: string[] = [];
    for (const r of reports) each.push(...(await oneByOne.delivery.recordReports([{ ...r, alertId: oneByOne.alertId }], 1_000)));
    outcomes.push(each);

    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(new Set(outcomes[0])).toEqual(new Set(['recorded', 'unchanged', 'not-targeted']));
    const sorted = async (s: typeof batched) => (await s.delivery.devices(s.alertId, { limit: 5_000 })).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    const [a, b] = [await sorted(batched), await sorted(oneByOne)];
    expect(a).toHaveLength(2_250);
    expect(a).toEqual(b);
    expect(a.find((d) => d.deviceId === 'pc-0')).toEqual({ deviceId: 'pc-0', state: 'acknowledged', at: { delivered: iso(1_000), displayed: iso(1_000), acknowledged: iso(1_000) } });
    expect(a.find((d) => d.deviceId === 'pc-2001')).toEqual({ deviceId: 'pc-2001', state: 'displayed', at: { delivered: iso(500), displayed: iso(500) } });
    expect(await batched.alerts.counts(batched.alertId)).toEqual(await oneByOne.alerts.counts(oneByOne.alertId));
  });

  it('before the fan-out fixed the audience, takes reports from devices of its units and refuses the rest', async () => {
    const { keys, alertId, ids, delivery, alerts } = await setup(false);
    const [kit, , , sof] = ids as [string, string, string, string];
    expect(await delivery.recordReports([{ alertId, deviceId: kit, orgUnit: 'KIT', state: 'delivered' }], 1_000)).toEqual(['recorded']);
    expect(await delivery.recordReports([{ alertId, deviceId: kit, orgUnit: 'KIT', state: 'acknowledged' }], 2_000)).toEqual(['recorded']);
    expect(await delivery.recordReports([{ alertId, deviceId: sof, orgUnit: 'SOF', state: 'delivered' }], 3_000)).toEqual(['not-targeted']);
    // The fix keeps the device the report added, and counts it once.
    await alerts.fixAudience(alertId, [keys.devicesInUnit('KIT')]);
    const devices = await delivery.devices(alertId, { limit: 10 });
    expect(devices.find((d) => d.deviceId === kit)).toEqual({ deviceId: kit, state: 'acknowledged', at: { delivered: iso(1_000), displayed: iso(2_000), acknowledged: iso(2_000) } });
    expect(devices.map((d) => d.deviceId)).not.toContain(sof);
    expect(await alerts.counts(alertId)).toMatchObject({ targeted: 3, delivered: 1, acknowledged: 1 });
  });
});

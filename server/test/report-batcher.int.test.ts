import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AlertInputSchema, type VarselError } from '@varsel/shared';
import { AlertStore } from '../src/store/alert-store.js';
import { DeliveryStore, type ReportOutcome } from '../src/store/delivery-store.js';
import { DeviceStore } from '../src/store/device-store.js';
import { Keys } from '../src/store/keys.js';
import { ReportBatcher } from '../src/realtime/report-batcher.js';
import { Metrics } from '../src/metrics/metrics.js';
import { createLogger } from '../src/log.js';
import { metricSum } from '../../test-support/prometheus-text.js';
import { SIREN, testPrefix } from '../../test-support/varsel.js';

describe('the report batcher against real Redis', () => {
  let redis: Redis;
  const keys = new Keys(testPrefix());
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(() => redis.disconnect());

  /** An alert to KIT whose fan-out is done, and `n` enrolled KIT devices named `${host}-0`, `${host}-1`, …. */
  async function alertTo(n: number, host: string) {
    const devices = await new DeviceStore(redis, keys).enrollMany(Array.from({ length: n }, (_, i) => ({ platform: 'linux' as const, hostname: `${host}-${i}`, orgUnit: 'KIT' })));
    const alerts = new AlertStore(redis, keys);
    const alert = await alerts.create(AlertInputSchema.parse(SIREN), 'admin', ['KIT']);
    await alerts.fixAudience(alert.id, [keys.devicesInUnit('KIT')]);
    await alerts.markFanoutDone(alert.id);
    return { devices, alerts, alert };
  }

  /** A batcher writing through `delivery`, with silent logs and, unless given, metrics of its own. */
  function batcherOn(delivery: DeliveryStore, o: { flushMs: number; batchMax: number; maxPending: number; metrics?: Metrics; onRecorded?: (ids: Set<string>) => void; deferMaxMs?: number }): ReportBatcher {
    return new ReportBatcher(delivery, { log: createLogger({ LOG_LEVEL: 'silent' }), metrics: new Metrics('edge', createLogger({ LOG_LEVEL: 'silent' })), onRecorded: () => undefined, ...o });
  }

  it('writes 2,500 reports in batches of at most 1,000, answers each once with its outcome, and drains before it resolves', async () => {
    const { devices, alerts, alert } = await alertTo(1250, 'pc');

    const metrics = new Metrics('edge', createLogger({ LOG_LEVEL: 'silent' }));
    const touched = new Set<string>();
    const batcher = batcherOn(new DeliveryStore(redis, keys), { flushMs: 20, batchMax: 1000, maxPending: 100_000, metrics, onRecorded: (ids) => ids.forEach((id) => touched.add(id)) });
    const answers: (ReportOutcome | VarselError)[][] = devices.map(() => []);
    // Each device reports delivered, then (a duplicate) delivered again, in the same burst.
    for (let round = 0; round < 2; round++) {
      devices.forEach(({ device }, i) =>
        batcher.add({ alertId: alert.id, deviceId: device.id, orgUnit: 'KIT', state: 'delivered' }, (err, outcome) => answers[i]!.push(err ?? outcome!)),
      );
    }
    await batcher.drain();

    // Three batches (1,000, 1,000 and 500), as the edge's own metrics count them.
    const text = await metrics.registry.metrics();
    expect(metricSum(text, 'varsel_report_batch_size_count')).toBe(3);
    expect(metricSum(text, 'varsel_report_batch_size_sum')).toBe(2500);
    expect(metricSum(text, 'varsel_report_batch_size_bucket', { le: '500' })).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { state: 'delivered', outcome: 'unchanged' })).toBe(1250);
    expect(answers.every((a) => a.length === 2 && a[0] === 'recorded' && a[1] === 'unchanged')).toBe(true);
    expect([...touched]).toEqual([alert.id]);
    expect((await alerts.counts(alert.id)).delivered).toBe(1250);
  });

  it('writes a full batch at once, without waiting for the flush timer, and a partial one when the timer fires', async () => {
    const { devices, alert } = await alertTo(5, 'pc-full');
    const delivery = new DeliveryStore(redis, keys);
    const written = vi.spyOn(delivery, 'recordReports');
    const batcher = batcherOn(delivery, { flushMs: 200, batchMax: 3, maxPending: 100 });
    const outcomes: (ReportOutcome | undefined)[] = [];
    const add = (i: number): void =>
      batcher.add({ alertId: alert.id, deviceId: devices[i]!.device.id, orgUnit: 'KIT', state: 'delivered' }, (_err, o) => void outcomes.push(o));

    add(0);
    add(1);
    expect(written).not.toHaveBeenCalled();
    add(2);
    // Full: on its way to Redis before add returns.
    expect(written).toHaveBeenCalledTimes(1);
    expect(written.mock.calls[0]![0]).toHaveLength(3);
    await vi.waitFor(() => expect(outcomes).toHaveLength(3), { timeout: 2000, interval: 5 });
    // Nothing in flight and less than a batch: these wait for the flush timer.
    add(3);
    add(4);
    expect(written).toHaveBeenCalledTimes(1);
    expect(batcher.waiting()).toBe(2);
    await vi.waitFor(() => expect(written).toHaveBeenCalledTimes(2), { timeout: 2000, interval: 20 });
    expect(written.mock.calls[1]![0]).toHaveLength(2);
    expect(batcher.waiting()).toBe(0);
    await batcher.drain();
    expect(outcomes).toEqual(['recorded', 'recorded', 'recorded', 'recorded', 'recorded']);
  });

  it('writes acknowledgements before the delivered reports queued ahead of them, but never before a report of the same device', async () => {
    const { devices, alert } = await alertTo(7, 'pc-ack');
    const delivery = new DeliveryStore(redis, keys);
    const written = vi.spyOn(delivery, 'recordReports');
    const batcher = batcherOn(delivery, { flushMs: 5_000, batchMax: 4, maxPending: 100 });
    const outcomes: string[] = [];
    const add = (i: number, state: 'delivered' | 'acknowledged'): void =>
      batcher.add({ alertId: alert.id, deviceId: devices[i]!.device.id, orgUnit: 'KIT', state }, (err, o) => void outcomes.push(`${i} ${state} ${err?.code ?? o}`));

    // A full batch leaves at once; two delivered reports wait behind it.
    for (const i of [0, 1, 2, 3, 4, 5]) add(i, 'delivered');
    // Device 4's acknowledgement waits behind its delivered report; device 6 has nothing queued, so
    // its acknowledgement goes ahead of both. The batch is full then and leaves.
    add(4, 'acknowledged');
    add(6, 'acknowledged');
    await batcher.drain();

    const batches = written.mock.calls.map(([reports]) => reports.map((r) => `${devices.findIndex((d) => d.device.id === r.deviceId)} ${r.state}`));
    expect(batches).toEqual([
      ['0 delivered', '1 delivered', '2 delivered', '3 delivered'],
      ['6 acknowledged', '4 delivered', '5 delivered', '4 acknowledged'],
    ]);
    expect(outcomes).toHaveLength(8);
    expect(outcomes.every((o) => o.endsWith(' recorded'))).toBe(true);
    const byDevice = new Map((await delivery.devices(alert.id, { limit: 2_000 })).map((d) => [d.deviceId, d]));
    expect(byDevice.get(devices[4]!.device.id)?.state).toBe('acknowledged');
    expect(byDevice.get(devices[6]!.device.id)?.state).toBe('acknowledged');
  });

  it('writes the other reports ahead of acknowledgements again once the oldest of them has waited deferMaxMs', async () => {
    const { devices, alert } = await alertTo(8, 'pc-defer');
    const delivery = new DeliveryStore(redis, keys);
    // Redis is held until released: the batches in flight stay in flight meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const record = delivery.recordReports.bind(delivery);
    const written = vi.spyOn(delivery, 'recordReports').mockImplementation(async (reports) => {
      await held;
      return record(reports);
    });
    const batcher = batcherOn(delivery, { flushMs: 5_000, batchMax: 2, maxPending: 100, deferMaxMs: 100 });
    const add = (i: number, state: 'delivered' | 'acknowledged'): void => batcher.add({ alertId: alert.id, deviceId: devices[i]!.device.id, orgUnit: 'KIT', state }, () => undefined);

    // Two batches go in flight at once; devices 4 and 5 wait.
    for (const i of [0, 1, 2, 3, 4, 5]) add(i, 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Devices 6 and 7 acknowledge (nothing of theirs is queued) when 4 and 5 have waited longer than 100 ms.
    add(6, 'acknowledged');
    add(7, 'acknowledged');
    release();
    await batcher.drain();

    const batches = written.mock.calls.map(([reports]) => reports.map((r) => `${devices.findIndex((d) => d.device.id === r.deviceId)} ${r.state}`));
    expect(batches).toEqual([
      ['0 delivered', '1 delivered'],
      ['2 delivered', '3 delivered'],
      ['4 delivered', '5 delivered'],
      ['6 acknowledged', '7 acknowledged'],
    ]);
  });
});

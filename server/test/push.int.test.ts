import net, { type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ERRORS, type AlertView, type EnrollResponse, type PushConfig, type PushWakeUp } from '@varsel/shared';
import { ApiClient, SIREN, TestAgent, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { startFakePushService, type FakePushService, type FakePushSubscriptionJSON } from '../../test-support/fake-push-service.js';
import { fakeFcmToken } from '../../test-support/fake-fcm.js';
import { metricSum } from '../../test-support/prometheus-text.js';
import { PushStore } from '../src/store/push-store.js';
import { Keys } from '../src/store/keys.js';

const CERT_FILE = new URL('../../test-support/fixtures/tls/cert.pem', import.meta.url).pathname;

describe('push wake-ups over Web Push, against a local push service', () => {
  const vapid = webpush.generateVAPIDKeys();
  let service: FakePushService;
  let v: TestVarsel;
  let admin: ApiClient;
  let redis: Redis;
  let prefix: string;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    service = await startFakePushService({ expectedVapidPublicKey: vapid.publicKey });
    prefix = testPrefix();
    v = await startVarsel({
      redisUrl: inject('redisUrl'),
      prefix,
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:kit-drift@kk.dk',
        PUSH_CA_FILE: CERT_FILE,
        PUSH_AFTER_MS: '300',
        PUSH_RETRIES: '2',
        PUSH_RETRY_AFTER_MS: '300',
      },
    });
    admin = await ApiClient.login(v.url);
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    agents.forEach((a) => a.close());
    await v.close();
    await service.close();
    redis.disconnect();
  });

  const connect = async (device: EnrollResponse): Promise<TestAgent> => {
    const a = new TestAgent(v.url, device);
    agents.push(a);
    await a.connected();
    return a;
  };
  /** Connects `device` and registers `subscription` for Web Push (by default a new one of the fake service, whose id comes back). */
  const connectRegistered = async (device: EnrollResponse, given?: FakePushSubscriptionJSON): Promise<{ agent: TestAgent; subId: string | undefined }> => {
    const agent = await connect(device);
    const fresh = given ? undefined : service.subscribe();
    const subscription = given ?? fresh!.subscription;
    expect(await agent.socket.timeout(5000).emitWithAck('push:register', { channel: 'webpush', subscription })).toMatchObject({ ok: true });
    return { agent, subId: fresh?.id };
  };
  const pushHash = (deviceId: string): Promise<Record<string, string>> => redis.hgetall(`${prefix}:device:${deviceId}:push`);
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => metricSum(await (await fetch(v.metricsUrl)).text(), name, labels) ?? 0;

  it('tells an agent the VAPID key, and takes, replaces and removes its registration', async () => {
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin), 1);
    const a = await connect(device!);
    const config = (await a.socket.timeout(5000).emitWithAck('push:config')) as { ok: true; data: PushConfig };
    expect(config).toEqual({ ok: true, data: { webpush: { publicKey: vapid.publicKey }, fcm: false } });

    const first = service.subscribe().subscription;
    const second = service.subscribe().subscription;
    expect(await a.socket.timeout(5000).emitWithAck('push:register', { channel: 'webpush', subscription: first })).toEqual({ ok: true, data: { registered: true } });
    expect(await a.socket.timeout(5000).emitWithAck('push:register', { channel: 'webpush', subscription: second })).toEqual({ ok: true, data: { registered: true } });
    expect(JSON.parse((await pushHash(device!.deviceId)).webpush ?? 'null')).toEqual({ channel: 'webpush', subscription: second });

    expect(await a.socket.timeout(5000).emitWithAck('push:unregister', { channel: 'webpush' })).toEqual({ ok: true, data: { removed: true } });
    expect(await a.socket.timeout(5000).emitWithAck('push:unregister', { channel: 'webpush' })).toEqual({ ok: true, data: { removed: false } });
    expect(await pushHash(device!.deviceId)).toEqual({});
  });

  it('refuses a bad registration and a channel the server does not send on, and stores nothing', async () => {
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin), 1);
    const a = await connect(device!);
    const sub = service.subscribe().subscription;
    const bad = [
      { channel: 'webpush', subscription: { ...sub, endpoint: sub.endpoint.replace('https:', 'http:') } },
      { channel: 'webpush', subscription: { ...sub, keys: { ...sub.keys, auth: 'c2hvcnQ' } } },
      { channel: 'webpush' },
      'webpush',
      { channel: 'sms', token: 'x'.repeat(40) },
    ];
    for (const input of bad) {
      const res = (await a.socket.timeout(5000).emitWithAck('push:register', input as never)) as { ok: false; error: { code: number } };
      expect(res.ok, JSON.stringify(input)).toBe(false);
      expect(res.error.code).toBe(ERRORS.VALIDATION_FAILED.code);
    }
    const fcm = (await a.socket.timeout(5000).emitWithAck('push:register', { channel: 'fcm', token: fakeFcmToken() })) as { ok: false; error: { code: number } };
    expect(fcm).toMatchObject({ ok: false, error: { code: ERRORS.PUSH_CHANNEL_DISABLED.code } });
    const unreg = (await a.socket.timeout(5000).emitWithAck('push:unregister', { channel: 'pigeon' } as never)) as { ok: false; error: { code: number } };
    expect(unreg).toMatchObject({ ok: false, error: { code: ERRORS.VALIDATION_FAILED.code } });
    expect(await pushHash(device!.deviceId)).toEqual({});
  });

  it('wakes the devices that have not reported a siren delivered, once each, and drops a registration the service calls gone', async () => {
    const before = {
      sent: await metric('varsel_push_results_total', { channel: 'webpush', reason: 'sent' }),
      gone: await metric('varsel_push_results_total', { channel: 'webpush', reason: 'gone' }),
      unregistered: await metric('varsel_push_unregistered_total'),
    };
    // A unit of their own: the devices of the other tests are left out of the siren's audience.
    const [asleep, uninstalled, online, never] = (await enrollDevices(v.url, await createEnrollmentToken(admin, 'TMF-DRIFT'), 4)) as [EnrollResponse, EnrollResponse, EnrollResponse, EnrollResponse];
    const subs = new Map<string, string>();
    for (const d of [asleep, uninstalled, online]) {
      const { agent: a, subId } = await connectRegistered(d);
      subs.set(d.deviceId, subId!);
      if (d !== online) a.close();
      else a.socket.on('alert:created', (alert) => void a.report(alert.id, 'delivered'));
    }
    service.setAnswer(subs.get(uninstalled.deviceId)!, { status: 410 });
    const received = service.received.length;

    const siren = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['TMF-DRIFT'] } });
    expect(siren.status).toBe(201);
    await waitFor('the push results to be counted', async () => (await metric('varsel_push_results_total', { channel: 'webpush', reason: 'gone' })) > before.gone);
    await waitFor('the wake-up to arrive', () => service.received.length > received);
    // Nothing more comes: the job ran once.
    await new Promise((r) => setTimeout(r, 500));

    const pushes = service.received.slice(received);
    expect(pushes.map((p) => p.subscriptionId)).toEqual([subs.get(asleep.deviceId)]);
    const wake: PushWakeUp = { v: 1, alertId: siren.body.id, seq: siren.body.seq, kind: 'siren', msgType: 'alert' };
    expect(pushes[0]!.json).toEqual(wake);
    expect(pushes[0]!.urgency).toBe('high');
    expect(pushes[0]!.topic).toBe(siren.body.id.replaceAll('-', ''));
    // The push service may keep it until the siren expires.
    const leftS = (Date.parse(siren.body.expiresAt) - Date.now()) / 1000;
    expect(pushes[0]!.ttl).toBeGreaterThan(leftS - 30);
    expect(pushes[0]!.ttl).toBeLessThanOrEqual(leftS + 30);

    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'sent' })).toBe(before.sent + 1);
    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'gone' })).toBe(before.gone + 1);
    // The device that never registered (and never connected): nothing can wake it.
    expect(await metric('varsel_push_unregistered_total')).toBe(before.unregistered + 1);
    expect(await pushHash(uninstalled.deviceId)).toEqual({});
    expect(Object.keys(await pushHash(asleep.deviceId))).toEqual(['webpush']);
    expect(await pushHash(never.deviceId)).toEqual({});
  });

  it("deletes a revoked device's registrations", async () => {
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin), 1);
    await connectRegistered(device!);
    expect(Object.keys(await pushHash(device!.deviceId))).toEqual(['webpush']);
    expect((await admin.request('DELETE', `/api/devices/${device!.deviceId}`)).status).toBe(204);
    expect(await pushHash(device!.deviceId)).toEqual({});
  });

  /** The push job of a message's run and retry, once it has completed. */
  const completedPushJob = async (alertId: string, jobId: string): Promise<{ returnvalue: unknown; attemptsMade: number }> => {
    const queue = new Queue('lifecycle', { connection: redis, prefix: `${prefix}:bull` });
    try {
      await waitFor(`push job ${jobId} of ${alertId} to complete`, async () => (await queue.getJobState(jobId)) === 'completed', 15_000);
      // Read once completed: a job read just before it completed still has no return value.
      const job = await queue.getJob(jobId);
      return { returnvalue: job!.returnvalue as unknown, attemptsMade: job!.attemptsMade };
    } finally {
      await queue.close();
    }
  };

  it('counts a push service that throttles, fails or cannot be reached by reason, keeps those registrations, and retries those devices later', async () => {
    const reasons = ['rate_limited', 'unavailable', 'network'] as const;
    const before = Object.fromEntries(await Promise.all([...reasons, 'sent'].map(async (r) => [r, await metric('varsel_push_results_total', { channel: 'webpush', reason: r })] as const)));
    const devices = (await enrollDevices(v.url, await createEnrollmentToken(admin, 'KFF-BIBLIOTEKER'), 4)) as [EnrollResponse, EnrollResponse, EnrollResponse, EnrollResponse];
    const backDevice = devices[3];
    const throttled = service.subscribe();
    const failing = service.subscribe();
    const back = service.subscribe();
    // Retry-After 2 s: longer than PUSH_RETRY_AFTER_MS, so the first retry waits for it.
    service.setAnswer(throttled.id, { status: 429, retryAfterS: 2 });
    service.setAnswer(failing.id, { status: 503 });
    service.setAnswer(back.id, { status: 503 });
    // A push service that is down: nothing listens on the endpoint's port.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const unreachable = { ...service.subscribe().subscription, endpoint: `https://127.0.0.1:${closed}/push/gone-away` };
    const subs = [throttled.subscription, failing.subscription, unreachable, back.subscription];
    for (const [i, d] of devices.entries()) (await connectRegistered(d, subs[i])).agent.close();
    const received = service.received.length;

    const siren = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['KFF-BIBLIOTEKER'] } });
    expect(siren.status).toBe(201);
    const id = siren.body.id;
    const first = await completedPushJob(id, `push-${id}`);
    expect(first.returnvalue).toEqual({ devices: 4, unregistered: 0, removed: 0, results: { webpush: { rate_limited: 1, unavailable: 2, network: 1 } }, retry: { devices: 4, inMs: 2000 } });
    expect(first.attemptsMade).toBe(1);
    // Nothing was removed: a throttled or failing service says nothing about the subscription.
    for (const d of devices) expect(Object.keys(await pushHash(d.deviceId))).toEqual(['webpush']);

    // Before the retry: the service recovers, and one device comes back and reports the siren itself.
    service.setAnswer(throttled.id, null);
    service.setAnswer(failing.id, null);
    service.setAnswer(back.id, null);
    const returning = await connect(backDevice);
    await waitFor('the siren to be replayed', () => returning.received.some((a) => a.id === id));
    expect(await returning.report(id, 'delivered')).toMatchObject({ ok: true });

    // Retry 1 (2 s later): the two that recovered get their push; the unreachable one fails again.
    const retry1 = await completedPushJob(id, `push-${id}-fanout-1`);
    expect(retry1.returnvalue).toEqual({ devices: 3, unregistered: 0, removed: 0, results: { webpush: { sent: 2, network: 1 } }, retry: { devices: 1, inMs: 1200 } });
    // Retry 2, the last (PUSH_RETRIES 2): it fails again, and nothing more is scheduled.
    const retry2 = await completedPushJob(id, `push-${id}-fanout-2`);
    expect(retry2.returnvalue).toEqual({ devices: 1, unregistered: 0, removed: 0, results: { webpush: { network: 1 } } });

    const pushed = service.received.slice(received).map((p) => p.subscriptionId);
    expect(pushed.sort()).toEqual([throttled.id, failing.id].sort());
    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'sent' })).toBe(before.sent! + 2);
    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'rate_limited' })).toBe(before.rate_limited! + 1);
    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'unavailable' })).toBe(before.unavailable! + 2);
    expect(await metric('varsel_push_results_total', { channel: 'webpush', reason: 'network' })).toBe(before.network! + 3);
    // The devices noted for retries are gone with the last one.
    expect(await redis.keys(`${prefix}:alert:{a:${id}}:push-retry*`)).toEqual([]);
  });

  it('at a siren repeat, wakes again the devices that have not acknowledged it', async () => {
    const [acked, deliveredOnly, asleep] = (await enrollDevices(v.url, await createEnrollmentToken(admin, 'BUF-SKOLER'), 3)) as [EnrollResponse, EnrollResponse, EnrollResponse];
    const subs = new Map<string, string>();
    const live = new Map<string, TestAgent>();
    for (const d of [acked, deliveredOnly, asleep]) {
      const { agent: a, subId } = await connectRegistered(d);
      subs.set(d.deviceId, subId!);
      if (d === asleep) a.close();
      else live.set(d.deviceId, a);
    }
    const received = service.received.length;
    const siren = await admin.request<AlertView>('POST', '/api/alerts', { ...SIREN, audience: { type: 'units', units: ['BUF-SKOLER'] } });
    expect(siren.status).toBe(201);
    const id = siren.body.id;
    for (const [deviceId, a] of live) {
      await waitFor('the siren to arrive', () => a.received.some((x) => x.id === id));
      expect(await a.report(id, 'delivered')).toMatchObject({ ok: true });
      if (deviceId === acked.deviceId) expect(await a.report(id, 'acknowledged')).toMatchObject({ ok: true });
      else a.close();
    }
    // The wake-up after the fan-out: only the device that never got it.
    await completedPushJob(id, `push-${id}`);
    expect(service.received.slice(received).map((p) => p.subscriptionId)).toEqual([subs.get(asleep.deviceId)]);

    // A repeat, as the worker runs it when the siren's repeat is due (n = 5: not the one already scheduled).
    const queue = new Queue('lifecycle', { connection: redis, prefix: `${prefix}:bull` });
    try {
      await queue.add('repeat', { type: 'repeat', alertId: id, n: 5 }, { jobId: `repeat-${id}-5-test` });
    } finally {
      await queue.close();
    }
    const repeat = await completedPushJob(id, `push-${id}-repeat-5-0`);
    expect(repeat.returnvalue).toEqual({ devices: 2, unregistered: 0, removed: 0, results: { webpush: { sent: 2 } } });
    const atRepeat = service.received.slice(received + 1);
    expect(atRepeat.map((p) => p.subscriptionId).sort()).toEqual([subs.get(deliveredOnly.deviceId), subs.get(asleep.deviceId)].sort());
    expect(atRepeat[0]!.json).toEqual({ v: 1, alertId: id, seq: siren.body.seq, kind: 'siren', msgType: 'alert' });
    // One pending push per device and siren at the push service: the topic is the siren's.
    expect(atRepeat.every((p) => p.topic === id.replaceAll('-', ''))).toBe(true);
  });

  it('refuses a push job it cannot read, without retrying it', async () => {
    const queue = new Queue('lifecycle', { connection: redis, prefix: `${prefix}:bull` });
    try {
      const bad = [
        { type: 'push', alertId: 'not-a-uuid' },
        { type: 'push', alertId: crypto.randomUUID(), run: 'whenever' },
        { type: 'push', alertId: crypto.randomUUID(), notYet: 'displayed' },
        { type: 'push', alertId: crypto.randomUUID(), retry: -1 },
      ];
      const jobs = await Promise.all(bad.map((data, i) => queue.add('push', data as never, { jobId: `bad-push-${i}-${Date.now()}` })));
      for (const job of jobs) {
        await waitFor(`bad job ${job.id} to fail`, async () => (await queue.getJobState(job.id!)) === 'failed');
        const failed = await queue.getJob(job.id!);
        expect(failed!.attemptsMade).toBe(1);
        expect(failed!.failedReason).toMatch(/^bad push job /);
      }
    } finally {
      await queue.close();
    }
  });

  it('keeps a registration the device replaced while its old one was being called gone', async () => {
    const store = new PushStore(redis, new Keys(prefix));
    const deviceId = '3f2b6a0e-9c1d-4f7a-8b2e-5d6c7e8f9a0b';
    const old = { channel: 'webpush' as const, subscription: service.subscribe().subscription };
    await store.register(deviceId, old);
    const [stored] = await store.registrations([deviceId], ['webpush', 'fcm']);
    await store.register(deviceId, { channel: 'webpush', subscription: service.subscribe().subscription });
    expect(await store.removeIfSame(stored!)).toBe(false);
    expect(Object.keys(await store.get(deviceId))).toEqual(['webpush']);
    const [current] = await store.registrations([deviceId], ['webpush']);
    expect(await store.removeIfSame(current!)).toBe(true);
    expect(await store.get(deviceId)).toEqual({});
  });
});

import { generateKeyPairSync } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { deleteApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PushWakeUp } from '@varsel/shared';
import { ApiClient, TestAgent, createEnrollmentToken, enrollDevices, startVarsel, testPrefix } from '../../test-support/varsel.js';
import { startFakePushService } from '../../test-support/fake-push-service.js';
import { fakeFcmToken, fcmTestApp, startFakeFcm, type FakeFcm } from '../../test-support/fake-fcm.js';
import { ConfigError, ConfigSchema } from '../src/config.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/log.js';
import { FcmChannel } from '../src/push/fcm-channel.js';
import { BREAKER_FAILURES, Breaker } from '../src/push/channel.js';
import { WebPushChannel } from '../src/push/web-push-channel.js';

const CERT_FILE = new URL('../../test-support/fixtures/tls/cert.pem', import.meta.url).pathname;

describe('FCM through firebase-admin, against a local FCM', () => {
  let fcm: FakeFcm;
  beforeAll(async () => {
    fcm = await startFakeFcm();
  });
  afterAll(async () => {
    await fcm.close();
  });

  it('sends one data message per device and reads each answer as a result', async () => {
    const app = fcmTestApp(fcm);
    try {
      const channel = new FcmChannel(getMessaging(app));
      const tokens = [fakeFcmToken(), fakeFcmToken(), fakeFcmToken(), fakeFcmToken()];
      fcm.setAnswer(tokens[1]!, 'unregistered');
      fcm.setAnswer(tokens[2]!, 'quota');
      fcm.setAnswer(tokens[3]!, 'internal');
      const targets = tokens.map((token, i) => ({ deviceId: `d${i}`, registration: { channel: 'fcm' as const, token }, stored: '' }));
      const wake: PushWakeUp = { v: 1, alertId: '6f1c1d57-3b1f-4c55-9d55-1f6b0c3f7a10', seq: 7, kind: 'siren', msgType: 'alert' };
      const before = fcm.received.length;
      expect(await channel.send(targets, wake, { urgent: true, ttlSeconds: 900, breaker: new Breaker() })).toEqual(['sent', 'gone', 'rate_limited', 'unavailable']);
      const got = fcm.received.slice(before);
      expect(got.map((m) => m.token)).toEqual([tokens[0]]);
      expect(got[0]!.message).toMatchObject({
        token: tokens[0],
        data: { v: '1', alertId: wake.alertId, seq: '7', kind: 'siren', msgType: 'alert' },
        android: { priority: 'high', ttl: '900s' },
      });
    } finally {
      await deleteApp(app);
    }
  });
});

describe('a push service that is down or hangs', () => {
  const wake: PushWakeUp = { v: 1, alertId: '6f1c1d57-3b1f-4c55-9d55-1f6b0c3f7a10', seq: 9, kind: 'siren', msgType: 'alert' };
  const webpushTarget = (subscription: { endpoint: string; keys: { p256dh: string; auth: string } }, i: number) => ({
    deviceId: `d${i}`,
    registration: { channel: 'webpush' as const, subscription: { ...subscription, expirationTime: null } },
    stored: '',
  });

  it('gives up on a hanging Web Push service after BREAKER_FAILURES timeouts in a row, and still pushes to a working one', async () => {
    // Accepts connections and never answers (not even the TLS handshake).
    const held: net.Socket[] = [];
    const hanging = net.createServer((s) => void held.push(s));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as AddressInfo).port;
    const vapid = webpush.generateVAPIDKeys();
    const service = await startFakePushService({ expectedVapidPublicKey: vapid.publicKey });
    const concurrency = 4;
    const channel = new WebPushChannel({ ...vapid, subject: 'mailto:kit-drift@kk.dk' }, { concurrency, timeoutMs: 200, ca: readFileSync(CERT_FILE, 'utf8') });
    try {
      const hangingTargets = Array.from({ length: 60 }, (_, i) => webpushTarget({ ...service.subscribe().subscription, endpoint: `https://127.0.0.1:${port}/push/h${i}` }, i));
      const working = Array.from({ length: 10 }, (_, i) => webpushTarget(service.subscribe().subscription, 100 + i));
      // Interleaved, as devices of both services come in one chunk.
      const targets = hangingTargets.flatMap((t, i) => (i < working.length ? [t, working[i]!] : [t]));
      const reasons = await channel.send(targets, wake, { urgent: true, ttlSeconds: 60, breaker: new Breaker() });
      const of = (pred: (t: (typeof targets)[number]) => boolean) => reasons.filter((_, i) => pred(targets[i]!));
      const toHanging = of((t) => t.registration.subscription.endpoint.includes(`:${port}/`));
      const network = toHanging.filter((r) => r === 'network').length;
      // The breaker opens at BREAKER_FAILURES; pushes already in flight then finish as network failures too.
      expect(network).toBeGreaterThanOrEqual(BREAKER_FAILURES);
      expect(network).toBeLessThan(BREAKER_FAILURES + concurrency);
      expect(toHanging.filter((r) => r === 'skipped').length).toBe(60 - network);
      expect(of((t) => !t.registration.subscription.endpoint.includes(`:${port}/`))).toEqual(Array(10).fill('sent'));
      expect(service.received).toHaveLength(10);
    } finally {
      await channel.close();
      await service.close();
      held.forEach((s) => s.destroy());
      hanging.close();
    }
  });

  it('skips the rest of an FCM wake-up once FCM failed BREAKER_FAILURES times in a row', async () => {
    const fcm = await startFakeFcm();
    const app = fcmTestApp(fcm);
    try {
      const channel = new FcmChannel(getMessaging(app));
      const tokens = Array.from({ length: 600 }, () => fakeFcmToken());
      for (const t of tokens) fcm.setAnswer(t, 'internal');
      const targets = tokens.map((token, i) => ({ deviceId: `d${i}`, registration: { channel: 'fcm' as const, token }, stored: '' }));
      const reasons = await channel.send(targets, wake, { urgent: true, ttlSeconds: 60, breaker: new Breaker() });
      // The first sendEach (500, FCM's most) all failed; the last 100 were not sent.
      expect(reasons.slice(0, 500)).toEqual(Array(500).fill('unavailable'));
      expect(reasons.slice(500)).toEqual(Array(100).fill('skipped'));
      expect(fcm.requests).toBe(500);
    } finally {
      await deleteApp(app);
      await fcm.close();
    }
  });
});

describe('push configuration at start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'varsel-push-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (env: Record<string, string>): Promise<Awaited<ReturnType<typeof createApp>>> => {
    const config = ConfigSchema.parse({ REDIS_PREFIX: testPrefix(), LOG_LEVEL: 'silent', VARSEL_ADMIN_PASSWORD: 'test-admin-password-1', ...env });
    return createApp({ config, log: createLogger(config, { role: 'all' }), redisUrl: inject('redisUrl'), role: 'all' });
  };

  it('offers FCM with a service account key, and loads firebase-admin for it', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = path.join(dir, 'service-account.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'service_account',
        project_id: 'kk-varsel-test',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: 'varsel@kk-varsel-test.iam.gserviceaccount.com',
      }),
    );
    const v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix(), env: { FCM_SERVICE_ACCOUNT_FILE: file } });
    try {
      const admin = await ApiClient.login(v.url);
      const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin), 1);
      const a = new TestAgent(v.url, device!);
      await a.connected();
      expect(await a.socket.timeout(5000).emitWithAck('push:config')).toEqual({ ok: true, data: { webpush: null, fcm: true } });
      expect(await a.socket.timeout(5000).emitWithAck('push:register', { channel: 'fcm', token: fakeFcmToken() })).toEqual({ ok: true, data: { registered: true } });
      a.close();
    } finally {
      await v.close();
    }
  });

  it.each([
    ['a missing service account file', () => ({ FCM_SERVICE_ACCOUNT_FILE: path.join(dir, 'nope.json') }), /FCM_SERVICE_ACCOUNT_FILE: cannot read/],
    [
      'a JSON file that is no service account key',
      () => {
        const f = path.join(dir, 'other.json');
        writeFileSync(f, JSON.stringify({ project_id: 'x' }));
        return { FCM_SERVICE_ACCOUNT_FILE: f };
      },
      /missing private_key, client_email/,
    ],
    [
      'a CA file without a certificate',
      () => {
        const f = path.join(dir, 'ca.pem');
        writeFileSync(f, 'not a certificate');
        return { PUSH_CA_FILE: f };
      },
      /PUSH_CA_FILE: .* holds no PEM certificate/,
    ],
  ])('refuses %s with a ConfigError, before opening anything', async (_what, env, message) => {
    const err = await start(env()).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(message);
  });
});

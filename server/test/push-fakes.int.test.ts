import { createPrivateKey, sign } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import type { VapidKeys, WebPushError } from 'web-push';
import { deleteApp } from 'firebase-admin/app';
import type { App } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import type { FirebaseMessagingError, Message } from 'firebase-admin/messaging';
import { startFakePushService, type FakePushService, type FakePushSubscriptionJSON } from '../../test-support/fake-push-service.js';
import { fakeFcmToken, fcmTestApp, startFakeFcm, type FakeFcm, type FcmAnswerKind } from '../../test-support/fake-fcm.js';

// The test-support fakes of a Web Push service and of FCM, driven by the real web-push and
// firebase-admin, so the server's push channels can be tested against them.

const SUBJECT = 'mailto:ops@example.org';
const WAKE_UP = { v: 1, alertId: 'a-42', seq: 7, kind: 'siren', msgType: 'alert' };

/** The rejection of `p` (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
}

/** A POST with exactly these headers, for requests web-push will not make. */
async function rawPost(url: string, headers: Record<string, string | number>, body: Buffer | null, agent: https.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** `Authorization: vapid t=…, k=…` with any claims, ES256-signed with `keys` (web-push refuses to make bad ones). */
function vapidHeader(keys: VapidKeys, claims: Record<string, unknown>): string {
  const pub = Buffer.from(keys.publicKey, 'base64url');
  const key = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: keys.privateKey, x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ typ: 'JWT', alg: 'ES256' })}.${part(claims)}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `vapid t=${input}.${sig}, k=${keys.publicKey}`;
}

describe('the fake push service, driven by web-push', () => {
  let vapid: VapidKeys;
  let service: FakePushService;
  let id: string;
  let subscription: FakePushSubscriptionJSON;
  const vapidDetails = (): { subject: string; publicKey: string; privateKey: string } => ({ subject: SUBJECT, ...vapid });

  beforeEach(async () => {
    vapid = webpush.generateVAPIDKeys();
    service = await startFakePushService({ expectedVapidPublicKey: vapid.publicKey });
    ({ id, subscription } = service.subscribe());
  });
  afterEach(async () => {
    await service.close();
  });

  it('hands out browser-like subscriptions on its own origin', () => {
    expect(service.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(subscription.endpoint).toBe(`${service.origin}/push/${id}`);
    expect(Buffer.from(subscription.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(subscription.keys.auth, 'base64url')).toHaveLength(16);
    expect(service.subscribe().id).not.toBe(id);
  });

  it('decrypts an aes128gcm JSON payload and sees TTL, urgency and topic', async () => {
    const res = await webpush.sendNotification(subscription, JSON.stringify(WAKE_UP), {
      TTL: 60,
      urgency: 'high',
      topic: 'siren-a-42',
      agent: service.agent(),
      vapidDetails: vapidDetails(),
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`${service.origin}/message/1`);
    const [msg] = await service.waitFor(1, 1_000);
    expect(msg).toMatchObject({ subscriptionId: id, payload: JSON.stringify(WAKE_UP), json: WAKE_UP, ttl: 60, urgency: 'high', topic: 'siren-a-42' });
    expect(Date.now() - msg!.receivedAt).toBeLessThan(5_000);
    expect(service.requests).toBe(1);
  });

  it('records a push without payload, and a text payload with json undefined', async () => {
    const opts = { TTL: 0, agent: service.agent(), vapidDetails: vapidDetails() };
    await webpush.sendNotification(subscription, undefined, opts);
    await webpush.sendNotification(subscription, 'wake up', opts);
    const [empty, text] = await service.waitFor(2, 1_000);
    // web-push sends `Urgency: normal` when none is given, and no Topic.
    expect(empty).toMatchObject({ payload: '', json: undefined, ttl: 0, urgency: 'normal', topic: undefined });
    expect(text).toMatchObject({ payload: 'wake up', json: undefined });
  });

  it('waitFor rejects with a clear message on timeout', async () => {
    await expect(service.waitFor(1, 50)).rejects.toThrow('fake push service: 0 of 1 messages received within 50 ms');
  });

  it('answers a subscription scripted as gone with 410, which web-push rejects as a WebPushError', async () => {
    service.setAnswer(id, { status: 410 });
    const err = (await rejection(webpush.sendNotification(subscription, 'x', { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() }))) as WebPushError;
    expect(err).toBeInstanceOf(webpush.WebPushError);
    expect(err.statusCode).toBe(410);
    expect(err.endpoint).toBe(subscription.endpoint);
    expect(service.received).toHaveLength(0);
    expect(service.requests).toBe(1);

    service.setAnswer(id, null);
    await webpush.sendNotification(subscription, 'y', { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() });
    expect(service.received.map((m) => m.payload)).toEqual(['y']);
  });

  it('sends a scripted Retry-After with 429 and 503', async () => {
    for (const status of [429, 503] as const) {
      service.setAnswer(id, { status, retryAfterS: 30 });
      const err = (await rejection(webpush.sendNotification(subscription, 'x', { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() }))) as WebPushError;
      expect(err.statusCode).toBe(status);
      expect(err.headers['retry-after']).toBe('30');
    }
  });

  it('answers 404 for an unknown subscription', async () => {
    const gone = { ...subscription, endpoint: `${service.origin}/push/no-such-id` };
    const err = (await rejection(webpush.sendNotification(gone, 'x', { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() }))) as WebPushError;
    expect(err.statusCode).toBe(404);
  });

  it('answers 413 for a body over 4096 bytes', async () => {
    const err = (await rejection(webpush.sendNotification(subscription, 'x'.repeat(4100), { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() }))) as WebPushError;
    expect(err.statusCode).toBe(413);
    // 3993 bytes of plaintext is the most that fits in one aes128gcm record of 4096.
    await webpush.sendNotification(subscription, 'x'.repeat(3993), { TTL: 60, agent: service.agent(), vapidDetails: vapidDetails() });
    expect(service.received[0]!.payload).toHaveLength(3993);
  });

  it('answers 403 when the VAPID key is not the one the subscription was made with', async () => {
    const other = webpush.generateVAPIDKeys();
    const err = (await rejection(
      webpush.sendNotification(subscription, 'x', { TTL: 60, agent: service.agent(), vapidDetails: { subject: SUBJECT, ...other } }),
    )) as WebPushError;
    expect(err.statusCode).toBe(403);
    expect(err.body).toContain('k is not the key the subscription was made with');
    expect(service.received).toHaveLength(0);
  });

  it('accepts a VAPID header made once by getVapidHeaders and reused, as a sender caching it sends it', async () => {
    const expiresAtS = Math.floor(Date.now() / 1000) + 12 * 3600;
    const { Authorization } = webpush.getVapidHeaders(service.origin, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', expiresAtS);
    for (const payload of ['one', 'two']) {
      await webpush.sendNotification(subscription, payload, { TTL: 60, agent: service.agent(), headers: { Authorization } });
    }
    expect(service.received.map((m) => m.payload)).toEqual(['one', 'two']);
  });

  it('answers 415 for the legacy aesgcm content coding', async () => {
    const err = (await rejection(
      webpush.sendNotification(subscription, 'x', { TTL: 60, contentEncoding: 'aesgcm', agent: service.agent(), vapidDetails: vapidDetails() }),
    )) as WebPushError;
    expect(err.statusCode).toBe(415);
  });

  it('answers 403 without VAPID', async () => {
    const err = (await rejection(webpush.sendNotification(subscription, 'x', { TTL: 60, agent: service.agent() }))) as WebPushError;
    expect(err.statusCode).toBe(403);
  });

  describe('VAPID checks web-push never fails', () => {
    const nowS = (): number => Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Record<string, unknown>, string]> = [
      ['an audience of another origin', () => ({ aud: 'https://fcm.googleapis.com', exp: nowS() + 3600, sub: SUBJECT }), 'aud https://fcm.googleapis.com is not'],
      ['an expired token', () => ({ aud: service.origin, exp: nowS() - 10, sub: SUBJECT }), 'exp is missing or past'],
      ['exp more than 24 h ahead', () => ({ aud: service.origin, exp: nowS() + 25 * 3600, sub: SUBJECT }), 'exp is more than 24 h ahead'],
      ['a subject that is not mailto: or https:', () => ({ aud: service.origin, exp: nowS() + 3600, sub: 'http://example.org' }), 'sub is not a mailto: or https: URI'],
    ];
    it.each(cases)('403 for %s', async (_name, claims, reason) => {
      const { headers, body } = webpush.generateRequestDetails(subscription, 'x', { TTL: 60 });
      const res = await rawPost(subscription.endpoint, { ...headers, Authorization: vapidHeader(vapid, claims()) }, body, service.agent());
      expect(res.status).toBe(403);
      expect(res.body).toContain(reason);
    });

    it('accepts the same hand-made token with good claims (so the cases above fail for their reason)', async () => {
      const { headers, body } = webpush.generateRequestDetails(subscription, 'x', { TTL: 60 });
      const claims = { aud: service.origin, exp: nowS() + 23 * 3600, sub: 'https://varsel.example.org' };
      expect((await rawPost(subscription.endpoint, { ...headers, Authorization: vapidHeader(vapid, claims) }, body, service.agent())).status).toBe(201);
    });

    it('403 for a token whose signature is not by key k', async () => {
      const other = webpush.generateVAPIDKeys();
      // Signed with the other key, but claiming to be the expected key.
      const forged = vapidHeader(other, { aud: service.origin, exp: nowS() + 3600, sub: SUBJECT }).replace(/k=.*$/, `k=${vapid.publicKey}`);
      const { headers, body } = webpush.generateRequestDetails(subscription, 'x', { TTL: 60 });
      const res = await rawPost(subscription.endpoint, { ...headers, Authorization: forged }, body, service.agent());
      expect(res.status).toBe(403);
      expect(res.body).toContain('the signature does not verify with k');
    });
  });

  it('answers 400 without a TTL header (web-push always sends one)', async () => {
    const { headers, body } = webpush.generateRequestDetails(subscription, 'x', { TTL: 60, vapidDetails: vapidDetails() });
    const { TTL, ...withoutTtl } = headers;
    expect(TTL).toBe(60);
    const res = await rawPost(subscription.endpoint, withoutTtl, body, service.agent());
    expect(res.status).toBe(400);
    expect(res.body).toContain('TTL');
    expect(service.requests).toBe(1);
    expect(service.received).toHaveLength(0);
    expect((await rawPost(subscription.endpoint, headers, body, service.agent())).status).toBe(201);
  });

  it('answers 400 for a body it cannot decrypt (encrypted for another subscription)', async () => {
    const other = service.subscribe().subscription;
    const { headers, body } = webpush.generateRequestDetails(other, 'x', { TTL: 60, vapidDetails: vapidDetails() });
    const res = await rawPost(subscription.endpoint, headers, body, service.agent());
    expect(res.status).toBe(400);
    expect(res.body).toContain('cannot decrypt');
  });
});

describe('the fake FCM, driven by firebase-admin (seam A)', () => {
  let fcm: FakeFcm;
  let app: App;
  beforeEach(async () => {
    fcm = await startFakeFcm();
    app = fcmTestApp(fcm);
  });
  afterEach(async () => {
    await deleteApp(app);
    await fcm.close();
  });

  const sirenMessage = (token: string): Message => ({
    token,
    data: { alertId: 'a-42', seq: '7' },
    android: { priority: 'high', ttl: 60_000 },
    apns: { headers: { 'apns-priority': '10' }, payload: { aps: { sound: { critical: true, name: 'default', volume: 1 }, 'interruption-level': 'critical' } } },
  });

  it('sendEach: ok tokens succeed with the message name, and the fake sees the wire message', async () => {
    const tokens = [fakeFcmToken(), fakeFcmToken()];
    const batch = await getMessaging(app).sendEach(tokens.map(sirenMessage));
    expect(batch.successCount).toBe(2);
    const received = await fcm.waitFor(2, 1_000);
    tokens.forEach((token, i) => {
      const n = received.findIndex((r) => r.token === token) + 1;
      expect(n).toBeGreaterThan(0);
      expect(batch.responses[i]).toEqual({ success: true, messageId: `projects/demo-test/messages/${n}` });
    });
    const wire = received.find((r) => r.token === tokens[0])!;
    expect(wire.project).toBe('demo-test');
    expect(wire.message.data).toEqual({ alertId: 'a-42', seq: '7' });
    // The SDK's translation: ttl in ms → "60s", critical: true → 1.
    expect(wire.message.android).toEqual({ priority: 'high', ttl: '60s' });
    expect(wire.message.apns).toEqual({
      headers: { 'apns-priority': '10' },
      payload: { aps: { sound: { critical: 1, name: 'default', volume: 1 }, 'interruption-level': 'critical' } },
    });
  });

  it('send() goes through seam A too', async () => {
    const token = fakeFcmToken();
    expect(await getMessaging(app).send(sirenMessage(token))).toBe('projects/demo-test/messages/1');
    expect(fcm.received.map((r) => r.token)).toEqual([token]);
  });

  it('sendEach: each scripted error becomes the matching firebase-admin error code', async () => {
    const expected: Array<[FcmAnswerKind, string]> = [
      ['unregistered', 'messaging/registration-token-not-registered'],
      ['invalid', 'messaging/invalid-argument'],
      ['quota', 'messaging/message-rate-exceeded'],
      ['internal', 'messaging/internal-error'],
      ['sender-id-mismatch', 'messaging/mismatched-credential'],
    ];
    const ok = fakeFcmToken();
    const tokens = expected.map(([kind]) => {
      const t = fakeFcmToken();
      fcm.setAnswer(t, kind);
      return t;
    });
    const batch = await getMessaging(app).sendEach([...tokens, ok].map(sirenMessage));
    expect(batch.failureCount).toBe(expected.length);
    expect(batch.responses.map((r) => r.error?.code)).toEqual([...expected.map(([, code]) => code), undefined]);
    expect(batch.responses.at(-1)).toMatchObject({ success: true, messageId: 'projects/demo-test/messages/1' });
    expect(fcm.received.map((r) => r.token)).toEqual([ok]);
    // None of these is retried by the SDK: one request each.
    expect(fcm.requests).toBe(expected.length + 1);

    // A token made ok again is accepted.
    fcm.setAnswer(tokens[0]!, 'ok');
    expect((await getMessaging(app).sendEach([sirenMessage(tokens[0]!)])).successCount).toBe(1);
  });

  it('sendEach: unavailable is retried four times by the SDK, then messaging/server-unavailable', { timeout: 30_000 }, async () => {
    const token = fakeFcmToken();
    fcm.setAnswer(token, 'unavailable');
    const t0 = performance.now();
    const batch = await getMessaging(app).sendEach([sirenMessage(token)]);
    expect(batch.responses[0]!.error?.code).toBe('messaging/server-unavailable');
    expect(fcm.requests).toBe(5);
    // Back-off of 0 + 1 + 2 + 4 s.
    expect(performance.now() - t0).toBeGreaterThan(6_500);
  });

  it('answers a wrong bearer token with a Google-style 401, which firebase-admin calls messaging/third-party-auth-error', async () => {
    await fcm.close();
    await deleteApp(app);
    fcm = await startFakeFcm({ accessToken: 'another-token' });
    app = fcmTestApp(fcm);
    const err = (await rejection(getMessaging(app).send(sirenMessage(fakeFcmToken())))) as FirebaseMessagingError;
    expect(err.code).toBe('messaging/third-party-auth-error');
    expect(err.message).toContain('invalid authentication credentials');
    expect(fcm.received).toHaveLength(0);
    expect(fcm.requests).toBe(1);
  });

  it('speaks h2 too, with the real error shape', async () => {
    const token = fakeFcmToken();
    fcm.setAnswer(token, 'unregistered');
    const session = http2.connect(fcm.origin, { ca: fcm.ca, servername: 'fcm.googleapis.com' });
    try {
      const post = (body: unknown, authorization = 'Bearer test'): Promise<{ status: number; json: unknown }> =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':method': 'POST', ':path': '/v1/projects/p1/messages:send', authorization, 'content-type': 'application/json' });
          let status = 0;
          let text = '';
          req.on('response', (h) => (status = Number(h[':status'])));
          req.setEncoding('utf8').on('data', (c: string) => (text += c));
          req.on('end', () => resolve({ status, json: JSON.parse(text) }));
          req.on('error', reject);
          req.end(JSON.stringify(body));
        });
      expect(await post({ message: { token: fakeFcmToken(), data: { a: '1' } } })).toEqual({ status: 200, json: { name: 'projects/p1/messages/1' } });
      expect(session.alpnProtocol).toBe('h2');
      expect(await post({ message: { token } })).toEqual({
        status: 404,
        json: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } },
      });
      expect(await post({ message: { token } }, 'Bearer nope')).toMatchObject({ status: 401, json: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
      expect(await post({ message: { token: fakeFcmToken(), data: { n: 1 } } })).toMatchObject({ status: 400, json: { error: { status: 'INVALID_ARGUMENT' } } });
      expect(await post({ message: { data: { a: '1' } } })).toMatchObject({ status: 400, json: { error: { message: 'Recipient of the message is not set.' } } });
      expect(fcm.received.map((r) => r.project)).toEqual(['p1']);
      expect(fcm.requests).toBe(5);
    } finally {
      session.close();
    }
  });
});

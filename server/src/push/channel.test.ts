import { describe, expect, it } from 'vitest';
import { PushRegistrationSchema } from '@varsel/shared';
import { BREAKER_FAILURES, Breaker, fcmReason, mapLimited, retryAfterMs, webPushReason } from './channel.js';
import { worthWaking } from './push-escalation.js';
import { fcmMessage } from './fcm-channel.js';

describe('webPushReason', () => {
  it.each([
    [201, 'sent'],
    [202, 'sent'],
    [404, 'gone'],
    [410, 'gone'],
    [429, 'rate_limited'],
    [413, 'payload_too_large'],
    [400, 'rejected'],
    [401, 'rejected'],
    [403, 'rejected'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [302, 'error'],
    [undefined, 'network'],
  ] as const)('reads status %s as %s', (status, reason) => {
    expect(webPushReason(status)).toBe(reason);
  });
});

describe('fcmReason', () => {
  it.each([
    [undefined, 'sent'],
    ['messaging/registration-token-not-registered', 'gone'],
    ['messaging/invalid-registration-token', 'gone'],
    ['messaging/message-rate-exceeded', 'rate_limited'],
    ['messaging/invalid-argument', 'rejected'],
    ['messaging/mismatched-credential', 'rejected'],
    ['messaging/server-unavailable', 'unavailable'],
    ['messaging/internal-error', 'unavailable'],
    ['app/network-timeout', 'network'],
    ['messaging/app/network-error', 'network'],
    ['messaging/something-new', 'error'],
  ] as const)('reads %s as %s', (code, reason) => {
    expect(fcmReason(code)).toBe(reason);
  });
});

describe('Breaker', () => {
  it('opens for a service after BREAKER_FAILURES unavailable or unanswered pushes in a row, and not for another', () => {
    const b = new Breaker();
    for (let i = 0; i < BREAKER_FAILURES - 1; i++) b.record('https://a.example', i % 2 ? 'network' : 'unavailable');
    expect(b.isOpen('https://a.example')).toBe(false);
    b.record('https://a.example', 'network');
    expect(b.isOpen('https://a.example')).toBe(true);
    expect(b.isOpen('https://b.example')).toBe(false);
  });

  it('starts counting again after any answer that is not a failure of the service', () => {
    const b = new Breaker();
    for (let i = 0; i < BREAKER_FAILURES - 1; i++) b.record('s', 'network');
    b.record('s', 'gone');
    for (let i = 0; i < BREAKER_FAILURES - 1; i++) b.record('s', 'unavailable');
    expect(b.isOpen('s')).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it.each([
    ['delay-seconds', '120', 120_000],
    ['zero', '0', 0],
    ['an HTTP date', 'Sun, 29 Nov 2026 12:00:30 GMT', 30_000],
    ['a date in the past', 'Sun, 29 Nov 2026 11:00:00 GMT', 0],
    ['more than a day', String(7 * 24 * 3600), 24 * 3600 * 1000],
    ['spaces around', ' 5 ', 5000],
  ])('reads %s', (_what, value, ms) => {
    expect(retryAfterMs(value, now)).toBe(ms);
  });
  it.each([['absent', undefined], ['negative', '-5'], ['a fraction', '1.5'], ['garbage', 'soon'], ['empty', '']])('ignores %s', (_what, value) => {
    expect(retryAfterMs(value, now)).toBeUndefined();
  });
  it('keeps the longest Retry-After of a wake-up', () => {
    const b = new Breaker();
    b.noteRetryAfter('3', now);
    b.noteRetryAfter('1', now);
    b.noteRetryAfter('later', now);
    expect(b.retryAfterMs).toBe(3000);
  });
});

describe('mapLimited', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([50, 10, 30, 0, 20, 5], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(out).toEqual([100, 20, 60, 0, 40, 10]);
    expect(most).toBe(2);
  });

  it('returns nothing for nothing', async () => {
    expect(await mapLimited([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});

describe('worthWaking', () => {
  it('wakes for the messages of an active thread, and for the message that closed one', () => {
    expect(worthWaking({ msgType: 'alert' }, 'active')).toBe(true);
    expect(worthWaking({ msgType: 'update' }, 'active')).toBe(true);
    expect(worthWaking({ msgType: 'alert' }, 'cancelled')).toBe(false);
    expect(worthWaking({ msgType: 'cancel' }, 'cancelled')).toBe(true);
    expect(worthWaking({ msgType: 'update', allClear: true }, 'allclear')).toBe(true);
    expect(worthWaking({ msgType: 'update' }, 'allclear')).toBe(false);
    expect(worthWaking({ msgType: 'cancel' }, 'expired')).toBe(false);
  });
});

describe('fcmMessage', () => {
  const wake = { v: 1, alertId: '6f1c1d57-3b1f-4c55-9d55-1f6b0c3f7a10', seq: 42, kind: 'siren', msgType: 'alert' } as const;

  it('carries the wake-up as data and nothing of the alert text', () => {
    const m = fcmMessage('tok', wake, { urgent: true, ttlSeconds: 600 });
    expect(m).toMatchObject({
      token: 'tok',
      data: { v: '1', alertId: wake.alertId, seq: '42', kind: 'siren', msgType: 'alert' },
      android: { priority: 'high', ttl: 600_000, collapseKey: wake.alertId },
      apns: { headers: { 'apns-priority': '10', 'apns-push-type': 'alert', 'apns-collapse-id': wake.alertId } },
    });
    expect(Object.values(m.data ?? {}).every((v) => typeof v === 'string')).toBe(true);
  });

  it('asks for normal priority for a notice', () => {
    const m = fcmMessage('tok', { ...wake, kind: 'notice' }, { urgent: false, ttlSeconds: 60 });
    expect(m.android?.priority).toBe('normal');
    expect(m.apns?.headers?.['apns-priority']).toBe('5');
  });
});

describe('PushRegistrationSchema', () => {
  // A P-256 public key (65 bytes) and a 16-byte auth secret, base64url, as a browser gives them.
  const p256dh = `B${'A'.repeat(86)}`;
  const auth = 'A'.repeat(22);
  const webpush = { channel: 'webpush', subscription: { endpoint: 'https://push.example/abc', expirationTime: null, keys: { p256dh, auth } } };

  it('accepts a browser subscription and an FCM token', () => {
    expect(PushRegistrationSchema.safeParse(webpush).success).toBe(true);
    expect(PushRegistrationSchema.safeParse({ channel: 'fcm', token: 'dGVzdC10b2tlbi0xMjM0NTY3ODk:APA91b-x_y' }).success).toBe(true);
  });

  it.each([
    ['an http endpoint', { ...webpush, subscription: { ...webpush.subscription, endpoint: 'http://push.example/abc' } }],
    ['a short p256dh', { ...webpush, subscription: { ...webpush.subscription, keys: { p256dh: 'B'.repeat(40), auth } } }],
    ['an auth of 17 bytes', { ...webpush, subscription: { ...webpush.subscription, keys: { p256dh, auth: 'A'.repeat(23) } } }],
    ['a key that is not base64url', { ...webpush, subscription: { ...webpush.subscription, keys: { p256dh: `${'+'.repeat(87)}`, auth } } }],
    ['an unknown channel', { channel: 'sms', token: 'x'.repeat(30) }],
    ['an FCM token with spaces', { channel: 'fcm', token: 'not a token at all, really' }],
    ['an extra field', { ...webpush, extra: 1 }],
  ])('refuses %s', (_what, input) => {
    expect(PushRegistrationSchema.safeParse(input).success).toBe(false);
  });
});

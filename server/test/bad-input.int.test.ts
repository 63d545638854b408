import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ERRORS, HANDSHAKE_SEEN_MAX, PROTOCOL_VERSION, type ErrorBody, type EnrollResponse, type HandshakeErrorData } from '@varsel/shared';
import { io as connect } from 'socket.io-client';
import {
  ApiClient,
  SIREN,
  TestAgent,
  createEnrollmentToken,
  enrollDevices,
  startVarsel,
  testPrefix,
  type TestVarsel,
} from '../../test-support/varsel.js';

/** A snapshot of every key under the prefix and its type-specific size, to prove nothing changed. */
async function snapshot(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const keys = (await redis.keys(`${prefix}:*`)).filter((k) => !k.includes(':login-fail:') && !k.endsWith(':audit'));
  const out: Record<string, string> = {};
  for (const k of keys.sort()) {
    const type = await redis.type(k);
    out[k] = type === 'string' ? ((await redis.get(k)) ?? '') : type === 'hash' ? JSON.stringify(await redis.hgetall(k)) : type === 'set' ? String(await redis.scard(k)) : type === 'zset' ? String(await redis.zcard(k)) : type;
  }
  return out;
}

describe('bad input changes nothing and gets a stable error code', () => {
  let v: TestVarsel;
  let redis: Redis;
  let admin: ApiClient;
  const prefix = testPrefix();
  let before: Record<string, string>;
  let device: EnrollResponse;

  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix });
    redis = new Redis(inject('redisUrl'));
    admin = await ApiClient.login(v.url);
    [device] = (await enrollDevices(v.url, await createEnrollmentToken(admin), 1)) as [EnrollResponse];
    const res = await admin.request('POST', '/api/users', { username: 'manager1', password: 'manager-password-1', role: 'manager' });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await v.close();
    redis.disconnect();
  });
  beforeEach(async () => {
    before = await snapshot(redis, prefix);
  });
  const expectUnchanged = async (): Promise<void> => {
    expect(await snapshot(redis, prefix)).toEqual(before);
  };

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    admin.request<ErrorBody>('POST', '/api/alerts', body, headers);

  it('answers malformed JSON with 400 BAD_JSON', async () => {
    const res = await post('{"kind":"siren",');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.BAD_JSON.code);
    await expectUnchanged();
  });

  it.each([
    ['a missing kind', { ...SIREN, kind: undefined }],
    ['a missing Danish text', { ...SIREN, content: { en: { title: 'x', body: 'y' } } }],
    ['a wrongly typed audience', { ...SIREN, audience: 'all' }],
    ['an unknown kind', { ...SIREN, kind: 'tornado' }],
    ['an unknown field', { ...SIREN, priority: 1 }],
    ['a title over 120 characters', { ...SIREN, content: { da: { title: 'x'.repeat(121), body: 'y' } } }],
    ['a link that is not http(s)', { ...SIREN, link: 'javascript:alert(1)' }],
    ['a JSON array', []],
  ])('answers %s with 400 VALIDATION_FAILED', async (_what, body) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.VALIDATION_FAILED.code);
    await expectUnchanged();
  });

  it('answers a request without a body with 400 VALIDATION_FAILED', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.VALIDATION_FAILED.code);
    await expectUnchanged();
  });

  it('answers a JSON scalar instead of an object with 400 BAD_JSON', async () => {
    const res = await post('"siren"');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.BAD_JSON.code);
    await expectUnchanged();
  });

  it('answers an unknown org unit with 400 UNKNOWN_ORG_UNIT and names it', async () => {
    const res = await post(JSON.stringify({ ...SIREN, audience: { type: 'units', units: ['KIT', 'NOPE'] } }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.UNKNOWN_ORG_UNIT.code);
    expect(res.body.details).toEqual({ unknown: ['NOPE'] });
    await expectUnchanged();
  });

  it('answers an oversized body with 400 PAYLOAD_TOO_LARGE', async () => {
    const res = await post(JSON.stringify({ ...SIREN, content: { da: { title: 't', body: 'x'.repeat(70_000) } } }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.PAYLOAD_TOO_LARGE.code);
    await expectUnchanged();
  });

  it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await post('kind=siren', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe(ERRORS.UNSUPPORTED_MEDIA_TYPE.code);
    await expectUnchanged();
  });

  it('refuses a siren without the SIRENE confirmation', async () => {
    const res = await post(JSON.stringify({ ...SIREN, confirm: undefined }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.SIREN_NOT_CONFIRMED.code);
    await expectUnchanged();
  });

  it('answers every protected route without a session with 401 UNAUTHENTICATED', async () => {
    const anon = new ApiClient(v.url);
    for (const [method, path, body] of [
      ['POST', '/api/alerts', SIREN],
      ['GET', '/api/alerts', undefined],
      ['GET', '/api/devices', undefined],
      ['POST', '/api/enrollment-tokens', { label: 'x', orgUnit: 'KIT' }],
      ['POST', '/api/audience/preview', { audience: { type: 'all' } }],
      ['GET', '/api/org-units', undefined],
      ['GET', '/api/session', undefined],
      // Read together with the session check; what the read finds must not show before it.
      ['GET', '/api/alerts/6f1c1f5e-8f3a-4c7e-9d55-2b1f0f3b9a11', undefined],
      ['GET', '/api/alerts/not-an-id', undefined],
    ] as const) {
      const res = await anon.request<ErrorBody>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.code).toBe(ERRORS.UNAUTHENTICATED.code);
    }
    await expectUnchanged();
  });

  it('answers a role without the permission with 403 FORBIDDEN', async () => {
    const manager = await ApiClient.login(v.url, 'manager1', 'manager-password-1');
    before = await snapshot(redis, prefix);
    for (const [method, path, body] of [
      ['POST', '/api/alerts', SIREN],
      ['POST', '/api/enrollment-tokens', { label: 'x', orgUnit: 'KIT' }],
      ['POST', '/api/users', { username: 'x1', password: 'long-enough-password', role: 'admin' }],
      ['DELETE', `/api/devices/${device.deviceId}`, undefined],
    ] as const) {
      const res = await manager.request<ErrorBody>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe(ERRORS.FORBIDDEN.code);
    }
    await expectUnchanged();
    // A manager may read alerts.
    expect((await manager.request('GET', '/api/alerts')).status).toBe(200);
  });

  it('answers a wrong password with 401 BAD_CREDENTIALS', async () => {
    const res = await new ApiClient(v.url).request<ErrorBody>('POST', '/api/session', { username: 'admin', password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(ERRORS.BAD_CREDENTIALS.code);
  });

  it('answers an unknown enrollment token with 403 and enrolls nothing', async () => {
    const res = await new ApiClient(v.url).request<ErrorBody>('POST', '/api/devices/enroll', { token: 'vet_not-a-real-token', platform: 'linux', hostname: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(ERRORS.ENROLLMENT_TOKEN_INVALID.code);
    await expectUnchanged();
  });

  it('refuses an enrollment with an unknown org unit before a use of the token is spent', async () => {
    const token = await createEnrollmentToken(admin);
    before = await snapshot(redis, prefix);
    const res = await new ApiClient(v.url).request<ErrorBody>('POST', '/api/devices/enroll', { token, platform: 'linux', hostname: 'x', orgUnit: 'NOPE' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(ERRORS.UNKNOWN_ORG_UNIT.code);
    await expectUnchanged();
  });

  const handshakeRefusal = (auth: object): Promise<HandshakeErrorData> =>
    new Promise((resolve, reject) => {
      const s = connect(v.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
      s.on('connect', () => {
        s.disconnect();
        reject(new Error('the handshake was accepted'));
      });
      s.on('connect_error', (err) => {
        s.disconnect();
        resolve((err as Error & { data: HandshakeErrorData }).data);
      });
    });

  it('refuses an unknown device at the handshake', async () => {
    const data = await handshakeRefusal({ deviceId: crypto.randomUUID(), secret: 'x'.repeat(43), protocol: PROTOCOL_VERSION });
    expect(data).toEqual({ code: ERRORS.DEVICE_AUTH_FAILED.code, reason: 'DEVICE_AUTH_FAILED' });
    expect(v.app.io.of('/').sockets.size).toBe(0);
  });

  it('refuses a known device with the wrong secret at the handshake', async () => {
    const data = await handshakeRefusal({ deviceId: device.deviceId, secret: 'y'.repeat(43), protocol: PROTOCOL_VERSION });
    expect(data.code).toBe(ERRORS.DEVICE_AUTH_FAILED.code);
  });

  it('refuses a handshake without credentials or with another protocol version', async () => {
    expect((await handshakeRefusal({})).reason).toBe('BAD_HANDSHAKE');
    const creds = { deviceId: device.deviceId, secret: device.deviceSecret, protocol: PROTOCOL_VERSION };
    expect((await handshakeRefusal({ ...creds, seen: Array.from({ length: HANDSHAKE_SEEN_MAX + 1 }, (_, i) => i + 1) })).reason).toBe('BAD_HANDSHAKE');
    expect((await handshakeRefusal({ ...creds, seen: [1, 'two'] })).reason).toBe('BAD_HANDSHAKE');
    expect((await handshakeRefusal({ ...creds, seen: 3 })).reason).toBe('BAD_HANDSHAKE');
    expect((await handshakeRefusal({ deviceId: device.deviceId, secret: device.deviceSecret, protocol: 99 })).code).toBe(ERRORS.PROTOCOL_UNSUPPORTED.code);
  });

  it('disconnects a connected device when it is revoked and refuses it afterwards', async () => {
    const agent = new TestAgent(v.url, device);
    await agent.connected();
    const ended = new Promise<string>((resolve) => agent.socket.on('session:ended', (p) => resolve(p.reason)));
    const gone = new Promise<string>((resolve) => agent.socket.on('disconnect', (reason) => resolve(reason)));
    expect((await admin.request('DELETE', `/api/devices/${device.deviceId}`)).status).toBe(204);
    expect(await ended).toBe('DEVICE_REVOKED');
    expect(await gone).toBe('io server disconnect');
    const data = await handshakeRefusal({ deviceId: device.deviceId, secret: device.deviceSecret, protocol: PROTOCOL_VERSION });
    expect(data).toEqual({ code: ERRORS.DEVICE_REVOKED.code, reason: 'DEVICE_REVOKED' });
    const preview = await admin.request<{ devices: number }>('POST', '/api/audience/preview', { audience: { type: 'all' } });
    expect(preview.body.devices).toBe(0);
  });

  it('answers a malformed report from an agent with VALIDATION_FAILED and records nothing', async () => {
    const [other] = (await enrollDevices(v.url, await createEnrollmentToken(admin), 1)) as [EnrollResponse];
    const agent = new TestAgent(v.url, other);
    await agent.connected();
    before = await snapshot(redis, prefix);
    const res = await agent.socket.timeout(5000).emitWithAck('alert:report', { alertId: 'nope', state: 'acknowledged' } as never);
    expect(res).toMatchObject({ ok: false, error: { code: ERRORS.VALIDATION_FAILED.code } });
    const res2 = await agent.report(crypto.randomUUID(), 'acknowledged');
    expect(res2).toEqual({ ok: true, data: { recorded: false } });
    await expectUnchanged();
    agent.close();
  });
});

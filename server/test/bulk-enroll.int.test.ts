import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ERRORS, type EnrollResponse, type ErrorBody } from '@varsel/shared';
import { ApiClient, TestAgent, createEnrollmentToken, startVarsel, testPrefix, type TestVarsel } from '../../test-support/varsel.js';

describe('bulk enrollment', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    admin = await ApiClient.login(v.url);
  });
  afterAll(() => v.close());
  const devices = (n: number, extra: object = {}) => Array.from({ length: n }, (_, i) => ({ platform: 'windows', hostname: `kk-pc-${i}`, ...extra }));

  it('enrolls 1,000 devices in one call, each able to connect with its own secret', async () => {
    const token = await createEnrollmentToken(admin, 'SOF', 1000);
    const res = await admin.request<EnrollResponse[]>('POST', '/api/devices/enroll-bulk', { token, devices: devices(1000) });
    expect(res.status).toBe(201);
    expect(res.body).toHaveLength(1000);
    expect(new Set(res.body.map((d) => d.deviceId)).size).toBe(1000);
    expect(res.body.every((d) => d.orgUnit === 'SOF')).toBe(true);
    const agent = new TestAgent(v.url, res.body[999]!);
    await agent.connected();
    agent.close();
    const preview = await admin.request<{ devices: number }>('POST', '/api/audience/preview', { audience: { type: 'units', units: ['SOF'] } });
    expect(preview.body.devices).toBe(1000);
  });

  it('takes all of the uses or none: a token with too few uses left enrolls nothing', async () => {
    const token = await createEnrollmentToken(admin, 'KIT', 5);
    const res = await admin.request<ErrorBody>('POST', '/api/devices/enroll-bulk', { token, devices: devices(6) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(ERRORS.ENROLLMENT_TOKEN_INVALID.code);
    const ok = await admin.request<EnrollResponse[]>('POST', '/api/devices/enroll-bulk', { token, devices: devices(5) });
    expect(ok.status).toBe(201);
  });

  it('refuses an unknown org unit, more than 1,000 devices, and a caller without the permission, enrolling nothing', async () => {
    const token = await createEnrollmentToken(admin, 'KIT', 1000);
    const bad = await admin.request<ErrorBody>('POST', '/api/devices/enroll-bulk', { token, devices: devices(2, { orgUnit: 'NOPE' }) });
    expect(bad.body.code).toBe(ERRORS.UNKNOWN_ORG_UNIT.code);
    const big = await admin.request<ErrorBody>('POST', '/api/devices/enroll-bulk', { token, devices: devices(1001) });
    expect(big.body.code).toBe(ERRORS.VALIDATION_FAILED.code);
    const anon = await new ApiClient(v.url).request<ErrorBody>('POST', '/api/devices/enroll-bulk', { token, devices: devices(1) });
    expect(anon.status).toBe(401);
    // The refused calls used none of the token's 1,000 uses.
    const ok = await admin.request<EnrollResponse[]>('POST', '/api/devices/enroll-bulk', { token, devices: devices(1000) });
    expect(ok.status).toBe(201);
  });
});

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CreatedEnrollmentToken, Device, EnrollmentToken, EnrollmentTokenInput, Platform } from '@varsel/shared';
import { EnrollmentTokenInputSchema } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { CONSUME_ENROLLMENT_TOKEN } from './lua.js';
import { throwOnMultiError } from './alert-store.js';

/**
 * Device secrets and enrollment tokens are 256-bit random values, so a plain SHA-256 is a safe
 * verifier (argon2 is for low-entropy passwords) and it keeps a reconnect storm of 50,000 agents
 * cheap: verifying costs microseconds, not the tens of milliseconds argon2 would.
 */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface DeviceAuth {
  deviceId: string;
  orgUnit: string;
}
export type DeviceAuthResult = { ok: true; device: DeviceAuth } | { ok: false; reason: 'DEVICE_AUTH_FAILED' | 'DEVICE_REVOKED' };

export interface NewDevice {
  platform: Platform;
  hostname: string;
  orgUnit: string;
  location?: string | undefined;
  agentVersion?: string | undefined;
}

/** The device registry and its indexes (all devices, devices per own org unit). */
export class DeviceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('varselConsumeEnrollmentToken', { numberOfKeys: 1, lua: CONSUME_ENROLLMENT_TOKEN });
  }

  async createEnrollmentToken(input: EnrollmentTokenInput, createdBy: string, now = new Date()): Promise<CreatedEnrollmentToken> {
    const parsed = EnrollmentTokenInputSchema.parse(input);
    const token = `vet_${newSecret()}`;
    const hash = sha256(token);
    const expiresAtMs = now.getTime() + parsed.expiresInHours * 3_600_000;
    const record: EnrollmentToken = {
      id: randomUUID(),
      label: parsed.label,
      ...(parsed.orgUnit ? { orgUnit: parsed.orgUnit } : {}),
      ...(parsed.location ? { location: parsed.location } : {}),
      maxUses: parsed.maxUses,
      uses: 0,
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    await this.redis
      .multi()
      .hset(this.keys.enrollmentToken(hash), { ...flatten(record), expiresAtMs })
      .zadd(this.keys.enrollmentTokens, now.getTime(), hash)
      .exec()
      .then(throwOnMultiError);
    return { ...record, token };
  }

  async listEnrollmentTokens(): Promise<EnrollmentToken[]> {
    const hashes = await this.redis.zrevrange(this.keys.enrollmentTokens, 0, 499);
    const pipe = this.redis.pipeline();
    for (const h of hashes) pipe.hgetall(this.keys.enrollmentToken(h));
    const res = throwOnMultiError(await pipe.exec()) as Record<string, string>[];
    return res.filter((r) => r.id).map(tokenFromHash);
  }

  /**
   * Uses one enrollment of the token. 'invalid' when it is unknown, expired or used up;
   * 'no-org-unit' (nothing used) when neither the token nor the device names an org unit.
   */
  async consumeEnrollmentToken(
    token: string,
    deviceHasOrgUnit: boolean,
    uses = 1,
    now = Date.now(),
  ): Promise<EnrollmentToken | 'invalid' | 'no-org-unit'> {
    const flat = await this.redis.varselConsumeEnrollmentToken(this.keys.enrollmentToken(sha256(token)), now, deviceHasOrgUnit ? '1' : '0', uses);
    if (flat === -1) return 'no-org-unit';
    if (!flat) return 'invalid';
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    return tokenFromHash(h);
  }

  async enroll(d: NewDevice, now = new Date()): Promise<{ device: Device; secret: string }> {
    const [one] = await this.enrollMany([d], now);
    return one!;
  }

  /** Registers devices in one MULTI: all or none. */
  async enrollMany(list: readonly NewDevice[], now = new Date()): Promise<{ device: Device; secret: string }[]> {
    const tx = this.redis.multi();
    const out = list.map((d) => {
      const secret = newSecret();
      const device: Device = {
        id: randomUUID(),
        platform: d.platform,
        hostname: d.hostname,
        orgUnit: d.orgUnit,
        ...(d.location ? { location: d.location } : {}),
        ...(d.agentVersion ? { agentVersion: d.agentVersion } : {}),
        enrolledAt: now.toISOString(),
      };
      tx.hset(this.keys.device(device.id), { ...flatten(device), secretHash: sha256(secret) })
        .sadd(this.keys.devicesRegistry, device.id)
        .sadd(this.keys.devicesAll, device.id)
        .sadd(this.keys.devicesInUnit(device.orgUnit), device.id);
      return { device, secret };
    });
    throwOnMultiError(await tx.exec());
    return out;
  }

  /** Checks a handshake's credentials in one round trip. */
  async authenticate(deviceId: string, secret: string): Promise<DeviceAuthResult> {
    const [secretHash, revokedAt, orgUnit] = await this.redis.hmget(this.keys.device(deviceId), 'secretHash', 'revokedAt', 'orgUnit');
    if (!secretHash || !orgUnit) return { ok: false, reason: 'DEVICE_AUTH_FAILED' };
    const given = Buffer.from(sha256(secret), 'hex');
    if (!timingSafeEqual(given, Buffer.from(secretHash, 'hex'))) return { ok: false, reason: 'DEVICE_AUTH_FAILED' };
    if (revokedAt) return { ok: false, reason: 'DEVICE_REVOKED' };
    return { ok: true, device: { deviceId, orgUnit } };
  }

  async get(id: string): Promise<Device | undefined> {
    const h = await this.redis.hgetall(this.keys.device(id));
    return h.id ? deviceFromHash(h) : undefined;
  }

  /** Up to `limit` devices, revoked ones included, sorted by hostname. */
  async list(limit = 5000): Promise<Device[]> {
    const ids = await this.redis.srandmember(this.keys.devicesRegistry, limit);
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.device(id));
    const res = throwOnMultiError(await pipe.exec()) as Record<string, string>[];
    return res.filter((h) => h.id).map(deviceFromHash).sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /** Marks the device revoked and drops it from the audience indexes. False if unknown. */
  async revoke(id: string, now = new Date()): Promise<boolean> {
    const orgUnit = await this.redis.hget(this.keys.device(id), 'orgUnit');
    if (!orgUnit) return false;
    await this.redis
      .multi()
      .hset(this.keys.device(id), 'revokedAt', now.toISOString())
      .srem(this.keys.devicesAll, id)
      .srem(this.keys.devicesInUnit(orgUnit), id)
      // A revoked device is never woken again.
      .del(this.keys.devicePush(id))
      .exec()
      .then(throwOnMultiError);
    return true;
  }

  /** How many active devices the given org units hold (units already expanded), or all. */
  async countAudience(units: readonly string[] | 'all'): Promise<number> {
    if (units === 'all') return this.redis.scard(this.keys.devicesAll);
    if (units.length === 0) return 0;
    // Units are disjoint sets (a device has one own unit), so the sum is the union's size.
    const pipe = this.redis.pipeline();
    for (const u of units) pipe.scard(this.keys.devicesInUnit(u));
    const res = throwOnMultiError(await pipe.exec()) as number[];
    return res.reduce((a, b) => a + b, 0);
  }

  /** The Redis sets whose union is the audience (for AlertStore.startFanout). */
  audienceSetKeys(units: readonly string[] | 'all'): string[] {
    return units === 'all' ? [this.keys.devicesAll] : units.map((u) => this.keys.devicesInUnit(u));
  }
}

function flatten(o: object): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v as string | number;
  return out;
}

function tokenFromHash(h: Record<string, string>): EnrollmentToken {
  return {
    id: h.id ?? '',
    label: h.label ?? '',
    ...(h.orgUnit ? { orgUnit: h.orgUnit } : {}),
    ...(h.location ? { location: h.location } : {}),
    maxUses: Number(h.maxUses),
    uses: Number(h.uses),
    createdAt: h.createdAt ?? '',
    createdBy: h.createdBy ?? '',
    expiresAt: h.expiresAt ?? '',
  };
}

function deviceFromHash(h: Record<string, string>): Device {
  return {
    id: h.id ?? '',
    platform: h.platform as Platform,
    hostname: h.hostname ?? '',
    orgUnit: h.orgUnit ?? '',
    ...(h.location ? { location: h.location } : {}),
    ...(h.agentVersion ? { agentVersion: h.agentVersion } : {}),
    enrolledAt: h.enrolledAt ?? '',
    ...(h.revokedAt ? { revokedAt: h.revokedAt } : {}),
  };
}

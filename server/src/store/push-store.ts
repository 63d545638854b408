import type { Result } from 'ioredis';
import { PushRegistrationSchema, type PushChannel, type PushRegistration } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { REMOVE_PUSH_IF_SAME, TAKE_PUSH_RETRIES } from './lua.js';
import { throwOnMultiError } from './alert-store.js';

/** A device's registration on one channel, with the stored text it was read as (for removeIfSame). */
export interface StoredPushRegistration {
  deviceId: string;
  registration: PushRegistration;
  stored: string;
}

/**
 * Where each device can be woken by push: one registration per device and channel, as the device
 * last sent it. A registration the push service calls gone is removed; so are all of a revoked
 * device's (DeviceStore.revoke).
 */
export class PushStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('varselRemovePushIfSame', { numberOfKeys: 1, lua: REMOVE_PUSH_IF_SAME });
    redis.defineCommand('varselTakePushRetries', { numberOfKeys: 2, lua: TAKE_PUSH_RETRIES });
  }

  async register(deviceId: string, registration: PushRegistration): Promise<void> {
    await this.redis.hset(this.keys.devicePush(deviceId), registration.channel, JSON.stringify(registration));
  }

  /** True when there was a registration on the channel. */
  async unregister(deviceId: string, channel: PushChannel): Promise<boolean> {
    return (await this.redis.hdel(this.keys.devicePush(deviceId), channel)) > 0;
  }

  /** Removes a registration a push service answered as gone, unless the device has replaced it since. */
  async removeIfSame(target: StoredPushRegistration): Promise<boolean> {
    return (await this.redis.varselRemovePushIfSame(this.keys.devicePush(target.deviceId), target.registration.channel, target.stored)) === 1;
  }

  /**
   * The registrations on `channels` of these devices, in one round trip. Entries that no longer
   * parse (written by another version) are left out and reported by `onInvalid`.
   */
  async registrations(deviceIds: readonly string[], channels: readonly PushChannel[], onInvalid?: (deviceId: string) => void): Promise<StoredPushRegistration[]> {
    if (deviceIds.length === 0 || channels.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of deviceIds) pipe.hmget(this.keys.devicePush(id), ...channels);
    const rows = throwOnMultiError(await pipe.exec()) as (string | null)[][];
    const out: StoredPushRegistration[] = [];
    rows.forEach((row, i) => {
      const deviceId = deviceIds[i] as string;
      for (const stored of row) {
        if (stored === null) continue;
        const parsed = PushRegistrationSchema.safeParse(safeJson(stored));
        if (parsed.success) out.push({ deviceId, registration: parsed.data, stored });
        else onInvalid?.(deviceId);
      }
    });
    return out;
  }

  /**
   * Notes devices whose wake-up of `run` failed for a reason worth retrying; kept until `expireAtMs`
   * (the message's end), after which a retry would be pointless.
   */
  async addRetries(alertId: string, run: string, deviceIds: readonly string[], expireAtMs: number): Promise<void> {
    if (deviceIds.length === 0) return;
    const key = this.keys.alertPushRetry(alertId, run);
    await this.redis.multi().sadd(key, ...deviceIds).pexpireat(key, expireAtMs).exec().then(throwOnMultiError);
  }

  /** The devices retry `retry` of `run` is to wake again, in chunks (see TAKE_PUSH_RETRIES); none when nothing failed. */
  async *takeRetries(alertId: string, run: string, retry: number): AsyncGenerator<string[]> {
    const taken = this.keys.alertPushRetry(alertId, run, retry);
    if ((await this.redis.varselTakePushRetries(this.keys.alertPushRetry(alertId, run), taken)) !== 1) return;
    // SSCAN may return an element twice; each device is woken once.
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.sscan(taken, cursor, 'COUNT', 1000);
      cursor = next;
      const fresh = ids.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      if (fresh.length > 0) yield fresh;
    } while (cursor !== '0');
  }

  /** Once retry `retry` of `run` is done: its copy of the devices is no longer needed. */
  async dropTaken(alertId: string, run: string, retry: number): Promise<void> {
    await this.redis.del(this.keys.alertPushRetry(alertId, run, retry));
  }

  async get(deviceId: string): Promise<Partial<Record<PushChannel, PushRegistration>>> {
    const h = await this.redis.hgetall(this.keys.devicePush(deviceId));
    const out: Partial<Record<PushChannel, PushRegistration>> = {};
    for (const stored of Object.values(h)) {
      const parsed = PushRegistrationSchema.safeParse(safeJson(stored));
      if (parsed.success) out[parsed.data.channel] = parsed.data;
    }
    return out;
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    varselRemovePushIfSame(pushKey: string, channel: string, stored: string): Result<number, Context>;
    varselTakePushRetries(retryKey: string, takenKey: string): Result<number, Context>;
  }
}

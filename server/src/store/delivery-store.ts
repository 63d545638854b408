import { DELIVERY_STATES, type DeliveryState, type DeviceDelivery, type ReportedState } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { MARK_FINAL, MARK_SENT, RECORD_REPORT } from './lua.js';
import { throwOnMultiError } from './alert-store.js';

export interface Report {
  alertId: string;
  deviceId: string;
  state: ReportedState;
}
/** What became of one report: `recorded` moved the state forward. */
export type ReportOutcome = 'recorded' | 'unchanged' | 'not-targeted';


/** 1,000 devices per Lua call: a 50,000-device audience is finalised in 50 short steps. */
const FINAL_CHUNK = 1000;

/**
 * Per-device delivery state of every alert: `pending → sent → delivered → displayed →
 * acknowledged`, or the final `expired` / `cancelled`. Every change is a Lua script, so a state
 * never goes backwards and each device counts once, whatever order reports arrive in.
 */
export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('varselRecordReport', { numberOfKeys: 4, lua: RECORD_REPORT });
    redis.defineCommand('varselMarkSent', { numberOfKeys: 4, lua: MARK_SENT });
    redis.defineCommand('varselMarkFinal', { numberOfKeys: 4, lua: MARK_FINAL });
  }

  private stateKeys(alertId: string): [string, string, string, string] {
    const k = this.keys;
    return [k.alertExpected(alertId), k.alertDeviceState(alertId), k.alertStats(alertId), k.alertDeviceTimes(alertId)];
  }

  /** Writes a batch of reports in one round trip; outcomes in input order. */
  async recordReports(reports: readonly Report[], now = Date.now()): Promise<ReportOutcome[]> {
    if (reports.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const r of reports) pipe.varselRecordReport(...this.stateKeys(r.alertId), r.deviceId, DELIVERY_STATES.indexOf(r.state), now);
    const res = throwOnMultiError(await pipe.exec());
    return res.map((v) => (v === -1 ? 'not-targeted' : v === 0 ? 'unchanged' : 'recorded'));
  }

  /** One device's rank for each alert (0 when it has none), in one round trip. */
  async ranks(alertIds: readonly string[], deviceId: string): Promise<number[]> {
    if (alertIds.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of alertIds) pipe.hget(this.keys.alertDeviceState(id), deviceId);
    return (throwOnMultiError(await pipe.exec()) as (string | null)[]).map((v) => Number(v ?? 0));
  }

  /** Records that the given alerts are being replayed to a device (adds it to each audience). */
  async markSent(alertIds: readonly string[], deviceId: string, now = Date.now()): Promise<void> {
    if (alertIds.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const id of alertIds) pipe.varselMarkSent(...this.stateKeys(id), deviceId, now);
    throwOnMultiError(await pipe.exec());
  }

  /** Moves every device of the alert not yet in a final state to `expired` or `cancelled`; returns how many. */
  async markFinal(alertId: string, state: 'expired' | 'cancelled', now = Date.now()): Promise<number> {
    let cursor = '0';
    let changed = 0;
    do {
      const [next, n] = await this.redis.varselMarkFinal(...this.stateKeys(alertId), DELIVERY_STATES.indexOf(state), cursor, FINAL_CHUNK, now);
      cursor = String(next);
      changed += Number(n);
    } while (cursor !== '0');
    return changed;
  }

  /** Up to `limit` devices of an alert's audience with their states, optionally only those in `states`. */
  async devices(alertId: string, opts: { limit: number; states?: readonly DeliveryState[] }): Promise<DeviceDelivery[]> {
    const out: DeviceDelivery[] = [];
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.sscan(this.keys.alertExpected(alertId), cursor, 'COUNT', 1000);
      cursor = next;
      if (ids.length === 0) continue;
      const [ranks, times] = await Promise.all([
        this.redis.hmget(this.keys.alertDeviceState(alertId), ...ids),
        this.redis.hmget(this.keys.alertDeviceTimes(alertId), ...ids),
      ]);
      ids.forEach((deviceId, i) => {
        const state = DELIVERY_STATES[Number(ranks[i] ?? 0)] ?? 'pending';
        if (opts.states && !opts.states.includes(state)) return;
        if (out.length < opts.limit) out.push({ deviceId, state, at: parseTimes(times[i] ?? null) });
      });
    } while (cursor !== '0' && out.length < opts.limit);
    return out;
  }
}

function parseTimes(v: string | null): Partial<Record<DeliveryState, string>> {
  const at: Partial<Record<DeliveryState, string>> = {};
  if (!v) return at;
  for (const part of v.split(',')) {
    const [rank, ms] = part.split(':');
    const state = DELIVERY_STATES[Number(rank)];
    if (state) at[state] = new Date(Number(ms)).toISOString();
  }
  return at;
}

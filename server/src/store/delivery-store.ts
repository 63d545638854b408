import { DELIVERY_STATES, type DeliveryState, type DeviceDelivery, type ReportedState } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { DEVICES_BELOW, MARK_FINAL, RECORD_REPORTS, REPLAY_CHECK } from './lua.js';

/** The rank of `delivered` in the per-device state hash (ranks are indexes of DELIVERY_STATES). */
const DELIVERED_RANK = DELIVERY_STATES.indexOf('delivered');
const ACKNOWLEDGED_RANK = DELIVERY_STATES.indexOf('acknowledged');

export interface Report {
  alertId: string;
  deviceId: string;
  /** The device's own org unit: decides whether it is in the audience before the fan-out fixed it. */
  orgUnit: string;
  state: ReportedState;
}
/** What became of one report: `recorded` moved the state forward. */
export type ReportOutcome = 'recorded' | 'unchanged' | 'not-targeted';


const rankOf = (state: 'delivered' | 'acknowledged'): number => (state === 'delivered' ? DELIVERED_RANK : ACKNOWLEDGED_RANK);

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
    redis.defineCommand('varselRecordReports', { numberOfKeys: 4, lua: RECORD_REPORTS });
    redis.defineCommand('varselReplayCheck', { numberOfKeys: 4, lua: REPLAY_CHECK });
    redis.defineCommand('varselDevicesBelow', { numberOfKeys: 2, lua: DEVICES_BELOW });
    redis.defineCommand('varselMarkFinal', { numberOfKeys: 4, lua: MARK_FINAL });
  }

  private stateKeys(alertId: string): [string, string, string, string] {
    const k = this.keys;
    return [k.alertExpected(alertId), k.alertDeviceState(alertId), k.alertStats(alertId), k.alertDeviceTimes(alertId)];
  }

  /**
   * Writes a batch of reports: one script call per alert, all sent at once (one round trip);
   * outcomes in input order.
   */
  async recordReports(reports: readonly Report[], now = Date.now()): Promise<ReportOutcome[]> {
    const byAlert = new Map<string, number[]>();
    reports.forEach((r, i) => {
      const list = byAlert.get(r.alertId);
      if (list) list.push(i);
      else byAlert.set(r.alertId, [i]);
    });
    const outcomes: ReportOutcome[] = new Array<ReportOutcome>(reports.length);
    await Promise.all(
      [...byAlert].map(async ([alertId, indexes]) => {
        const triples: (string | number)[] = [];
        for (const i of indexes) {
          const r = reports[i] as Report;
          triples.push(r.deviceId, DELIVERY_STATES.indexOf(r.state), r.orgUnit);
        }
        const res = await this.redis.varselRecordReports(...this.stateKeys(alertId), now, ...triples);
        indexes.forEach((i, k) => {
          const v = res[k];
          outcomes[i] = v === -1 ? 'not-targeted' : v === 0 ? 'unchanged' : 'recorded';
        });
      }),
    );
    return outcomes;
  }

  /**
   * For a reconnecting device: whether to replay an alert (`newer`: it is newer than the agent's
   * cursor; otherwise only if the device has not reported it delivered), recording `sent` when it is.
   */
  async replayCheck(alertId: string, deviceId: string, newer: boolean, now = Date.now()): Promise<boolean> {
    if (!newer && (await this.hasDelivered(alertId, deviceId))) return false;
    return (await this.redis.varselReplayCheck(...this.stateKeys(alertId), deviceId, newer ? 1 : 0, now)) === 1;
  }

  /**
   * Whether the device has reported the alert delivered (or reached a later or final state). A
   * state never goes backwards, so a true answer stays true: for an alert the agent already has
   * (not newer than its cursor) this plain read settles what the replay script would decide, and
   * the script is left for the rare device whose report was lost.
   */
  async hasDelivered(alertId: string, deviceId: string): Promise<boolean> {
    return Number((await this.redis.hget(this.keys.alertDeviceState(alertId), deviceId)) ?? 0) >= DELIVERED_RANK;
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

  /** The devices of an alert's audience that have not acknowledged; undefined when there are more than `max`. */
  async unacknowledged(alertId: string, max: number): Promise<string[] | undefined> {
    const out: string[] = [];
    for await (const ids of this.devicesBelow(alertId, ACKNOWLEDGED_RANK)) {
      out.push(...ids);
      if (out.length > max) return undefined;
    }
    return out;
  }

  /**
   * The devices of an alert's audience that have not reported `state` (for `delivered`: pending
   * or sent; for `acknowledged`: anything before it), and have no final state, in chunks of up to
   * FINAL_CHUNK, each read in one short script call.
   */
  notYet(alertId: string, state: 'delivered' | 'acknowledged'): AsyncIterable<string[]> {
    return this.devicesBelow(alertId, rankOf(state));
  }

  /** Those of `deviceIds` that have still not reached `state` (nor a final state), in one read. */
  async stillNot(alertId: string, deviceIds: readonly string[], state: 'delivered' | 'acknowledged'): Promise<string[]> {
    if (deviceIds.length === 0) return [];
    const rank = rankOf(state);
    const ranks = await this.redis.hmget(this.keys.alertDeviceState(alertId), ...deviceIds);
    // Final states (expired, cancelled) rank above acknowledged, so they are left out too.
    return deviceIds.filter((_, i) => Number(ranks[i] ?? 0) < rank);
  }

  private async *devicesBelow(alertId: string, rank: number): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.varselDevicesBelow(this.keys.alertExpected(alertId), this.keys.alertDeviceState(alertId), cursor, FINAL_CHUNK, rank);
      cursor = String(next);
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
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

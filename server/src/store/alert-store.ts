import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import {
  DEFAULT_EXPIRY_MINUTES,
  DEFAULT_REPEAT_MINUTES,
  type Alert,
  type AlertContent,
  type AlertCounts,
  type AlertInputParsed,
  type AlertView,
  type MsgType,
  type Severity,
  type ThreadStatus,
} from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { START_FANOUT } from './lua.js';

/** A thread as replay needs it: the original, its later messages, its audience and status. */
export interface LiveThread {
  original: Alert;
  messages: Alert[];
  /** Org units the audience resolved to when the alert was sent, or 'all'. */
  units: string[] | 'all';
  status: ThreadStatus;
  expiresAtMs: number;
}

export interface NewMessage {
  msgType: Exclude<MsgType, 'alert'>;
  content: AlertContent;
  severity?: Severity | undefined;
  link?: string | undefined;
  allClear?: boolean;
  /** New expiry of the thread, if it changes. */
  expiresAtMs?: number | undefined;
}

/** Sets the thread status of an original only while it is active. KEYS[1] stats; ARGV[1] status. Returns 1 if set. */
const CLOSE_THREAD = `
if (redis.call('HGET', KEYS[1], 'thread') or 'active') ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'thread', ARGV[1])
return 1
`;

/**
 * Alerts, their sequence numbers and their threads (an original with its updates and
 * cancellation). Redis is the system of record: an alert is written (alert, sequence index,
 * stats, live index) in one MULTI before the caller answers 2xx.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('varselStartFanout', { lua: START_FANOUT });
    redis.defineCommand('varselCloseThread', { numberOfKeys: 1, lua: CLOSE_THREAD });
  }

  async create(input: AlertInputParsed, createdBy: string, units: string[] | 'all', now = new Date()): Promise<Alert> {
    const seq = await this.redis.incr(this.keys.seq);
    const minutes = input.expiresInMinutes ?? DEFAULT_EXPIRY_MINUTES[input.kind];
    const expiresAtMs = now.getTime() + minutes * 60_000;
    const alert: Alert = {
      id: randomUUID(),
      seq,
      msgType: 'alert',
      kind: input.kind,
      status: input.status,
      severity: input.severity ?? (input.kind === 'siren' ? 'extreme' : 'moderate'),
      content: input.content,
      audience: input.audience,
      ...(input.link ? { link: input.link } : {}),
      ...(input.kind === 'siren' ? { repeatMinutes: input.repeatMinutes ?? DEFAULT_REPEAT_MINUTES } : {}),
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    await this.redis
      .multi()
      .set(this.keys.alert(alert.id), JSON.stringify(alert))
      .zadd(this.keys.alertsBySeq, seq, alert.id)
      .hset(this.keys.alertStats(alert.id), { state: 'queued', thread: 'active', expiresAtMs, units: unitsField(units) })
      .zadd(this.keys.liveThreads, expiresAtMs, alert.id)
      .exec()
      .then(throwOnMultiError);
    return alert;
  }

  /**
   * Adds an update or cancellation to a live thread. A cancellation or all-clear closes the thread;
   * undefined when the thread was already closed (nothing is written then).
   */
  async addMessage(original: Alert, units: string[] | 'all', m: NewMessage, createdBy: string, now = new Date()): Promise<Alert | undefined> {
    const stats = this.keys.alertStats(original.id);
    const closes = m.msgType === 'cancel' || m.allClear === true;
    if (closes) {
      if ((await this.redis.varselCloseThread(stats, m.msgType === 'cancel' ? 'cancelled' : 'allclear')) === 0) return undefined;
    } else if ((await this.redis.hget(stats, 'thread')) !== 'active') {
      return undefined;
    }
    const seq = await this.redis.incr(this.keys.seq);
    const expiresAtMs = m.expiresAtMs ?? Number((await this.redis.hget(stats, 'expiresAtMs')) ?? Date.parse(original.expiresAt));
    const msg: Alert = {
      ...original,
      id: randomUUID(),
      seq,
      msgType: m.msgType,
      references: original.id,
      content: m.content,
      severity: m.severity ?? original.severity,
      ...(m.link ? { link: m.link } : {}),
      ...(m.allClear ? { allClear: true } : {}),
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    if (closes) delete msg.repeatMinutes;
    const tx = this.redis
      .multi()
      .set(this.keys.alert(msg.id), JSON.stringify(msg))
      .zadd(this.keys.alertsBySeq, seq, msg.id)
      .hset(this.keys.alertStats(msg.id), { state: 'queued', thread: 'active', expiresAtMs, units: unitsField(units) })
      .zadd(this.keys.alertThread(original.id), seq, msg.id);
    if (m.expiresAtMs !== undefined) tx.hset(stats, 'expiresAtMs', m.expiresAtMs).zadd(this.keys.liveThreads, m.expiresAtMs, original.id);
    await tx.exec().then(throwOnMultiError);
    return msg;
  }

  async get(id: string): Promise<Alert | undefined> {
    const json = await this.redis.get(this.keys.alert(id));
    return json ? parseAlert(json) : undefined;
  }

  /** The audience an alert resolved to when it was sent. */
  async units(id: string): Promise<string[] | 'all' | undefined> {
    const f = await this.redis.hget(this.keys.alertStats(id), 'units');
    return f === null ? undefined : parseUnits(f);
  }

  /**
   * One message with its counts and thread. The message, its stats and its thread index are read
   * at once, as if it were an original (what the console and the benchmark poll); an update or
   * cancellation costs one more read for its original's thread status, and a thread with later
   * messages one more for those.
   */
  async view(id: string, now = Date.now()): Promise<AlertView | undefined> {
    const [json, stats, ownThreadIds] = await Promise.all([
      this.redis.get(this.keys.alert(id)),
      this.redis.hgetall(this.keys.alertStats(id)),
      this.redis.zrange(this.keys.alertThread(id), 0, -1),
    ]);
    if (!json) return undefined;
    const alert = parseAlert(json);
    const threadStats = alert.references ? await this.redis.hgetall(this.keys.alertStats(alert.references)) : stats;
    const threadIds = alert.references ? [] : ownThreadIds;
    const thread = threadIds.length > 0 ? (await this.redis.mget(threadIds.map((t) => this.keys.alert(t)))).flatMap((j) => (j ? [parseAlert(j)] : [])) : [];
    return toView(alert, stats, threadStatusOf(threadStats, now), thread);
  }

  /** Original alerts (not their updates), newest first, each with its thread. */
  async list(limit: number, now = Date.now()): Promise<AlertView[]> {
    const views: AlertView[] = [];
    let offset = 0;
    // Updates and cancellations share the sequence index; read in pages until enough originals.
    while (views.length < limit) {
      const ids = await this.redis.zrevrange(this.keys.alertsBySeq, offset, offset + 4 * limit - 1);
      if (ids.length === 0) break;
      offset += ids.length;
      const jsons = await this.redis.mget(ids.map((i) => this.keys.alert(i)));
      for (const json of jsons) {
        if (!json || views.length >= limit) continue;
        const a = parseAlert(json);
        if (a.msgType !== 'alert') continue;
        const v = await this.view(a.id, now);
        if (v) views.push(v);
      }
    }
    return views;
  }

  /** Threads whose expiry is still ahead, with everything replay needs, in one round trip per step. */
  async liveThreads(now = Date.now()): Promise<LiveThread[]> {
    const ids = await this.redis.zrangebyscore(this.keys.liveThreads, `(${now}`, '+inf');
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.get(this.keys.alert(id)).hgetall(this.keys.alertStats(id)).zrange(this.keys.alertThread(id), 0, -1);
    const res = throwOnMultiError(await pipe.exec());
    const messageIds = ids.flatMap((_, i) => res[3 * i + 2] as string[]);
    const messages = new Map<string, Alert>();
    if (messageIds.length > 0) {
      const jsons = await this.redis.mget(messageIds.map((m) => this.keys.alert(m)));
      jsons.forEach((j) => {
        if (j) {
          const a = parseAlert(j);
          messages.set(a.id, a);
        }
      });
    }
    return ids.flatMap((_, i) => {
      const json = res[3 * i] as string | null;
      const stats = res[3 * i + 1] as Record<string, string>;
      if (!json) return [];
      return [
        {
          original: parseAlert(json),
          messages: (res[3 * i + 2] as string[]).flatMap((m) => messages.get(m) ?? []),
          units: parseUnits(stats.units ?? 'all'),
          status: threadStatusOf(stats, now),
          expiresAtMs: Number(stats.expiresAtMs),
        },
      ];
    });
  }

  /**
   * How many messages were ever stored. It changes in the same MULTI that stores a message (and,
   * for a cancellation, after its thread is closed), so a reader that sees it unchanged has seen
   * every thread as it is.
   */
  async messageCount(): Promise<number> {
    return this.redis.zcard(this.keys.alertsBySeq);
  }

  /** Drops a thread from the live index (it expired). */
  async dropLive(originalId: string): Promise<void> {
    await this.redis.zrem(this.keys.liveThreads, originalId);
  }

  async threadState(originalId: string, now = Date.now()): Promise<{ status: ThreadStatus; expiresAtMs: number }> {
    const stats = await this.redis.hgetall(this.keys.alertStats(originalId));
    return { status: threadStatusOf(stats, now), expiresAtMs: Number(stats.expiresAtMs) };
  }

  async counts(id: string): Promise<AlertCounts> {
    return countsOf(await this.redis.hgetall(this.keys.alertStats(id)));
  }

  /** Fixes the audience of an alert once (idempotent across job retries); returns targeted. */
  async fixAudience(id: string, deviceSetKeys: string[], now = Date.now()): Promise<number> {
    const keys = [this.keys.alertExpected(id), this.keys.alertStats(id), ...deviceSetKeys];
    return this.redis.varselStartFanout(keys.length, ...keys, now);
  }

  /** Records when the broadcast was handed to the adapter; on the adapter's connection, so it is answered after the broadcast reached Redis. */
  async markBroadcast(id: string, now = new Date()): Promise<void> {
    await this.redis.hset(this.keys.alertStats(id), 'broadcastAt', now.toISOString());
  }

  async fanoutState(id: string): Promise<'queued' | 'done' | undefined> {
    const state = await this.redis.hget(this.keys.alertStats(id), 'state');
    return state === 'queued' || state === 'done' ? state : undefined;
  }

  async markFanoutDone(id: string, now = new Date()): Promise<void> {
    await this.redis.hset(this.keys.alertStats(id), 'state', 'done', 'doneAt', now.toISOString());
  }
}

function unitsField(units: string[] | 'all'): string {
  return units === 'all' ? 'all' : units.join(',');
}

function parseUnits(f: string): string[] | 'all' {
  return f === 'all' ? 'all' : f.split(',').filter((u) => u !== '');
}

/** Stored alerts from before msgType existed read as originals. */
function parseAlert(json: string): Alert {
  const a = JSON.parse(json) as Alert;
  a.msgType ??= 'alert';
  return a;
}

function threadStatusOf(stats: Record<string, string>, now: number): ThreadStatus {
  const t = stats.thread;
  if (t === 'cancelled' || t === 'allclear') return t;
  return Number(stats.expiresAtMs) <= now ? 'expired' : 'active';
}

function countsOf(stats: Record<string, string>): AlertCounts {
  const n = (k: string): number => Number(stats[k] ?? 0);
  return {
    targeted: n('targeted'),
    delivered: n('delivered'),
    displayed: n('displayed'),
    acknowledged: n('acknowledged'),
    expired: n('expired'),
    cancelled: n('cancelled'),
  };
}

function toView(alert: Alert, stats: Record<string, string>, threadStatus: ThreadStatus, thread: Alert[]): AlertView {
  return {
    ...alert,
    fanout: {
      state: stats.state === 'done' ? 'done' : 'queued',
      ...(stats.broadcastAt ? { broadcastAt: stats.broadcastAt } : {}),
      ...(stats.state === 'done' && stats.doneAt ? { doneAt: stats.doneAt } : {}),
    },
    counts: countsOf(stats),
    threadStatus,
    thread,
  };
}

/** MULTI and pipeline results carry per-command errors; surface the first one. */
export function throwOnMultiError(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('Redis transaction was aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    varselRecordReports(expectedKey: string, stateKey: string, statsKey: string, timesKey: string, nowMs: number, ...deviceRankUnit: (string | number)[]): Result<number[], Context>;
    varselReplayCheck(expectedKey: string, stateKey: string, statsKey: string, timesKey: string, deviceId: string, newer: 0 | 1, nowMs: number): Result<number, Context>;
    varselMarkFinal(expectedKey: string, stateKey: string, statsKey: string, timesKey: string, rank: number, cursor: string, count: number, nowMs: number): Result<[string, number], Context>;
    varselDevicesBelow(expectedKey: string, stateKey: string, cursor: string, count: number, rank: number): Result<[string, string[]], Context>;
    varselStartFanout(numKeys: number, ...keysThenNow: (string | number)[]): Result<number, Context>;
    varselCloseThread(statsKey: string, status: string): Result<number, Context>;
    varselConsumeEnrollmentToken(tokenKey: string, nowMs: number, deviceHasOrgUnit: '0' | '1', uses: number): Result<string[] | null | -1, Context>;
  }
}

import { randomUUID } from 'node:crypto';
import {
  DEFAULT_EXPIRY_MINUTES,
  type Alert,
  type AlertCounts,
  type AlertInputParsed,
  type AlertView,
  type ReportedState,
  DELIVERY_STATES,
} from '@varsel/shared';
import type { Result } from 'ioredis';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { RECORD_REPORT, START_FANOUT } from './lua.js';

export interface Report {
  alertId: string;
  deviceId: string;
  state: ReportedState;
}
/** What became of one report: `recorded` moved the state forward. */
export type ReportOutcome = 'recorded' | 'unchanged' | 'not-targeted';

/**
 * Alerts, their sequence numbers and their per-device delivery state. Redis is the system of
 * record: an alert is written (alert, sequence index, stats) in one MULTI before the caller
 * answers 2xx.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('varselRecordReport', { numberOfKeys: 3, lua: RECORD_REPORT });
    redis.defineCommand('varselStartFanout', { lua: START_FANOUT });
  }

  async create(input: AlertInputParsed, createdBy: string, now = new Date()): Promise<Alert> {
    const seq = await this.redis.incr(this.keys.seq);
    const alert: Alert = {
      id: randomUUID(),
      seq,
      kind: input.kind,
      status: input.status,
      severity: input.severity ?? (input.kind === 'siren' ? 'extreme' : 'moderate'),
      content: input.content,
      audience: input.audience,
      ...(input.link ? { link: input.link } : {}),
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: new Date(now.getTime() + DEFAULT_EXPIRY_MINUTES[input.kind] * 60_000).toISOString(),
    };
    await this.redis
      .multi()
      .set(this.keys.alert(alert.id), JSON.stringify(alert))
      .zadd(this.keys.alertsBySeq, seq, alert.id)
      .hset(this.keys.alertStats(alert.id), 'state', 'queued')
      .exec()
      .then(throwOnMultiError);
    return alert;
  }

  async get(id: string): Promise<Alert | undefined> {
    const json = await this.redis.get(this.keys.alert(id));
    return json ? (JSON.parse(json) as Alert) : undefined;
  }

  async view(id: string): Promise<AlertView | undefined> {
    const [alert, stats] = await Promise.all([this.get(id), this.redis.hgetall(this.keys.alertStats(id))]);
    return alert ? toView(alert, stats) : undefined;
  }

  /** Newest first. */
  async list(limit: number): Promise<AlertView[]> {
    const ids = await this.redis.zrevrange(this.keys.alertsBySeq, 0, limit - 1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.get(this.keys.alert(id)).hgetall(this.keys.alertStats(id));
    const res = throwOnMultiError(await pipe.exec());
    const views: AlertView[] = [];
    for (let i = 0; i < ids.length; i++) {
      const json = res[2 * i] as string | null;
      if (json) views.push(toView(JSON.parse(json) as Alert, res[2 * i + 1] as Record<string, string>));
    }
    return views;
  }

  async counts(id: string): Promise<AlertCounts> {
    return countsOf(await this.redis.hgetall(this.keys.alertStats(id)));
  }

  /** Fixes the audience of an alert once (idempotent across job retries); returns targeted. */
  async startFanout(id: string, deviceSetKeys: string[]): Promise<number> {
    const keys = [this.keys.alertExpected(id), this.keys.alertStats(id), ...deviceSetKeys];
    return this.redis.varselStartFanout(keys.length, ...keys);
  }

  async markFanoutDone(id: string, now = new Date()): Promise<void> {
    await this.redis.hset(this.keys.alertStats(id), 'state', 'done', 'doneAt', now.toISOString());
  }

  /** Writes a batch of reports in one round trip; outcomes in input order. */
  async recordReports(reports: readonly Report[]): Promise<ReportOutcome[]> {
    if (reports.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const r of reports) {
      pipe.varselRecordReport(
        this.keys.alertExpected(r.alertId),
        this.keys.alertDeviceState(r.alertId),
        this.keys.alertStats(r.alertId),
        r.deviceId,
        DELIVERY_STATES.indexOf(r.state),
      );
    }
    const res = throwOnMultiError(await pipe.exec());
    return res.map((v) => (v === -1 ? 'not-targeted' : v === 0 ? 'unchanged' : 'recorded'));
  }
}

function countsOf(stats: Record<string, string>): AlertCounts {
  const n = (k: string): number => Number(stats[k] ?? 0);
  return { targeted: n('targeted'), delivered: n('delivered'), displayed: n('displayed'), acknowledged: n('acknowledged') };
}

function toView(alert: Alert, stats: Record<string, string>): AlertView {
  return {
    ...alert,
    fanout: stats.state === 'done' ? { state: 'done', ...(stats.doneAt ? { doneAt: stats.doneAt } : {}) } : { state: 'queued' },
    counts: countsOf(stats),
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
    varselRecordReport(
      expectedKey: string,
      stateKey: string,
      statsKey: string,
      deviceId: string,
      rank: number,
    ): Result<number, Context>;
    varselStartFanout(numKeys: number, ...keys: string[]): Result<number, Context>;
    varselConsumeEnrollmentToken(tokenKey: string, nowMs: number, deviceHasOrgUnit: '0' | '1'): Result<string[] | null | -1, Context>;
  }
}

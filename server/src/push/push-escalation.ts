import { UnrecoverableError } from 'bullmq';
import type { Alert, PushWakeUp } from '@varsel/shared';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { PushStore, StoredPushRegistration } from '../store/push-store.js';
import { Breaker, type PushResultReason, type PushSender } from './channel.js';

/** One wake-up: after a fan-out, or at a siren's repeat; and each retry of it. */
export interface PushRun {
  /** `fanout`: the wake-up after the message's fan-out; `repeat-<n>`: at a siren's n-th repeat. */
  run: string;
  /** Who is woken: the audience's devices that have not reported this state (nor a final one). */
  notYet: 'delivered' | 'acknowledged';
  /** 0: the wake-up itself; n: its n-th retry, of the devices whose push failed for a reason worth retrying. */
  retry: number;
}

export const FIRST_PUSH: PushRun = { run: 'fanout', notYet: 'delivered', retry: 0 };

/** Results worth a retry: the service throttled, failed, did not answer, was given up, or something unexpected. */
export const RETRY_REASONS: ReadonlySet<PushResultReason> = new Set(['rate_limited', 'unavailable', 'network', 'skipped', 'error']);

export interface PushDeps {
  alerts: AlertStore;
  delivery: DeliveryStore;
  push: PushStore;
  /** The configured channels (at least one). */
  senders: readonly PushSender[];
  metrics: Metrics;
  log: Logger;
  /** `max` retries of a wake-up, the first `afterMs` later, each further one four times later than the last. */
  retry: { max: number; afterMs: number };
  /** Schedules a push job (LifecycleQueue.schedulePush). */
  schedule: (alertId: string, delayMs: number, run: PushRun) => Promise<void>;
}

export interface PushSummary {
  /** Devices looked at: the audience's devices that had not reported the state (on a retry: those of them whose push had failed). */
  devices: number;
  /** Of those, devices with no registration on any configured channel: nothing can wake them. */
  unregistered: number;
  /** Pushes by channel and result. */
  results: Record<string, Partial<Record<PushResultReason, number>>>;
  /** Registrations removed because their push service called them gone. */
  removed: number;
  /** Devices whose push failed for a reason worth retrying, and when they are tried again (absent: not again). */
  retry?: { devices: number; inMs: number };
}

// 28 days: the longest TTL push services keep a message (Web Push's default is 4 weeks).
const MAX_TTL_S = 28 * 24 * 3600;

/** Whether a message of a thread in `status` still calls for a wake-up: an active thread's messages, and the message that closed it. */
export function worthWaking(alert: Pick<Alert, 'msgType' | 'allClear'>, status: string): boolean {
  if (status === 'expired') return false;
  if (status === 'active') return true;
  return alert.msgType === 'cancel' || alert.allClear === true;
}

/**
 * One wake-up: every device of the message's audience that has not reported `run.notYet` by now
 * (it was offline, asleep, or its socket is stuck) is sent a push on each channel it registered,
 * carrying only the message's id, sequence and kind; the device then connects and is replayed the
 * message. Gone registrations are removed. A push that failed for a reason worth retrying
 * (RETRY_REASONS) is tried again, up to `retry.max` times with growing waits, for the devices it
 * failed for that still have not reported; a refused one (bad keys, too large) is not. Push
 * services keep one pending push per topic (Web Push) or collapse key (FCM), the message's id, so
 * a device woken twice is not alerted twice.
 */
export async function pushWakeUp(d: PushDeps, alertId: string, run: PushRun, now = Date.now()): Promise<PushSummary | 'finished'> {
  const alert = await d.alerts.get(alertId);
  if (!alert) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  const thread = await d.alerts.threadState(alert.references ?? alert.id, now);
  if (thread.expiresAtMs <= now || !worthWaking(alert, thread.status)) {
    if (run.retry > 0) await d.push.dropTaken(alert.id, run.run, run.retry);
    return 'finished';
  }
  const wake: PushWakeUp = { v: 1, alertId: alert.id, seq: alert.seq, kind: alert.kind, msgType: alert.msgType };
  const opts = { urgent: alert.kind === 'siren', ttlSeconds: Math.min(MAX_TTL_S, Math.max(1, Math.ceil((thread.expiresAtMs - now) / 1000))), breaker: new Breaker() };
  const channels = d.senders.map((s) => s.channel);
  const summary: PushSummary = { devices: 0, unregistered: 0, results: {}, removed: 0 };
  const mayRetry = run.retry < d.retry.max;
  let failed = 0;

  const chunks = run.retry === 0 ? d.delivery.notYet(alert.id, run.notYet) : d.push.takeRetries(alert.id, run.run, run.retry);
  for await (const chunk of chunks) {
    // On a retry: only the devices that still have not reported.
    const ids = run.retry === 0 ? chunk : await d.delivery.stillNot(alert.id, chunk, run.notYet);
    summary.devices += ids.length;
    const regs = await d.push.registrations(ids, channels, (deviceId) => d.log.warn({ deviceId }, 'a stored push registration does not parse; skipped'));
    const reached = new Set(regs.map((r) => r.deviceId));
    summary.unregistered += ids.length - reached.size;
    d.metrics.pushUnregistered(ids.length - reached.size);
    const retry = new Set<string>();
    for (const sender of d.senders) {
      const targets = regs.filter((r) => r.registration.channel === sender.channel);
      if (targets.length === 0) continue;
      const reasons = await sender.send(targets, wake, opts);
      const byReason = (summary.results[sender.channel] ??= {});
      const gone: StoredPushRegistration[] = [];
      reasons.forEach((reason, i) => {
        const target = targets[i] as StoredPushRegistration;
        d.metrics.pushResult(sender.channel, reason);
        byReason[reason] = (byReason[reason] ?? 0) + 1;
        if (reason === 'gone') gone.push(target);
        else if (RETRY_REASONS.has(reason)) retry.add(target.deviceId);
      });
      for (const t of gone) if (await d.push.removeIfSame(t)) summary.removed++;
    }
    failed += retry.size;
    // Noted chunk by chunk (an audience may be 50,000), for the retry scheduled below.
    if (mayRetry) await d.push.addRetries(alert.id, run.run, [...retry], thread.expiresAtMs);
  }

  if (mayRetry && failed > 0) {
    const inMs = Math.max(d.retry.afterMs * 4 ** run.retry, opts.breaker.retryAfterMs);
    // A retry after the message's end would find nothing to do (and its devices have expired).
    if (Date.now() + inMs < thread.expiresAtMs) {
      await d.schedule(alert.id, inMs, { ...run, retry: run.retry + 1 });
      summary.retry = { devices: failed, inMs };
    }
  }
  // Only now: were this job to fail before, its retry by the queue reads the same devices again.
  if (run.retry > 0) await d.push.dropTaken(alert.id, run.run, run.retry);
  return summary;
}

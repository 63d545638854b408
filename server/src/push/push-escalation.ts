import { UnrecoverableError } from 'bullmq';
import type { Alert, PushWakeUp } from '@varsel/shared';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { PushStore, StoredPushRegistration } from '../store/push-store.js';
import { Breaker, type PushResultReason, type PushSender } from './channel.js';

export interface PushDeps {
  alerts: AlertStore;
  delivery: DeliveryStore;
  push: PushStore;
  /** The configured channels (at least one). */
  senders: readonly PushSender[];
  metrics: Metrics;
  log: Logger;
}

export interface PushSummary {
  /** Devices of the audience that had not reported the message delivered. */
  undelivered: number;
  /** Of those, devices with no registration on any configured channel: nothing can wake them. */
  unregistered: number;
  /** Pushes by channel and result. */
  results: Record<string, Partial<Record<PushResultReason, number>>>;
  /** Registrations removed because their push service called them gone. */
  removed: number;
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
 * The wake-up after a fan-out: every device of the message's audience that has not reported it
 * delivered by now (it was offline, asleep, or its socket is stuck) is sent a push on each channel
 * it registered, carrying only the message's id, sequence and kind; the device then connects and
 * is replayed the message. Gone registrations are removed. Best effort: a push that fails is
 * counted by reason and not retried (the socket and replay are what deliver; the siren's repeats
 * go on).
 */
export async function pushUndelivered(d: PushDeps, alertId: string, now = Date.now()): Promise<PushSummary | 'finished'> {
  const alert = await d.alerts.get(alertId);
  if (!alert) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  const thread = await d.alerts.threadState(alert.references ?? alert.id, now);
  if (thread.expiresAtMs <= now || !worthWaking(alert, thread.status)) return 'finished';
  const wake: PushWakeUp = { v: 1, alertId: alert.id, seq: alert.seq, kind: alert.kind, msgType: alert.msgType };
  const opts = { urgent: alert.kind === 'siren', ttlSeconds: Math.min(MAX_TTL_S, Math.max(1, Math.ceil((thread.expiresAtMs - now) / 1000))), breaker: new Breaker() };
  const channels = d.senders.map((s) => s.channel);
  const summary: PushSummary = { undelivered: 0, unregistered: 0, results: {}, removed: 0 };

  for await (const ids of d.delivery.undelivered(alert.id)) {
    summary.undelivered += ids.length;
    const regs = await d.push.registrations(ids, channels, (deviceId) => d.log.warn({ deviceId }, 'a stored push registration does not parse; skipped'));
    const reached = new Set(regs.map((r) => r.deviceId));
    summary.unregistered += ids.length - reached.size;
    d.metrics.pushUnregistered(ids.length - reached.size);
    for (const sender of d.senders) {
      const targets = regs.filter((r) => r.registration.channel === sender.channel);
      if (targets.length === 0) continue;
      const reasons = await sender.send(targets, wake, opts);
      const byReason = (summary.results[sender.channel] ??= {});
      const gone: StoredPushRegistration[] = [];
      reasons.forEach((reason, i) => {
        d.metrics.pushResult(sender.channel, reason);
        byReason[reason] = (byReason[reason] ?? 0) + 1;
        if (reason === 'gone') gone.push(targets[i] as StoredPushRegistration);
      });
      for (const t of gone) if (await d.push.removeIfSame(t)) summary.removed++;
    }
  }
  return summary;
}

import type { Alert } from '@varsel/shared';
import type { AlertStore, LiveThread } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';

/** 2: DELIVERY_STATES rank of `delivered`. */
const DELIVERED = 2;

/**
 * What an agent missed. Replays, in sequence order, every message of a live thread of the
 * device's audience that is newer than the agent's cursor or that the device has not reported
 * delivered: active threads in full (original and updates), closed ones (cancelled, all-clear)
 * only by their closing message, expired ones not at all. The second rule makes the replay
 * exact even when fan-outs finished out of order or the agent lost its cursor; the agent
 * deduplicates what it already had.
 */
export class Replay {
  /**
   * The live threads, kept while no message has been stored since they were read: a reconnect
   * storm of thousands of agents costs one cheap count per agent, not a read of every thread.
   * The count is written in the same MULTI as each message, so the cache is never stale; threads
   * that expire meanwhile are filtered by time in missed().
   */
  private cache: { messages: number; threads: Promise<LiveThread[]> } | undefined;

  constructor(
    private readonly alerts: AlertStore,
    private readonly delivery: DeliveryStore,
  ) {}

  private async liveThreads(): Promise<LiveThread[]> {
    const messages = await this.alerts.messageCount();
    if (this.cache?.messages !== messages) {
      const threads = this.alerts.liveThreads();
      this.cache = { messages, threads };
      threads.catch(() => (this.cache = undefined));
    }
    return this.cache.threads;
  }

  async missed(deviceId: string, orgUnit: string, cursor: number): Promise<Alert[]> {
    const now = Date.now();
    const candidates: Alert[] = [];
    for (const t of await this.liveThreads()) {
      if (t.expiresAtMs <= now) continue;
      if (t.units !== 'all' && !t.units.includes(orgUnit)) continue;
      if (t.status === 'active') candidates.push(t.original, ...t.messages);
      else if (t.status === 'cancelled' || t.status === 'allclear') {
        const closing = t.messages.at(-1);
        if (closing) candidates.push(closing);
      }
    }
    if (candidates.length === 0) return [];
    const ranks = await this.delivery.ranks(
      candidates.map((c) => c.id),
      deviceId,
    );
    const missed = candidates.filter((c, i) => c.seq > cursor || (ranks[i] ?? 0) < DELIVERED).sort((a, b) => a.seq - b.seq);
    await this.delivery.markSent(
      missed.map((m) => m.id),
      deviceId,
      now,
    );
    return missed;
  }
}

import type { Alert } from '@varsel/shared';
import type { AlertStore, LiveThread } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';

// 5 tries: each one fails only when a message was stored during it; alerts are sent by people.
const MAX_TRIES = 5;

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
   * The live threads as they were when `messages` messages had been stored. A reconnect storm of
   * thousands of agents costs each one a cheap count, sent together with its checks, instead of a
   * read of every thread: the count is written in the same MULTI as each message, so an unchanged
   * count proves the snapshot complete. Threads that expire meanwhile are filtered by time.
   */
  private cache: { messages: number; threads: Promise<LiveThread[]> } | undefined;

  constructor(
    private readonly alerts: AlertStore,
    private readonly delivery: DeliveryStore,
  ) {}

  private snapshot(messages: number): { messages: number; threads: Promise<LiveThread[]> } {
    if (this.cache?.messages !== messages) {
      // Read after the count: the threads hold at least every message counted.
      const threads = this.alerts.liveThreads();
      const snap = { messages, threads };
      this.cache = snap;
      threads.catch(() => {
        if (this.cache === snap) this.cache = undefined;
      });
    }
    return this.cache;
  }

  /**
   * Call after the socket joined its rooms: every message stored after the count read here is
   * broadcast after it, so it arrives live. One round trip when the snapshot is current; a
   * message the agent has by its cursor costs a plain read, and a second round trip only when its
   * device never reported it delivered. A message whose sequence number the agent listed as
   * `seen` is left out without a check: the agent has it, and its own outbox carries its reports.
   */
  async missed(deviceId: string, orgUnit: string, cursor: number, seen: ReadonlySet<number> = NONE_SEEN): Promise<Alert[]> {
    let snap = this.cache ?? this.snapshot(await this.alerts.messageCount());
    for (let tries = 1; ; tries++) {
      const now = Date.now();
      const candidates = candidatesOf(await snap.threads, orgUnit, now, seen);
      const [messages, ...replay] = await Promise.all([
        this.alerts.messageCount(),
        ...candidates.map((c) => this.delivery.replayCheck(c.id, deviceId, c.seq > cursor, now)),
      ]);
      if (messages === snap.messages) return candidates.filter((_, i) => replay[i]).sort((a, b) => a.seq - b.seq);
      // A message was stored since the snapshot: read the threads again. The checks made are
      // idempotent (a replayed alert is recorded as sent once), so repeating them is harmless.
      if (tries >= MAX_TRIES) throw new Error(`the live threads changed during ${MAX_TRIES} replay checks in a row`);
      snap = this.snapshot(messages);
    }
  }
}

const NONE_SEEN: ReadonlySet<number> = new Set();

/**
 * The messages of the live threads that a device of `orgUnit` may need and its agent has not
 * listed as seen, before the device's own state is checked.
 */
function candidatesOf(threads: readonly LiveThread[], orgUnit: string, now: number, seen: ReadonlySet<number>): Alert[] {
  const out: Alert[] = [];
  const add = (m: Alert): void => {
    if (!seen.has(m.seq)) out.push(m);
  };
  for (const t of threads) {
    if (t.expiresAtMs <= now) continue;
    if (t.units !== 'all' && !t.units.includes(orgUnit)) continue;
    if (t.status === 'active') {
      add(t.original);
      for (const m of t.messages) add(m);
    } else if (t.status === 'cancelled' || t.status === 'allclear') {
      const closing = t.messages.at(-1);
      if (closing) add(closing);
    }
  }
  return out;
}

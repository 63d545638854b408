/** 1,000: far more alerts than are active at once (a few a day), and 37 KB of ids in the state file. */
export const SEEN_ALERTS_LIMIT = 1000;

/**
 * The ids of alerts this agent has finished with, newest last, bounded: the oldest id falls out when
 * the limit is reached. Delivery is at least once, so the agent meets the same id again after a
 * reconnect or a replay and must ignore it; an alert older than the last 1,000 has long expired.
 */
export class SeenAlerts {
  private readonly ids: Set<string>;

  constructor(
    initial: Iterable<string> = [],
    private readonly limit: number = SEEN_ALERTS_LIMIT,
  ) {
    this.ids = new Set();
    for (const id of initial) this.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    // Re-adding moves the id to the newest end, so it is evicted last.
    this.ids.delete(id);
    this.ids.add(id);
    while (this.ids.size > this.limit) {
      const oldest = this.ids.values().next();
      if (oldest.done === true) break;
      this.ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  /** Oldest first: the form kept in the state file. */
  toArray(): string[] {
    return [...this.ids];
  }
}

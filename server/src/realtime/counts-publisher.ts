import type { AlertStore } from '../store/alert-store.js';
import type { Broadcaster } from './broadcaster.js';
import type { Logger } from '../log.js';

/**
 * Pushes an alert's live counts to the consoles watching it, at most once per `intervalMs` per
 * alert and edge, always after the last change (trailing edge), so the final figures arrive.
 */
export class CountsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly alerts: AlertStore,
    private readonly broadcaster: Broadcaster,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  touch(alertIds: Iterable<string>): void {
    for (const id of alertIds) {
      if (this.timers.has(id)) continue;
      this.timers.set(
        id,
        setTimeout(() => {
          this.timers.delete(id);
          this.alerts
            .counts(id)
            .then((counts) => this.broadcaster.countsToConsoles(id, counts))
            .catch((err: unknown) => this.log.warn({ err, alertId: id }, 'pushing live counts failed'));
        }, this.intervalMs),
      );
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

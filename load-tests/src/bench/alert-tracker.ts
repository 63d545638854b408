import type { AlertCounts, AlertTimes } from './agent-protocol.js';

interface Track {
  receivedAt: Float64Array;
  ackSentAt: Float64Array;
  ackConfirmedAt: Float64Array;
  received: number;
  duplicates: number;
  acked: number;
  reportFailures: number;
  failures: Record<string, number>;
}

/**
 * What the agents of one harness process saw of each alert, as flat arrays indexed by agent (a
 * Map per agent would cost far more memory at 15,000 agents). Only the first receipt of an alert
 * counts; later ones are duplicates (at-least-once delivery allows them; the agent deduplicates).
 */
export class AlertTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly agents: number) {}

  /** Records a receipt; true when it is the agent's first of this alert. */
  receive(alertId: string, agent: number, at: number): boolean {
    const t = this.track(alertId);
    if (!Number.isNaN(t.receivedAt[agent])) {
      t.duplicates++;
      return false;
    }
    t.receivedAt[agent] = at;
    t.received++;
    return true;
  }

  ackSent(alertId: string, agent: number, at: number): void {
    this.track(alertId).ackSentAt[agent] = at;
  }

  ackConfirmed(alertId: string, agent: number, at: number): void {
    const t = this.track(alertId);
    if (Number.isNaN(t.ackConfirmedAt[agent])) t.acked++;
    t.ackConfirmedAt[agent] = at;
  }

  reportFailed(alertId: string, what: string): void {
    const t = this.track(alertId);
    t.reportFailures++;
    t.failures[what] = (t.failures[what] ?? 0) + 1;
  }

  counts(alertId: string): AlertCounts {
    const t = this.tracks.get(alertId);
    return t ? { received: t.received, duplicates: t.duplicates, acked: t.acked, reportFailures: t.reportFailures } : { received: 0, duplicates: 0, acked: 0, reportFailures: 0 };
  }

  times(alertId: string): Omit<AlertTimes, 'loopDelayMaxMs'> {
    const t = this.track(alertId);
    return { ...this.counts(alertId), receivedAt: t.receivedAt, ackSentAt: t.ackSentAt, ackConfirmedAt: t.ackConfirmedAt, failures: { ...t.failures } };
  }

  private track(alertId: string): Track {
    let t = this.tracks.get(alertId);
    if (!t) {
      t = {
        receivedAt: new Float64Array(this.agents).fill(Number.NaN),
        ackSentAt: new Float64Array(this.agents).fill(Number.NaN),
        ackConfirmedAt: new Float64Array(this.agents).fill(Number.NaN),
        received: 0,
        duplicates: 0,
        acked: 0,
        reportFailures: 0,
        failures: {},
      };
      this.tracks.set(alertId, t);
    }
    return t;
  }
}

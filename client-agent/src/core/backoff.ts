export interface BackoffOptions {
  /** First delay. */
  minMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** 0..1: each delay is spread uniformly over ±jitter of its nominal value, so agents that lost the
   * same server do not all come back in the same millisecond. */
  jitter: number;
}

/**
 * The same bounds as the socket.io Manager's own reconnection (reconnectionDelay 1000,
 * reconnectionDelayMax 30000, randomizationFactor 0.5): 50,000 agents coming back after an edge
 * restart spread over about 30 seconds instead of arriving at once.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1000, maxMs: 30_000, jitter: 0.5 };

/** Exponential backoff with jitter: min, 2·min, 4·min, … up to max, each spread by ±jitter. */
export class Backoff {
  private attempts = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt. */
  next(): number {
    const { minMs, maxMs, jitter } = this.options;
    // 30 doublings already exceed any sensible maximum; stop there so 2 ** n stays finite.
    const nominal = Math.min(maxMs, minMs * 2 ** Math.min(this.attempts, 30));
    this.attempts += 1;
    const spread = nominal * jitter;
    const delay = nominal - spread + this.random() * 2 * spread;
    return Math.round(Math.min(maxMs, Math.max(0, delay)));
  }

  reset(): void {
    this.attempts = 0;
  }
}

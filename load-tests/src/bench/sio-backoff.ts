/**
 * socket.io-client's reconnection backoff (its contrib/backo2.js) with the settings of
 * docs/protocol.md §8 (reconnectionDelay 1000, reconnectionDelayMax 30000, randomizationFactor
 * 0.5): 1 s, 2 s, 4 s, … up to 30 s, each moved by up to ±50 %. The simulated agents wait exactly
 * as the PC agent's socket.io-client does, which is what shapes a reconnect storm.
 */
export class SocketIoBackoff {
  private attempts = 0;

  constructor(
    private readonly minMs = 1000,
    private readonly maxMs = 30_000,
    private readonly jitter = 0.5,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt. */
  duration(): number {
    let ms = this.minMs * 2 ** this.attempts++;
    const rand = this.random();
    const deviation = Math.floor(rand * this.jitter * ms);
    ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    return Math.min(ms, this.maxMs) | 0;
  }

  /** After a successful open (socket.io-client resets when the Engine.IO session opens). */
  reset(): void {
    this.attempts = 0;
  }
}

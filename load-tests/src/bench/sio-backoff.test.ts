import { describe, expect, it } from 'vitest';
import { SocketIoBackoff } from './sio-backoff.js';

describe("socket.io-client's reconnection backoff", () => {
  it('doubles from 1 s up to 30 s, each delay within ±50 %', () => {
    for (const r of [0, 0.05, 0.15, 0.49, 0.5, 0.95, 0.999]) {
      const b = new SocketIoBackoff(1000, 30_000, 0.5, () => r);
      const delays = Array.from({ length: 8 }, () => b.duration());
      delays.forEach((d, n) => {
        const nominal = Math.min(1000 * 2 ** n, 30_000);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.5));
        expect(d).toBeLessThanOrEqual(30_000);
        if (nominal < 30_000) expect(d).toBeLessThanOrEqual(nominal * 1.5);
      });
    }
  });

  it('moves down or up by the same draw, as backo2 does', () => {
    // rand 0.2: floor(2) is even, so down by 0.2·0.5·1000 = 100; rand 0.1: floor(1) is odd, so up by 50.
    expect(new SocketIoBackoff(1000, 30_000, 0.5, () => 0.2).duration()).toBe(900);
    expect(new SocketIoBackoff(1000, 30_000, 0.5, () => 0.1).duration()).toBe(1050);
  });

  it('starts again from 1 s after a reset', () => {
    // rand 0.5: floor(5) is odd, so up by a quarter: 1,250, 2,500, 5,000 ms.
    const b = new SocketIoBackoff(1000, 30_000, 0.5, () => 0.5);
    b.duration();
    b.duration();
    expect(b.duration()).toBe(5000);
    b.reset();
    expect(b.duration()).toBe(1250);
  });
});

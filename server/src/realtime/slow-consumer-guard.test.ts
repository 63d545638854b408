import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { SlowConsumerGuard, type GuardedSocket } from './slow-consumer-guard.js';

function socket(id: string, bufferedAmount: number | undefined): GuardedSocket & { events: string[]; closed: boolean } {
  const s = {
    id,
    events: [] as string[],
    closed: false,
    conn: { transport: { name: 'websocket', socket: bufferedAmount === undefined ? undefined : { bufferedAmount } } },
    emit(event: string, payload: { reason: string }) {
      s.events.push(`${event}:${payload.reason}`);
      return true;
    },
    disconnect() {
      s.closed = true;
      return s;
    },
  };
  return s;
}

describe('SlowConsumerGuard', () => {
  const log = createLogger({ LOG_LEVEL: 'silent' });

  it('disconnects only sockets with more unsent data than the limit, telling them why', () => {
    const fast = socket('a', 100);
    const slow = socket('b', 2_000_000);
    const unknown = socket('c', undefined);
    const guard = new SlowConsumerGuard(() => [fast, slow, unknown], { maxBytes: 1_048_576, everyMs: 1000, log });
    expect(guard.check()).toBe(1);
    expect(slow.closed).toBe(true);
    expect(slow.events).toEqual(['session:ended:SLOW_CONSUMER']);
    expect(fast.closed || unknown.closed).toBe(false);
  });

  it('leaves a socket exactly at the limit alone', () => {
    const edge = socket('d', 1_048_576);
    expect(new SlowConsumerGuard(() => [edge], { maxBytes: 1_048_576, everyMs: 1000, log }).check()).toBe(0);
  });
});

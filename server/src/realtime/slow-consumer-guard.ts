import type { Logger } from '../log.js';

/** What the guard reads of a socket.io socket: the bytes its websocket has not yet handed to the kernel. */
export interface GuardedSocket {
  id: string;
  conn: { transport: { name: string; socket?: { bufferedAmount?: number } }; writeBuffer?: unknown[] };
  emit(event: 'session:ended', payload: { reason: 'SLOW_CONSUMER' }): unknown;
  disconnect(close: boolean): unknown;
}

/** Bytes queued for a socket: the websocket's buffer (engine.io's own buffer is counted by packets). */
export function queuedBytes(s: GuardedSocket): number {
  return s.conn.transport.socket?.bufferedAmount ?? 0;
}

/**
 * Every `everyMs`, disconnects sockets whose unsent data exceeds `maxBytes`: an agent that cannot
 * keep up (a dead network path the heartbeat has not noticed yet, a stalled reader) must not grow
 * the edge's memory. It reconnects and catches up by replay, which costs one read, not a buffer.
 */
export class SlowConsumerGuard {
  private timer: NodeJS.Timeout | undefined;
  disconnected = 0;

  constructor(
    private readonly sockets: () => Iterable<GuardedSocket>,
    private readonly opts: { maxBytes: number; everyMs: number; log: Logger },
  ) {}

  start(): this {
    this.timer = setInterval(() => this.check(), this.opts.everyMs);
    this.timer.unref();
    return this;
  }

  /** One pass; returns how many sockets it disconnected. */
  check(): number {
    let n = 0;
    for (const s of this.sockets()) {
      const bytes = queuedBytes(s);
      if (bytes <= this.opts.maxBytes) continue;
      this.opts.log.warn({ socketId: s.id, bytes }, 'disconnecting a slow consumer');
      s.emit('session:ended', { reason: 'SLOW_CONSUMER' });
      s.disconnect(true);
      n++;
    }
    this.disconnected += n;
    return n;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * What is used of a socket.io adapter: every emit to rooms, local or from another edge, passes
 * its `apply`. socket.io-adapter declares `apply` private; server/test/handshake-replay.int.test.ts
 * fails if a version stops routing broadcasts through it.
 */
export interface ApplyingAdapter {
  apply(opts: unknown, callback: (socket: unknown) => void): void;
}

/**
 * Counts what this edge's adapter has applied to its sockets: broadcasts from this process and,
 * through the cluster adapter, from every other edge and worker (also room operations such as
 * disconnectSockets, which only makes the count more careful). A handshake reads the replay
 * before its socket is in the namespace; if the count is unchanged when the socket has joined
 * its rooms, no broadcast can have passed it by in between.
 */
export class BroadcastEpoch {
  private count = 0;

  constructor(adapter: ApplyingAdapter) {
    const apply = adapter.apply.bind(adapter);
    adapter.apply = (opts, callback) => {
      this.count++;
      apply(opts, callback);
    };
  }

  get value(): number {
    return this.count;
  }
}

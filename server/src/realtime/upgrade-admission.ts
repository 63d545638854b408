import type http from 'node:http';
import type { Socket as NetSocket } from 'node:net';

type UpgradeListener = (req: http.IncomingMessage, socket: NetSocket, head: Buffer) => void;

/*
 * How an edge takes the websocket upgrades of a reconnect storm.
 *
 * An edge restarted under a storm is sent one upgrade per agent within a second or two: fifteen
 * thousand and more. Handed on all at once, each waits its turn through every later step (the
 * websocket and Engine.IO handshakes, the agent's CONNECT, authentication, the replay), so the
 * edge spends seconds on all of them before the first is done. Its event loop then turns slowly:
 * it accepts rarely, the kernel's accept queue overflows and drops connection attempts (which the
 * agents' TCP stacks send again only after 1, 2, 4, … seconds), and agents whose upgrade is not
 * answered within their connect timeout start over after their backoff.
 *
 * So an upgrade request is parsed as soon as it comes (an HTTP parse, a few microseconds), and
 * then waits for one of a bounded number of places (UpgradeGate), in the order the requests came.
 * A place is freed when the agent is connected (socket.io's `connection`), when the connection
 * closes, and at the latest after `settleMaxMs`, so that a client that never sends its CONNECT
 * cannot keep one. The edge works through a storm some hundreds of agents at a time: its event
 * loop turns quickly, it takes every connection from the kernel at once, and the first agents are
 * back within moments of its start. Plain HTTP requests (the console, the API, /metrics, health
 * checks) never wait here.
 *
 * An upgrade whose client has gone is dropped before its handshake. An agent that gave up (its
 * 20 s connect timeout) has closed its end, but its request and its end of stream may still be
 * queued. Upgrading it anyway costs the websocket and Engine.IO handshakes, writes that the peer
 * only answers with a reset, and the errors of those writes. libuv reads a connection's request
 * and its end of stream in separate turns of the event loop, and a connection waiting for a place
 * is read meanwhile: one that waited through a whole turn after the one its request came in
 * shows its end already, and is destroyed for the cost of the HTTP parse alone. One admitted
 * sooner (at once, on an idle edge) waits one more turn for the same check, which on an idle
 * edge takes microseconds. Under a storm, when a turn takes a good part of a second, the
 * upgrades that waited start at once: every turn a handshake waits is one its place is held.
 */

/**
 * How many upgrades may be in their handshake at once, by default (config UPGRADES_IN_PROGRESS_MAX).
 * Chosen in storms of 45,000 agents on two cores (see docs/ARCHITECTURE.md, Benchmark): with 256,
 * four of six storms had 5 failed attempts or fewer; 512 and 1,024 were not better. A place is
 * held while the agent answers, so a much smaller line would keep an edge waiting on its agents.
 */
export const UPGRADES_IN_PROGRESS_MAX = 256;

/** After this long an admitted upgrade frees its place whatever it is doing. */
export const SETTLE_MAX_MS = 5_000;

/**
 * Starts an admitted upgrade. `endSeen`: its connection has been read through a whole turn of the
 * event loop since its request came, so an end of stream sent with the request would show by now.
 */
type Start = (endSeen: boolean) => void;

interface Held {
  socket: NetSocket;
  start: Start;
  /** The gate's turn when it began to wait; undefined when admitted at once. */
  turn?: number;
}

interface Admitted {
  timer: NodeJS.Timeout;
  onClose: () => void;
}

/** A first-come, first-served line for a bounded number of places, one per connection. */
export class UpgradeGate {
  /** Waiting connections, oldest first, from `head` on (a queue that does not shift its array). */
  private queue: (Held | undefined)[] = [];
  private head = 0;
  private closed = false;
  private readonly admitted = new Map<NetSocket, Admitted>();
  /** Turns of the event loop counted while connections wait (a setImmediate each). */
  private turn = 0;
  private counting = false;

  constructor(
    readonly maxInProgress = UPGRADES_IN_PROGRESS_MAX,
    private readonly settleMaxMs = SETTLE_MAX_MS,
    /** Called for each waiting connection that closed before its turn. */
    private readonly onClosedWhileWaiting: () => void = () => undefined,
  ) {
    if (!Number.isInteger(maxInProgress) || maxInProgress < 1) throw new RangeError('maxInProgress must be a positive integer');
  }

  /** Connections that have a place now. */
  get inProgress(): number {
    return this.admitted.size;
  }

  /** Connections waiting for a place. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Calls `start` once `socket` has a place: at once when one is free and nobody is waiting. */
  admit(socket: NetSocket, start: Start): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.admitted.size < this.maxInProgress && this.waiting === 0) this.startOne({ socket, start });
    else {
      this.queue.push({ socket, start, turn: this.turn });
      this.countTurns();
    }
  }

  /** The connection's handshake is over (its agent is connected) or it is gone: its place goes to the next one waiting. */
  settled(socket: NetSocket | null | undefined): void {
    const entry = socket ? this.admitted.get(socket) : undefined;
    if (!socket || !entry) return;
    this.admitted.delete(socket);
    clearTimeout(entry.timer);
    socket.removeListener('close', entry.onClose);
    this.startWaiting();
  }

  /**
   * Shutdown: closes every connection waiting, and every admitted one not yet settled (neither
   * has an agent connected), and admits nothing more.
   */
  close(): void {
    this.closed = true;
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const held of waiting) held?.socket.destroy();
    for (const socket of [...this.admitted.keys()]) socket.destroy();
  }

  private startOne(held: Held): void {
    const onClose = (): void => this.settled(held.socket);
    const timer = setTimeout(onClose, this.settleMaxMs);
    timer.unref();
    this.admitted.set(held.socket, { timer, onClose });
    held.socket.once('close', onClose);
    // Two turns counted since it began to wait: the whole of the turn after its request's was read.
    held.start(held.turn !== undefined && this.turn - held.turn >= 2);
  }

  /** Counts turns of the event loop as long as connections wait: one setImmediate per turn. */
  private countTurns(): void {
    if (this.counting) return;
    this.counting = true;
    setImmediate(() => {
      this.counting = false;
      this.turn++;
      if (this.waiting > 0 && !this.closed) this.countTurns();
    });
  }

  private startWaiting(): void {
    while (!this.closed && this.admitted.size < this.maxInProgress && this.head < this.queue.length) {
      const held = this.queue[this.head] as Held;
      this.queue[this.head++] = undefined;
      if (held.socket.destroyed) {
        // Closed before its turn: it never costs a handshake.
        this.onClosedWhileWaiting();
        continue;
      }
      this.startOne(held);
    }
    // Drop the consumed front now and then, so the array does not grow with every storm.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Puts every upgrade request of `server` through `gate`, then through the check for a client that
 * has gone, then to the upgrade listeners attached so far (io.attach, coalesceUpgradeWrites), in
 * their order. Call after those are attached, and settle the gate's places on socket.io's
 * `connection` (see app.ts).
 */
export function admitUpgrades(server: http.Server, gate: UpgradeGate, onDropped: () => void): void {
  const listeners = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: http.IncomingMessage, socket: NetSocket, head: Buffer) => {
    // The HTTP server took its error listener off when it handed the socket over; a reset while
    // the upgrade waits ends up as a destroyed socket, which is dropped below.
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    const upgrade = (): void => {
      socket.removeListener('error', ignore);
      if (socket.destroyed || socket.readableEnded) {
        socket.destroy();
        onDropped();
        return;
      }
      for (const listener of listeners) listener.call(server, req, socket, head);
    };
    gate.admit(socket, (endSeen) => {
      // After the current callback (a place is freed inside another connection's events).
      if (endSeen) process.nextTick(upgrade);
      // Two check phases: the poll phase between them reads the end of stream, if any.
      else setImmediate(() => setImmediate(upgrade));
    });
  });
}

import net from 'node:net';
import type http from 'node:http';

/*
 * An edge restarted after a crash is sent thousands of reconnecting agents before it has loaded.
 * A port that is not bound yet refuses them, and each refused agent waits its backoff (1 s, 2 s,
 * 4 s, …) before it tries again. So the bundle's entry (launcher.ts) binds the edge's port first,
 * with nothing but the configuration loaded, and only then loads the server: connections made
 * meanwhile are accepted and held, unread, and served in order once the server is ready. On a
 * 2-core machine under a reconnect storm of 45,000 agents this took every refused attempt away.
 */

// 4096: room for a reconnect storm of thousands of agents (Node's default backlog is 511).
export const EDGE_BACKLOG = 4096;

// 16,384 held connections: more than one edge's share of agents; beyond it, new ones are closed
// (the agent retries) rather than held, so a process stays under its open-file limit.
export const MAX_HELD = 16_384;

const REGISTRY = Symbol.for('varsel.earlyListener');

/** A bound port whose connections are held until an HTTP server takes them. */
export class EarlyListener {
  private held: net.Socket[] = [];
  private target: http.Server | undefined;
  private closed = false;
  /** Connections closed at once because MAX_HELD were already held. */
  dropped = 0;

  constructor(
    readonly server: net.Server,
    readonly port: number,
    readonly host: string,
    private readonly maxHeld = MAX_HELD,
  ) {
    server.on('connection', (socket) => {
      if (this.target) this.handOne(socket);
      else if (this.held.length < this.maxHeld) this.held.push(socket);
      else {
        this.dropped++;
        socket.destroy();
      }
    });
  }

  /** Whether this listener is what the configuration asks for (else the caller listens itself). */
  matches(port: number, host: string): boolean {
    return port === this.port && host === this.host;
  }

  /** How many connections wait for the server. */
  get waiting(): number {
    return this.held.length;
  }

  /**
   * From now on `server` gets every connection: those held, in the order they came, and each new
   * one. `server` must not listen itself. It is told it is listening, so it tracks its
   * connections (request and header timeouts) as a listening server does.
   */
  handTo(server: http.Server): void {
    server.emit('listening');
    this.target = server;
    for (const socket of this.held.splice(0)) this.handOne(socket);
  }

  address(): ReturnType<net.Server['address']> {
    return this.server.address();
  }

  /** Stops taking connections; those still held (never handed over) are closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const socket of this.held.splice(0)) socket.destroy();
  }

  private handOne(socket: net.Socket): void {
    (this.target as http.Server).emit('connection', socket);
    // Accepted paused (pauseOnConnect): the HTTP server reads from here on.
    socket.resume();
  }
}

/**
 * Binds `port` on `host` with the edge's backlog and keeps the listener for takeEarlyListener.
 * Resolves false when the port cannot be bound: the server then tries itself, and reports why.
 */
export async function listenEarly(port: number, host: string, backlog = EDGE_BACKLOG): Promise<boolean> {
  const server = net.createServer({ pauseOnConnect: true });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host, backlog }, () => resolve(true));
  });
  if (!bound) return false;
  (globalThis as Record<symbol, unknown>)[REGISTRY] = new EarlyListener(server, port, host);
  return true;
}

/** The listener the launcher bound, if any; once. */
export function takeEarlyListener(): EarlyListener | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const early = g[REGISTRY] as EarlyListener | undefined;
  delete g[REGISTRY];
  return early;
}

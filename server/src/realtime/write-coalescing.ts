import type http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/*
 * A websocket frame written on its own costs an edge one write syscall, and on loopback or a
 * busy host that syscall, not the encoding, is most of what a message costs. A (re)connecting
 * agent is sent several frames within one turn of the event loop: the 101 answer and the
 * Engine.IO open packet; the Socket.IO CONNECT answer, the alerts it missed and
 * `session:synced`. These helpers let each group leave in one write. Nothing is reordered and
 * nothing waits longer than the current turn of the event loop.
 */

/** What is used of an Engine.IO connection (engine.io's Socket and its websocket transport). */
export interface EngineConnection {
  readyState: string;
  request: { socket?: NetSocket | null };
  transport: { name: string; writable: boolean; emit(event: 'ready'): unknown };
}

/**
 * The 101 answer of a websocket upgrade and the Engine.IO open packet leave together: the
 * upgrade's socket is corked until engine.io has opened the connection (its `connection` event,
 * emitted once the open packet is written), and the two frames go out in one write in the same
 * turn of the event loop. A reconnect storm's handshakes take several turns each, and under a
 * storm a turn can take a good part of a second: waiting for the next turn here would cost every
 * agent one more. A refused upgrade is uncorked at once, so its error answer is written before
 * engine.io destroys the socket; any other is uncorked on the next turn at the latest. Call after
 * io.attach(server): the listener goes before engine.io's.
 */
export function coalesceUpgradeWrites(server: http.Server, io: Server, path = '/socket.io/'): void {
  const corked = new WeakSet<NetSocket>();
  const release = (socket: NetSocket | null | undefined): void => {
    if (socket && corked.delete(socket)) socket.uncork();
  };
  server.prependListener('upgrade', (req: http.IncomingMessage, socket: NetSocket) => {
    if (!req.url?.startsWith(path)) return;
    corked.add(socket);
    socket.cork();
    setImmediate(release, socket);
  });
  io.engine.on('connection', (conn: EngineConnection) => release(conn.request.socket));
  io.engine.on('connection_error', (err: { req?: http.IncomingMessage }) => release(err.req?.socket));
}

/**
 * Holds what the engine is asked to write to this connection until the next turn of the event
 * loop, then writes all of it at once. Engine.IO keeps packets in its own buffer while its
 * transport is not writable (a write in flight), and socket.io writes the CONNECT answer on a
 * later tick than the handshake middleware's `next()`: without this the CONNECT answer, each
 * replayed alert and `session:synced` would be written one by one. Websocket transports only; a
 * transport with a write in flight already gathers what follows.
 */
export function holdWritesUntilNextTurn(conn: EngineConnection): void {
  const transport = conn.transport;
  if (transport.name !== 'websocket' || !transport.writable) return;
  transport.writable = false;
  setImmediate(() => {
    if (conn.transport !== transport || conn.readyState === 'closed') return;
    const socket = conn.request.socket;
    socket?.cork();
    // What the transport itself emits once a write has finished: the engine flushes its buffer.
    transport.writable = true;
    transport.emit('ready');
    socket?.uncork();
  });
}

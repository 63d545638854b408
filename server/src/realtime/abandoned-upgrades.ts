import type http from 'node:http';
import type { Socket as NetSocket } from 'node:net';

type UpgradeListener = (req: http.IncomingMessage, socket: NetSocket, head: Buffer) => void;

/**
 * Drops upgrade requests whose client has already given up, before they cost a handshake.
 *
 * In a reconnect storm an edge's accept queue stays full for tens of seconds, and a connection
 * waits in it for many of them. An agent whose connect timeout passed meanwhile (socket.io-client's
 * 20 s) has closed its end, but its upgrade request and its end of stream are still queued.
 * Upgrading it anyway costs the websocket and Engine.IO handshakes, writes that the peer only
 * answers with a reset, and the errors of those writes. A storm of 45,000 agents on two cores
 * leaves about 12,000 such connections, each of which held the edges back from the live ones.
 *
 * So every upgrade waits one more turn of the event loop before it is handed on. libuv reads a
 * connection's request and its end of stream in separate turns, so by then a connection whose
 * peer is gone has read its end of stream, and it is destroyed for the cost of the HTTP parse
 * alone. On an idle edge that turn takes microseconds. On a busy one it delays each handshake by
 * a turn (tens to hundreds of milliseconds in a storm), against the handshakes it saves.
 *
 * Call after every other 'upgrade' listener is attached (io.attach, coalesceUpgradeWrites): it
 * takes them over and calls them, in their order, for the connections that are still there.
 */
export function dropAbandonedUpgrades(server: http.Server, onDropped: () => void): void {
  const listeners = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: http.IncomingMessage, socket: NetSocket, head: Buffer) => {
    // The HTTP server took its error listener off when it handed the socket over; a reset while
    // the upgrade waits ends up as a destroyed socket, which is dropped below.
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    // Two checks phases: the poll phase between them reads the end of stream, if any.
    setImmediate(() =>
      setImmediate(() => {
        socket.removeListener('error', ignore);
        if (socket.destroyed || socket.readableEnded) {
          socket.destroy();
          onDropped();
          return;
        }
        for (const listener of listeners) listener.call(server, req, socket, head);
      }),
    );
  });
}

import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WsClient, type WsClientOptions } from '../src/wire/ws-client.js';
import { PortPool, ephemeralRange, listeningPorts, portsOutside } from '../src/bench/port-pool.js';
import { waitFor } from '../../test-support/varsel.js';

/** What one client saw, for assertions. */
class Recorder {
  opened = false;
  readonly texts: string[] = [];
  closed: { reason: string; wasOpen: boolean } | undefined;
  readonly client: WsClient;
  constructor(opts: WsClientOptions) {
    this.client = new WsClient(opts, {
      open: () => (this.opened = true),
      text: (t) => this.texts.push(t),
      closed: (reason, wasOpen) => (this.closed = { reason, wasOpen }),
    });
  }
}

describe('the lean websocket client against the ws library server', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  /** Listens on a free port; the cleanup ends every connection the server has, then closes it. */
  const listen = async (server: http.Server | net.Server): Promise<number> => {
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return (server.address() as AddressInfo).port;
  };
  const wsServer = async (onConnection: (ws: WebSocket) => void): Promise<number> => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/socket.io/' });
    wss.on('connection', onConnection);
    const port = await listen(server);
    cleanups.push(() => wss.close());
    return port;
  };
  const opts = (port: number, extra: Partial<WsClientOptions> = {}): WsClientOptions => ({
    host: '127.0.0.1',
    port,
    path: '/socket.io/?EIO=4&transport=websocket',
    openTimeoutMs: 5000,
    localAddress: '127.0.0.2',
    ...extra,
  });

  it('opens from the given source address and port, sends masked text the server reads, and reads text, fragmented text and pings', async () => {
    let peer: WebSocket | undefined;
    const fromClient: string[] = [];
    let pongs = 0;
    const port = await wsServer((ws) => {
      peer = ws;
      ws.on('message', (d: Buffer, isBinary) => fromClient.push(isBinary ? 'binary!' : d.toString('utf8')));
      ws.on('pong', () => pongs++);
    });
    // A port as the benchmark's agents get them: outside the ephemeral range, nothing listening on it.
    const localPort = new PortPool(...portsOutside(ephemeralRange()), listeningPorts()).take();
    const r = new Recorder(opts(port, { localPort }));
    await waitFor('open', () => r.opened && peer !== undefined);
    expect((peer as unknown as { _socket: net.Socket })._socket.remoteAddress).toBe('127.0.0.2');
    expect((peer as unknown as { _socket: net.Socket })._socket.remotePort).toBe(localPort);
    expect(r.client.send('40{"token":"æøå"}')).toBe(true);
    expect(r.client.send('x'.repeat(70_000))).toBe(true);
    await waitFor('both messages', () => fromClient.length === 2);
    expect(fromClient).toEqual(['40{"token":"æøå"}', 'x'.repeat(70_000)]);

    peer!.send('0{"sid":"s"}');
    peer!.send('42["a",', { fin: false });
    peer!.send('1]', { fin: true });
    peer!.ping('hi');
    await waitFor('two messages and a pong', () => r.texts.length === 2 && pongs === 1);
    expect(r.texts).toEqual(['0{"sid":"s"}', '42["a",1]']);
  });

  it('answers a close frame and reports its code; a client close ends with "client close"', async () => {
    const peers: WebSocket[] = [];
    const port = await wsServer((ws) => peers.push(ws));
    const a = new Recorder(opts(port));
    await waitFor('open', () => a.opened && peers.length === 1);
    const closedAtServer = new Promise<number>((resolve) => peers[0]!.once('close', (code) => resolve(code)));
    peers[0]!.close(4000, 'bye');
    await waitFor('closed', () => a.closed !== undefined);
    expect(a.closed).toEqual({ reason: 'server closed (4000)', wasOpen: true });
    expect(await closedAtServer).toBe(4000);

    const b = new Recorder(opts(port));
    await waitFor('open', () => b.opened && peers.length === 2);
    const serverSaw = new Promise<number>((resolve) => peers[1]!.once('close', (code) => resolve(code)));
    b.client.close();
    expect(await serverSaw).toBe(1000);
    await waitFor('closed', () => b.closed !== undefined);
    expect(b.closed).toEqual({ reason: 'client close', wasOpen: true });
    expect(b.client.send('late')).toBe(false);
  });

  it('ends a connection that is refused, answered with an error status, or never answered', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const refusedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = new Recorder(opts(refusedPort));
    await waitFor('refused', () => refused.closed !== undefined);
    expect(refused.closed).toEqual({ reason: 'ECONNREFUSED', wasOpen: false });

    const plain = http.createServer((_req, res) => res.writeHead(400).end());
    plain.on('upgrade', (_req, socket: net.Socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    const badPort = await listen(plain);
    const bad = new Recorder(opts(badPort));
    await waitFor('bad', () => bad.closed !== undefined);
    expect(bad.closed).toEqual({ reason: 'HTTP 400', wasOpen: false });

    // Accepted, but never answered: the upgrade times out (not the TCP connection).
    const silentPort = await listen(net.createServer(() => undefined));
    const mute = new Recorder(opts(silentPort, { openTimeoutMs: 300 }));
    await waitFor('timeout', () => mute.closed !== undefined);
    expect(mute.closed).toEqual({ reason: 'upgrade timeout', wasOpen: false });
    expect(mute.opened).toBe(false);
  });

  it('closes on a protocol error: a binary message', async () => {
    const port = await wsServer((ws) => ws.send(Buffer.from([1, 2, 3]), { binary: true }));
    const r = new Recorder(opts(port));
    await waitFor('closed', () => r.closed !== undefined);
    expect(r.closed?.reason).toMatch(/^protocol error: binary message/);
  });
});

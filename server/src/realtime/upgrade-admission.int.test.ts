import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { UpgradeGate, admitUpgrades } from './upgrade-admission.js';
import { coalesceUpgradeWrites } from './write-coalescing.js';
import { rawUpgrade, waitFor } from '../../../test-support/varsel.js';

interface Edge {
  port: number;
  gate: UpgradeGate;
  /** Engine.IO connections opened: each one is a websocket and Engine.IO handshake done. */
  engineConnections: number;
  dropped: number;
  close(): Promise<void>;
}

/** A socket.io server wired as an edge's: websocket only, upgrade writes coalesced, upgrades admitted through a gate. */
async function edge(opts: { maxInProgress?: number; settleMaxMs?: number } = {}): Promise<Edge> {
  const server = http.createServer((_req, res) => res.end('ok'));
  const io = new Server({ transports: ['websocket'], serveClient: false });
  io.attach(server);
  coalesceUpgradeWrites(server, io);
  const e: Edge = {
    port: 0,
    gate: new UpgradeGate(opts.maxInProgress, opts.settleMaxMs, () => e.dropped++),
    engineConnections: 0,
    dropped: 0,
    close: () =>
      new Promise<void>((resolve) => {
        e.gate.close();
        void io.close(() => resolve());
      }),
  };
  admitUpgrades(server, e.gate, () => e.dropped++);
  io.engine.on('connection', () => e.engineConnections++);
  io.on('connection', (socket) => {
    e.gate.settled(socket.conn.request.socket);
    socket.on('echo', (text: string, ack: (t: string) => void) => ack(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  e.port = (server.address() as AddressInfo).port;
  return e;
}

/** A raw upgrade that keeps its connection open and never sends a CONNECT: it holds its place. */
function holdingUpgrade(port: number): { socket: Promise<net.Socket>; answer: () => string } {
  let answer = '';
  const socket = new Promise<net.Socket>((resolve) => {
    void rawUpgrade(port, (s) => {
      s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      resolve(s);
    });
  });
  return { socket, answer: () => answer };
}

async function connected(port: number): Promise<ClientSocket> {
  const c = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
  return c;
}

interface Holding {
  socket: net.Socket;
  answer: () => string;
}

const quiet = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('admitUpgrades', () => {
  let current: Edge | undefined;
  const clients: ClientSocket[] = [];
  const raw: net.Socket[] = [];
  /** A holding upgrade (see holdingUpgrade), closed after the test; `answered`: once it has its place and its answer. */
  const holding = async (port: number, answered: boolean): Promise<Holding> => {
    const h = holdingUpgrade(port);
    const socket = await h.socket;
    raw.push(socket);
    if (answered) await waitFor('the upgrade answered', () => h.answer().includes('"sid"'), 3000);
    return { socket, answer: h.answer };
  };
  /** An edge with one place: A has it (upgraded, never connecting), B waits for it. */
  const oneHeldOneWaiting = async (): Promise<{ e: Edge; a: Holding; b: Holding }> => {
    const e = (current = await edge({ maxInProgress: 1 }));
    const a = await holding(e.port, true);
    const b = await holding(e.port, false);
    await waitFor('B waiting', () => e.gate.waiting === 1, 3000);
    return { e, a, b };
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of raw.splice(0)) s.destroy();
    await current?.close();
    current = undefined;
  });

  it('drops an upgrade whose client closed its end right after the request, before any handshake', async () => {
    const e = (current = await edge());
    // What an agent that gave up leaves in an edge's accept queue: the request, then its end of stream.
    void rawUpgrade(e.port, (s) => s.end());
    await waitFor('a drop or a handshake', () => e.dropped + e.engineConnections > 0, 3000);
    // A while later still no handshake: the request was never handed to engine.io.
    await quiet(50);
    expect(e).toMatchObject({ dropped: 1, engineConnections: 0 });
  });

  it('drops an upgrade whose connection was reset while it waited, without an uncaught error', async () => {
    const e = (current = await edge());
    void rawUpgrade(e.port, (s) => s.resetAndDestroy());
    await waitFor('a drop or a handshake', () => e.dropped + e.engineConnections > 0, 3000);
    expect(e).toMatchObject({ dropped: 1, engineConnections: 0 });
  });

  it('hands a client that waits for its answer on to socket.io, which connects it as usual', async () => {
    const e = (current = await edge());
    const c = await connected(e.port);
    clients.push(c);
    await expect(c.timeout(2000).emitWithAck('echo', 'hej')).resolves.toBe('hej');
    expect(e.engineConnections).toBe(1);
    expect(e.dropped).toBe(0);

    // A raw client that keeps its end open gets the 101 answer and the Engine.IO open packet.
    let answer = '';
    await rawUpgrade(e.port, (s) => {
      s.on('data', (d: Buffer) => {
        answer += d.toString('latin1');
        if (answer.includes('"sid"')) s.destroy();
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(e.engineConnections).toBe(2);
    expect(e.dropped).toBe(0);
  });

  it('takes at most maxInProgress upgrades through their handshake at once, in the order they came', async () => {
    // A holds the only place (upgraded, it never connects); B, then C, wait unanswered meanwhile.
    const { e, a, b } = await oneHeldOneWaiting();
    const cDone = connected(e.port).then((c) => (clients.push(c), c));
    await waitFor('C waiting', () => e.gate.waiting === 2, 3000);
    await quiet(100);
    expect(b.answer()).toBe('');
    expect(e).toMatchObject({ engineConnections: 1, gate: { inProgress: 1, waiting: 2 } });

    // Plain HTTP requests do not wait for a place.
    const res = await fetch(`http://127.0.0.1:${e.port}/health`);
    expect(await res.text()).toBe('ok');

    // A closes: B, the older one, gets the place; C still waits.
    a.socket.destroy();
    await waitFor('B answered', () => b.answer().includes('"sid"'), 3000);
    await quiet(50);
    expect(e).toMatchObject({ engineConnections: 2, gate: { inProgress: 1, waiting: 1 } });

    // D lines up behind C.
    const dDone = connected(e.port).then((d) => (clients.push(d), d));
    await waitFor('D waiting', () => e.gate.waiting === 2, 3000);

    // B closes: C gets the place and connects, and its connection hands the place to D at once
    // (not after the 5 s a place is held at most).
    const started = Date.now();
    b.socket.destroy();
    const c = await cDone;
    await expect(c.timeout(2000).emitWithAck('echo', 'C')).resolves.toBe('C');
    const d = await dDone;
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(d.timeout(2000).emitWithAck('echo', 'D')).resolves.toBe('D');
    expect(e).toMatchObject({ engineConnections: 4, dropped: 0, gate: { inProgress: 0, waiting: 0 } });
  });

  it('frees the place of an upgrade that never connects after settleMaxMs', async () => {
    const e = (current = await edge({ maxInProgress: 1, settleMaxMs: 300 }));
    const a = await holding(e.port, true);
    const started = Date.now();
    const c = await connected(e.port);
    clients.push(c);
    // It waited for A's place to time out, not for A to leave (A is still open).
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(a.socket.destroyed).toBe(false);
  });

  it('drops a waiting upgrade whose client left before its turn, without a handshake', async () => {
    const { e, a, b } = await oneHeldOneWaiting();
    b.socket.destroy();
    // Its close is seen while it waits (its socket reads), and once A leaves, B costs nothing.
    await quiet(50);
    a.socket.destroy();
    await waitFor('B dropped', () => e.dropped === 1, 3000);
    expect(e).toMatchObject({ engineConnections: 1, gate: { inProgress: 0, waiting: 0 } });
  });

  it('closes at shutdown the upgrades waiting and those not yet connected, and takes no new ones', async () => {
    const { e, a, b } = await oneHeldOneWaiting();
    e.gate.close();
    const gone = (s: net.Socket): boolean => s.destroyed || s.readableEnded;
    await waitFor('A and B closed', () => gone(a.socket) && gone(b.socket), 3000);
    expect(b.answer()).toBe('');
    const c = await holding(e.port, false);
    await waitFor('C closed', () => gone(c.socket), 3000);
    expect(c.answer()).toBe('');
    expect(e).toMatchObject({ engineConnections: 1, gate: { inProgress: 0, waiting: 0 } });
  });
});

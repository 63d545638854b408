import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { dropAbandonedUpgrades } from './abandoned-upgrades.js';
import { coalesceUpgradeWrites } from './write-coalescing.js';
import { rawUpgrade, waitFor } from '../../../test-support/varsel.js';

interface Edge {
  port: number;
  /** Engine.IO connections opened: each one is a websocket and Engine.IO handshake done. */
  engineConnections: number;
  dropped: number;
  close(): Promise<void>;
}

/** A socket.io server wired as an edge's: websocket only, upgrade writes coalesced, abandoned upgrades dropped. */
async function edge(): Promise<Edge> {
  const server = http.createServer();
  const io = new Server({ transports: ['websocket'], serveClient: false });
  io.attach(server);
  coalesceUpgradeWrites(server, io);
  const e: Edge = {
    port: 0,
    engineConnections: 0,
    dropped: 0,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
  dropAbandonedUpgrades(server, () => e.dropped++);
  io.engine.on('connection', () => e.engineConnections++);
  io.on('connection', (socket) => socket.on('echo', (text: string, ack: (t: string) => void) => ack(text)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  e.port = (server.address() as AddressInfo).port;
  return e;
}

describe('dropAbandonedUpgrades', () => {
  let current: Edge | undefined;
  let client: ClientSocket | undefined;
  afterEach(async () => {
    client?.close();
    client = undefined;
    await current?.close();
    current = undefined;
  });

  it('drops an upgrade whose client closed its end right after the request, before any handshake', async () => {
    const e = (current = await edge());
    // What an agent that gave up leaves in an edge's accept queue: the request, then its end of stream.
    void rawUpgrade(e.port, (s) => s.end());
    await waitFor('a drop or a handshake', () => e.dropped + e.engineConnections > 0, 3000);
    // A while later still no handshake: the request was never handed to engine.io.
    await new Promise((r) => setTimeout(r, 50));
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
    client = connect(`http://127.0.0.1:${e.port}`, { transports: ['websocket'], reconnection: false });
    const c = client;
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('connect_error', reject);
    });
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
});

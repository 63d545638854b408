import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { AlertSchema, type Alert } from '@varsel/shared';
import { ReplayPackets, toAgentAlert, type AgentServer, type PacketEncoder } from './broadcaster.js';
import { holdWritesUntilNextTurn } from './write-coalescing.js';
import { SIREN } from '../../../test-support/varsel.js';

function alert(id: string, seq: number): Alert {
  return AlertSchema.parse({
    id,
    seq,
    kind: SIREN.kind,
    status: SIREN.status,
    severity: 'extreme',
    content: SIREN.content,
    audience: { type: 'all' },
    createdAt: new Date(0).toISOString(),
    createdBy: 'vagt',
    expiresAt: new Date(3_600_000).toISOString(),
  });
}

describe('ReplayPackets against a real socket.io server', () => {
  let io: AgentServer | undefined;
  const clients: ClientSocket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await new Promise<void>((resolve) => (io ? void io.close(() => resolve()) : resolve()));
    io = undefined;
  });

  it('encodes each replayed message once for every agent, which receives it as an ordinary alert:created, in order, before session:synced', async () => {
    const first = alert('00000000-0000-4000-8000-000000000001', 7);
    const second = alert('00000000-0000-4000-8000-000000000002', 8);
    const server = http.createServer();
    io = new Server({ transports: ['websocket'], serveClient: false }) as unknown as AgentServer;
    io.attach(server);
    const encoder = io.of('/').adapter as unknown as PacketEncoder;
    const encode = vi.spyOn(encoder, '_encode');
    const packets = new ReplayPackets(encoder);
    // As the gateway does: writes held during the handshake, the replay sent on connection.
    io.use((socket, next) => {
      holdWritesUntilNextTurn(socket.conn);
      next();
    });
    io.on('connection', (socket) => {
      packets.sendAlert(socket, first);
      packets.sendAlert(socket, second);
      socket.emit('session:synced', { replayed: 2, seq: 8 });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const received = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<unknown[]>((resolve, reject) => {
            const got: unknown[] = [];
            const c = connect(url, { transports: ['websocket'], reconnection: false });
            clients.push(c);
            c.on('alert:created', (a: unknown) => got.push(a));
            c.on('session:synced', () => resolve(got));
            c.on('connect_error', reject);
          }),
      ),
    );
    const expected = [toAgentAlert(first), toAgentAlert(second)];
    for (const got of received) expect(got).toEqual(expected);
    expect(expected[0]).not.toHaveProperty('createdBy');
    // Two messages, three agents: two encodings.
    expect(encode).toHaveBeenCalledTimes(2);

    // A new snapshot (new objects) is encoded anew.
    const again = await new Promise<unknown>((resolve) => {
      const c = connect(url, { transports: ['websocket'], reconnection: false });
      clients.push(c);
      io!.removeAllListeners('connection');
      io!.on('connection', (socket) => packets.sendAlert(socket, { ...first, seq: 9 }));
      c.on('alert:created', resolve);
    });
    expect(again).toEqual({ ...toAgentAlert(first), seq: 9 });
    expect(encode).toHaveBeenCalledTimes(3);
  });
});

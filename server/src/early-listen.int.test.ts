import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EarlyListener, listenEarly, takeEarlyListener } from './early-listen.js';
import { freePort } from '../../test-support/redis-server.js';
import { waitFor } from '../../test-support/varsel.js';

/** A raw HTTP GET on a new connection; resolves with what came back once the connection closed ('' if nothing). */
function get(port: number, path: string): { answer: Promise<string>; connected: Promise<void> } {
  let data = '';
  let onConnect: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const answer = new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      onConnect();
    });
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve(data));
  });
  return { answer, connected };
}

describe('EarlyListener', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  it('holds the connections made before the HTTP server takes over, serves them in order, then every new one', async () => {
    const port = await freePort();
    expect(await listenEarly(port, '127.0.0.1')).toBe(true);
    const early = takeEarlyListener()!;
    expect(takeEarlyListener()).toBeUndefined();
    expect(early.matches(port, '127.0.0.1')).toBe(true);
    expect(early.matches(port, '0.0.0.0')).toBe(false);

    const before = [get(port, '/a'), get(port, '/b')];
    await Promise.all(before.map((g) => g.connected));
    await waitFor('both connections to be held', () => early.waiting === 2);

    const order: string[] = [];
    const server = http.createServer((req, res) => {
      order.push(req.url ?? '');
      res.end(`served ${req.url}`);
    });
    servers.push(server);
    early.handTo(server);
    expect((await before[0]!.answer).endsWith('served /a')).toBe(true);
    expect((await before[1]!.answer).endsWith('served /b')).toBe(true);
    expect(order).toEqual(['/a', '/b']);
    // After the handover, straight through; the listener's address is the server's.
    expect((await get(port, '/c').answer).endsWith('served /c')).toBe(true);
    expect((early.address() as AddressInfo).port).toBe(port);
    early.close();
    expect(await get(port, '/d').answer).toBe('');
  });

  it('closes connections beyond the ones it may hold, and those still held when it closes', async () => {
    const server = net.createServer({ pauseOnConnect: true });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const early = new EarlyListener(server, port, '127.0.0.1', 2);
    const gets = [get(port, '/1'), get(port, '/2'), get(port, '/3')];
    await Promise.all(gets.map((g) => g.connected));
    // The third is closed at once, unanswered; the agent would try again.
    expect(await gets[2]!.answer).toBe('');
    expect(early.dropped).toBe(1);
    expect(early.waiting).toBe(2);
    early.close();
    expect(await gets[0]!.answer).toBe('');
    expect(await gets[1]!.answer).toBe('');
    expect(early.waiting).toBe(0);
  });

  it('reports a port it cannot bind, and keeps nothing', async () => {
    const taken = net.createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    expect(await listenEarly((taken.address() as AddressInfo).port, '127.0.0.1')).toBe(false);
    expect(takeEarlyListener()).toBeUndefined();
  });
});

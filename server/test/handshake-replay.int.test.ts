import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { PROTOCOL_VERSION, type AlertView, type EnrollResponse } from '@varsel/shared';
import { WsClient } from '../../load-tests/src/wire/ws-client.js';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, upgradeRequest, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { SimAgent } from '../../test-support/sim-agent.js';
import { Replay } from '../src/realtime/replay.js';
import { DeviceStore } from '../src/store/device-store.js';
import { metricSum } from '../../test-support/prometheus-text.js';

/** Counts the write syscalls Node makes on a socket (every write path of a stream handle). */
function countWrites(socket: net.Socket): { readonly n: number } {
  const counter = { n: 0 };
  const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
  for (const m of ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']) {
    const original = handle[m];
    if (typeof original !== 'function') continue;
    handle[m] = function (this: unknown, ...args: unknown[]) {
      counter.n++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return counter;
}

/** An agent on the project's minimal websocket client (the benchmark's): every text message it got, in order. */
class RawAgent {
  readonly texts: string[] = [];
  private readonly ws: WsClient;

  constructor(port: number) {
    this.ws = new WsClient(
      { host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=websocket', openTimeoutMs: 10_000 },
      { open: () => undefined, text: (t) => this.texts.push(t), closed: () => undefined },
    );
  }

  send(text: string): void {
    if (!this.ws.send(text)) throw new Error('the websocket is not open');
  }

  close(): void {
    this.ws.close();
  }
}

describe('the replay read during the handshake', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  let devices: EnrollResponse[];
  const agents: SimAgent[] = [];
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    admin = await ApiClient.login(v.url);
    devices = await enrollDevices(v.url, await createEnrollmentToken(admin, 'KIT'), 3);
  });
  afterAll(async () => {
    agents.forEach((a) => a.stop());
    await v.close();
  });

  it('writes the 101 answer with the open packet in the turn the connection opens, and the CONNECT answer with the missed alert and session:synced, one write each', async () => {
    const siren = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(siren.status).toBe(201);
    await waitFor('the fan-out to finish', async () => (await admin.request<AlertView>('GET', `/api/alerts/${siren.body.id}`)).body.fanout.doneAt !== undefined);

    let upgradeWrites: { readonly n: number } | undefined;
    const spy = (_req: unknown, socket: net.Socket): void => {
      upgradeWrites ??= countWrites(socket);
    };
    v.app.httpServer!.prependListener('upgrade', spy);
    // Written by the end of the turn engine.io opened the connection in, not on a later one.
    let writtenInOpeningTurn: number | undefined;
    v.app.io.engine.once('connection', () => process.nextTick(() => (writtenInOpeningTurn = upgradeWrites?.n)));
    const port = Number(new URL(v.url).port);
    const agent = new RawAgent(port);
    try {
      await waitFor('the open packet', () => agent.texts.length >= 1);
      v.app.httpServer!.removeListener('upgrade', spy);
      expect(agent.texts[0]).toMatch(/^0\{"sid"/);
      expect(upgradeWrites?.n).toBe(1);
      expect(writtenInOpeningTurn).toBe(1);

      const before = upgradeWrites!.n;
      const d = devices[0]!;
      agent.send(`40${JSON.stringify({ deviceId: d.deviceId, secret: d.deviceSecret, protocol: PROTOCOL_VERSION, cursor: 0 })}`);
      await waitFor('session:synced', () => agent.texts.some((t) => t.startsWith('42["session:synced"')));
      expect(agent.texts).toHaveLength(4);
      expect(agent.texts[1]).toMatch(/^40\{"sid":"/);
      expect(agent.texts[2]).toMatch(/^42\["alert:created",/);
      expect(agent.texts[2]).toContain(siren.body.id);
      expect(agent.texts[3]).toMatch(/^42\["session:synced",\{"replayed":1,/);
      expect(upgradeWrites!.n - before).toBe(1);
    } finally {
      agent.close();
    }
  });

  it('forgets a handshake whose agent left while it was being checked, without reading its replay', async () => {
    const nsp = v.app.io.of('/') as unknown as { _preConnectSockets: Map<string, { conn: { readyState: string } }> };
    const replayReads = vi.spyOn(Replay.prototype, 'missed');
    // The device check answers only once the edge has seen the connection end.
    type Authenticate = (this: DeviceStore, deviceId: string, secret: string) => ReturnType<DeviceStore['authenticate']>;
    const authenticate: Authenticate = Reflect.get<DeviceStore, 'authenticate'>(DeviceStore.prototype, 'authenticate');
    const checks = vi.spyOn(DeviceStore.prototype, 'authenticate').mockImplementation(async function (this: DeviceStore, deviceId, secret) {
      const result = await authenticate.call(this, deviceId, secret);
      await waitFor('the edge to see the agent leave', () => [...nsp._preConnectSockets.values()].every((s) => s.conn.readyState !== 'open'));
      return result;
    });
    const agent = new RawAgent(Number(new URL(v.url).port));
    try {
      await waitFor('the open packet', () => agent.texts.length >= 1);
      const d = devices[0]!;
      agent.send(`40${JSON.stringify({ deviceId: d.deviceId, secret: d.deviceSecret, protocol: PROTOCOL_VERSION, cursor: 0 })}`);
      await waitFor('the device check to start', () => checks.mock.calls.length === 1);
      agent.close();
      await waitFor('the handshake to be dropped', () => nsp._preConnectSockets.size === 0);
      expect(replayReads).not.toHaveBeenCalled();
    } finally {
      checks.mockRestore();
      replayReads.mockRestore();
      agent.close();
    }
  });

  it('still answers a refused upgrade before the socket is closed', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(v.url).port) });
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(upgradeRequest('&sid=no-such-session'));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('Session ID unknown');
  });

  it('reads the replay again after the join when a broadcast was applied in between, so the alert is not lost', async () => {
    const metric = async (): Promise<number | undefined> => metricSum(await (await fetch(v.metricsUrl)).text(), 'varsel_replay_reread_total');
    const rereadBefore = await metric();
    const online = new SimAgent(v.url, devices[1]!, { autoAck: false });
    agents.push(online);
    await waitFor('the online agent synced', () => online.syncs >= 1);

    // A handshake middleware after Varsel's: it runs once the replay was read, before the socket
    // is in the namespace and its rooms, and holds the handshake there while a siren is broadcast.
    let held: (() => void) | undefined;
    let reached = false;
    v.app.io.use((_socket, next) => {
      if (reached) return next();
      reached = true;
      held = () => next();
    });
    const late = new SimAgent(v.url, devices[2]!, { autoAck: false, autoConnect: false });
    agents.push(late);
    late.start();
    await waitFor('the handshake to be held after its replay read', () => held !== undefined);

    const siren = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(siren.status).toBe(201);
    // The online agent has it: the broadcast was applied on this edge while the late one was held.
    await waitFor('the online agent to get the siren', () => online.receivedCount(siren.body.id) === 1);
    expect(late.receivedCount(siren.body.id)).toBe(0);

    held!();
    await waitFor('the late agent to sync and hold the siren', () => late.syncs >= 1 && late.receivedCount(siren.body.id) === 1);
    expect(await metric()).toBe((rereadBefore ?? 0) + 1);
  });
});

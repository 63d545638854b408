import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { AgentAlert, AlertView } from '@varsel/shared';
import { ApiClient, SIREN, TEST_ADMIN_PASSWORD, startVarsel, testPrefix, waitFor } from '../../test-support/varsel.js';
import { AgentWire, type AgentCredentials, type WireAlert, type WireEvent } from '../src/wire/sio-frames.js';
import { enrollFleet } from '../src/enroll-devices.js';

// Compile-time contract check: the server's AgentAlert carries every field k6's WireAlert reads.
const _alertFits = (a: AgentAlert): WireAlert => a;

type EventOf<T extends WireEvent['type']> = Extract<WireEvent, { type: T }>;

/** A raw websocket driven by the same AgentWire the k6 agent scenario uses. */
class RawAgent {
  readonly events: WireEvent[] = [];
  pings = 0;
  closed = false;
  readonly wire: AgentWire;
  private readonly ws: WebSocket;

  constructor(baseUrl: string, creds: AgentCredentials, opts: { answerPings?: boolean } = {}) {
    this.wire = new AgentWire(creds, { agentVersion: 'raw-ws-test' });
    this.ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('Varsel sent a binary frame');
      const text = data.toString('utf8');
      if (text === '2') this.pings++;
      const { send, events } = this.wire.receive(text, Date.now());
      for (const f of send) if (opts.answerPings !== false || f !== '3') this.ws.send(f);
      this.events.push(...events);
    });
    this.ws.on('close', () => (this.closed = true));
    this.ws.on('error', () => undefined); // a refused or dropped connection shows as `closed`
  }

  of<T extends WireEvent['type']>(type: T): EventOf<T>[] {
    return this.events.filter((e): e is EventOf<T> => e.type === type);
  }

  report(alertId: string, state: 'delivered' | 'acknowledged'): void {
    this.ws.send(this.wire.report(alertId, state, Date.now()));
  }

  close(): void {
    this.ws.close();
  }
}

describe('the k6 agent framing against the real server (raw websocket, no socket.io client)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('enrolls from a devices file, authenticates, keeps the heartbeat, receives a siren live and by replay, and gets every report acknowledged', async () => {
    const v = await startVarsel({
      redisUrl: inject('redisUrl'),
      prefix: testPrefix(),
      // 1 s + 1 s: a client that does not answer pings is dropped after 2 s.
      env: { SOCKET_PING_INTERVAL_MS: '1000', SOCKET_PING_TIMEOUT_MS: '1000' },
    });
    cleanups.push(() => v.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'varsel-k6-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'devices.json');

    const fleet = { url: v.url, user: 'admin', password: TEST_ADMIN_PASSWORD, orgUnit: 'KIT', count: 4, out };
    expect((await enrollFleet(fleet)).enrolled).toBe(4);
    expect((await enrollFleet(fleet)).enrolled).toBe(0); // the file's devices are reused
    const file = JSON.parse(await readFile(out, 'utf8')) as { devices: AgentCredentials[] };
    expect(file.devices).toHaveLength(4);
    const [d0, d1, d2, late] = file.devices as [AgentCredentials, AgentCredentials, AgentCredentials, AgentCredentials];

    const start = (creds: AgentCredentials, opts?: { answerPings?: boolean }): RawAgent => {
      const a = new RawAgent(v.url, creds, opts);
      cleanups.push(() => a.close());
      return a;
    };
    const agents = [d0, d1, d2].map((d) => start(d));
    const mute = start(d0, { answerPings: false });
    const refused = start({ deviceId: d1.deviceId, deviceSecret: 'y'.repeat(43) });

    await waitFor('three agents connected and synced', () => agents.every((a) => a.of('synced').length === 1));
    for (const a of agents) {
      expect(a.of('open')[0]).toEqual({ type: 'open', pingIntervalMs: 1000, pingTimeoutMs: 1000 });
      expect(a.of('connected')[0]?.sid).toMatch(/.+/);
      expect(a.of('synced')[0]).toEqual({ type: 'synced', replayed: 0, seq: 0 });
    }
    await waitFor('the refusal', () => refused.of('refused').length === 1);
    expect(refused.of('refused')[0]).toEqual({ type: 'refused', reason: 'DEVICE_AUTH_FAILED', code: 40103 });

    // Past pingInterval + pingTimeout: the agents that answer pings are still there, the mute one is not.
    await new Promise((r) => setTimeout(r, 2500));
    expect(mute.closed).toBe(true);
    for (const a of agents) {
      expect(a.closed).toBe(false);
      expect(a.pings).toBeGreaterThanOrEqual(2);
    }

    const api = await ApiClient.login(v.url);
    const sent = await api.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const id = sent.body.id;
    await waitFor('every agent to receive the siren', () => agents.every((a) => a.of('alert').length === 1));
    for (const a of agents) {
      const ev = a.of('alert')[0]!;
      expect(ev).toMatchObject({ live: true, duplicate: false, alert: { id, seq: sent.body.seq, kind: 'siren', msgType: 'alert', createdAt: sent.body.createdAt } });
      expect(a.wire.cursor).toBe(sent.body.seq);
    }

    for (const a of agents) {
      a.report(id, 'delivered');
      a.report(id, 'acknowledged');
    }
    await waitFor('every report answered', () => agents.every((a) => a.of('report-answered').length === 2));
    for (const a of agents) {
      const answers = a.of('report-answered');
      expect(answers.map((r) => [r.state, r.ack])).toEqual([
        ['delivered', { ok: true, data: { recorded: true } }],
        ['acknowledged', { ok: true, data: { recorded: true } }],
      ]);
      expect(answers.every((r) => r.rttMs >= 0 && r.rttMs < 10_000)).toBe(true);
      expect(a.wire.unanswered).toBe(0);
    }
    agents[0]!.report(id, 'acknowledged');
    await waitFor('the duplicate answered', () => agents[0]!.of('report-answered').length === 3);
    expect(agents[0]!.of('report-answered')[2]?.ack).toEqual({ ok: true, data: { recorded: false } });

    const view = await api.request<AlertView>('GET', `/api/alerts/${id}`);
    expect(view.body.counts).toMatchObject({ targeted: 4, delivered: 3, acknowledged: 3 });

    // The fourth device was offline: it gets the siren by replay, before session:synced.
    const catchingUp = start(late);
    await waitFor('the late agent to sync', () => catchingUp.of('synced').length === 1);
    expect(catchingUp.events.filter((e) => e.type === 'alert' || e.type === 'synced').map((e) => e.type)).toEqual(['alert', 'synced']);
    expect(catchingUp.of('alert')[0]).toMatchObject({ live: false, duplicate: false, alert: { id } });
    expect(catchingUp.of('synced')[0]).toEqual({ type: 'synced', replayed: 1, seq: sent.body.seq });
    for (const a of [...agents, catchingUp]) expect(a.of('unexpected')).toEqual([]);
  });
});

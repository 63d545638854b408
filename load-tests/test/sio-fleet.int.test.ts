import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { PROTOCOL_VERSION, type AlertView } from '@varsel/shared';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { SioFleet } from '../src/bench/sio-fleet.js';
import type { ConnectSioCommand } from '../src/bench/agent-protocol.js';

/**
 * The benchmark's lean agents (sio-fleet.ts) against the real server: the same handshake,
 * heartbeat, reports and reconnection as the PC agent's socket.io-client, or the figures would
 * not be Varsel's.
 */
describe("the benchmark's simulated agents against the real server", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  const start = async (opts: Parameters<typeof startVarsel>[0]): Promise<TestVarsel> => {
    const v = await startVarsel(opts);
    cleanups.push(() => v.close());
    return v;
  };
  const fleetOf = (cmd: Omit<ConnectSioCommand, 'type' | 'concurrency' | 'connectTimeoutMs' | 'reportTimeoutMs' | 'protocol'>): SioFleet => {
    const f = new SioFleet({ type: 'connect-sio', concurrency: 10, connectTimeoutMs: 5000, reportTimeoutMs: 5000, protocol: PROTOCOL_VERSION, ...cmd });
    cleanups.push(() => f.close());
    return f;
  };

  it('authenticate, keep the heartbeat, are refused with the reason, and report every siren delivered and acknowledged', async () => {
    // A heartbeat every second: an agent that did not answer pings would be dropped within 2 s.
    const v = await start({ redisUrl: inject('redisUrl'), prefix: testPrefix(), env: { SOCKET_PING_INTERVAL_MS: '1000', SOCKET_PING_TIMEOUT_MS: '1000' } });
    const admin = await ApiClient.login(v.url);
    const devices = await enrollDevices(v.url, await createEnrollmentToken(admin), 20);
    const agents = devices.map((d) => ({ url: v.url, deviceId: d.deviceId, secret: d.deviceSecret }));
    // A wrong secret, and a device that does not exist; both well-formed.
    const secret = (): string => randomBytes(32).toString('base64url');
    agents.push({ url: v.url, deviceId: devices[0]!.deviceId, secret: secret() }, { url: v.url, deviceId: randomUUID(), secret: secret() });
    const fleet = fleetOf({ agents, localAddresses: ['127.0.0.2', '127.0.0.3'] });

    expect(await fleet.connectAll()).toEqual({ connected: 20, failed: { '40103 DEVICE_AUTH_FAILED': 2 } });
    await new Promise((r) => setTimeout(r, 3500));
    const { connected, disconnects } = fleet.status();
    expect({ connected, disconnects }).toEqual({ connected: 20, disconnects: {} });

    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    const id = sent.body.id;
    await waitFor('every acknowledgement confirmed', () => fleet.tracker.counts(id).acked === 20);
    expect(fleet.tracker.counts(id)).toEqual({ received: 20, duplicates: 0, acked: 20, reportFailures: 0 });
    const times = fleet.tracker.times(id);
    expect([...times.receivedAt.slice(0, 20)].every((t) => t > 0)).toBe(true);
    expect(Number.isNaN(times.receivedAt[20])).toBe(true);
    const counts = (await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body.counts;
    expect(counts).toMatchObject({ delivered: 20, displayed: 20, acknowledged: 20 });

    // Told not to report (the --storm-without-reports diagnostic), they receive and count the next
    // siren, and the server hears nothing of it.
    fleet.setReporting(false);
    const quietId = (await admin.request<AlertView>('POST', '/api/alerts', SIREN)).body.id;
    await waitFor('the unreported siren received', () => fleet.tracker.counts(quietId).received === 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(fleet.tracker.counts(quietId)).toEqual({ received: 20, duplicates: 0, acked: 0, reportFailures: 0 });
    expect((await admin.request<AlertView>('GET', `/api/alerts/${quietId}`)).body.counts).toMatchObject({ delivered: 0, acknowledged: 0 });
  });

  it('reconnect by themselves after their edge went away, with backoff, and catch up an alert sent meanwhile', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = testPrefix();
    // The API and the worker stay up; the agents' edge goes down and comes back on its port.
    const api = await start({ redisUrl, prefix });
    let edge = await startVarsel({ redisUrl, prefix, role: 'edge' });
    cleanups.push(() => edge.close());
    const port = Number(new URL(edge.url).port);
    const admin = await ApiClient.login(api.url);
    const devices = await enrollDevices(api.url, await createEnrollmentToken(admin), 30);
    const fleet = fleetOf({ agents: devices.map((d) => ({ url: edge.url, deviceId: d.deviceId, secret: d.deviceSecret })), localAddresses: ['127.0.0.4'] });
    expect((await fleet.connectAll()).connected).toBe(30);

    fleet.mark();
    await edge.close();
    await waitFor('every agent to notice', () => fleet.status().connected === 0);
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    const id = sent.body.id;
    await new Promise((r) => setTimeout(r, 500));
    expect(fleet.tracker.counts(id).received).toBe(0);
    edge = await startVarsel({ redisUrl, prefix, role: 'edge', port });

    await waitFor('every agent back and caught up', () => fleet.status().connected === 30 && fleet.tracker.counts(id).acked === 30, 20_000);
    const s = fleet.status();
    // The edge said goodbye (SERVER_SHUTDOWN, policy reconnect); no agent retried before its first backoff.
    expect(s.disconnects).toMatchObject({ 'session:ended SERVER_SHUTDOWN': 30 });
    const down = [...s.disconnectedAt];
    const back = [...s.reconnectedAt];
    expect(back.every((t, i) => t - (down[i] ?? 0) >= 500)).toBe(true);
    expect(fleet.tracker.counts(id)).toMatchObject({ received: 30, duplicates: 0, reportFailures: 0 });
    expect((await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body.counts).toMatchObject({ delivered: 30, acknowledged: 30 });
  });
});

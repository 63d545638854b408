import { describe, expect, it, vi } from 'vitest';
import { AgentHandshakeSchema, HANDSHAKE_SEEN_MAX, PROTOCOL_VERSION } from '@varsel/shared';
import { online, useAgents } from '../../test/agent-harness.js';
import { FakeVarselServer } from '../../test/fake-varsel-server.js';
import { alertFixture, stateFixture } from '../../test/fixtures.js';

const { startServer, startAgent, cleanups } = useAgents();

describe('AgentCore', () => {
  it('authenticates with its device id, secret, protocol version 2 and its saved cursor', async () => {
    const server = await startServer();
    const state = stateFixture(server.url, { cursor: 41 });
    const agent = startAgent(server, { state });
    await online(agent);
    expect(PROTOCOL_VERSION).toBe(2);
    expect(server.handshakes[0]).toEqual({
      deviceId: state.deviceId,
      secret: state.secret,
      protocol: PROTOCOL_VERSION,
      agentVersion: '0.1.0-test',
      cursor: 41,
    });
  });

  it('sends the highest seq it has processed as its cursor when it reconnects, whatever order messages came in', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const older = alertFixture({ kind: 'notice' });
    const newer = alertFixture({ kind: 'notice' });
    server.sendAlert(newer);
    server.sendAlert(older);
    await vi.waitFor(() => expect(server.reportsFor(older.id)).toEqual(['delivered', 'displayed']));
    expect(agent.core.currentCursor()).toBe(newer.seq);

    server.dropConnections();
    await vi.waitFor(() => expect(server.accepted).toBe(2), { timeout: 3000 });
    expect(server.handshakes.map((h) => h.cursor)).toEqual([0, newer.seq]);
  });

  it('lists the seq of the newest messages it has processed as seen when it reconnects, also after a restart, at most HANDSHAKE_SEEN_MAX', async () => {
    const server = await startServer();
    const first = startAgent(server);
    await online(first);
    const alerts = Array.from({ length: HANDSHAKE_SEEN_MAX + 2 }, () => alertFixture({ kind: 'notice' }));
    // Out of order, and one twice: seen holds each seq once, the newest HANDSHAKE_SEEN_MAX in seq order.
    for (const a of [...alerts].reverse()) server.sendAlert(a);
    server.sendAlert(alerts.at(-1)!);
    await vi.waitFor(() => expect(server.reportsFor(alerts[0]!.id)).toEqual(['delivered', 'displayed']));
    const newest = alerts.slice(-HANDSHAKE_SEEN_MAX).map((a) => a.seq);

    server.dropConnections();
    await vi.waitFor(() => expect(server.accepted).toBe(2), { timeout: 3000 });
    expect(server.handshakes[0]).not.toHaveProperty('seen');
    expect(server.handshakes[1]?.seen).toEqual(newest);
    expect(AgentHandshakeSchema.safeParse(server.handshakes[1]).success).toBe(true);

    await first.core.stop();
    const saved = await first.store.load();
    expect(saved?.seenSeqs).toEqual(newest);
    const second = startAgent(server, { state: saved!, store: first.store });
    await online(second);
    expect(server.handshakes.at(-1)?.seen).toEqual(newest);
  });

  it('keeps its cursor across a restart, so that the replay brings only what came after it', async () => {
    const server = await startServer({ replay: true });
    const first = startAgent(server);
    await expect(first.core.whenSynced()).resolves.toEqual({ replayed: 0, seq: 0 });
    const before = alertFixture({ kind: 'notice' });
    server.sendAlert(before);
    await vi.waitFor(() => expect(server.reportsFor(before.id)).toEqual(['delivered', 'displayed']));
    await first.core.stop();
    const missed = alertFixture({ kind: 'notice' });
    server.sendAlert(missed);

    const saved = await first.store.load();
    expect(saved?.cursor).toBe(before.seq);
    const second = startAgent(server, { state: saved!, store: first.store });
    await expect(second.core.whenSynced()).resolves.toEqual({ replayed: 1, seq: missed.seq });
    expect(server.handshakes.at(-1)?.cursor).toBe(before.seq);
    await vi.waitFor(() => expect(second.presenter.displayed.map((a) => a.id)).toEqual([missed.id]));
    await vi.waitFor(async () => expect((await second.store.load())?.cursor).toBe(missed.seq));
  });

  it('reports a siren delivered, displayed and acknowledged, in that order, once the person acknowledges', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);

    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']));
    agent.presenter.acknowledge(siren.id);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    await vi.waitFor(() => expect(agent.core.pendingReports()).toEqual([]));
  });

  it('reports a notice delivered and displayed without waiting for an acknowledgement', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const notice = alertFixture({ kind: 'notice', severity: 'moderate' });
    server.sendAlert(notice);

    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']));
    expect(agent.presenter.isWaitingFor(notice.id)).toBe(false);
  });

  it('acknowledges a siren by itself with auto-acknowledge', async () => {
    const server = await startServer();
    const agent = startAgent(server, { autoAck: true });
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);

    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'acknowledged' }]);
  });

  it('shows and reports an alert delivered twice only once', async () => {
    const server = await startServer();
    const agent = startAgent(server, { autoAck: true });
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);
    server.sendAlert(siren);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    server.sendAlert(siren);
    const marker = alertFixture({ kind: 'notice' });
    server.sendAlert(marker);
    await vi.waitFor(() => expect(server.reportsFor(marker.id)).toEqual(['delivered', 'displayed']));

    expect(agent.presenter.displayed.map((a) => a.id)).toEqual([siren.id, marker.id]);
    expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']);
  });

  it('ignores an alert it finished with before a restart', async () => {
    const server = await startServer();
    const first = startAgent(server, { autoAck: true });
    await online(first);
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toHaveLength(3));
    await first.core.stop();

    const saved = await first.store.load();
    expect(saved?.seenAlertIds).toContain(siren.id);
    const second = startAgent(server, { autoAck: true, state: saved!, store: first.store });
    await online(second);
    server.sendAlert(siren);
    const marker = alertFixture({ kind: 'notice' });
    server.sendAlert(marker);
    await vi.waitFor(() => expect(second.presenter.displayed.map((a) => a.id)).toEqual([marker.id]));
    expect(server.reportsFor(siren.id)).toHaveLength(3);
  });

  it('saves the id of a finished alert at once, so that a crash does not bring it back', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    expect((await agent.store.load())?.seenAlertIds).not.toContain(siren.id);

    agent.presenter.acknowledge(siren.id);
    await vi.waitFor(async () => expect((await agent.store.load())?.seenAlertIds).toContain(siren.id));
  });

  it('neither shows nor reports an alert that has already expired', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const expired = alertFixture({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    server.sendAlert(expired);
    const marker = alertFixture({ kind: 'notice' });
    server.sendAlert(marker);

    await vi.waitFor(() => expect(server.reportsFor(marker.id)).toEqual(['delivered', 'displayed']));
    expect(agent.presenter.displayed.map((a) => a.id)).toEqual([marker.id]);
    expect(server.reportsFor(expired.id)).toEqual([]);
  });

  it('takes a siren off screen when it expires while waiting for acknowledgement', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const siren = alertFixture({ expiresAt: new Date(Date.now() + 300).toISOString() });
    server.sendAlert(siren);

    await vi.waitFor(() => expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'expired' }]));
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(false);
    expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']);
  });

  it('ignores an alert that fails validation', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    server.io.emit('alert:created', { ...alertFixture(), id: 'not-a-uuid' });
    const marker = alertFixture({ kind: 'notice' });
    server.sendAlert(marker);

    await vi.waitFor(() => expect(agent.presenter.displayed.map((a) => a.id)).toEqual([marker.id]));
    expect(server.reports.map((r) => r.alertId)).not.toContain('not-a-uuid');
  });

  it('resends a report that was lost with the connection once it reconnects', async () => {
    const server = await startServer({ answer: (_report, n) => (n === 1 ? 'no-answer' : { ok: true, data: { recorded: true } }) });
    const agent = startAgent(server);
    await online(agent);
    const notice = alertFixture({ kind: 'notice' });
    server.sendAlert(notice);
    // The first report (delivered) got no answer; the connection then fails.
    await vi.waitFor(() => expect(server.reports).toHaveLength(2));
    server.dropConnections();

    await vi.waitFor(() => expect(server.accepted).toBe(2), { timeout: 3000 });
    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed', 'delivered']));
    await vi.waitFor(() => expect(agent.core.pendingReports()).toEqual([]));
  });

  it('keeps a report whose answer timed out and sends it after the next connect', async () => {
    let answering = false;
    const server = await startServer({ answer: () => (answering ? { ok: true, data: { recorded: true } } : 'no-answer') });
    // Resends while connected wait a minute, so only the reconnect can bring the reports back.
    const agent = startAgent(server, {
      reportAckTimeoutMs: 100,
      backoff: { minMs: 60_000, maxMs: 60_000, jitter: 0 },
      socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 50 },
    });
    await online(agent);
    const notice = alertFixture({ kind: 'notice' });
    server.sendAlert(notice);
    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(agent.core.pendingReports().map((r) => r.state)).toEqual(['delivered', 'displayed']);

    answering = true;
    server.dropConnections();
    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed', 'delivered', 'displayed']), { timeout: 5000 });
    await vi.waitFor(() => expect(agent.core.pendingReports()).toEqual([]));
  });

  it('keeps a report the server could not record for now and sends it again', async () => {
    const server = await startServer({
      answer: (_report, n) => (n <= 2 ? { ok: false, error: { code: 50301, message: 'A backing service is unavailable; try again.' } } : { ok: true, data: { recorded: true } }),
    });
    const agent = startAgent(server);
    await online(agent);
    const notice = alertFixture({ kind: 'notice' });
    server.sendAlert(notice);

    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed', 'delivered', 'displayed']));
    await vi.waitFor(() => expect(agent.core.pendingReports()).toEqual([]));
  });

  it('drops a report the server rejects instead of retrying it', async () => {
    const server = await startServer({ answer: () => ({ ok: false, error: { code: 40002, message: 'The input failed validation.' } }) });
    const agent = startAgent(server);
    await online(agent);
    const notice = alertFixture({ kind: 'notice' });
    server.sendAlert(notice);
    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']));
    await vi.waitFor(() => expect(agent.core.pendingReports()).toEqual([]));

    server.dropConnections();
    await vi.waitFor(() => expect(server.accepted).toBe(2), { timeout: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']);
  });

  it('stops for good when the server refuses the handshake because the device is revoked', async () => {
    const server = await startServer({ refuse: () => 'DEVICE_REVOKED' });
    const agent = startAgent(server);

    await expect(agent.core.stopped).resolves.toEqual({ by: 'server', reason: 'DEVICE_REVOKED', code: 40303 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.handshakes).toHaveLength(1);
    expect(agent.statuses.at(-1)).toBe('stopped');
  });

  it('tries again with backoff after a handshake refused as temporarily unavailable', async () => {
    const server = await startServer({ refuse: (_auth, attempt) => (attempt <= 2 ? 'UNAVAILABLE' : undefined) });
    const agent = startAgent(server);

    await online(agent);
    expect(server.handshakes).toHaveLength(3);
    expect(server.accepted).toBe(1);
  });

  it('reconnects after the server ends the session for a transient reason', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    server.endSessions('SERVER_SHUTDOWN');

    await vi.waitFor(() => expect(server.accepted).toBe(2), { timeout: 3000 });
    await online(agent);
  });

  it('stops when the server ends the session because the device was revoked', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    server.endSessions('DEVICE_REVOKED');

    await expect(agent.core.stopped).resolves.toEqual({ by: 'server', reason: 'DEVICE_REVOKED', code: 40303 });
    expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'stopped' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.accepted).toBe(1);
  });

  it('reconnects by itself after the server was down', async () => {
    const server = await startServer();
    const agent = startAgent(server);
    await online(agent);
    const { port } = new URL(server.url);
    await server.close();
    await vi.waitFor(() => expect(agent.core.connected).toBe(false));

    const again = await FakeVarselServer.startOn(Number(port));
    cleanups.push(() => again.close());
    await vi.waitFor(() => expect(again.accepted).toBe(1), { timeout: 5000 });
  });
});

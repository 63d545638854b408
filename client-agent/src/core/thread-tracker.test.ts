import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Agent } from '../../test/agent-harness.js';
import { online, useAgents } from '../../test/agent-harness.js';
import type { FakeVarselServer } from '../../test/fake-varsel-server.js';
import { alertFixture, allClearOf, cancelOf, updateOf } from '../../test/fixtures.js';

const { startServer, startAgent, restartAgent } = useAgents();

const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Sends a notice and waits until it is shown: every message sent before it has been handled. */
async function settle(server: FakeVarselServer, agent: Agent): Promise<void> {
  const marker = alertFixture({ kind: 'notice', content: { da: { title: 'Markør', body: 'Markør.' } } });
  server.sendAlert(marker);
  await vi.waitFor(() => expect(agent.presenter.displayed.map((a) => a.id)).toContain(marker.id));
  await vi.waitFor(() => expect(server.reportsFor(marker.id)).toEqual(['delivered', 'displayed']));
}

async function connected(options: Parameters<typeof startAgent>[1] = {}): Promise<{ server: FakeVarselServer; agent: Agent }> {
  const server = await startServer();
  const agent = startAgent(server, options);
  await online(agent);
  return { server, agent };
}

describe('threads of alerts, updates and cancellations', () => {
  it('replaces the text of a waiting siren with its update, keeps it waiting, and reports the acknowledgement on the original', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    const update = updateOf(siren);
    server.sendAlert(update);

    await vi.waitFor(() => expect(agent.presenter.titleOf(siren.id)).toBe(update.content.da.title));
    await vi.waitFor(() => expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']));
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(true);
    expect(agent.presenter.sounding.has(siren.id)).toBe(true);
    expect(agent.presenter.displayed.map((a) => a.id)).toEqual([siren.id]);

    agent.presenter.acknowledge(siren.id);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']);
    expect(agent.presenter.sounding.size).toBe(0);
  });

  it('shows an update as the alert when its original has not arrived, and absorbs the original when it comes late', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    const update = updateOf(siren);
    server.sendAlert(update);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    expect(agent.presenter.displayed.map((a) => a.id)).toEqual([update.id]);

    server.sendAlert(siren);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']));
    expect(agent.presenter.titleOf(siren.id)).toBe(update.content.da.title);
    expect(agent.presenter.displayed).toHaveLength(1);
    expect(agent.presenter.updates).toEqual([]);

    agent.presenter.acknowledge(siren.id);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']);
  });

  it('keeps the newer text when an older update arrives after a newer one', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    const first = updateOf(siren, { content: { da: { title: 'Første opdatering', body: 'a' } } });
    const second = updateOf(siren, { content: { da: { title: 'Anden opdatering', body: 'b' } } });
    server.sendAlert(siren);
    server.sendAlert(second);
    server.sendAlert(first);
    await vi.waitFor(() => expect(server.reportsFor(first.id)).toEqual(['delivered', 'displayed']));

    expect(agent.presenter.titleOf(siren.id)).toBe('Anden opdatering');
    expect(agent.presenter.updates.map((a) => a.id)).toEqual([second.id]);
  });

  it('never shows or sounds an original that arrives after its cancellation, also after a restart', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    const cancel = cancelOf(siren);
    server.sendAlert(cancel);
    await vi.waitFor(() => expect(agent.presenter.closings.map((a) => a.id)).toEqual([cancel.id]));
    server.sendAlert(siren);
    await settle(server, agent);

    expect(agent.presenter.displayed.map((a) => a.id)).not.toContain(siren.id);
    expect(agent.presenter.sounding.size).toBe(0);
    expect(server.reportsFor(cancel.id)).toEqual(['delivered', 'displayed']);
    expect(server.reportsFor(siren.id)).toEqual(['delivered']);
    expect((await agent.store.load())?.closedThreadIds).toEqual([siren.id]);

    const again = await restartAgent(server, agent);
    await online(again);
    server.sendAlert(siren);
    server.sendAlert(updateOf(siren));
    await settle(server, again);
    expect(again.presenter.displayed.map((a) => a.id)).not.toContain(siren.id);
    expect(again.presenter.sounding.size).toBe(0);
  });

  it('stops a waiting siren at once when it is cancelled and shows the cancellation, with nothing left to acknowledge', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    const cancel = cancelOf(siren);
    server.sendAlert(cancel);

    await vi.waitFor(() => expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'cancelled' }]));
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(false);
    expect(agent.presenter.sounding.has(siren.id)).toBe(false);
    await vi.waitFor(() => expect(agent.presenter.closings.map((a) => a.id)).toEqual([cancel.id]));
    await vi.waitFor(() => expect(server.reportsFor(cancel.id)).toEqual(['delivered', 'displayed']));
    expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']);
  });

  it('stops the siren at an all-clear, takes the alert off screen and shows the all-clear quietly', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture({ repeatMinutes: 2 });
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.sounding.has(siren.id)).toBe(true));
    const allClear = allClearOf(siren);
    server.sendAlert(allClear);

    await vi.waitFor(() => expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'allclear' }]));
    expect(agent.presenter.sounding.has(siren.id)).toBe(false);
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(false);
    expect(agent.presenter.onScreen.has(siren.id)).toBe(false);
    await vi.waitFor(() => expect(agent.presenter.closings.map((a) => a.id)).toEqual([allClear.id]));
    server.sendRepeat(siren.id);
    await settle(server, agent);
    expect(agent.presenter.repeats).toEqual([]);
    expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']);
    expect(server.reportsFor(allClear.id)).toEqual(['delivered', 'displayed']);
  });

  it('sounds again on a repeat only a siren that is on screen, not acknowledged and active', async () => {
    const { server, agent } = await connected();
    const waiting = alertFixture({ repeatMinutes: 2 });
    const acknowledged = alertFixture({ repeatMinutes: 2 });
    const cancelled = alertFixture({ repeatMinutes: 2 });
    const notice = alertFixture({ kind: 'notice' });
    for (const alert of [waiting, acknowledged, cancelled, notice]) server.sendAlert(alert);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(acknowledged.id)).toBe(true));
    agent.presenter.acknowledge(acknowledged.id);
    server.sendAlert(cancelOf(cancelled));
    await vi.waitFor(() => expect(server.reportsFor(acknowledged.id)).toContain('acknowledged'));
    await settle(server, agent);

    const update = updateOf(waiting);
    server.sendAlert(update);
    for (const id of [waiting.id, acknowledged.id, cancelled.id, notice.id, randomUUID()]) server.sendRepeat(id);
    await settle(server, agent);

    expect(agent.presenter.repeats.map((a) => a.id)).toEqual([update.id]);
    expect(agent.presenter.sounding).toEqual(new Set([waiting.id]));
  });

  it('shows and reports nothing of a thread whose newest message has expired', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture({ expiresAt: inMs(-60_000) });
    const update = updateOf(siren, { expiresAt: inMs(-1000) });
    server.sendAlert(siren);
    server.sendAlert(update);
    server.sendAlert(cancelOf(siren, { expiresAt: inMs(-1000) }));
    await settle(server, agent);

    expect(agent.presenter.displayed.map((a) => a.id)).toHaveLength(1);
    expect(agent.presenter.closings).toEqual([]);
    expect(server.reports.filter((r) => r.alertId !== agent.presenter.displayed[0]!.id)).toEqual([]);
  });

  it('shows a thread whose original has expired when a newer update extends it', async () => {
    const { server, agent } = await connected();
    // A replay sends the original with its first expiry, then the update that moved it.
    const siren = alertFixture({ expiresAt: inMs(-60_000) });
    const update = updateOf(siren, { expiresAt: inMs(60 * 60_000) });
    server.sendAlert(siren);
    server.sendAlert(update);

    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    expect(agent.presenter.displayed.map((a) => a.id)).toEqual([update.id]);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']));
  });

  it('takes a waiting siren off screen at the expiry of its newest update', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    server.sendAlert(updateOf(siren, { expiresAt: inMs(300) }));

    await vi.waitFor(() => expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'expired' }]));
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(false);
    expect(agent.presenter.sounding.size).toBe(0);
  });

  it('shows an update of an acknowledged siren quietly, with nothing to acknowledge', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    agent.presenter.acknowledge(siren.id);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toContain('acknowledged'));
    const update = updateOf(siren);
    server.sendAlert(update);

    await vi.waitFor(() => expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']));
    expect(agent.presenter.updates.map((a) => a.id)).toEqual([update.id]);
    expect(agent.presenter.isWaitingFor(siren.id)).toBe(false);
    expect(agent.presenter.sounding.size).toBe(0);
  });

  it('shows a siren still waiting for acknowledgement again after a restart, with its newest text', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    const update = updateOf(siren);
    server.sendAlert(siren);
    server.sendAlert(update);
    await vi.waitFor(() => expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']));

    const again = await restartAgent(server, agent);
    expect(agent.presenter.dismissed).toEqual([{ alertId: siren.id, reason: 'stopped' }]);
    await vi.waitFor(() => expect(again.presenter.isWaitingFor(siren.id)).toBe(true));
    expect(again.presenter.displayed.map((a) => a.id)).toEqual([update.id]);
    await online(again);
    again.presenter.acknowledge(siren.id);

    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));
    expect(server.reportsFor(update.id)).toEqual(['delivered', 'displayed']);
    await vi.waitFor(async () => expect((await again.store.load())?.openSirens).toEqual([]));
  });

  it('does not sound again a siren that was cancelled while the agent was stopped', async () => {
    const server = await startServer({ replay: true });
    const agent = startAgent(server);
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(agent.presenter.isWaitingFor(siren.id)).toBe(true));
    await agent.core.stop();
    const cancel = cancelOf(siren);
    server.sendAlert(cancel);

    const again = await restartAgent(server, agent);
    await again.core.whenSynced();
    await settle(server, again);
    expect(again.presenter.displayed.map((a) => a.id)).not.toContain(siren.id);
    expect(again.presenter.closings.map((a) => a.id)).toEqual([cancel.id]);
    expect(again.presenter.sounding.size).toBe(0);
    await vi.waitFor(async () => expect((await again.store.load())?.openSirens).toEqual([]));
  });

  it('shows an unacknowledged siren again after a grace time when the server cannot be reached', async () => {
    const { server, agent } = await connected();
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed']));
    await agent.core.stop();
    await server.close();

    const saved = (await agent.store.load())!;
    const offline = startAgent(server, { state: saved, store: agent.store, openSirensGraceMs: 200 });
    await vi.waitFor(() => expect(offline.presenter.isWaitingFor(siren.id)).toBe(true));
    expect(offline.core.connected).toBe(false);
    offline.presenter.acknowledge(siren.id);
    await vi.waitFor(async () => expect((await offline.store.load())?.outbox).toEqual([{ alertId: siren.id, state: 'acknowledged' }]));
  });
});

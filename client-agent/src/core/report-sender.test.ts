import { describe, expect, it, vi } from 'vitest';
import type { AckResult } from '@varsel/shared';
import { online, useAgents } from '../../test/agent-harness.js';
import type { ReportAnswer } from '../../test/fake-varsel-server.js';
import { alertFixture } from '../../test/fixtures.js';

const { startServer, startAgent, restartAgent } = useAgents();

const recorded: AckResult<{ recorded: boolean }> = { ok: true, data: { recorded: true } };
const unavailable: ReportAnswer = { ok: false, error: { code: 50301, message: 'A backing service is unavailable; try again.' } };

describe('the durable outbox', () => {
  it.each([
    ['got no answer', 'no-answer' as const],
    ['was answered 50301 UNAVAILABLE', unavailable],
  ])('keeps a report that %s on disk and sends it after a restart until the server records it', async (_case, failure) => {
    let answering = false;
    const server = await startServer({ answer: () => (answering ? recorded : failure) });
    // Resends while connected wait a minute, so only the restart can bring the reports back.
    const agent = startAgent(server, { autoAck: true, reportAckTimeoutMs: 100, backoff: { minMs: 60_000, maxMs: 60_000, jitter: 0 } });
    await online(agent);
    const siren = alertFixture();
    server.sendAlert(siren);
    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged']));

    const again = await restartAgent(server, agent, { backoff: { minMs: 20, maxMs: 200, jitter: 0.5 } });
    const saved = (await agent.store.load())!;
    expect(saved.outbox).toEqual([
      { alertId: siren.id, state: 'delivered' },
      { alertId: siren.id, state: 'displayed' },
      { alertId: siren.id, state: 'acknowledged' },
    ]);
    expect(again.core.pendingReports()).toEqual(saved.outbox);
    answering = true;

    await vi.waitFor(() => expect(server.reportsFor(siren.id)).toEqual(['delivered', 'displayed', 'acknowledged', 'delivered', 'displayed', 'acknowledged']));
    await vi.waitFor(() => expect(again.core.pendingReports()).toEqual([]));
    await vi.waitFor(async () => expect((await again.store.load())?.outbox).toEqual([]));
    // The siren was finished before the restart: it is not shown again.
    expect(again.presenter.displayed).toEqual([]);
  });

  it('forgets a report the server rejects, also on disk', async () => {
    const server = await startServer({ answer: () => ({ ok: false, error: { code: 40002, message: 'The input failed validation.' } }) });
    const agent = startAgent(server);
    await online(agent);
    const notice = alertFixture({ kind: 'notice' });
    server.sendAlert(notice);
    await vi.waitFor(() => expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']));

    await vi.waitFor(async () => expect((await agent.store.load())?.outbox).toEqual([]));
    const again = await restartAgent(server, agent);
    await online(again);
    expect(again.core.pendingReports()).toEqual([]);
    expect(server.reportsFor(notice.id)).toEqual(['delivered', 'displayed']);
  });
});

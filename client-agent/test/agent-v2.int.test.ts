import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { AlertCounts, AlertView, EnrollResponse } from '@varsel/shared';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import type { AgentCoreOptions, AgentState, SyncInfo } from '../src/core/index.js';
import { AgentCore, MemoryStateStore, threadIdOf } from '../src/core/index.js';
import { stateFromEnrollment } from '../src/node/enroll.js';
import { RecordingPresenter } from './recording-presenter.js';

/** A real AgentCore in this process, with a presenter that records what a person would see. */
interface InProcessAgent {
  core: AgentCore;
  presenter: RecordingPresenter;
  store: MemoryStateStore;
  /** Every session:synced, in order. */
  syncs: SyncInfo[];
}

const UPDATE = { content: { da: { title: 'Strømsvigt: brug trapperne', body: 'Elevatorerne står stille; brug trapperne i østfløjen.' } } };
const SECOND = { ...SIREN, content: { da: { title: 'Røg i kælderen', body: 'Forlad bygningen ad nærmeste nødudgang.' } } };

describe('AgentCore (protocol 2) against a real server', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  let token: string;
  const running: AgentCore[] = [];

  // A Varsel of its own (its own key prefix) per test: one test's live alerts are not replayed in another.
  beforeEach(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    admin = await ApiClient.login(v.url);
    token = await createEnrollmentToken(admin, 'KIT');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((core) => core.stop()));
    await v.close();
  });

  function start(state: AgentState, store = new MemoryStateStore(state), extra: Partial<AgentCoreOptions> = {}): InProcessAgent {
    const presenter = new RecordingPresenter();
    const syncs: SyncInfo[] = [];
    const core = new AgentCore({
      state,
      store,
      presenter,
      agentVersion: '0.1.0-test',
      backoff: { minMs: 50, maxMs: 500, jitter: 0.5 },
      onSynced: (info) => syncs.push(info),
      ...extra,
    });
    running.push(core);
    core.start();
    return { core, presenter, store, syncs };
  }

  async function restart(agent: InProcessAgent): Promise<InProcessAgent> {
    const saved = await agent.store.load();
    if (saved === undefined) throw new Error('no saved state');
    return start(saved, agent.store);
  }

  const enroll = async (n: number): Promise<EnrollResponse[]> => enrollDevices(v.url, token, n);
  const stateOf = (device: EnrollResponse, i: number): AgentState => stateFromEnrollment(v.url, device, `pc-${i}`);

  async function counts(alertId: string): Promise<AlertCounts> {
    const view = await admin.request<AlertView>('GET', `/api/alerts/${alertId}`);
    expect(view.status).toBe(200);
    return view.body.counts;
  }

  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await admin.request<T>('POST', path, body);
    expect(res.status).toBe(201);
    return res.body;
  }

  it('updates, cancels and replays a thread for 20 agents, ten of them restarted in between, and counts every acknowledgement once', async () => {
    const devices = await enroll(20);
    let agents = devices.map((device, i) => start(stateOf(device, i)));
    await Promise.all(agents.map((a) => a.core.whenSynced()));

    // 1. A siren, then an update: every agent shows the new text and still waits for Kvittér.
    const siren = await post<AlertView>('/api/alerts', SIREN);
    await waitFor('every agent to show the siren', () => agents.every((a) => a.presenter.isWaitingFor(siren.id)));
    const update = await post<AlertView>(`/api/alerts/${siren.id}/updates`, UPDATE);
    expect(update.references).toBe(siren.id);
    await waitFor('every agent to show the update', () => agents.every((a) => a.presenter.titleOf(siren.id) === UPDATE.content.da.title));
    expect(agents.every((a) => a.presenter.isWaitingFor(siren.id) && a.presenter.sounding.has(siren.id))).toBe(true);
    expect(agents.every((a) => a.presenter.displayed.length === 1)).toBe(true);

    // The cursor a reconnecting agent sends is what it processed: with its reports confirmed, the
    // replay has nothing more for it.
    await waitFor('the first agent to have its reports confirmed', () => agents[0]!.core.pendingReports().length === 0);
    const serverSockets = () => [...v.app.io.of('/').sockets.values()].filter((socket) => socket.data.deviceId === devices[0]!.deviceId);
    serverSockets()[0]!.conn.close();
    await waitFor('the first agent to reconnect and sync', () => agents[0]!.syncs.length === 2);
    expect(serverSockets().map((socket) => socket.data.cursor)).toEqual([update.seq]);
    expect(agents[0]!.syncs[1]).toEqual({ replayed: 0, seq: update.seq });
    expect(agents[0]!.presenter.isWaitingFor(siren.id)).toBe(true);

    // 2. Five agents acknowledge the updated siren: on the original's id.
    for (const a of agents.slice(0, 5)) a.presenter.acknowledge(siren.id);
    await waitFor('five acknowledgements', async () => (await counts(siren.id)).acknowledged === 5);
    await waitFor('the update delivered and displayed everywhere', async () => {
      const c = await counts(update.id);
      return c.delivered === 20 && c.displayed === 20;
    });
    expect((await counts(update.id)).acknowledged).toBe(0);

    // 3. A repeat, as the server's repeat job broadcasts it: only the unacknowledged sound again.
    v.app.io.emit('alert:repeat', { alertId: siren.id });
    await waitFor('the repeat on the 15 unacknowledged agents', () => agents.slice(5).every((a) => a.presenter.repeats.length === 1));
    expect(agents.slice(0, 5).every((a) => a.presenter.repeats.length === 0)).toBe(true);

    // 4. Ten agents stop, their sirens still open; the siren is cancelled and a second one sent.
    const stopped = agents.slice(10);
    await Promise.all(stopped.map((a) => a.core.stop()));
    const cursorBefore = await Promise.all(stopped.map(async (a) => (await a.store.load())!.cursor));
    expect(new Set(cursorBefore)).toEqual(new Set([update.seq]));
    expect((await stopped[0]!.store.load())!.openSirens.map((s) => s.id)).toEqual([update.id]);
    const cancel = await post<AlertView>(`/api/alerts/${siren.id}/cancel`, {});
    const second = await post<AlertView>('/api/alerts', SECOND);
    const live = agents.slice(0, 10);
    await waitFor('the running agents to show the cancellation and the second siren', () =>
      live.every((a) => a.presenter.closings.some((c) => c.id === cancel.id) && a.presenter.isWaitingFor(second.id)),
    );
    for (const a of live.slice(5)) expect(a.presenter.dismissed).toContainEqual({ alertId: siren.id, reason: 'cancelled' });

    // 5. The ten restart over their saved state: the replay closes the first siren before it could
    //    sound again, and brings the second exactly once.
    const restarted = await Promise.all(stopped.map((a) => restart(a)));
    await Promise.all(restarted.map((a) => a.core.whenSynced()));
    await waitFor('the restarted agents to show the second siren', () => restarted.every((a) => a.presenter.isWaitingFor(second.id)));
    agents = [...live, ...restarted];
    for (const a of restarted) {
      expect(a.presenter.displayed.map((m) => threadIdOf(m))).toEqual([second.id]);
      expect(a.presenter.closings.map((m) => m.id)).toEqual([cancel.id]);
      expect(a.presenter.isWaitingFor(siren.id)).toBe(false);
      expect(a.presenter.sounding).toEqual(new Set([second.id]));
      expect(a.core.currentCursor()).toBe(second.seq);
    }
    for (const a of agents) {
      expect(a.presenter.onScreen.has(siren.id)).toBe(false);
      expect(a.presenter.displayed.filter((m) => m.id === second.id)).toHaveLength(1);
    }

    // 6. Everyone acknowledges the second siren; the counts are of devices, each once.
    for (const a of agents) a.presenter.acknowledge(second.id);
    await waitFor('20 acknowledgements of the second siren', async () => (await counts(second.id)).acknowledged === 20);
    await waitFor('every report of every agent confirmed', () => agents.every((a) => a.core.pendingReports().length === 0));
    expect(await counts(second.id)).toEqual({ targeted: 20, delivered: 20, displayed: 20, acknowledged: 20, expired: 0, cancelled: 0 });
    expect(await counts(cancel.id)).toEqual({ targeted: 20, delivered: 20, displayed: 20, acknowledged: 0, expired: 0, cancelled: 0 });
    expect(await counts(update.id)).toEqual({ targeted: 20, delivered: 20, displayed: 20, acknowledged: 0, expired: 0, cancelled: 0 });
    // Five acknowledged before the cancellation; the other fifteen are final as cancelled.
    expect(await counts(siren.id)).toEqual({ targeted: 20, delivered: 20, displayed: 20, acknowledged: 5, expired: 0, cancelled: 15 });
    const thread = (await admin.request<AlertView>('GET', `/api/alerts/${siren.id}`)).body;
    expect(thread.threadStatus).toBe('cancelled');
  });

  it('sends an acknowledgement given while the server was out of reach after the agent restarts', async () => {
    const [device] = await enroll(1);
    const agent = start(stateOf(device!, 0));
    await agent.core.whenSynced();
    const siren = await post<AlertView>('/api/alerts', SIREN);
    await waitFor('the siren', () => agent.presenter.isWaitingFor(siren.id));
    await waitFor('delivered and displayed confirmed', () => agent.core.pendingReports().length === 0);
    await agent.core.stop();

    // The same device, started where no server answers: the open siren comes back after the
    // grace time, and the person acknowledges it offline.
    const saved = (await agent.store.load())!;
    const unreachable = { ...saved, serverUrl: 'http://127.0.0.1:9' };
    const offline = start(unreachable, new MemoryStateStore(unreachable), { openSirensGraceMs: 100 });
    await waitFor('the siren shown again offline', () => offline.presenter.isWaitingFor(siren.id));
    offline.presenter.acknowledge(siren.id);
    await waitFor('the acknowledgement saved in the outbox', async () => {
      const outbox = (await offline.store.load())!.outbox;
      return outbox.length === 1 && outbox[0]!.alertId === siren.id && outbox[0]!.state === 'acknowledged';
    });
    await offline.core.stop();
    expect((await counts(siren.id)).acknowledged).toBe(0);

    const back = start({ ...(await offline.store.load())!, serverUrl: v.url });
    await waitFor('the acknowledgement to reach the server', async () => (await counts(siren.id)).acknowledged === 1);
    await waitFor('the outbox to empty', () => back.core.pendingReports().length === 0);
    expect(back.presenter.displayed).toEqual([]);
  });
});

import type { AckResult, AlertCounts, AlertView } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { ConsoleSocket } from './console-socket.js';
import type { ConsoleIo, WatchHandlers } from './console-socket.js';

type Listener = (...args: unknown[]) => void;
type Ack = (err: Error | null, result: AckResult<AlertView>) => void;

/** Stands in for a socket.io client: records emits, lets the test fire server events. */
class FakeIo {
  connected = false;
  active = true;
  readonly listeners = new Map<string, Listener[]>();
  readonly watches: { alertId: string; ack: Ack }[] = [];
  readonly unwatches: string[] = [];
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, payload: { alertId: string }): this {
    if (event === 'alert:unwatch') this.unwatches.push(payload.alertId);
    return this;
  }
  timeout(): { emit: (event: string, payload: { alertId: string }, ack: Ack) => void } {
    return { emit: (_event, payload, ack) => this.watches.push({ alertId: payload.alertId, ack }) };
  }
  connect(): this {
    return this;
  }
  disconnect(): this {
    this.connected = false;
    return this;
  }
  fire(event: string, ...args: unknown[]): void {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') this.connected = false;
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

const counts = (acknowledged: number): AlertCounts => ({ targeted: 10, delivered: 10, displayed: 10, acknowledged, expired: 0, cancelled: 0 });

function setup(): { io: FakeIo; socket: ConsoleSocket; unauthorized: () => number } {
  const io = new FakeIo();
  let calls = 0;
  const socket = new ConsoleSocket({ onUnauthorized: () => (calls += 1), connect: () => io as unknown as ConsoleIo });
  return { io, socket, unauthorized: () => calls };
}

/** Handlers that record what they are given. */
function handlers(): WatchHandlers & { views: AlertView[]; counts: AlertCounts[]; errors: number[] } {
  const views: AlertView[] = [];
  const counts: AlertCounts[] = [];
  const errors: number[] = [];
  return {
    views,
    counts,
    errors,
    onView: (view) => views.push(view),
    onCounts: (c) => counts.push(c),
    onError: (e) => errors.push(e.code),
  };
}

describe('ConsoleSocket', () => {
  it('watches an alert once connected, and again after every reconnect', () => {
    const { io, socket } = setup();
    const h = handlers();
    socket.watch('a1', h);
    expect(io.watches).toHaveLength(0);
    io.fire('connect');
    expect(io.watches.map((w) => w.alertId)).toEqual(['a1']);
    io.watches[0]?.ack(null, { ok: true, data: { id: 'a1' } as AlertView });
    expect(h.views).toEqual([{ id: 'a1' }]);
    io.fire('disconnect', 'transport close');
    io.fire('connect');
    expect(io.watches.map((w) => w.alertId)).toEqual(['a1', 'a1']);
  });

  it('passes counts only to the watchers of that alert', () => {
    const { io, socket } = setup();
    const first = handlers();
    const second = handlers();
    io.fire('connect');
    socket.watch('a1', first);
    socket.watch('a2', second);
    io.fire('alert:counts', { alertId: 'a2', counts: counts(3) });
    expect(first.counts).toEqual([]);
    expect(second.counts).toEqual([counts(3)]);
  });

  it('reports a refused or timed-out watch to its handlers', () => {
    const { io, socket } = setup();
    const h = handlers();
    io.fire('connect');
    socket.watch('a1', h);
    io.watches[0]?.ack(null, { ok: false, error: { code: 40402, message: 'No such alert.' } });
    io.watches[0]?.ack(new Error('operation has timed out'), undefined as unknown as AckResult<AlertView>);
    expect(h.errors).toEqual([40402, 50301]);
  });

  it('unwatches when the last page following an alert leaves', () => {
    const { io, socket } = setup();
    io.fire('connect');
    const stop = socket.watch('a1', handlers());
    stop();
    expect(io.unwatches).toEqual(['a1']);
    io.fire('alert:counts', { alertId: 'a1', counts: counts(1) });
    io.fire('connect');
    expect(io.watches).toHaveLength(1);
  });

  it('tells the app to log in again when the handshake is refused for want of a session', () => {
    const { io, unauthorized } = setup();
    io.active = false;
    io.fire('connect_error', Object.assign(new Error('unauthorized'), { data: { code: 40101 } }));
    expect(unauthorized()).toBe(1);
  });

  it('reports its status and announces new alerts', () => {
    const { io, socket } = setup();
    const statuses: string[] = [];
    const created: string[] = [];
    socket.onStatus((s) => statuses.push(s));
    socket.onCreated((a) => created.push(a.id));
    io.fire('connect');
    io.fire('alert:created', { id: 'new' });
    io.fire('disconnect', 'transport close');
    expect(statuses).toEqual(['connected', 'disconnected']);
    expect(created).toEqual(['new']);
    socket.close();
  });
});

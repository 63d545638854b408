import { describe, expect, it } from 'vitest';
import { AgentHandshakeSchema, HANDSHAKE_SEEN_MAX } from '@varsel/shared';
import { AgentWire, PONG, SEEN_MAX, ackTarget, decodeFrame, encodeAck, encodeConnect, encodeEvent, type WireAlert, type WireEvent } from '../src/wire/sio-frames.js';

const OPEN = '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
const creds = { deviceId: '7b0f1c2e-0000-4000-8000-000000000001', deviceSecret: 's'.repeat(43) };
const alert = (over: Partial<WireAlert> = {}): WireAlert => ({
  id: 'a1',
  seq: 17,
  kind: 'siren',
  msgType: 'alert',
  createdAt: '2026-11-22T14:00:00.000Z',
  expiresAt: '2026-11-22T18:00:00.000Z',
  ...over,
});
const created = (a: WireAlert): string => `42${JSON.stringify(['alert:created', a])}`;
const only = (events: WireEvent[]): WireEvent => {
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('decodeFrame', () => {
  it('reads the Engine.IO open packet, ping, pong and close', () => {
    expect(decodeFrame(OPEN)).toEqual({ kind: 'open', open: { sid: 'abc', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 } });
    expect(decodeFrame('2')).toEqual({ kind: 'ping' });
    expect(decodeFrame('3')).toEqual({ kind: 'pong' });
    expect(decodeFrame('1')).toEqual({ kind: 'close' });
  });

  it('reads Socket.IO connect, connect_error and disconnect, in the main namespace and another', () => {
    expect(decodeFrame('40{"sid":"x1"}')).toEqual({ kind: 'connect', nsp: '/', data: { sid: 'x1' } });
    expect(decodeFrame('40/console,{"sid":"x2"}')).toEqual({ kind: 'connect', nsp: '/console', data: { sid: 'x2' } });
    expect(decodeFrame('44{"message":"DEVICE_REVOKED","data":{"code":40303,"reason":"DEVICE_REVOKED"}}')).toEqual({
      kind: 'connect_error',
      nsp: '/',
      data: { message: 'DEVICE_REVOKED', data: { code: 40303, reason: 'DEVICE_REVOKED' } },
    });
    expect(decodeFrame('41')).toEqual({ kind: 'disconnect', nsp: '/' });
  });

  it('reads events with and without an ack id, and acks with their id', () => {
    expect(decodeFrame('42["session:synced",{"replayed":0,"seq":3}]')).toEqual({ kind: 'event', nsp: '/', id: undefined, name: 'session:synced', args: [{ replayed: 0, seq: 3 }] });
    expect(decodeFrame('4212["ping?",1,2]')).toEqual({ kind: 'event', nsp: '/', id: 12, name: 'ping?', args: [1, 2] });
    expect(decodeFrame('42/console,7["alert:watch",{}]')).toEqual({ kind: 'event', nsp: '/console', id: 7, name: 'alert:watch', args: [{}] });
    expect(decodeFrame('43105[{"ok":true,"data":{"recorded":false}}]')).toEqual({ kind: 'ack', nsp: '/', id: 105, args: [{ ok: true, data: { recorded: false } }] });
  });

  it('reports what it cannot use instead of throwing', () => {
    for (const raw of ['', 'x', '42not json', '42{"not":"an array"}', '43["no id"]', '451-["bin",{"_placeholder":true,"num":0}]', '0{}', '2probe']) {
      expect(decodeFrame(raw).kind, raw).toBe('unsupported');
    }
  });
});

describe('encoders', () => {
  it('write the frames of the Socket.IO protocol', () => {
    expect(encodeConnect()).toBe('40');
    expect(encodeConnect({ token: 't' })).toBe('40{"token":"t"}');
    expect(encodeConnect(undefined, '/console')).toBe('40/console,');
    expect(encodeEvent('alert:report', [{ alertId: 'a1', state: 'delivered' }])).toBe('42["alert:report",{"alertId":"a1","state":"delivered"}]');
    expect(encodeEvent('alert:report', [{ alertId: 'a1', state: 'delivered' }], 0)).toBe('420["alert:report",{"alertId":"a1","state":"delivered"}]');
    expect(encodeAck(12, [{ ok: true }])).toBe('4312[{"ok":true}]');
    expect(PONG).toBe('3');
  });

  it('round-trip through decodeFrame', () => {
    const args = [{ alertId: 'a,1', state: 'acknowledged', n: [1, 2] }];
    expect(decodeFrame(encodeEvent('alert:report', args, 42))).toEqual({ kind: 'event', nsp: '/', id: 42, name: 'alert:report', args });
    expect(decodeFrame(encodeEvent('x', [], undefined, '/console'))).toEqual({ kind: 'event', nsp: '/console', id: undefined, name: 'x', args: [] });
    expect(decodeFrame(encodeAck(3, ['y'], '/console'))).toEqual({ kind: 'ack', nsp: '/console', id: 3, args: ['y'] });
  });
});

describe('AgentWire', () => {
  it('answers the open packet with the protocol-2 handshake carrying its cursor, and every ping with a pong', () => {
    const wire = new AgentWire(creds, { cursor: 41 });
    const opened = wire.receive(OPEN, 0);
    expect(opened.send).toEqual([`40${JSON.stringify({ deviceId: creds.deviceId, secret: creds.deviceSecret, protocol: 2, cursor: 41 })}`]);
    expect(opened.events).toEqual([{ type: 'open', pingIntervalMs: 25000, pingTimeoutMs: 20000 }]);
    expect(wire.receive('40{"sid":"s1"}', 0)).toEqual({ send: [], events: [{ type: 'connected', sid: 's1' }] });
    expect(wire.receive('2', 0)).toEqual({ send: ['3'], events: [] });
  });

  it('tells a refusal by its reason and code', () => {
    const wire = new AgentWire(creds);
    wire.receive(OPEN, 0);
    expect(only(wire.receive('44{"message":"DEVICE_AUTH_FAILED","data":{"code":40103,"reason":"DEVICE_AUTH_FAILED"}}', 0).events)).toEqual({
      type: 'refused',
      reason: 'DEVICE_AUTH_FAILED',
      code: 40103,
    });
  });

  it('marks alerts replayed before session:synced and live after it, flags duplicates, and moves the cursor', () => {
    const wire = new AgentWire(creds);
    wire.receive(OPEN, 0);
    wire.receive('40{"sid":"s1"}', 0);
    expect(only(wire.receive(created(alert({ id: 'old', seq: 5 })), 0).events)).toMatchObject({ type: 'alert', live: false, duplicate: false });
    expect(only(wire.receive('42["session:synced",{"replayed":1,"seq":5}]', 0).events)).toEqual({ type: 'synced', replayed: 1, seq: 5 });
    expect(only(wire.receive(created(alert({ id: 'new', seq: 9 })), 0).events)).toMatchObject({ type: 'alert', live: true, duplicate: false, alert: { id: 'new' } });
    expect(only(wire.receive(created(alert({ id: 'old', seq: 5 })), 0).events)).toMatchObject({ type: 'alert', duplicate: true });
    expect(wire.cursor).toBe(9);
    expect(only(wire.receive('42["alert:repeat",{"alertId":"new"}]', 0).events)).toEqual({ type: 'repeat', alertId: 'new' });
    expect(only(wire.receive('42["session:ended",{"reason":"SERVER_SHUTDOWN"}]', 0).events)).toEqual({ type: 'ended', reason: 'SERVER_SHUTDOWN' });
  });

  it('lists the newest sequence numbers it received as seen in its next handshake, ascending and at most HANDSHAKE_SEEN_MAX', () => {
    expect(SEEN_MAX).toBe(HANDSHAKE_SEEN_MAX);
    const wire = new AgentWire(creds);
    wire.receive(OPEN, 0);
    wire.receive('40{"sid":"s1"}', 0);
    const seqs = Array.from({ length: SEEN_MAX + 3 }, (_, i) => i + 1);
    for (const seq of [...seqs].reverse()) wire.receive(created(alert({ id: `a${seq}`, seq })), 0);
    wire.receive(created(alert({ id: `a${seqs.length}`, seq: seqs.length })), 0);
    const handshake = JSON.parse(wire.receive(OPEN, 0).send[0]!.slice(2)) as Record<string, unknown>;
    expect(handshake.seen).toEqual(seqs.slice(-SEEN_MAX));
    expect(handshake.cursor).toBe(seqs.length);
    expect(AgentHandshakeSchema.safeParse(handshake).success).toBe(true);
  });

  it('numbers reports from 0 and matches each answer to its report, with the round trip time', () => {
    const wire = new AgentWire(creds);
    expect(wire.report('a1', 'delivered', 1000)).toBe('420["alert:report",{"alertId":"a1","state":"delivered"}]');
    expect(wire.report('a1', 'acknowledged', 1010)).toBe('421["alert:report",{"alertId":"a1","state":"acknowledged"}]');
    expect(wire.unanswered).toBe(2);
    expect(only(wire.receive('431[{"ok":true,"data":{"recorded":true}}]', 1050).events)).toEqual({
      type: 'report-answered',
      alertId: 'a1',
      state: 'acknowledged',
      rttMs: 40,
      ack: { ok: true, data: { recorded: true } },
    });
    expect(only(wire.receive('430[{"ok":false,"error":{"code":50301,"message":"x"}}]', 1100).events)).toMatchObject({ type: 'report-answered', state: 'delivered', ack: { ok: false } });
    expect(only(wire.receive('430[{"ok":true,"data":{"recorded":true}}]', 1100).events)).toMatchObject({ type: 'unexpected' });
    expect(wire.unanswered).toBe(0);
  });

  it('gives up on reports unanswered for longer than the timeout', () => {
    const wire = new AgentWire(creds);
    wire.report('a1', 'delivered', 0);
    wire.report('a2', 'delivered', 5000);
    expect(wire.takeTimedOut(10_000, 10_000)).toEqual([{ alertId: 'a1', state: 'delivered' }]);
    expect(wire.unanswered).toBe(1);
  });

  it('acknowledges the original of a thread', () => {
    expect(ackTarget(alert({ id: 'u1', msgType: 'update', references: 'a1' }))).toBe('a1');
    expect(ackTarget(alert())).toBe('a1');
  });
});

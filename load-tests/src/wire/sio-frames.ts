/**
 * The socket.io wire as a Varsel agent speaks it: Engine.IO 4 over a bare websocket
 * (`/socket.io/?EIO=4&transport=websocket`, one packet per websocket message) carrying Socket.IO 5
 * packets. Docs: https://socket.io/docs/v4/engine-io-protocol/ and .../socket-io-protocol/.
 *
 * No imports, no runtime APIs beyond ES2020: the k6 scripts (goja, no npm packages) and the Node
 * tests load this same file, so the tests check the framing k6 sends. The agent-side types below
 * restate the few fields of @varsel/shared's schemas that a load test reads, because k6 cannot
 * import npm packages; the integration test checks them against the real server.
 */

/** Engine.IO packet types: the first character of every websocket message. */
export const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' } as const;
/** Socket.IO packet types: the character after Engine.IO's `4` (message). */
export const SIO = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4', binaryEvent: '5', binaryAck: '6' } as const;

/** The answer to the server's ping. In Engine.IO 4 the server pings and the client must pong, or it is dropped. */
export const PONG = EIO.pong;

/** The payload of the Engine.IO open packet (`0{…}`). */
export interface EngineOpen {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** One decoded websocket message. `nsp` is `/` for the main namespace. */
export type Frame =
  | { kind: 'open'; open: EngineOpen }
  | { kind: 'close' }
  | { kind: 'ping' }
  | { kind: 'pong' }
  | { kind: 'noop' }
  | { kind: 'connect'; nsp: string; data: unknown }
  | { kind: 'disconnect'; nsp: string }
  | { kind: 'connect_error'; nsp: string; data: unknown }
  | { kind: 'event'; nsp: string; id: number | undefined; name: string; args: unknown[] }
  | { kind: 'ack'; nsp: string; id: number; args: unknown[] }
  | { kind: 'unsupported'; raw: string; why: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Decodes one websocket text message. Never throws: what this client cannot use comes back as `unsupported`. */
export function decodeFrame(raw: string): Frame {
  const unsupported = (why: string): Frame => ({ kind: 'unsupported', raw, why });
  switch (raw[0]) {
    case EIO.open: {
      const p = parseJson(raw.slice(1));
      if (!p.ok || !isObject(p.value) || typeof p.value.sid !== 'string') return unsupported('open packet without a JSON handshake');
      const v = p.value;
      return {
        kind: 'open',
        open: {
          sid: v.sid as string,
          upgrades: Array.isArray(v.upgrades) ? (v.upgrades as string[]) : [],
          pingInterval: Number(v.pingInterval),
          pingTimeout: Number(v.pingTimeout),
          maxPayload: Number(v.maxPayload),
        },
      };
    }
    case EIO.close:
      return { kind: 'close' };
    case EIO.ping:
      return raw === EIO.ping ? { kind: 'ping' } : unsupported('ping with a payload (probe) outside an upgrade');
    case EIO.pong:
      return { kind: 'pong' };
    case EIO.noop:
      return { kind: 'noop' };
    case EIO.message:
      return decodeSocketPacket(raw);
    case undefined:
      return unsupported('empty message');
    default:
      return unsupported('not an Engine.IO 4 packet');
  }
}

/** `4<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]` */
function decodeSocketPacket(raw: string): Frame {
  const unsupported = (why: string): Frame => ({ kind: 'unsupported', raw, why });
  const type = raw[1];
  if (type === SIO.binaryEvent || type === SIO.binaryAck) return unsupported('binary packets are not used by Varsel');
  let i = 2;
  let nsp = '/';
  if (raw[i] === '/') {
    const comma = raw.indexOf(',', i);
    nsp = comma < 0 ? raw.slice(i) : raw.slice(i, comma);
    i = comma < 0 ? raw.length : comma + 1;
  }
  let digits = '';
  while (i < raw.length && raw[i]! >= '0' && raw[i]! <= '9') digits += raw[i++];
  const id = digits === '' ? undefined : Number(digits);
  const body = raw.slice(i);
  const p = body === '' ? ({ ok: true, value: undefined } as const) : parseJson(body);
  if (!p.ok) return unsupported('payload is not JSON');
  switch (type) {
    case SIO.connect:
      return { kind: 'connect', nsp, data: p.value };
    case SIO.disconnect:
      return { kind: 'disconnect', nsp };
    case SIO.connectError:
      return { kind: 'connect_error', nsp, data: p.value };
    case SIO.event: {
      const args = p.value;
      if (!Array.isArray(args) || typeof args[0] !== 'string') return unsupported('event without a name');
      return { kind: 'event', nsp, id, name: args[0], args: args.slice(1) as unknown[] };
    }
    case SIO.ack:
      if (id === undefined || !Array.isArray(p.value)) return unsupported('ack without an id or arguments');
      return { kind: 'ack', nsp, id, args: p.value as unknown[] };
    case undefined:
      return unsupported('message packet without a type');
    default:
      return unsupported('unknown Socket.IO packet type');
  }
}

const nspPart = (nsp: string): string => (nsp === '/' ? '' : `${nsp},`);

/** Socket.IO CONNECT to a namespace, with the handshake `auth` object: `40{…}`. */
export function encodeConnect(auth?: object, nsp = '/'): string {
  return `${EIO.message}${SIO.connect}${nspPart(nsp)}${auth === undefined ? '' : JSON.stringify(auth)}`;
}

/** An event, asking for an acknowledgement when `ackId` is given: `42<ackId>["name",…]`. */
export function encodeEvent(name: string, args: readonly unknown[], ackId?: number, nsp = '/'): string {
  return `${EIO.message}${SIO.event}${nspPart(nsp)}${ackId ?? ''}${JSON.stringify([name, ...args])}`;
}

/** The answer to an event that asked for one: `43<ackId>[…]`. */
export function encodeAck(ackId: number, args: readonly unknown[], nsp = '/'): string {
  return `${EIO.message}${SIO.ack}${nspPart(nsp)}${ackId}${JSON.stringify(args)}`;
}

// ---- The Varsel agent protocol (docs/protocol.md, version 2) on this framing ----

/** The fields of an `alert:created` (AgentAlert) that a load test reads. */
export interface WireAlert {
  id: string;
  seq: number;
  kind: 'siren' | 'notice';
  msgType: 'alert' | 'update' | 'cancel';
  references?: string | undefined;
  createdAt: string;
  expiresAt: string;
}

export type ReportState = 'delivered' | 'displayed' | 'acknowledged';

/** The one shape of every socket acknowledgement. */
export type ReportAck = { ok: true; data: { recorded: boolean } } | { ok: false; error: { code: number; message: string } };

export interface AgentCredentials {
  deviceId: string;
  deviceSecret: string;
}

/** What one received message meant to the agent. */
export type WireEvent =
  | { type: 'open'; pingIntervalMs: number; pingTimeoutMs: number }
  | { type: 'connected'; sid: string }
  /** The handshake was refused: `reason` is a DISCONNECT_REASONS key, whose policy says whether to retry. */
  | { type: 'refused'; reason: string; code: number }
  /** `live`: broadcast after the session synced; otherwise replayed on connect. `duplicate`: already received (at least once). */
  | { type: 'alert'; alert: WireAlert; live: boolean; duplicate: boolean }
  | { type: 'synced'; replayed: number; seq: number }
  | { type: 'repeat'; alertId: string }
  | { type: 'ended'; reason: string }
  | { type: 'report-answered'; alertId: string; state: ReportState; rttMs: number; ack: ReportAck }
  | { type: 'disconnected' }
  | { type: 'unexpected'; raw: string; why: string };

interface PendingReport {
  alertId: string;
  state: ReportState;
  sentAt: number;
}

function isWireAlert(v: unknown): v is WireAlert {
  return isObject(v) && typeof v.id === 'string' && typeof v.seq === 'number' && typeof v.createdAt === 'string' && typeof v.kind === 'string';
}

function isReportAck(v: unknown): v is ReportAck {
  return isObject(v) && (v.ok === true ? isObject(v.data) : v.ok === false && isObject(v.error));
}

/** At most this many sequence numbers in the handshake's `seen`: HANDSHAKE_SEEN_MAX of @varsel/shared (no imports here). */
export const SEEN_MAX = 64;

/**
 * One agent's side of the wire, without I/O: feed it every websocket message with `receive` and
 * send what it returns. It answers pings, sends the handshake on open, deduplicates alerts by id,
 * keeps the cursor and the newest sequence numbers received (`seen`), and matches report
 * acknowledgements to their reports by ack id.
 */
export class AgentWire {
  /** The highest alert sequence number received. */
  cursor: number;
  /** The sequence numbers of the newest alerts received, ascending, at most SEEN_MAX: the handshake's `seen`. */
  readonly seenSeqs: number[] = [];
  private synced = false;
  private nextAckId = 0;
  private readonly seen = new Set<string>();
  private readonly pending = new Map<number, PendingReport>();

  constructor(
    private readonly creds: AgentCredentials,
    private readonly opts: { protocol?: number; cursor?: number; agentVersion?: string } = {},
  ) {
    this.cursor = opts.cursor ?? 0;
  }

  /** One websocket message in: what to send back, in order, and what happened. */
  receive(raw: string, now: number): { send: string[]; events: WireEvent[] } {
    const f = decodeFrame(raw);
    const send: string[] = [];
    const events: WireEvent[] = [];
    switch (f.kind) {
      case 'open':
        send.push(
          encodeConnect({
            deviceId: this.creds.deviceId,
            secret: this.creds.deviceSecret,
            protocol: this.opts.protocol ?? 2,
            cursor: this.cursor,
            ...(this.seenSeqs.length > 0 ? { seen: this.seenSeqs } : {}),
            ...(this.opts.agentVersion ? { agentVersion: this.opts.agentVersion } : {}),
          }),
        );
        events.push({ type: 'open', pingIntervalMs: f.open.pingInterval, pingTimeoutMs: f.open.pingTimeout });
        break;
      case 'ping':
        send.push(PONG);
        break;
      case 'pong':
      case 'noop':
        break;
      case 'close':
      case 'disconnect':
        events.push({ type: 'disconnected' });
        break;
      case 'connect':
        this.synced = false;
        events.push({ type: 'connected', sid: isObject(f.data) && typeof f.data.sid === 'string' ? f.data.sid : '' });
        break;
      case 'connect_error': {
        const data = isObject(f.data) && isObject(f.data.data) ? f.data.data : {};
        events.push({ type: 'refused', reason: typeof data.reason === 'string' ? data.reason : 'UNKNOWN', code: typeof data.code === 'number' ? data.code : 0 });
        break;
      }
      case 'event':
        events.push(this.event(f.name, f.args[0], raw));
        break;
      case 'ack': {
        const p = this.pending.get(f.id);
        if (!p) {
          events.push({ type: 'unexpected', raw, why: `ack ${f.id} answers no pending report` });
          break;
        }
        this.pending.delete(f.id);
        const ack = f.args[0];
        if (!isReportAck(ack)) events.push({ type: 'unexpected', raw, why: 'ack is not { ok, data | error }' });
        else events.push({ type: 'report-answered', alertId: p.alertId, state: p.state, rttMs: now - p.sentAt, ack });
        break;
      }
      case 'unsupported':
        events.push({ type: 'unexpected', raw, why: f.why });
        break;
    }
    return { send, events };
  }

  /** Keeps `seq` among the newest SEEN_MAX received (ascending), as the PC agent does. */
  private noteSeen(seq: number): void {
    const s = this.seenSeqs;
    if (seq <= 0 || s.includes(seq)) return;
    let i = s.length;
    while (i > 0 && s[i - 1]! > seq) i--;
    s.splice(i, 0, seq);
    if (s.length > SEEN_MAX) s.shift();
  }

  private event(name: string, payload: unknown, raw: string): WireEvent {
    switch (name) {
      case 'alert:created': {
        if (!isWireAlert(payload)) return { type: 'unexpected', raw, why: 'alert:created without id, seq, kind and createdAt' };
        const duplicate = this.seen.has(payload.id);
        this.seen.add(payload.id);
        if (payload.seq > this.cursor) this.cursor = payload.seq;
        if (!duplicate) this.noteSeen(payload.seq);
        return { type: 'alert', alert: payload, live: this.synced, duplicate };
      }
      case 'session:synced': {
        this.synced = true;
        const p = isObject(payload) ? payload : {};
        return { type: 'synced', replayed: Number(p.replayed ?? 0), seq: Number(p.seq ?? 0) };
      }
      case 'alert:repeat':
        return { type: 'repeat', alertId: isObject(payload) && typeof payload.alertId === 'string' ? payload.alertId : '' };
      case 'session:ended':
        return { type: 'ended', reason: isObject(payload) && typeof payload.reason === 'string' ? payload.reason : 'UNKNOWN' };
      default:
        return { type: 'unexpected', raw, why: `unknown event ${name}` };
    }
  }

  /** The frame of an `alert:report` that asks for an acknowledgement; its answer comes back as `report-answered`. */
  report(alertId: string, state: ReportState, now: number): string {
    const id = this.nextAckId++;
    this.pending.set(id, { alertId, state, sentAt: now });
    return encodeEvent('alert:report', [{ alertId, state }], id);
  }

  /** Reports sent and not yet answered. */
  get unanswered(): number {
    return this.pending.size;
  }

  /** Forgets, and returns, the reports unanswered for longer than `timeoutMs` (the agent would resend them). */
  takeTimedOut(now: number, timeoutMs: number): { alertId: string; state: ReportState }[] {
    const out: { alertId: string; state: ReportState }[] = [];
    for (const [id, p] of this.pending) {
      if (now - p.sentAt < timeoutMs) continue;
      this.pending.delete(id);
      out.push({ alertId: p.alertId, state: p.state });
    }
    return out;
  }
}

/** The alert id an acknowledgement names: always the thread's original (protocol §5). */
export function ackTarget(a: WireAlert): string {
  return a.references ?? a.id;
}

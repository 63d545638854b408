import { createHash, randomFillSync } from 'node:crypto';

/**
 * The client side of RFC 6455 websocket framing, without I/O: what the benchmark's lean agents
 * need to speak Engine.IO over a plain TCP socket. Client frames are masked (§5.3); server frames
 * must not be. No extensions are negotiated, so the RSV bits must be zero.
 */

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** RFC 6455 §1.3: the GUID the server appends to Sec-WebSocket-Key before hashing. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer to `key`. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
}

// 16 KiB of random bytes, cut into masking keys and handshake keys and refilled when used up:
// one randomFillSync per 4,096 frames or 1,024 connections instead of one each (a call costs tens
// of microseconds here, and a reconnect storm is tens of thousands of connections).
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function nextRandom(n: number): Buffer {
  if (randomAt + n > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(16_384));
    randomAt = 0;
  }
  const bytes = randomPool.subarray(randomAt, randomAt + n);
  randomAt += n;
  return bytes;
}

function nextMaskKey(): Buffer {
  return nextRandom(4);
}

/** A Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1). */
export function newHandshakeKey(): string {
  return nextRandom(16).toString('base64');
}

/** One complete, masked client frame (FIN set). `mask` is for tests; by default a random key. */
export function encodeClientFrame(opcode: number, payload: string | Buffer, mask: Uint8Array = nextMaskKey()): Buffer {
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  for (let k = 0; k < 4; k++) out[head + k] = mask[k] ?? 0;
  const start = head + 4;
  if (typeof payload === 'string') out.write(payload, start, 'utf8');
  else payload.copy(out, start);
  for (let k = 0; k < len; k++) out[start + k] = (out[start + k] as number) ^ (mask[k & 3] as number);
  return out;
}

/** The payload of a close frame: a status code and an optional reason (§5.5.1). */
export function closePayload(code: number, reason = ''): Buffer {
  const b = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2, 'utf8');
  return b;
}

export type ServerMessage =
  | { kind: 'text'; text: string }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong' }
  | { kind: 'close'; code: number | undefined; reason: string };

export class WsProtocolError extends Error {
  override name = 'WsProtocolError';
}

/**
 * Reads server frames from TCP chunks: `push` a chunk, get the complete messages it finished
 * (fragmented text messages are joined). Throws WsProtocolError on anything a conforming server
 * never sends (masked frames, RSV bits, binary data for this text-only protocol, oversized
 * messages, fragmented control frames); the caller then closes the connection.
 */
export class FrameReader {
  private buf: Buffer | null = null;
  private fragments: Buffer[] | null = null;
  private fragmentBytes = 0;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): ServerMessage[] {
    let buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    const out: ServerMessage[] = [];
    for (;;) {
      if (buf.length < 2) break;
      const b0 = buf[0] as number;
      const b1 = buf[1] as number;
      if ((b0 & 0x70) !== 0) throw new WsProtocolError('RSV bits set without a negotiated extension');
      if ((b1 & 0x80) !== 0) throw new WsProtocolError('the server masked a frame');
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(this.maxMessageBytes)) throw new WsProtocolError(`a frame of ${big} bytes exceeds ${this.maxMessageBytes}`);
        len = Number(big);
        at = 10;
      }
      if (len > this.maxMessageBytes) throw new WsProtocolError(`a frame of ${len} bytes exceeds ${this.maxMessageBytes}`);
      if (buf.length < at + len) break;
      const payload = buf.subarray(at, at + len);
      buf = buf.subarray(at + len);
      const msg = this.frame(fin, opcode, payload);
      if (msg) out.push(msg);
    }
    // Keep only the unfinished frame; copy it so the chunk it came in can be collected.
    this.buf = buf.length === 0 ? null : Buffer.from(buf);
    return out;
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): ServerMessage | undefined {
    if (opcode >= 0x8) {
      if (!fin) throw new WsProtocolError('fragmented control frame');
      if (payload.length > 125) throw new WsProtocolError('control frame longer than 125 bytes');
      if (opcode === OPCODE.ping) return { kind: 'ping', payload: Buffer.from(payload) };
      if (opcode === OPCODE.pong) return { kind: 'pong' };
      if (opcode === OPCODE.close) {
        return payload.length >= 2 ? { kind: 'close', code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') } : { kind: 'close', code: undefined, reason: '' };
      }
      throw new WsProtocolError(`reserved control opcode ${opcode}`);
    }
    if (opcode === OPCODE.binary) throw new WsProtocolError('binary message (the agent protocol is text only)');
    if (opcode === OPCODE.text) {
      if (this.fragments !== null) throw new WsProtocolError('new message before the fragmented one ended');
      if (fin) return { kind: 'text', text: payload.toString('utf8') };
      this.fragments = [Buffer.from(payload)];
      this.fragmentBytes = payload.length;
      return undefined;
    }
    if (opcode === OPCODE.continuation) {
      if (this.fragments === null) throw new WsProtocolError('continuation frame without a message');
      this.fragmentBytes += payload.length;
      if (this.fragmentBytes > this.maxMessageBytes) throw new WsProtocolError(`a message of over ${this.maxMessageBytes} bytes`);
      this.fragments.push(Buffer.from(payload));
      if (!fin) return undefined;
      const text = Buffer.concat(this.fragments).toString('utf8');
      this.fragments = null;
      return { kind: 'text', text };
    }
    throw new WsProtocolError(`reserved data opcode ${opcode}`);
  }
}

/** The parsed head of the server's answer to the upgrade request. */
export interface UpgradeAnswer {
  status: number;
  headers: Map<string, string>;
  /** Bytes after the head: the first frames, if the server sent them at once. */
  rest: Buffer;
}

/** Splits the HTTP head off `buf`; undefined while it is incomplete. Throws when it is malformed. */
export function parseUpgradeAnswer(buf: Buffer): UpgradeAnswer | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new WsProtocolError(`not an HTTP/1.1 answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), headers, rest: buf.subarray(end + 4) };
}

/** Why an upgrade answer does not open a websocket for `key`; undefined when it does. */
export function upgradeProblem(a: UpgradeAnswer, key: string): string | undefined {
  if (a.status !== 101) return `HTTP ${a.status}`;
  if ((a.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') return 'no Upgrade: websocket';
  if (!(a.headers.get('connection') ?? '').toLowerCase().split(/\s*,\s*/).includes('upgrade')) return 'no Connection: Upgrade';
  if (a.headers.get('sec-websocket-accept') !== acceptFor(key)) return 'wrong Sec-WebSocket-Accept';
  if (a.headers.has('sec-websocket-extensions')) return 'an extension was not asked for';
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { FrameReader, OPCODE, WsProtocolError, acceptFor, closePayload, encodeClientFrame, newHandshakeKey, parseUpgradeAnswer, upgradeProblem } from './ws-frames.js';

/** A server frame (never masked), for feeding the reader. */
function serverFrame(opcode: number, payload: Buffer | string, fin = true, rsv = 0): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = body.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65_536 ? Buffer.from([0, 126, len >> 8, len & 0xff]) : Buffer.alloc(10);
  if (len >= 65_536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  return Buffer.concat([head, body]);
}

/** Undoes the client's masking: what a server reads. */
function unmask(frame: Buffer): { fin: boolean; opcode: number; payload: Buffer } {
  expect(frame[1]! & 0x80).toBe(0x80);
  let len = frame[1]! & 0x7f;
  let at = 2;
  if (len === 126) {
    len = frame.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    len = Number(frame.readBigUInt64BE(2));
    at = 10;
  }
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4, at + 4 + len));
  for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ mask[i & 3]!;
  expect(frame.length).toBe(at + 4 + len);
  return { fin: (frame[0]! & 0x80) !== 0, opcode: frame[0]! & 0x0f, payload };
}

describe('client frames', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 70_000])('masks a text frame of %i bytes so that the server reads it back', (n) => {
    const text = 'æ'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);
    const frame = encodeClientFrame(OPCODE.text, text);
    const read = unmask(frame);
    expect(read).toMatchObject({ fin: true, opcode: OPCODE.text });
    expect(read.payload.toString('utf8')).toBe(text);
  });

  it('uses the given masking key, and a fresh one for every frame by default', () => {
    const frame = encodeClientFrame(OPCODE.text, 'ab', Uint8Array.from([1, 2, 3, 4]));
    expect([...frame]).toEqual([0x81, 0x82, 1, 2, 3, 4, 'a'.charCodeAt(0) ^ 1, 'b'.charCodeAt(0) ^ 2]);
    const keys = new Set(Array.from({ length: 50 }, () => encodeClientFrame(OPCODE.text, 'x').subarray(2, 6).toString('hex')));
    expect(keys.size).toBeGreaterThan(45);
  });

  it('carries a close code and reason', () => {
    const read = unmask(encodeClientFrame(OPCODE.close, closePayload(1000, 'bye')));
    expect(read.opcode).toBe(OPCODE.close);
    expect(read.payload.readUInt16BE(0)).toBe(1000);
    expect(read.payload.subarray(2).toString()).toBe('bye');
  });
});

describe('reading server frames', () => {
  it('reads messages split at every byte, and several in one chunk', () => {
    const bytes = Buffer.concat([serverFrame(OPCODE.text, '2'), serverFrame(OPCODE.text, '42["alert:created",{"id":"a"}]'), serverFrame(OPCODE.text, 'x'.repeat(300))]);
    const r = new FrameReader(1_000_000);
    const got = [...bytes].flatMap((b) => r.push(Buffer.from([b])));
    expect(got).toEqual([
      { kind: 'text', text: '2' },
      { kind: 'text', text: '42["alert:created",{"id":"a"}]' },
      { kind: 'text', text: 'x'.repeat(300) },
    ]);
    expect(new FrameReader(1_000_000).push(bytes)).toHaveLength(3);
  });

  it('reads 16- and 64-bit lengths', () => {
    const r = new FrameReader(1_000_000);
    expect(r.push(serverFrame(OPCODE.text, 'y'.repeat(70_000)))).toEqual([{ kind: 'text', text: 'y'.repeat(70_000) }]);
    expect(r.push(serverFrame(OPCODE.text, 'z'.repeat(200)))).toEqual([{ kind: 'text', text: 'z'.repeat(200) }]);
  });

  it('joins a fragmented message, with a ping between its fragments', () => {
    const r = new FrameReader(1_000_000);
    const got = r.push(Buffer.concat([serverFrame(OPCODE.text, 'hel', false), serverFrame(OPCODE.ping, 'p'), serverFrame(OPCODE.continuation, 'lo', false), serverFrame(OPCODE.continuation, '!')]));
    expect(got).toEqual([
      { kind: 'ping', payload: Buffer.from('p') },
      { kind: 'text', text: 'hello!' },
    ]);
  });

  it('reads close frames with and without a code', () => {
    expect(new FrameReader(100).push(serverFrame(OPCODE.close, closePayload(1001, 'going away')))).toEqual([{ kind: 'close', code: 1001, reason: 'going away' }]);
    expect(new FrameReader(100).push(serverFrame(OPCODE.close, ''))).toEqual([{ kind: 'close', code: undefined, reason: '' }]);
    expect(new FrameReader(100).push(serverFrame(OPCODE.pong, ''))).toEqual([{ kind: 'pong' }]);
  });

  it.each([
    ['a masked frame', Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x41])],
    ['RSV bits without an extension', serverFrame(OPCODE.text, 'a', true, 0x40)],
    ['a binary message', serverFrame(OPCODE.binary, 'a')],
    ['a continuation without a message', serverFrame(OPCODE.continuation, 'a')],
    ['a new message inside a fragmented one', Buffer.concat([serverFrame(OPCODE.text, 'a', false), serverFrame(OPCODE.text, 'b')])],
    ['a fragmented control frame', serverFrame(OPCODE.ping, 'a', false)],
    ['a reserved opcode', serverFrame(0x3, 'a')],
    ['a frame over the limit', serverFrame(OPCODE.text, 'x'.repeat(101))],
    ['a 64-bit length over the limit', Buffer.from([0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0])],
  ])('refuses %s', (_what, bytes) => {
    expect(() => new FrameReader(100).push(bytes)).toThrow(WsProtocolError);
  });

  it('refuses fragments that add up to more than the limit', () => {
    const r = new FrameReader(100);
    r.push(serverFrame(OPCODE.text, 'x'.repeat(60), false));
    expect(() => r.push(serverFrame(OPCODE.continuation, 'x'.repeat(60)))).toThrow(WsProtocolError);
  });
});

describe('the handshake key', () => {
  it('is 16 bytes in base64, a different one each time, also across refills of the random pool', () => {
    const keys = Array.from({ length: 3000 }, () => newHandshakeKey());
    expect(keys.every((k) => /^[A-Za-z0-9+/]{22}==$/.test(k) && Buffer.from(k, 'base64').length === 16)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the upgrade answer', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const answer = (head: string, rest = ''): Buffer => Buffer.from(`${head}\r\n\r\n${rest}`, 'latin1');

  it("accepts RFC 6455's own example, keeping the bytes after the head", () => {
    expect(acceptFor(key)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const a = parseUpgradeAnswer(answer('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', '\x81\x012'));
    expect(a).toBeDefined();
    expect(upgradeProblem(a!, key)).toBeUndefined();
    expect([...a!.rest]).toEqual([0x81, 0x01, 0x32]);
  });

  it('waits for the whole head', () => {
    expect(parseUpgradeAnswer(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'))).toBeUndefined();
  });

  it.each([
    ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0', 'HTTP 400'],
    ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope', 'wrong Sec-WebSocket-Accept'],
    ['HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'no Upgrade: websocket'],
    ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'no Connection: Upgrade'],
  ])('names what is wrong with %j', (head, problem) => {
    expect(upgradeProblem(parseUpgradeAnswer(answer(head))!, key)).toBe(problem);
  });

  it('refuses what is not HTTP/1.1', () => {
    expect(() => parseUpgradeAnswer(answer('SSH-2.0-OpenSSH_9.2'))).toThrow(WsProtocolError);
  });
});

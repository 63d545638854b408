import net from 'node:net';
import { FrameReader, OPCODE, WsProtocolError, closePayload, encodeClientFrame, newHandshakeKey, parseUpgradeAnswer, upgradeProblem } from './ws-frames.js';

export interface WsTarget {
  host: string;
  port: number;
  /** Path and query of the upgrade request, e.g. `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
}

export interface WsClientOptions extends WsTarget {
  /** Source address of the TCP connection (a loopback alias such as 127.0.0.2). */
  localAddress?: string | undefined;
  /** Local port of the TCP connection; without one the kernel picks it. */
  localPort?: number | undefined;
  /** The websocket must be open this long after the connection started, else it is closed with `timeout` or `upgrade timeout`. */
  openTimeoutMs: number;
  /** Longest message accepted (Engine.IO's maxPayload is 1,000,000 bytes). */
  maxMessageBytes?: number;
}

export interface WsHandlers {
  open(): void;
  text(text: string): void;
  /**
   * Called once, when the connection is gone for whatever reason: `ECONNREFUSED`, `timeout`, `upgrade timeout`,
   * `HTTP 503`, `server closed (1000)`, `transport close` (the TCP connection ended without a
   * close frame), `protocol error: …`, or `client close` after close().
   */
  closed(reason: string, wasOpen: boolean): void;
}

// 1 MB: Engine.IO's default maxPayload.
const DEFAULT_MAX_MESSAGE = 1_000_000;
// 8 KiB: far more than the few headers of a 101 answer.
const MAX_HEAD_BYTES = 8192;
// 2 s: how long a closing connection waits for the server's close frame before the socket is destroyed.
const CLOSE_GRACE_MS = 2000;

/**
 * A minimal websocket client (RFC 6455) over one TCP socket: an HTTP/1.1 upgrade, masked text
 * frames out, text, ping, pong and close frames in. It is the transport of the benchmark's
 * simulated agents, which must hold 15,000 connections in one process: per connection it keeps a
 * net.Socket and this object, instead of the layers of a general client. No extensions, no
 * binary messages, no redirects.
 */
export class WsClient {
  private readonly socket: net.Socket;
  private readonly key = newHandshakeKey();
  private readonly reader: FrameReader;
  private head: Buffer | null = Buffer.alloc(0);
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  private openTimer: NodeJS.Timeout | undefined;
  private endReason: string | undefined;

  constructor(
    private readonly opts: WsClientOptions,
    private readonly on: WsHandlers,
  ) {
    this.reader = new FrameReader(opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE);
    this.socket = net.connect({
      host: opts.host,
      port: opts.port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      ...(opts.localPort ? { localPort: opts.localPort } : {}),
    });
    this.socket.setNoDelay(true);
    // `timeout`: the TCP connection was never accepted (the server's backlog was full and dropped
    // the SYNs); `upgrade timeout`: it was, but the 101 answer did not come in time.
    this.openTimer = setTimeout(() => this.fail(this.socket.connecting ? 'timeout' : 'upgrade timeout'), opts.openTimeoutMs);
    this.socket.once('connect', () => {
      this.socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.endReason ??= err.code ?? err.message;
    });
    this.socket.once('close', () => this.finish(this.endReason ?? 'transport close'));
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends one text message; false when the websocket is not open (nothing is sent then). */
  send(text: string): boolean {
    if (this.state !== 'open') return false;
    this.socket.write(encodeClientFrame(OPCODE.text, text));
    return true;
  }

  /** Starts the closing handshake (close frame 1000); the socket is destroyed if the server does not answer. */
  close(): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    this.endReason ??= 'client close';
    if (this.state === 'open') {
      this.state = 'closing';
      this.socket.write(encodeClientFrame(OPCODE.close, closePayload(1000)));
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    try {
      if (this.head !== null) {
        this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
        const answer = parseUpgradeAnswer(this.head);
        if (!answer) {
          if (this.head.length > MAX_HEAD_BYTES) throw new WsProtocolError('upgrade answer head too long');
          return;
        }
        this.head = null;
        const problem = upgradeProblem(answer, this.key);
        if (problem) {
          this.fail(problem);
          return;
        }
        clearTimeout(this.openTimer);
        this.state = 'open';
        this.on.open();
        if (answer.rest.length === 0) return;
        chunk = answer.rest;
      }
      for (const m of this.reader.push(chunk)) {
        if (this.state === 'closed') return;
        switch (m.kind) {
          case 'text':
            if (this.state === 'open') this.on.text(m.text);
            break;
          case 'ping':
            if (this.state === 'open') this.socket.write(encodeClientFrame(OPCODE.pong, m.payload));
            break;
          case 'pong':
            break;
          case 'close':
            this.endReason ??= `server closed (${m.code ?? 'no code'})`;
            if (this.state === 'open') this.socket.write(encodeClientFrame(OPCODE.close, m.code === undefined ? Buffer.alloc(0) : closePayload(m.code)));
            this.state = 'closing';
            this.socket.end();
            return;
        }
      }
    } catch (err) {
      if (!(err instanceof WsProtocolError)) throw err;
      this.fail(`protocol error: ${err.message}`);
    }
  }

  private fail(reason: string): void {
    this.endReason ??= reason;
    this.socket.destroy();
  }

  private finish(reason: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state !== 'connecting';
    this.state = 'closed';
    clearTimeout(this.openTimer);
    this.on.closed(reason, wasOpen);
  }
}

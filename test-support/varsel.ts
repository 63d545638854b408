import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  type AgentAlert,
  type AgentClientToServer,
  type AgentServerToClient,
  type AckResult,
  type EnrollResponse,
  type ReportedState,
} from '@varsel/shared';
import { ConfigSchema, type ProcessRole } from '../server/src/config.js';
import { createApp, type VarselApp } from '../server/src/app.js';
import { createLogger } from '../server/src/log.js';

export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

export interface TestVarsel {
  app: VarselApp;
  /** http://127.0.0.1:port for an edge; '' for a worker. */
  url: string;
  /** Where this process serves Prometheus metrics: `${url}/metrics` for an edge, a server of its own for a worker. */
  metricsUrl: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A fresh key prefix per test, so tests never see each other's data. */
export function testPrefix(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

/** Starts a Varsel process role in this process on port 0 against the given Redis and prefix. */
export async function startVarsel(opts: {
  redisUrl: string;
  prefix: string;
  role?: ProcessRole;
  env?: Record<string, string>;
  /** The edge's port; by default a free one. */
  port?: number;
}): Promise<TestVarsel> {
  const config = ConfigSchema.parse({
    REDIS_PREFIX: opts.prefix,
    VARSEL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: process.env.VARSEL_TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  const role = opts.role ?? 'all';
  const app = await createApp({ config, log: createLogger(config, { role }), redisUrl: opts.redisUrl, role });
  const listen = async (server: Server, port = 0): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const url = app.httpServer ? await listen(app.httpServer, opts.port) : '';
  const metricsUrl = app.metricsServer ? `${await listen(app.metricsServer)}/metrics` : `${url}/metrics`;
  const close = (): Promise<void> => app.close();
  return { app, url, metricsUrl, close, [Symbol.asyncDispose]: close };
}

/** A logged-in HTTP client (cookie jar of one cookie). */
export class ApiClient {
  private cookie = '';
  constructor(readonly baseUrl: string) {}

  static async login(baseUrl: string, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<ApiClient> {
    const c = new ApiClient(baseUrl);
    const res = await c.request('POST', '/api/session', { username, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return c;
  }

  get sessionCookie(): string {
    return this.cookie;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

export async function createEnrollmentToken(api: ApiClient, orgUnit = 'KIT', maxUses = 10_000): Promise<string> {
  const res = await api.request<{ token: string }>('POST', '/api/enrollment-tokens', { label: 'test', orgUnit, maxUses });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

export async function enrollDevices(baseUrl: string, token: string, n: number, orgUnit?: string): Promise<EnrollResponse[]> {
  const out: EnrollResponse[] = [];
  // 20 at a time: quick, and gentle on the argon2-free enrollment path.
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async (_, j) => {
        const res = await fetch(`${baseUrl}/api/devices/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, platform: 'linux', hostname: `pc-${i + j}`, ...(orgUnit ? { orgUnit } : {}) }),
        });
        if (res.status !== 201) throw new Error(`enroll failed: ${res.status} ${await res.text()}`);
        return (await res.json()) as EnrollResponse;
      }),
    );
    out.push(...batch);
  }
  return out;
}

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

/** A simulated agent: a real socket.io client that records every alert it receives. */
export class TestAgent {
  readonly received: AgentAlert[] = [];
  readonly socket: AgentSocket;

  constructor(url: string, readonly device: EnrollResponse, opts: { autoConnect?: boolean; secret?: string } = {}) {
    this.socket = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      autoConnect: opts.autoConnect ?? true,
      auth: { deviceId: device.deviceId, secret: opts.secret ?? device.deviceSecret, protocol: PROTOCOL_VERSION },
    });
    this.socket.on('alert:created', (a) => this.received.push(a));
  }

  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  report(alertId: string, state: ReportedState): Promise<AckResult<{ recorded: boolean }>> {
    return this.socket.timeout(10_000).emitWithAck('alert:report', { alertId, state });
  }

  close(): void {
    this.socket.disconnect();
  }
}

/**
 * The websocket upgrade request an agent opens its connection with, for tests that speak raw TCP.
 * `query` is appended to the Engine.IO path (e.g. `&sid=…`).
 */
export function upgradeRequest(query = ''): string {
  return (
    `GET /socket.io/?EIO=4&transport=websocket${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  );
}

/**
 * Opens a raw TCP connection, sends `upgradeRequest()` on it and hands the socket to `then` (which
 * may wait for the answer, end the connection, or reset it). Resolves when the connection is closed.
 */
export function rawUpgrade(port: number, then: (s: net.Socket) => void): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(upgradeRequest());
      then(s);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
}

/** Polls `fn` until it returns true, or throws after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const SIREN = {
  kind: 'siren',
  status: 'exercise',
  content: { da: { title: 'Strømsvigt', body: 'Forlad bygningen ad nærmeste nødudgang.' } },
  audience: { type: 'all' },
  confirm: 'SIRENE',
} as const;

import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

/**
 * The self-signed test certificate of test-support/fixtures/tls (SAN IP:127.0.0.1, localhost,
 * fcm.googleapis.com). `cert` is also the CA a client must trust to reach the fakes.
 */
export const TEST_TLS: { readonly cert: string; readonly key: string } = {
  cert: readFileSync(new URL('./fixtures/tls/cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./fixtures/tls/key.pem', import.meta.url), 'utf8'),
};

/** http_ece (RFC 8188, a dependency of web-push) ships no types; this is the part used here. */
interface HttpEce {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: Buffer }): Buffer;
}
const ece = createRequire(import.meta.url)('http_ece') as HttpEce;

/** What a browser's `PushSubscription.toJSON()` gives (shared's WebPushSubscriptionSchema). */
export interface FakePushSubscriptionJSON {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** One message the service accepted (201), decrypted. */
export interface ReceivedPush {
  subscriptionId: string;
  /** The decrypted payload as UTF-8 ('' for a push without payload). */
  payload: string;
  /** `payload` parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The TTL header, in seconds. */
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** Date.now() when it arrived. */
  receivedAt: number;
}

/** A request the service refused, and why (the same text is the response body). */
export interface RejectedPush {
  subscriptionId: string | undefined;
  status: number;
  reason: string;
}

/** A scripted answer for one subscription, given until changed. */
export interface PushAnswer {
  status: 404 | 410 | 413 | 429 | 500 | 503;
  /** Sent as a `Retry-After` header (seconds). */
  retryAfterS?: number;
}

/** RFC 8030 §7.2: a push service must accept at least 4096 octets of body; like FCM and Mozilla it refuses more. */
const MAX_BODY = 4096;
/** RFC 8292 §2: `exp` no more than 24 hours after the request. */
const MAX_VAPID_EXP_S = 24 * 60 * 60;

interface Subscription {
  ecdh: ECDH;
  auth: Buffer;
  answer: PushAnswer | null;
}

/**
 * An in-test Web Push service on https://127.0.0.1:<port> (the fixture certificate): RFC 8030
 * push, RFC 8291 aes128gcm message encryption and RFC 8292 VAPID, as checked by the real services.
 *
 * POST /push/<id>, checked in this order: unknown id → 404; no or bad `TTL` → 400; a body with a
 * `Content-Encoding` other than aes128gcm (such as the legacy aesgcm) → 415; missing or bad VAPID
 * (`Authorization: vapid t=<ES256 JWT>, k=<key>`: signature by k, `aud` = this origin, `exp` in the
 * next 24 h, `sub` mailto: or https:, and k = `expectedVapidPublicKey` if given) → 403; body over
 * 4096 bytes → 413; the subscription's scripted answer if any; undecryptable body → 400; else 201
 * with a `Location`, and the decrypted message is recorded. Each refusal's reason is the
 * response body and is kept in `rejected`.
 *
 * Clients must trust `ca` (web-push: `{ agent: service.agent() }`).
 */
export class FakePushService {
  /** Accepted messages, in arrival order. */
  readonly received: ReceivedPush[] = [];
  /** Refused requests, in arrival order. */
  readonly rejected: RejectedPush[] = [];
  /** Every POST, accepted or not. */
  requests = 0;
  /** https://127.0.0.1:<port>, the VAPID audience. */
  origin = '';
  readonly ca = TEST_TLS.cert;

  private readonly server: https.Server;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly waiters = new Set<() => void>();
  private clientAgent: https.Agent | undefined;
  private nextId = 1;

  /** `expectedVapidPublicKey`: the application server key (base64url) subscriptions were made with. */
  constructor(private readonly opts: { expectedVapidPublicKey?: string } = {}) {
    this.server = https.createServer({ cert: TEST_TLS.cert, key: TEST_TLS.key }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.refuse(res, undefined, 500, `fake push service failed: ${String(err)}`));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new subscription, as a browser would get from `pushManager.subscribe()`; the service keeps its private keys. */
  subscribe(): { id: string; subscription: FakePushSubscriptionJSON } {
    if (!this.origin) throw new Error('FakePushService: call listen() first');
    const id = `sub${this.nextId++}-${randomBytes(6).toString('base64url')}`;
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subscriptions.set(id, { ecdh, auth, answer: null });
    return {
      id,
      subscription: {
        endpoint: `${this.origin}/push/${id}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      },
    };
  }

  /** From now on answer every push to `id` with `answer` (after the TTL and VAPID checks); null accepts again. */
  setAnswer(id: string, answer: PushAnswer | null): void {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new Error(`FakePushService: no subscription ${id}`);
    sub.answer = answer;
  }

  /** Resolves with the first `n` accepted messages once there are `n`. */
  waitFor(n: number, timeoutMs = 5_000): Promise<ReceivedPush[]> {
    return waitForCount(this.received, this.waiters, n, timeoutMs, 'fake push service');
  }

  /** An agent trusting the fixture certificate (one per service, destroyed by close()). */
  agent(): https.Agent {
    this.clientAgent ??= new https.Agent({ ca: this.ca, keepAlive: true });
    return this.clientAgent;
  }

  async close(): Promise<void> {
    this.clientAgent?.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.refuse(res, undefined, 405, 'only POST');
    this.requests++;
    const id = /^\/push\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const sub = id === undefined ? undefined : this.subscriptions.get(id);
    const body = await readBody(req, MAX_BODY + 1);
    if (id === undefined || !sub) return this.refuse(res, id, 404, 'no such subscription');
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };

    const ttlHeader = header('ttl');
    if (ttlHeader === undefined || !/^\d+$/.test(ttlHeader)) return this.refuse(res, id, 400, 'missing or invalid TTL header');
    // Before VAPID: the legacy aesgcm coding comes with the legacy `WebPush <JWT>` scheme.
    const encoding = header('content-encoding');
    if (body.length > 0 && encoding !== 'aes128gcm') return this.refuse(res, id, 415, `Content-Encoding ${encoding ?? '(none)'}: only aes128gcm`);
    const vapidError = this.checkVapid(header('authorization'));
    if (vapidError) return this.refuse(res, id, 403, `VAPID: ${vapidError}`);
    if (body.length > MAX_BODY) return this.refuse(res, id, 413, `body of more than ${MAX_BODY} bytes`);
    if (sub.answer) {
      if (sub.answer.retryAfterS !== undefined) res.setHeader('Retry-After', String(sub.answer.retryAfterS));
      return this.refuse(res, id, sub.answer.status, 'scripted answer');
    }

    let payload = '';
    if (body.length > 0) {
      try {
        payload = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth }).toString('utf8');
      } catch (err) {
        return this.refuse(res, id, 400, `cannot decrypt: ${(err as Error).message}`);
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      json = undefined;
    }
    this.received.push({ subscriptionId: id, payload, json, ttl: Number(ttlHeader), urgency: header('urgency'), topic: header('topic'), receivedAt: Date.now() });
    for (const wake of this.waiters) wake();
    res.writeHead(201, { Location: `${this.origin}/message/${this.received.length}`, 'Content-Length': '0' }).end();
  }

  /** The VAPID problem of an Authorization header, or undefined if it is good (RFC 8292 §2–3). */
  private checkVapid(authorization: string | undefined): string | undefined {
    const m = /^vapid\s+(.*)$/i.exec(authorization ?? '');
    if (!m) return 'no "Authorization: vapid t=…, k=…" header';
    const params = new Map<string, string>();
    for (const part of m[1]!.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const t = params.get('t');
    const k = params.get('k')?.replace(/=+$/, '');
    if (!t || !k) return 'the vapid scheme needs t and k';
    if (this.opts.expectedVapidPublicKey !== undefined && k !== this.opts.expectedVapidPublicKey.replace(/=+$/, '')) return 'k is not the key the subscription was made with';

    const point = Buffer.from(k, 'base64url');
    if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
    const [h, p, s] = t.split('.');
    if (h === undefined || p === undefined || s === undefined) return 't is not a JWS compact serialisation';
    let header: { alg?: unknown };
    let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 't is not valid JSON';
    }
    if (header.alg !== 'ES256') return `alg ${String(header.alg)} is not ES256`;
    let signatureOk = false;
    try {
      const key = createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
        format: 'jwk',
      });
      signatureOk = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    } catch {
      signatureOk = false;
    }
    if (!signatureOk) return 'the signature does not verify with k';
    if (claims.aud !== this.origin) return `aud ${String(claims.aud)} is not ${this.origin}`;
    const nowS = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= nowS) return 'exp is missing or past';
    if (claims.exp > nowS + MAX_VAPID_EXP_S) return 'exp is more than 24 h ahead';
    if (typeof claims.sub !== 'string' || !/^(mailto|https):/.test(claims.sub)) return 'sub is not a mailto: or https: URI';
    return undefined;
  }

  private refuse(res: ServerResponse, subscriptionId: string | undefined, status: number, reason: string): void {
    this.rejected.push({ subscriptionId, status, reason });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(reason);
  }
}

/** Starts a FakePushService on 127.0.0.1, port 0. */
export function startFakePushService(opts: { expectedVapidPublicKey?: string } = {}): Promise<FakePushService> {
  return new FakePushService(opts).listen();
}

/** Reads a request body, keeping at most `limit` bytes (the rest is drained). */
export async function readBody(req: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (size < limit) chunks.push(b.subarray(0, limit - size));
    size += b.length;
  }
  return Buffer.concat(chunks);
}

/** Resolves with `list.slice(0, n)` once `list` has n items; the caller calls every waiter after each push. */
export function waitForCount<T>(list: readonly T[], waiters: Set<() => void>, n: number, timeoutMs: number, what: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (list.length < n) return;
      done();
      resolve(list.slice(0, n));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: ${list.length} of ${n} messages received within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}

import { createECDH, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { now } from './agent-protocol.js';
import { REPO_ROOT } from './processes.js';

/** The self-signed certificate (SAN IP:127.0.0.1) the bench's push service serves; Varsel trusts it through PUSH_CA_FILE. */
export const PUSH_CERT_FILE = path.join(REPO_ROOT, 'test-support/fixtures/tls/cert.pem');
const PUSH_KEY_FILE = path.join(REPO_ROOT, 'test-support/fixtures/tls/key.pem');

/** A Web Push subscription as a browser gives it (`PushSubscription.toJSON()`). */
export interface BenchSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/**
 * A Web Push service (RFC 8030) for the benchmark, on https://127.0.0.1:<port>: it takes
 * `POST /push/<id>` with a `TTL` header, a VAPID `Authorization` (RFC 8292) and an aes128gcm body,
 * answers 201, and notes when each push arrived. Subscriptions marked gone are answered 410, as
 * for an uninstalled app. Unlike the tests' push service it does not decrypt or verify signatures:
 * it runs in the harness, where every millisecond of CPU is taken from the servers measured.
 */
export class BenchPushService {
  /** The receipt time (now()) of each subscription's first accepted push, by subscription id. */
  private firstAt = new Map<string, number>();
  private readonly gone = new Set<string>();
  private readonly server: https.Server;
  /** One user-agent key pair for every subscription: web-push encrypts to it like to any browser's. */
  private readonly p256dh = (() => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return ecdh.getPublicKey('base64url');
  })();
  origin = '';
  accepted = 0;
  /** Requests refused for a missing TTL or VAPID header (Varsel must send both). */
  malformed = 0;
  goneAnswered = 0;

  constructor() {
    this.server = https.createServer({ cert: readFileSync(PUSH_CERT_FILE), key: readFileSync(PUSH_KEY_FILE), keepAliveTimeout: 30_000 }, (req, res) => {
      const at = now();
      req.resume();
      req.on('end', () => {
        const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '')?.[1];
        if (req.method !== 'POST' || !id) {
          res.writeHead(404).end();
          return;
        }
        if (!req.headers.ttl || !/^vapid t=[^,]+, k=/.test(req.headers.authorization ?? '')) {
          this.malformed++;
          res.writeHead(400).end('TTL and a VAPID Authorization header are required');
          return;
        }
        if (this.gone.has(id)) {
          this.goneAnswered++;
          res.writeHead(410).end();
          return;
        }
        this.accepted++;
        if (!this.firstAt.has(id)) this.firstAt.set(id, at);
        res.writeHead(201, { location: `${this.origin}/message/${this.accepted}` }).end();
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A subscription of its own for device `i`; `gone` ones are answered 410 Gone. */
  subscribe(i: number, gone: boolean): BenchSubscription {
    const id = `d${i}-${randomBytes(6).toString('base64url')}`;
    if (gone) this.gone.add(id);
    return { endpoint: `${this.origin}/push/${id}`, expirationTime: null, keys: { p256dh: this.p256dh, auth: randomBytes(16).toString('base64url') } };
  }

  /** Subscriptions that have received a push (at least one accepted). */
  get reached(): number {
    return this.firstAt.size;
  }

  /** The first-receipt times, for figures. */
  receipts(): number[] {
    return [...this.firstAt.values()];
  }

  /** Forgets the receipts (before a measured push). */
  reset(): void {
    this.firstAt = new Map();
    this.accepted = this.malformed = this.goneAnswered = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A VAPID key pair (base64url P-256), as `web-push generate-vapid-keys` makes one. */
export function vapidKeyPair(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey('base64url'), privateKey: ecdh.getPrivateKey('base64url') };
}

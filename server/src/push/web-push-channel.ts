import https from 'node:https';
import tls from 'node:tls';
import webpush from 'web-push';
import type { PushWakeUp, WebPushSubscription } from '@varsel/shared';
import type { StoredPushRegistration } from '../store/push-store.js';
import type { VapidKeys } from './vapid.js';
import { mapLimited, webPushReason, type PushResultReason, type PushSender, type PushSendOptions } from './channel.js';

// 12 h: the longest VAPID token push services accept is 24 h; a header is made again after 11.
const VAPID_TOKEN_S = 12 * 3600;
const VAPID_RENEW_BEFORE_S = 3600;

/**
 * Web Push (RFC 8030, payload encrypted per RFC 8291, VAPID per RFC 8292) through the `web-push`
 * library. The signed VAPID header is made once per push service origin and reused until an hour
 * before it expires: signing is most of a push's CPU (about 0.9 ms with it, 0.16 ms without), and
 * tens of thousands of devices share a handful of push services. Connections are kept alive.
 */
export class WebPushChannel implements PushSender {
  readonly channel = 'webpush' as const;
  private readonly agent: https.Agent;
  private readonly headers = new Map<string, { authorization: string; renewAtS: number }>();

  constructor(
    private readonly vapid: VapidKeys,
    private readonly opts: {
      /** Pushes in flight at once. */
      concurrency: number;
      /** Socket timeout of one push. */
      timeoutMs: number;
      /** Extra CA certificates trusted for push services (a TLS-inspecting proxy; tests). */
      ca?: string | undefined;
      onError?: (err: unknown, endpointOrigin: string) => void;
    },
  ) {
    // `ca` would replace Node's trusted roots, so the extra certificates go with them, in one
    // context made once: made per connection it costs about 20 ms of CPU.
    const secureContext = opts.ca ? tls.createSecureContext({ ca: [...tls.rootCertificates, opts.ca] }) : undefined;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency, ...(secureContext ? { secureContext } : {}) });
  }

  private authorization(origin: string, nowS: number): string {
    const cached = this.headers.get(origin);
    if (cached && cached.renewAtS > nowS) return cached.authorization;
    const expiresAtS = nowS + VAPID_TOKEN_S;
    const h = webpush.getVapidHeaders(origin, this.vapid.subject, this.vapid.publicKey, this.vapid.privateKey, 'aes128gcm', expiresAtS);
    this.headers.set(origin, { authorization: h.Authorization, renewAtS: expiresAtS - VAPID_RENEW_BEFORE_S });
    return h.Authorization;
  }

  async send(targets: readonly StoredPushRegistration[], wake: PushWakeUp, opts: PushSendOptions): Promise<PushResultReason[]> {
    const payload = JSON.stringify(wake);
    // The push service keeps one pending push per topic and subscription: a newer one of the same message replaces it.
    const topic = wake.alertId.replaceAll('-', '');
    const breaker = opts.breaker;
    return mapLimited(targets, this.opts.concurrency, async (t) => {
      if (t.registration.channel !== 'webpush') return 'error';
      const sub = t.registration.subscription;
      const origin = URL.canParse(sub.endpoint) ? new URL(sub.endpoint).origin : '';
      if (breaker.isOpen(origin)) return 'skipped';
      const reason = await this.sendOne(sub, origin, payload, topic, opts);
      breaker.record(origin, reason);
      return reason;
    });
  }

  /** One push; its result as a reason (never throws). */
  private async sendOne(sub: WebPushSubscription, origin: string, payload: string, topic: string, opts: PushSendOptions): Promise<PushResultReason> {
    try {
      await webpush.sendNotification({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
        TTL: opts.ttlSeconds,
        urgency: opts.urgent ? 'high' : 'normal',
        topic,
        timeout: this.opts.timeoutMs,
        agent: this.agent,
        // No vapidDetails (and none set globally): web-push then signs nothing and sends this header.
        headers: { Authorization: this.authorization(origin, Math.floor(Date.now() / 1000)) },
      });
      return 'sent';
    } catch (err) {
      const status = err instanceof webpush.WebPushError ? err.statusCode : undefined;
      const reason = webPushReason(status);
      if ((reason === 'rate_limited' || reason === 'unavailable') && err instanceof webpush.WebPushError) {
        const h = err.headers as Record<string, string | string[] | undefined> | undefined;
        const v = h?.['retry-after'];
        opts.breaker.noteRetryAfter(Array.isArray(v) ? v[0] : v);
      }
      if (reason === 'error' || reason === 'rejected') this.opts.onError?.(err, origin);
      return reason;
    }
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}

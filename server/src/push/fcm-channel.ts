import type { BatchResponse, Message } from 'firebase-admin/messaging';
import type { App } from 'firebase-admin/app';
import type { PushWakeUp } from '@varsel/shared';
import type { StoredPushRegistration } from '../store/push-store.js';
import { fcmReason, type PushResultReason, type PushSender, type PushSendOptions } from './channel.js';

/** What is used of firebase-admin's Messaging. */
export interface FcmMessaging {
  sendEach(messages: Message[]): Promise<BatchResponse>;
}

// FCM takes at most 500 messages per sendEach (firebase-admin throws before sending more).
const FCM_BATCH_MAX = 500;

// The only text a push carries, shown by iOS (which shows no push without text): nothing of the
// alert itself, which the app fetches from Varsel when it opens.
const APNS_TEXT = {
  siren: { title: 'Varsel: sirene', body: 'Åbn Varsel for at se beskeden.' },
  notice: { title: 'Varsel', body: 'Åbn Varsel for at se beskeden.' },
} as const;

/**
 * Firebase Cloud Messaging (HTTP v1, through firebase-admin's `sendEach`, 500 at a time). The
 * message is a data message with the wake-up (Android high priority for sirens, so Doze lets it
 * through), and for iOS an alert with a fixed text (APNs priority 10 needs visible text).
 */
export class FcmChannel implements PushSender {
  readonly channel = 'fcm' as const;

  constructor(
    private readonly messaging: FcmMessaging,
    private readonly opts: { onError?: (err: unknown) => void; onClose?: () => Promise<void> } = {},
  ) {}

  async send(targets: readonly StoredPushRegistration[], wake: PushWakeUp, opts: PushSendOptions): Promise<PushResultReason[]> {
    const out: PushResultReason[] = [];
    // FCM is one service: once it failed BREAKER_FAILURES times in a row, the rest of this wake-up is skipped.
    const breaker = opts.breaker;
    for (let i = 0; i < targets.length; i += FCM_BATCH_MAX) {
      const chunk = targets.slice(i, i + FCM_BATCH_MAX);
      if (breaker.isOpen('fcm')) {
        for (let k = 0; k < chunk.length; k++) out.push('skipped');
        continue;
      }
      const messages = chunk.map((t) => fcmMessage(t.registration.channel === 'fcm' ? t.registration.token : '', wake, opts));
      try {
        const res = await this.messaging.sendEach(messages);
        res.responses.forEach((r) => {
          const reason = r.success ? 'sent' : fcmReason(r.error?.code);
          if (reason === 'error' || reason === 'rejected') this.opts.onError?.(r.error);
          breaker.record('fcm', reason);
          out.push(reason);
        });
      } catch (err) {
        // The whole call failed (credentials, the batch itself): every message in it shares the reason.
        this.opts.onError?.(err);
        const reason = fcmReason((err as { code?: string }).code ?? 'unknown');
        for (let k = 0; k < chunk.length; k++) {
          breaker.record('fcm', reason);
          out.push(reason);
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.opts.onClose?.();
  }
}

/** The FCM v1 message of one wake-up. */
export function fcmMessage(token: string, wake: PushWakeUp, opts: Pick<PushSendOptions, 'urgent' | 'ttlSeconds'>): Message {
  const text = APNS_TEXT[wake.kind];
  return {
    token,
    data: { v: String(wake.v), alertId: wake.alertId, seq: String(wake.seq), kind: wake.kind, msgType: wake.msgType },
    android: { priority: opts.urgent ? 'high' : 'normal', ttl: opts.ttlSeconds * 1000, collapseKey: wake.alertId },
    apns: {
      headers: {
        'apns-priority': opts.urgent ? '10' : '5',
        'apns-push-type': 'alert',
        'apns-expiration': String(Math.floor(Date.now() / 1000) + opts.ttlSeconds),
        'apns-collapse-id': wake.alertId,
      },
      payload: { aps: { alert: { title: text.title, body: text.body }, ...(opts.urgent ? { sound: 'default' } : {}) } },
    },
  };
}

/**
 * The FCM channel of a service account key (the JSON file the Firebase console gives, parsed).
 * firebase-admin is loaded only here, so a server without FCM never loads it.
 */
export async function fcmChannelFromServiceAccount(json: Record<string, unknown>, onError?: (err: unknown) => void): Promise<FcmChannel> {
  const { initializeApp, cert, deleteApp } = await import('firebase-admin/app');
  const { getMessaging } = await import('firebase-admin/messaging');
  const app: App = initializeApp({ credential: cert(json), projectId: String(json.project_id) }, `varsel-fcm-${Date.now()}-${Math.random()}`);
  return new FcmChannel(getMessaging(app), { onError, onClose: () => deleteApp(app) });
}

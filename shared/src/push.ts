import { z } from 'zod';
import type { AlertKind, MsgType } from './alert.js';

/**
 * Push channels: best-effort wake-ups for devices that are asleep or offline when a message is
 * sent. The socket is the one path that carries alerts; a push carries only enough for the device
 * to wake and fetch the message from Varsel (it reconnects and is replayed what it missed).
 */
export const PUSH_CHANNELS = ['webpush', 'fcm'] as const;
export const PushChannelSchema = z.enum(PUSH_CHANNELS);
export type PushChannel = z.infer<typeof PushChannelSchema>;

/** base64url of exactly `bytes` bytes (unpadded or padded, as browsers give them). */
function base64urlOf(bytes: number, what: string) {
  return z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .refine((s) => decodedLength(s) === bytes, `${what} must be ${bytes} bytes`);
}

/** Bytes a base64url string decodes to (no Buffer: the contract also runs in browsers). */
function decodedLength(s: string): number {
  const n = s.replace(/=+$/, '').length;
  return n % 4 === 1 ? -1 : Math.floor((n * 3) / 4);
}

/** A browser's `PushSubscription.toJSON()` (RFC 8030 endpoint, RFC 8291 keys). */
export const WebPushSubscriptionSchema = z
  .object({
    endpoint: z.url({ protocol: /^https$/, error: 'endpoint must be an https URL' }).max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        /** The user agent's P-256 public key, uncompressed (65 bytes). */
        p256dh: base64urlOf(65, 'keys.p256dh'),
        /** The authentication secret (16 bytes). */
        auth: base64urlOf(16, 'keys.auth'),
      })
      .strict(),
  })
  .strict();
export type WebPushSubscription = z.infer<typeof WebPushSubscriptionSchema>;

/** push:register: where this device can be woken. One registration per channel; a new one replaces the old. */
export const PushRegistrationSchema = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('webpush'), subscription: WebPushSubscriptionSchema }).strict(),
  z
    .object({
      channel: z.literal('fcm'),
      /** An FCM registration token (from the Firebase SDK on the device). */
      token: z.string().regex(/^[A-Za-z0-9_:-]{20,4096}$/, 'token must be an FCM registration token'),
    })
    .strict(),
]);
export type PushRegistration = z.infer<typeof PushRegistrationSchema>;

/** push:unregister */
export const PushUnregisterSchema = z.object({ channel: PushChannelSchema }).strict();

/** push:config — which channels this server sends on, and the VAPID key a browser subscribes with. */
export interface PushConfig {
  webpush: { publicKey: string } | null;
  fcm: boolean;
}

/**
 * The whole content of a push (Web Push payload, FCM `data`): no text of the alert. The device
 * connects and receives the message itself by replay.
 */
export interface PushWakeUp {
  v: 1;
  alertId: string;
  seq: number;
  kind: AlertKind;
  msgType: MsgType;
}

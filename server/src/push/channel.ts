import type { PushChannel, PushWakeUp } from '@varsel/shared';
import type { StoredPushRegistration } from '../store/push-store.js';

/**
 * What became of one push, as the `reason` label of varsel_push_results_total:
 * - `sent`: the push service accepted it (not that the device woke: push has no receipt);
 * - `gone`: the registration is expired or revoked (Web Push 404/410, FCM UNREGISTERED); it is removed;
 * - `rate_limited`: the service throttled us (429, QUOTA_EXCEEDED);
 * - `rejected`: the service refused the request itself (400/401/403: bad VAPID keys or FCM
 *   credentials, a malformed message): a configuration error, nothing is removed;
 * - `payload_too_large`: 413 (a wake-up is a few dozen bytes; should never happen);
 * - `unavailable`: the service answered 5xx;
 * - `network`: no answer (connection refused, TLS failure, timeout);
 * - `skipped`: not sent, because its push service had just failed BREAKER_FAILURES times in a
 *   row (unavailable or no answer) during the same wake-up;
 * - `error`: anything else (logged).
 */
export const PUSH_RESULT_REASONS = ['sent', 'gone', 'rate_limited', 'rejected', 'payload_too_large', 'unavailable', 'network', 'skipped', 'error'] as const;
export type PushResultReason = (typeof PUSH_RESULT_REASONS)[number];

export interface PushSendOptions {
  /** Sirens: wake the device now (Web Push `Urgency: high`, FCM high priority). */
  urgent: boolean;
  /** How long the push service may hold the push for an unreachable device (the message's remaining life). */
  ttlSeconds: number;
  /** Shared by every send of one wake-up, so a failing service is given up once, not once per chunk. */
  breaker: Breaker;
}

/** One push channel (Web Push, FCM): sends one wake-up to many registrations of its channel. */
export interface PushSender {
  readonly channel: PushChannel;
  /** The result of each target, in order. Never rejects: a failure is a reason. */
  send(targets: readonly StoredPushRegistration[], wake: PushWakeUp, opts: PushSendOptions): Promise<PushResultReason[]>;
  close(): Promise<void>;
}

/** Web Push reasons by HTTP status (RFC 8030 §5, §7.3; see the push services' docs). */
export function webPushReason(statusCode: number | undefined): PushResultReason {
  if (statusCode === undefined) return 'network';
  if (statusCode >= 200 && statusCode < 300) return 'sent';
  if (statusCode === 404 || statusCode === 410) return 'gone';
  if (statusCode === 429) return 'rate_limited';
  if (statusCode === 413) return 'payload_too_large';
  if (statusCode === 400 || statusCode === 401 || statusCode === 403) return 'rejected';
  if (statusCode >= 500) return 'unavailable';
  return 'error';
}

/** FCM reasons by firebase-admin's error code (`messaging/...`, `app/...`). */
export function fcmReason(code: string | undefined): PushResultReason {
  switch (code) {
    case undefined:
      return 'sent';
    case 'messaging/registration-token-not-registered':
    case 'messaging/invalid-registration-token':
      return 'gone';
    case 'messaging/message-rate-exceeded':
    case 'messaging/device-message-rate-exceeded':
    case 'messaging/too-many-topics':
      return 'rate_limited';
    case 'messaging/invalid-argument':
    case 'messaging/mismatched-credential':
    case 'messaging/third-party-auth-error':
    case 'messaging/invalid-credential':
    case 'app/invalid-credential':
      return 'rejected';
    case 'messaging/payload-size-limit-exceeded':
      return 'payload_too_large';
    case 'messaging/server-unavailable':
    case 'messaging/internal-error':
      return 'unavailable';
    case 'app/network-error':
    case 'app/network-timeout':
    // What sendEach rejects with when its HTTP/2 session to FCM fails (DNS, TLS, refused).
    case 'messaging/app/network-error':
    case 'messaging/app/network-timeout':
      return 'network';
    default:
      return 'error';
  }
}

/**
 * 16 failures in a row: a push service that is down or hangs stops a wake-up's pushes to it after
 * about one round of timeouts, instead of each of tens of thousands waiting out its own, which
 * would hold the worker for hours. One success resets the count.
 */
export const BREAKER_FAILURES = 16;

/** Counts consecutive failures per push service during one wake-up; open once BREAKER_FAILURES are reached. */
export class Breaker {
  private readonly failures = new Map<string, number>();
  /** The longest Retry-After a service answered during the wake-up, in ms: no retry of it comes sooner. */
  retryAfterMs = 0;

  /** Notes a Retry-After header (delay-seconds or an HTTP date, RFC 9110 §10.2.3); ignores one that does not parse. */
  noteRetryAfter(value: string | undefined, now = Date.now()): void {
    const ms = retryAfterMs(value, now);
    if (ms !== undefined && ms > this.retryAfterMs) this.retryAfterMs = ms;
  }

  isOpen(service: string): boolean {
    return (this.failures.get(service) ?? 0) >= BREAKER_FAILURES;
  }

  record(service: string, reason: PushResultReason): void {
    if (reason === 'unavailable' || reason === 'network') this.failures.set(service, (this.failures.get(service) ?? 0) + 1);
    else this.failures.set(service, 0);
  }
}

// 1 day: a longer Retry-After is not believed (the message will mostly have expired anyway).
const RETRY_AFTER_MAX_MS = 24 * 3600 * 1000;

/** A Retry-After header in ms from `now`, or undefined when absent or unparseable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /[a-z]/i.test(v) ? Date.parse(v) - now : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms));
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

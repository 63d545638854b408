import { io as connect } from 'socket.io-client';
import { PROTOCOL_VERSION, type AckResult } from '@varsel/shared';
import { waitUntil } from '../../timing.js';
import { percentile } from '../../stats.js';
import { runPool } from '../../pool.js';
import type { BenchPushService } from '../push-service.js';
import { cpuDelta, cpuSnapshot } from '../processes.js';
import type { ServerMetrics } from '../server-metrics.js';
import { runRound, type Broadcaster, type RoundContext } from './broadcast-round.js';
import type { Credentials } from './connect.js';

/** Scenario h: the push wake-up of the devices that have no agent connected. */
export interface PushFigures {
  /** Devices without an agent that registered a Web Push subscription (push:register over their own socket). */
  registered: number;
  registerMs: number;
  /** Of those, subscriptions the push service answers 410 Gone (as for an uninstalled app). */
  gone: number;
  /** The servers' PUSH_AFTER_MS: the wake-up is due this long after the fan-out. */
  afterMs: number;
  /** Subscriptions that got a push (201), of those expected to (registered, not gone). */
  reached: number;
  expected: number;
  /** From just before the siren's POST to the first push, 99 % and every push received by the push service. */
  firstMs: number | null;
  p99Ms: number | null;
  lastMs: number | null;
  /** Pushes per second at the push service, first to last. */
  ratePerSec: number | null;
  /** Requests the push service refused as malformed (no TTL or VAPID header); must be 0. */
  malformed: number;
  /** varsel_push_results_total of the worker(s) for this siren, by reason (webpush). */
  results: Record<string, number>;
  /** varsel_push_unregistered_total for this siren: undelivered devices nothing could wake. */
  unregistered: number;
  /** CPU of each process group from the POST until the last push. */
  cpuMs: Record<string, number>;
}

// One subscription in 50 is gone: apps are uninstalled and permissions revoked.
const GONE_EVERY = 50;
// 50 registrations at once: each is a connect, a replay, one event and a close.
const REGISTER_CONCURRENCY = 50;

/**
 * Registers a Web Push subscription for each of `devices` the way a PWA does (its own socket,
 * the real handshake, `push:register`), one in GONE_EVERY answered 410 by the push service.
 */
export async function registerPush(devices: readonly Credentials[], edgeUrls: readonly string[], service: BenchPushService, signal: AbortSignal): Promise<{ registered: number; gone: number; ms: number; failed: string[] }> {
  const t = performance.now();
  const failed: string[] = [];
  let gone = 0;
  // A failed registration is counted, not thrown: the figures say how many got through.
  const results = await runPool(devices.length, REGISTER_CONCURRENCY, async (n) => {
    const d = devices[n] as Credentials;
    const isGone = n % GONE_EVERY === GONE_EVERY - 1;
    const socket = connect(edgeUrls[n % edgeUrls.length] as string, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 20_000,
      auth: { deviceId: d.deviceId, secret: d.secret, protocol: PROTOCOL_VERSION },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const res = (await socket.timeout(20_000).emitWithAck('push:register', { channel: 'webpush', subscription: service.subscribe(n, isGone) })) as AckResult<unknown>;
      if (!res.ok) throw new Error(`${res.error.code} ${res.error.message}`);
      if (isGone) gone++;
      return true;
    } catch (err) {
      failed.push(`${d.deviceId}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    } finally {
      socket.disconnect();
    }
  }, signal);
  return { registered: results.filter(Boolean).length, gone, ms: Math.round(performance.now() - t), failed };
}

/**
 * Sends one siren through `b` (a round: the connected agents receive and acknowledge it) and waits
 * until every subscription that is not gone has had its wake-up, or `timeoutMs`.
 */
export async function measurePushWakeUp(
  ctx: RoundContext,
  b: Broadcaster,
  service: BenchPushService,
  reg: { registered: number; gone: number; ms: number },
  afterMs: number,
  metrics: () => Promise<ServerMetrics>,
): Promise<PushFigures> {
  const before = await metrics();
  service.reset();
  const cpuBefore = cpuSnapshot(ctx.processes());
  let t0 = 0;
  const timed: Broadcaster = {
    ...b,
    async send() {
      const sent = await b.send();
      t0 = sent.t0;
      return sent;
    },
  };
  await runRound(ctx, timed, 'push wake-up siren', 1, true);
  const expected = reg.registered - reg.gone;
  const status = ctx.progress.every(1000, () => `push wake-up: ${service.reached}/${expected} subscriptions reached, ${service.goneAnswered} answered gone`);
  try {
    await waitUntil(() => service.reached >= expected && service.goneAnswered >= reg.gone, { timeoutMs: afterMs + ctx.timeoutMs, everyMs: 50, signal: ctx.signal });
  } finally {
    status.stop();
  }
  const cpuMs = cpuDelta(cpuBefore, cpuSnapshot(ctx.processes()));
  // The worker counts a push once its answer is in: give it a moment past the last receipt.
  let after = before;
  await waitUntil(
    async () => {
      after = await metrics();
      return sumResults(after) - sumResults(before) >= reg.registered;
    },
    { timeoutMs: 10_000, everyMs: 200, signal: ctx.signal },
  );
  const receipts = service.receipts().map((at) => at - t0).sort((x, y) => x - y);
  const first = receipts[0] ?? null;
  const last = receipts.at(-1) ?? null;
  const results: Record<string, number> = {};
  for (const [reason, n] of Object.entries(after.pushResults.webpush ?? {})) {
    const d = n - (before.pushResults.webpush?.[reason] ?? 0);
    if (d > 0) results[reason] = d;
  }
  return {
    registered: reg.registered,
    registerMs: reg.ms,
    gone: reg.gone,
    afterMs,
    reached: service.reached,
    expected,
    firstMs: first === null ? null : Math.round(first),
    p99Ms: receipts.length > 0 ? Math.round(percentile(receipts, 99)) : null,
    lastMs: last === null ? null : Math.round(last),
    ratePerSec: first !== null && last !== null && last > first ? Math.round((receipts.length / (last - first)) * 1000) : null,
    malformed: service.malformed,
    results,
    unregistered: after.pushUnregistered - before.pushUnregistered,
    cpuMs,
  };
}

function sumResults(m: ServerMetrics): number {
  return Object.values(m.pushResults).reduce((a, row) => a + Object.values(row).reduce((x, y) => x + y, 0), 0);
}

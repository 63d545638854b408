import { waitUntil, sleep } from '../../timing.js';
import { now } from '../agent-protocol.js';
import type { AgentPool } from '../agent-pool.js';
import { cpuDelta, cpuSnapshot } from '../processes.js';
import { ackFigures, cumulative, latencies, latencyFigures, perEdgeP99, type RoundFigures } from '../figures.js';
import type { Progress } from '../progress-log.js';

/** How one system sends one broadcast, and what it can tell about it afterwards. */
export interface Broadcaster {
  /** Sends one broadcast; `t0` is taken just before the request leaves. */
  send(): Promise<{ alertId: string; t0: number; answeredAt: number }>;
  /** Whether agents report (socket.io: delivered, then acknowledged); MQTT subscribers only PUBACK. */
  acks: boolean;
  /** The server's count of acknowledgements (Varsel: GET /api/alerts/:id), polled until it reaches the expected. */
  serverAckCount?: (alertId: string) => Promise<number>;
  /** Varsel: the server's own timestamps and final counts of the alert. */
  serverFacts?: (alertId: string) => Promise<{ createdAt: number; broadcastAt: number | null; fanoutDoneAt: number | null; counts: Record<string, number> }>;
}

export interface RoundContext {
  pool: AgentPool;
  /** Agents connected now: every one must receive the broadcast. */
  expected: number;
  edges: number;
  edgeOf: (agent: number) => number;
  /** Processes whose CPU time is accounted per round. */
  processes: () => { name: string; pid: number }[];
  timeoutMs: number;
  progress: Progress;
  signal: AbortSignal;
}

export interface RoundCurves {
  delivered: [number, number][];
  acknowledged: [number, number][];
}

// 50 ms: the resolution of "all acknowledgements counted"; 20 light GETs a second.
const ACK_POLL_MS = 50;
// 8 at once: an edge busy with a round may take a few hundred ms to answer.
const MAX_ACK_POLLS = 8;
// 100 ms: how often the harness processes are asked how many agents have the alert.
const COUNT_POLL_MS = 100;
// 10 s after the last agent got its confirmation: a count that is not complete by then never will be.
const ACK_GRACE_MS = 10_000;

/**
 * Asks the server for its acknowledgement count every ACK_POLL_MS, without waiting for the previous
 * answer (at most MAX_ACK_POLLS at once): an edge busy with the round answers late, and polls that
 * each waited for the last answer would add that wait to the resolution. Resolves with the time the
 * first answer showing every acknowledgement arrived, or null when stopped first.
 */
function pollAckCount(count: (id: string) => Promise<number>, alertId: string, expected: number, stopped: () => boolean, signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      fn();
    };
    const poll = (): void => {
      if (settled) return;
      if (signal.aborted) return settle(() => reject(signal.reason as Error));
      if (stopped()) return settle(() => resolve(null));
      if (inFlight >= MAX_ACK_POLLS) return;
      inFlight++;
      count(alertId).then(
        (n) => {
          inFlight--;
          if (n >= expected) {
            const at = now();
            settle(() => resolve(at));
          }
        },
        (err: unknown) => {
          inFlight--;
          settle(() => reject(err instanceof Error ? err : new Error(String(err))));
        },
      );
    };
    const timer = setInterval(poll, ACK_POLL_MS);
    poll();
  });
}

/**
 * One broadcast round: send, wait (bounded) until every expected agent has it and has had its
 * acknowledgement confirmed, poll the server's acknowledgement count meanwhile, then collect
 * every agent's times. Missing receipts show as received < expected, never as an exception.
 */
export async function runRound(ctx: RoundContext, b: Broadcaster, label: string, round: number, warmUp: boolean): Promise<{ figures: RoundFigures; curves: RoundCurves }> {
  const { pool, expected, signal } = ctx;
  const cpuBefore = cpuSnapshot(ctx.processes());
  const { alertId, t0, answeredAt } = await b.send();

  let ackPollDone = false;
  const ackCounted: Promise<number | null> = b.serverAckCount ? pollAckCount(b.serverAckCount, alertId, expected, () => ackPollDone, signal) : Promise.resolve(null);
  // Awaited below; until then a failed poll must not count as an unhandled rejection.
  ackCounted.catch(() => undefined);
  try {
    let last = { received: 0, acked: 0 };
    const status = ctx.progress.every(1000, () => `${label}: received ${last.received}/${expected}${b.acks ? `, acknowledged ${last.acked}` : ''}`);
    try {
      await waitUntil(
        async () => {
          last = await pool.counts(alertId);
          return last.received >= expected;
        },
        { timeoutMs: ctx.timeoutMs, everyMs: COUNT_POLL_MS, signal },
      );
      if (b.acks) {
        await waitUntil(
          async () => {
            const c = await pool.counts(alertId);
            last = c;
            return c.acked + c.reportFailures >= c.received;
          },
          { timeoutMs: ctx.timeoutMs, everyMs: COUNT_POLL_MS, signal },
        );
      }
    } finally {
      status.stop();
    }
    // Every agent is done; the server gets a bounded while longer to show the last counts.
    await Promise.race([ackCounted, sleep(ACK_GRACE_MS, signal)]);
  } finally {
    ackPollDone = true;
  }
  const allCountedAt = await ackCounted;

  const times = await pool.collect(alertId);
  const sorted = latencies(times.receivedAt, t0);
  let server: RoundFigures['server'] = null;
  if (b.serverFacts) {
    const f = await b.serverFacts(alertId);
    const since = (at: number | null): number | null => (at === null ? null : Math.round(at - t0));
    server = { storedMs: since(f.createdAt), broadcastMs: since(f.broadcastAt), fanoutDoneMs: since(f.fanoutDoneAt), counts: f.counts };
  }
  let acks = null;
  if (b.acks) {
    // Bare socket.io keeps no count: its "all counted" is the last confirmation an agent got.
    const lastConfirmed = latencies(times.ackConfirmedAt, 0).at(-1) ?? null;
    acks = ackFigures(times, t0, b.serverAckCount ? allCountedAt : lastConfirmed);
  }
  const figures: RoundFigures = {
    round,
    warmUp,
    alertId,
    expected,
    received: times.received,
    duplicates: times.duplicates,
    ...latencyFigures(sorted),
    sendMs: Math.round((answeredAt - t0) * 10) / 10,
    perEdgeP99Ms: perEdgeP99(times.receivedAt, t0, ctx.edges, ctx.edgeOf),
    acks,
    server,
    reportFailures: times.failures,
    cpuMs: cpuDelta(cpuBefore, cpuSnapshot(ctx.processes())),
    harnessLoopMaxMs: times.loopDelayMaxMs,
  };
  const curves = { delivered: cumulative(sorted), acknowledged: cumulative(latencies(times.ackConfirmedAt, t0)) };
  return { figures, curves };
}

/** The rounds of one broadcast scenario: a warm-up round, then `rounds` measured ones, 1 s apart. */
export async function runRounds(
  ctx: RoundContext,
  b: Broadcaster,
  label: string,
  rounds: number,
): Promise<{ rounds: RoundFigures[]; lastCurves: RoundCurves | null }> {
  const out: RoundFigures[] = [];
  let lastCurves: RoundCurves | null = null;
  for (let r = 0; r <= rounds; r++) {
    const name = r === 0 ? `${label} warm-up round` : `${label} round ${r}/${rounds}`;
    const { figures, curves } = await runRound(ctx, b, name, r, r === 0);
    ctx.progress.line(
      `${name}: ${figures.received}/${figures.expected} received, p50 ${fmt(figures.p50Ms)} p99 ${fmt(figures.p99Ms)} max ${fmt(figures.maxMs)} ms` +
        (figures.acks ? `, all acks counted at ${fmt(figures.acks.allCountedMs)} ms` : ''),
    );
    out.push(figures);
    if (r > 0) lastCurves = curves;
    // 1 s: lets the last reports, GCs and the adapter's stream reads settle before the next send.
    await sleep(1000, ctx.signal);
  }
  return { rounds: out, lastCurves };
}

function fmt(v: number | null): string {
  return v === null ? '-' : String(Math.round(v));
}

import { randomBytes, randomUUID } from 'node:crypto';
import { now } from '../agent-protocol.js';
import { mergeDisconnects } from '../agent-pool.js';
import { startBareCluster } from '../bare-cluster.js';
import { summarizeRounds, type BroadcastSummary } from '../figures.js';
import { runRounds, type Broadcaster, type RoundCurves } from './broadcast-round.js';
import { connectAgents, edgeOf, type ConnectFigures, type Credentials } from './connect.js';
import type { PhaseEnv } from './phase-env.js';
import { reconnectStorm, type StormFigures } from './reconnect-storm.js';
import { broadcastProblems } from './varsel-phase.js';

export interface BarePhaseResult {
  connect: ConnectFigures | null;
  broadcast: BroadcastSummary | null;
  curves: RoundCurves | null;
  storm: StormFigures | null;
  disconnects: Record<string, number>;
  problems: string[];
}

/**
 * Scenario b and the bare side of d: the same agents, from the same harness processes, against
 * a bare socket.io set of as many processes on the same kind of Redis.
 */
export function emptyBareResult(): BarePhaseResult {
  return { connect: null, broadcast: null, curves: null, storm: null, disconnects: {}, problems: [] };
}

export async function runBarePhase(env: PhaseEnv, devices: readonly Credentials[] | null, result: BarePhaseResult): Promise<void> {
  const { options: o, group, pool, progress, signal } = env;
  progress.line(`bare: starting Redis, ${o.edges} socket.io server(s) and ${o.workers} emitter(s)`);
  const cluster = await startBareCluster(group, { edges: o.edges, emitters: o.workers, nodeArgs: env.serverNodeArgs, signal });
  const problems = result.problems;
  try {
    // The bare server ignores the handshake; Varsel's devices are reused when there are any.
    const agents = devices?.slice(0, o.agents) ?? Array.from({ length: o.agents }, () => ({ deviceId: randomUUID(), secret: randomBytes(32).toString('base64url') }));
    const connect = await connectAgents({ pool, servers: cluster.servers, devices: agents, edgeIndexOf: (i) => edgeOf(i, o.edges), concurrency: o.connectConcurrency, progress, label: 'bare', signal });
    result.connect = connect;
    if (connect.connected < agents.length) problems.push(`bare: only ${connect.connected} of ${agents.length} agents connected`);
    const processes = (): { name: string; pid: number }[] => [...cluster.servers.processes(), { name: 'bare-redis', pid: cluster.redis.process.pid }, ...pool.processes.map((p) => ({ name: 'agents', pid: p.pid }))];

    if (o.scenarios.includes('b')) {
      const broadcaster: Broadcaster = {
        acks: true,
        async send() {
          const t0 = now();
          const alertId = await cluster.trigger();
          return { alertId, t0, answeredAt: now() };
        },
      };
      const rounds = await runRounds(
        { pool, expected: await pool.connected(), edges: o.edges, edgeOf: (i) => edgeOf(i, o.edges), processes, timeoutMs: o.roundTimeoutMs, progress, signal },
        broadcaster,
        'bare',
        o.rounds,
      );
      result.broadcast = summarizeRounds(rounds.rounds);
      result.curves = rounds.lastCurves;
      problems.push(...broadcastProblems('bare (b)', result.broadcast));
    }
    result.disconnects = mergeDisconnects(await pool.status());
    if (o.scenarios.includes('d')) {
      result.storm = await reconnectStorm({ pool, agents: await pool.connected(), servers: cluster.servers, processes, timeoutMs: o.stormTimeoutMs, progress, signal }, 'bare storm');
      progress.line(`bare storm: all reconnected at ${result.storm.allConnectedMs ?? '-'} ms (99 %: ${result.storm.connected99Ms ?? '-'} ms)`);
      if (result.storm.allConnectedMs === null) problems.push(`bare storm: only ${result.storm.reconnected} of ${result.storm.agents} agents reconnected in time`);
    }
  } finally {
    await pool.closeAll();
    progress.line('bare: stopping');
    await cluster.stop();
  }
}

import { connectAsync, type MqttClient } from 'mqtt';
import { now } from '../agent-protocol.js';
import { benchAgentAlert } from '../bench-alert.js';
import { summarizeRounds, type BroadcastSummary } from '../figures.js';
import { startMosquitto } from '../mosquitto.js';
import { runRounds, type Broadcaster } from './broadcast-round.js';
import type { PhaseEnv } from './phase-env.js';
import { broadcastProblems } from './varsel-phase.js';

const TOPIC = 'varsel/agents';
// 20 s per connection attempt, as for the socket.io agents.
const CONNECT_TIMEOUT_MS = 20_000;

export interface MqttPhaseResult {
  connected: number;
  connectMs: number;
  broadcast: BroadcastSummary | null;
  problems: string[];
}

export function emptyMqttResult(): MqttPhaseResult {
  return { connected: 0, connectMs: 0, broadcast: null, problems: [] };
}

/**
 * Scenario c, Mosquitto's side: `mqttAgents` subscribers with QoS 1 on a private Mosquitto, and
 * one publisher that sends the alert (the AgentAlert Varsel would send) with QoS 1. A round's
 * send time is PUBLISH until the broker's PUBACK.
 */
export async function runMqttPhase(env: PhaseEnv, result: MqttPhaseResult): Promise<void> {
  const { options: o, group, pool, progress, signal } = env;
  const broker = await startMosquitto(group, signal);
  const problems = result.problems;
  let publisher: MqttClient | undefined;
  try {
    progress.line(`mosquitto: connecting ${o.mqttAgents} MQTT subscribers (QoS 1) to port ${broker.port}`);
    const started = performance.now();
    const res = await pool.connectMqtt(
      { host: broker.host, port: broker.port, topic: TOPIC, count: o.mqttAgents, concurrency: o.connectConcurrency, connectTimeoutMs: CONNECT_TIMEOUT_MS },
      Math.max(60_000, Math.ceil(o.mqttAgents / Math.max(1, pool.size * o.connectConcurrency)) * (CONNECT_TIMEOUT_MS + 2000)),
      (n) => progress.line(`mosquitto: connecting ${n}/${o.mqttAgents}`),
    );
    const connectMs = Math.round(performance.now() - started);
    result.connected = res.connected;
    result.connectMs = connectMs;
    progress.line(`mosquitto: ${res.connected}/${o.mqttAgents} subscribed in ${(connectMs / 1000).toFixed(1)} s`);
    if (res.connected < o.mqttAgents) problems.push(`mosquitto: only ${res.connected} of ${o.mqttAgents} subscribers connected (${JSON.stringify(res.failed)})`);
    const pub = await connectAsync({ host: broker.host, port: broker.port, protocol: 'mqtt', clientId: 'bench-publisher', protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: CONNECT_TIMEOUT_MS });
    publisher = pub;
    let seq = 0;
    const broadcaster: Broadcaster = {
      acks: false,
      async send() {
        const alert = benchAgentAlert(++seq);
        const payload = JSON.stringify(alert);
        const t0 = now();
        await pub.publishAsync(TOPIC, payload, { qos: 1 });
        return { alertId: alert.id, t0, answeredAt: now() };
      },
    };
    const processes = (): { name: string; pid: number }[] => [{ name: 'mosquitto', pid: broker.process.pid }, ...pool.processes.map((p) => ({ name: 'agents', pid: p.pid }))];
    const rounds = await runRounds({ pool, expected: await pool.connected(), edges: 1, edgeOf: () => 0, processes, timeoutMs: o.roundTimeoutMs, progress, signal }, broadcaster, 'mosquitto', o.rounds);
    result.broadcast = summarizeRounds(rounds.rounds);
    problems.push(...broadcastProblems('mosquitto (c)', result.broadcast));
  } finally {
    await publisher?.endAsync(true).catch((err: unknown) => progress.line(`mosquitto: closing the publisher failed: ${String(err)}`));
    await pool.closeAll();
    progress.line('mosquitto: stopping');
    await broker.stop();
  }
}

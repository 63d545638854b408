import { randomUUID } from 'node:crypto';
import type { AgentAlert, AlertInput } from '@varsel/shared';

/**
 * The alert every scenario broadcasts: a siren drill to everyone. Varsel gets it as an AlertInput
 * through its API; the bare socket.io server and Mosquitto send the AgentAlert Varsel would send
 * for it, so every system carries a message of the same size.
 */
export const BENCH_ALERT_TITLE = 'Benchmark (øvelse)';
export const BENCH_ALERT_BODY = 'Dette er en måling af Varsels udsendelse. Der skal ikke gøres noget.';
// 10 minutes: outlives the run's rounds, then expires by itself.
const EXPIRES_MINUTES = 10;
// 60 minutes: longer than the lifetime, so no repeat broadcast falls into a measurement.
const REPEAT_MINUTES = 60;

export function benchAlertInput(): AlertInput {
  return {
    kind: 'siren',
    status: 'exercise',
    content: { da: { title: BENCH_ALERT_TITLE, body: BENCH_ALERT_BODY } },
    audience: { type: 'all' },
    confirm: 'SIRENE',
    expiresInMinutes: EXPIRES_MINUTES,
    repeatMinutes: REPEAT_MINUTES,
  };
}

export function benchAgentAlert(seq: number, at = new Date()): AgentAlert {
  return {
    id: randomUUID(),
    seq,
    kind: 'siren',
    status: 'exercise',
    severity: 'extreme',
    content: { da: { title: BENCH_ALERT_TITLE, body: BENCH_ALERT_BODY } },
    createdAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + EXPIRES_MINUTES * 60_000).toISOString(),
    msgType: 'alert',
    repeatMinutes: REPEAT_MINUTES,
  };
}

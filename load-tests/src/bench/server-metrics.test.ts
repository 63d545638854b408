import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prom-text.js';
import { summarizeMetrics } from './server-metrics.js';
import { metricsProblems, pushProblems } from './scenarios/varsel-phase.js';
import type { PushFigures } from './scenarios/push-wakeup.js';

/** What an edge serves at /metrics, trimmed to the series the summary reads. */
const edge = (connected: number, delivered: number, acknowledged: number): string => `
# HELP varsel_connected_agents Agents connected to this edge
# TYPE varsel_connected_agents gauge
varsel_connected_agents{role="edge"} ${connected}
varsel_reports_total{state="delivered",outcome="recorded",role="edge"} ${delivered}
varsel_reports_total{state="delivered",outcome="unchanged",role="edge"} 2
varsel_reports_total{state="acknowledged",outcome="recorded",role="edge"} ${acknowledged}
varsel_reports_total{state="acknowledged",outcome="failed",role="edge"} 0
varsel_report_batch_size_bucket{le="100",role="edge"} 10
varsel_report_batch_size_bucket{le="1000",role="edge"} 20
varsel_report_batch_size_bucket{le="+Inf",role="edge"} 20
varsel_report_batch_size_sum{role="edge"} 4000
varsel_report_batch_size_count{role="edge"} 20
varsel_report_batch_duration_seconds_bucket{le="0.005",role="edge"} 19
varsel_report_batch_duration_seconds_bucket{le="0.025",role="edge"} 20
varsel_report_batch_duration_seconds_bucket{le="+Inf",role="edge"} 20
varsel_report_batch_duration_seconds_sum{role="edge"} 0.06
varsel_report_batch_duration_seconds_count{role="edge"} 20
varsel_replayed_messages_total{role="edge"} 7
varsel_upgrades_abandoned_total{role="edge"} 5
varsel_handshake_refusals_total{reason="DEVICE_AUTH_FAILED",role="edge"} 1
varsel_alerts_accepted_total{kind="siren",msg_type="alert",role="edge"} 2
varsel_queue_jobs{queue="fanout",state="waiting",role="edge"} 0
varsel_nodejs_eventloop_lag_p99_seconds{role="edge"} 0.1234
varsel_nodejs_eventloop_lag_max_seconds{role="edge"} 0.5
varsel_process_resident_memory_bytes{role="edge"} 157286400
`;
const worker = `
varsel_fanout_duration_seconds_bucket{le="0.05",role="worker"} 1
varsel_fanout_duration_seconds_bucket{le="0.1",role="worker"} 2
varsel_fanout_duration_seconds_bucket{le="+Inf",role="worker"} 2
varsel_fanout_duration_seconds_sum{role="worker"} 0.13
varsel_fanout_duration_seconds_count{role="worker"} 2
varsel_fanout_jobs_total{result="completed",role="worker"} 2
varsel_fanout_jobs_total{result="failed",role="worker"} 0
varsel_queue_jobs{queue="fanout",state="waiting",role="worker"} 1
varsel_push_results_total{channel="webpush",reason="sent",role="worker"} 490
varsel_push_results_total{channel="webpush",reason="gone",role="worker"} 10
varsel_push_results_total{channel="fcm",reason="sent",role="worker"} 0
varsel_push_unregistered_total{role="worker"} 45000
`;

describe("Varsel's own metrics in the benchmark", () => {
  const m = summarizeMetrics(
    'after the broadcast rounds (a)',
    [
      { name: 'varsel-edge-0', samples: parsePrometheusText(edge(1500, 3000, 3000)) },
      { name: 'varsel-edge-1', samples: parsePrometheusText(edge(1500, 3000, 2999)) },
    ],
    [parsePrometheusText(worker)],
    [],
  );

  it('sums the edges, reads the workers and works out means and bucket bounds', () => {
    expect(m.edges).toEqual([
      { name: 'varsel-edge-0', connectedAgents: 1500, eventLoopLagP99Ms: 123.4, eventLoopLagMaxMs: 500, rssMiB: 150 },
      { name: 'varsel-edge-1', connectedAgents: 1500, eventLoopLagP99Ms: 123.4, eventLoopLagMaxMs: 500, rssMiB: 150 },
    ]);
    expect(m.reports).toEqual({ delivered: { recorded: 6000, unchanged: 4 }, acknowledged: { recorded: 5999, failed: 0 } });
    expect(m.reportBatches).toEqual({ count: 40, meanSize: 200, meanMs: 3, p99MsAtMost: 25 });
    expect(m).toMatchObject({ replayedMessages: 14, upgradesAbandoned: 10, handshakeRefusals: { DEVICE_AUTH_FAILED: 2 }, alertsAccepted: 4 });
    expect(m.fanout).toEqual({ jobs: { completed: 2, failed: 0 }, count: 2, meanMs: 65, p99MsAtMost: 100 });
    // Every process reports the same queue depth; the largest reading is kept.
    expect(m.queues).toEqual({ 'fanout waiting': 1 });
    expect(m.pushResults).toEqual({ webpush: { sent: 490, gone: 10 }, fcm: { sent: 0 } });
    expect(m.pushUnregistered).toBe(45_000);
  });

  it('finds a count that does not match what the agents received', () => {
    expect(metricsProblems(m, 6000)).toEqual([`varsel metrics after the broadcast rounds (a): 5999 acknowledged reports recorded, the agents received 6000 broadcasts`]);
    expect(metricsProblems({ ...m, unreadable: ['varsel-worker-0: GET …: 503'] }, 5999)[0]).toMatch(/not read from varsel-worker-0/);
  });
});

describe('the push wake-up (h) in the benchmark', () => {
  const p: PushFigures = {
    registered: 5000, registerMs: 9000, gone: 100, afterMs: 5000, reached: 4900, expected: 4900, firstMs: 5100, p99Ms: 6500, lastMs: 6600, ratePerSec: 3267, malformed: 0,
    results: { sent: 4900, gone: 100 }, unregistered: 300, cpuMs: {},
  };

  it('has no problem when every live subscription was woken once and every gone one counted', () => {
    expect(pushProblems(p)).toEqual([]);
  });

  it('names what is missing or failed', () => {
    expect(pushProblems({ ...p, reached: 4899, results: { sent: 4899, gone: 100, network: 1 } })).toEqual([
      'push wake-up: 1 of 4900 subscriptions got no push',
      'push wake-up: the worker counted 4899 pushes sent, the push service accepted 4899',
      'push wake-up: pushes failed (network 1)',
    ]);
    expect(pushProblems({ ...p, results: { sent: 4900 }, malformed: 2 })).toEqual(['push wake-up: the worker counted 0 gone, 100 subscriptions were', 'push wake-up: 2 pushes lacked a TTL or VAPID header']);
  });
});

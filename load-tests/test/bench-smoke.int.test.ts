import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../src/bench/bench-run.js';
import { benchOptions } from '../src/bench/options.js';

/**
 * The CI smoke run of the fan-out benchmark (issue 4, item 7): the real harness at small scale,
 * with Varsel's edges and worker as separate processes from server/dist (npm test builds first),
 * a private Redis with the production configuration, and the bare socket.io set. It checks that
 * every agent received every broadcast and prints the figures; it asserts no timings, which on a
 * shared CI machine would only be noise.
 */
describe('the fan-out benchmark (CI smoke)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('delivers sirens to all 3,000 agents on 2 edges, through Varsel and through bare socket.io, counts every acknowledgement, and wakes the 500 devices without an agent by Web Push', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'varsel-bench-smoke-'));
    dirs.push(outDir);
    const options = benchOptions({
      agents: 3000,
      // 500 without an agent: scenario h wakes them by Web Push.
      devices: 3500,
      edges: 2,
      workers: 1,
      rounds: 1,
      scenarios: ['a', 'b', 'h'],
      // Two harness processes, so the multi-process path (source addresses, IPC) is exercised too.
      agentsPerProcess: 1500,
      outDir,
      timeoutMinutes: 2,
      roundTimeoutMs: 30_000,
    });

    const run = await runBench(options);
    dirs.push(run.logDir);
    process.stdout.write(`\n${run.markdown}`);

    expect(run.aborted).toBeNull();
    expect(run.result.problems).toEqual([]);
    expect(run.result.setup.varselConnect).toMatchObject({ connected: 3000, failed: {} });
    for (const r of run.result.varsel?.rounds ?? []) {
      expect(r).toMatchObject({ expected: 3000, received: 3000, duplicates: 0 });
      expect(r.server?.counts).toMatchObject({ delivered: 3000, acknowledged: 3000 });
      expect(r.acks?.allCountedMs).not.toBeNull();
    }
    expect(run.result.varsel).toMatchObject({ received: 3000, expected: 3000 });
    // Varsel's own metrics, read from every edge and the worker, agree with the agents.
    const [m] = run.result.serverMetrics;
    expect(m?.unreadable).toEqual([]);
    expect(m?.edges.map((e) => e.connectedAgents)).toEqual([1500, 1500]);
    const received = (run.result.varsel?.rounds ?? []).reduce((a, r) => a + r.received, 0);
    expect(m?.reports.acknowledged?.recorded).toBe(received);
    expect(m?.fanout.jobs.completed).toBe(run.result.varsel?.rounds.length);
    expect(run.result.bare).toMatchObject({ received: 3000, expected: 3000 });
    // h: every live subscription got its wake-up, the gone ones (1 in 50) were answered 410, and the worker counted both.
    expect(run.result.push).toMatchObject({ registered: 500, gone: 10, expected: 490, reached: 490, malformed: 0, results: { sent: 490, gone: 10 } });
    expect(run.files).not.toBeNull();
    for (const f of Object.values(run.files ?? {})) expect(existsSync(f)).toBe(true);
  }, 115_000);
});

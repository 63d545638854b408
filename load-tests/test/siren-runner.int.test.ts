import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ApiClient, TEST_ADMIN_PASSWORD, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { parseCommand, type RunOptions } from '../src/arg-parse.js';
import { loadDevices } from '../src/device-file.js';
import { runSirens } from '../src/siren-runner.js';

function optionsFor(url: string, extra: string[] = []): RunOptions {
  const cmd = parseCommand(['--url', url, '--password', TEST_ADMIN_PASSWORD, '--agents', '30', '--rounds', '2', '--pause-ms', '0', '--wait-ms', '10000', ...extra]);
  if (cmd.kind !== 'run') throw new Error('expected a run command');
  return cmd.options;
}

describe('runSirens against a real Varsel', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function varsel(): Promise<TestVarsel> {
    const v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    cleanups.push(() => v.close());
    return v;
  }

  const agentSockets = (v: TestVarsel): number => v.app.io.of('/').sockets.size;

  it('passes a clean run: every agent receives every siren once, and the API counts every acknowledgement', async () => {
    const v = await varsel();
    const report = await runSirens(optionsFor(v.url), new AbortController().signal);

    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.setup).toMatchObject({ agents: 30, enrolled: 30, connected: 30, refusals: {}, disconnects: {} });
    expect(report.rounds).toHaveLength(2);
    for (const r of report.rounds) {
      expect(r).toMatchObject({ expected: 30, received: 30, duplicates: 0, audienceDevices: 30 });
      expect(r.counts).toMatchObject({ targeted: 30, delivered: 30, displayed: 30, acknowledged: 30 });
      expect(r.reports.acknowledged).toEqual({ ok: 30, recorded: 30, failed: 0, pending: 0 });
      expect(r.allAcknowledgedMs).toBeGreaterThan(0);
    }
    expect(report.overall.latency.count).toBe(60);
    // Every socket is closed at the end.
    await waitFor('the server to see every agent leave', () => agentSockets(v) === 0, 5000);
  });

  it('reuses the devices of a devices file, and fails the run with the refusal code of a revoked one', async () => {
    const v = await varsel();
    const dir = await mkdtemp(join(tmpdir(), 'siren-run-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'devices.json');
    const opts = optionsFor(v.url, ['--devices-file', file, '--rounds', '1']);

    expect((await runSirens(opts, new AbortController().signal)).ok).toBe(true);
    const devices = await loadDevices(file, { url: opts.url, orgUnit: opts.orgUnit });
    expect(devices).toHaveLength(30);

    const admin = await ApiClient.login(v.url);
    expect((await admin.request('DELETE', `/api/devices/${devices[0]!.deviceId}`)).status).toBe(204);

    const second = await runSirens(opts, new AbortController().signal);
    expect(second.setup).toMatchObject({ enrolled: 30, reused: 30, connected: 29, refusals: { '40303 DEVICE_REVOKED': 1 } });
    expect(second.rounds[0]).toMatchObject({ expected: 29, received: 29, counts: { targeted: 29, delivered: 29, displayed: 29, acknowledged: 29 } });
    expect(second.ok).toBe(false);
    expect(second.problems).toEqual(['1 agent could not connect (40303 DEVICE_REVOKED: 1)']);
  });

  it('stops when aborted, reports why, and closes every socket', async () => {
    const v = await varsel();
    const controller = new AbortController();
    const run = runSirens(optionsFor(v.url, ['--rounds', '50', '--pause-ms', '60000']), controller.signal);
    await waitFor('the agents to connect', () => agentSockets(v) === 30, 15_000);
    controller.abort(new Error('interrupted (test)'));
    const report = await run;

    expect(report.aborted).toBe('interrupted (test)');
    expect(report.ok).toBe(false);
    await waitFor('the server to see every agent leave', () => agentSockets(v) === 0, 5000);
  });
});

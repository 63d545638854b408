import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlertView, Device } from '@varsel/shared';
import { ApiClient, SIREN, createEnrollmentToken, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The real varsel-agent CLI, run from source in its own process. */
function agent(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=varsel-source', 'client-agent/src/node/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('varsel-agent against a real server', () => {
  let v: TestVarsel;
  let admin: ApiClient;
  let stateDir: string;
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    admin = await ApiClient.login(v.url);
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'varsel-agent-'));
  });
  afterAll(async () => {
    await v.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('enrolls, receives a siren, acknowledges it, shows its update and cancellation, and stops with exit code 2 when the device is revoked', async () => {
    const token = await createEnrollmentToken(admin, 'KIT');
    const enroll = agent(['enroll', '--server', v.url, '--token', token, '--hostname', 'kit-pc-0042', '--location', 'havkatten', '--state-dir', stateDir]);
    expect(await enroll.exited).toBe(0);
    const devices = (await admin.request<Device[]>('GET', '/api/devices')).body;
    expect(devices).toMatchObject([{ hostname: 'kit-pc-0042', orgUnit: 'KIT', location: 'havkatten', platform: 'linux' }]);

    const run = agent(['run', '--auto-ack', '--no-sound', '--state-dir', stateDir]);
    try {
      await waitFor('the agent to connect', () => v.app.io.of('/').sockets.size === 1, 30_000);
      const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
      expect(sent.status).toBe(201);
      await waitFor('the acknowledgement', async () => {
        const view = await admin.request<AlertView>('GET', `/api/alerts/${sent.body.id}`);
        return view.body.counts.acknowledged === 1;
      });
      const view = await admin.request<AlertView>('GET', `/api/alerts/${sent.body.id}`);
      expect(view.body.counts).toEqual({ targeted: 1, delivered: 1, displayed: 1, acknowledged: 1, expired: 0, cancelled: 0 });
      expect(run.output()).toContain(SIREN.content.da.title);

      // Protocol 2: an update shows OPDATERET, the cancellation ANNULLERET.
      const update = await admin.request<AlertView>('POST', `/api/alerts/${sent.body.id}/updates`, {
        content: { da: { title: 'Strømmen er tilbage om lidt', body: 'Bliv udenfor indtil videre.' } },
      });
      expect(update.status).toBe(201);
      await waitFor('the update on screen', () => run.output().includes('OPDATERET') && run.output().includes('STRØMMEN ER TILBAGE OM LIDT'));
      const cancel = await admin.request<AlertView>('POST', `/api/alerts/${sent.body.id}/cancel`, {});
      expect(cancel.status).toBe(201);
      await waitFor('the cancellation on screen', () => run.output().includes('ANNULLERET'));
      // The agent reports the update and the cancellation as delivered and displayed. Revoking the
      // device before the server has recorded those reports would leave them in the agent's outbox.
      for (const id of [update.body.id, cancel.body.id]) {
        await waitFor(`the reports of ${id}`, async () => (await admin.request<AlertView>('GET', `/api/alerts/${id}`)).body.counts.displayed === 1);
      }

      expect((await admin.request('DELETE', `/api/devices/${devices[0]!.id}`)).status).toBe(204);
      expect(await run.exited).toBe(2);
      const saved = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { cursor: number; closedThreadIds: string[]; outbox: unknown[] };
      expect(saved.cursor).toBe(cancel.body.seq);
      expect(saved.closedThreadIds).toEqual([sent.body.id]);
      expect(saved.outbox).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('explains an unknown enrollment token and exits non-zero', async () => {
    const enroll = agent(['enroll', '--server', v.url, '--token', 'vet_unknown-token-xyz', '--org-unit', 'KIT', '--state-dir', path.join(stateDir, 'other')]);
    expect(await enroll.exited).not.toBe(0);
    expect(enroll.output()).toContain('40302');
  });
});

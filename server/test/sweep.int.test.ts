import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlertInputSchema, type AlertView } from '@varsel/shared';
import { AlertStore } from '../src/store/alert-store.js';
import { Keys } from '../src/store/keys.js';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, startVarsel, testPrefix, waitFor, type TestVarsel } from '../../test-support/varsel.js';
import { SimAgent } from '../../test-support/sim-agent.js';

describe('the sweep', () => {
  let v: TestVarsel;
  let redis: Redis;
  const prefix = testPrefix();
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix });
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    redis.disconnect();
    await v.close();
  });

  it('sends an alert that an edge stored but died before enqueueing, within one sweep', { timeout: 60_000 }, async () => {
    const admin = await ApiClient.login(v.url);
    const [device] = await enrollDevices(v.url, await createEnrollmentToken(admin, 'BIF'), 1);
    const agent = new SimAgent(v.url, device!, { autoAck: false });
    await waitFor('the agent to sync', () => agent.syncs >= 1);

    // What a dying edge leaves behind: the alert stored (as of 11 s ago), no fan-out job.
    const store = new AlertStore(redis, new Keys(prefix));
    const input = AlertInputSchema.parse({ ...SIREN, audience: { type: 'units', units: ['BIF'] } });
    const orphan = await store.create(input, 'admin', ['BIF', 'BIF-JOBCENTER'], new Date(Date.now() - 11_000));

    const t0 = performance.now();
    await waitFor('the sweep to send it', () => agent.shownCount(orphan.id) === 1, 40_000, 200);
    console.info(`[sweep] orphaned alert delivered ${Math.round(performance.now() - t0)} ms after it was stored`);
    const view = (await admin.request<AlertView>('GET', `/api/alerts/${orphan.id}`)).body;
    expect(view.fanout.state).toBe('done');
    expect(view.counts.targeted).toBe(1);
    agent.stop();
  });
});

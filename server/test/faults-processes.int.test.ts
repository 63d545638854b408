import { afterEach, describe, expect, inject, it } from 'vitest';
import type { AlertView } from '@varsel/shared';
import { ApiClient, SIREN, createEnrollmentToken, enrollDevices, testPrefix, waitFor } from '../../test-support/varsel.js';
import { spawnVarsel, type VarselProcess } from '../../test-support/varsel-process.js';
import { startPrivateRedis, type PrivateRedis } from '../../test-support/redis-server.js';
import { TcpBalancer } from '../../test-support/tcp-balancer.js';
import { SimAgent } from '../../test-support/sim-agent.js';

/** Fault tests against real processes: each kills something with SIGKILL and checks nothing is lost. */
describe('faults: crashed processes lose no alert', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  const spawn = async (...args: Parameters<typeof spawnVarsel>): Promise<VarselProcess> => {
    const p = await spawnVarsel(...args);
    cleanups.push(() => p.stop());
    return p;
  };
  const agentsOn = (url: string, devices: Awaited<ReturnType<typeof enrollDevices>>): SimAgent[] => {
    const agents = devices.map((d) => new SimAgent(url, d));
    cleanups.push(() => agents.forEach((a) => a.stop()));
    return agents;
  };
  const countsOf = async (api: ApiClient, id: string): Promise<AlertView['counts']> => (await api.request<AlertView>('GET', `/api/alerts/${id}`)).body.counts;

  it('an edge killed while a siren fans out to 1,000 agents on two edges: its agents reconnect to the other edge and every agent shows the siren once and acknowledges it', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = testPrefix();
    const edgeA = await spawn({ role: 'edge', redisUrl, prefix });
    const edgeB = await spawn({ role: 'edge', redisUrl, prefix });
    await spawn({ role: 'worker', redisUrl, prefix });
    const lb = await new TcpBalancer([edgeA.port, edgeB.port]).listen();
    cleanups.push(() => lb.close());

    const admin = await ApiClient.login(edgeB.url);
    const devices = await enrollDevices(edgeB.url, await createEnrollmentToken(admin), 1000);
    const agents = agentsOn(lb.url, devices);
    await waitFor('1,000 agents connected and synced', () => agents.every((a) => a.syncs >= 1), 60_000);

    const t0 = performance.now();
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    await edgeA.kill9();
    const id = sent.body.id;
    await waitFor('every agent to show the siren', () => agents.every((a) => a.shownCount(id) === 1), 60_000);
    const allShownMs = performance.now() - t0;
    await waitFor('1,000 acknowledgements counted', async () => (await countsOf(admin, id)).acknowledged === 1000, 60_000);
    const allAckedMs = performance.now() - t0;

    expect(await countsOf(admin, id)).toMatchObject({ targeted: 1000, delivered: 1000, acknowledged: 1000 });
    expect(agents.every((a) => a.shownCount(id) === 1)).toBe(true);
    expect(agents.filter((a) => a.syncs >= 2).length).toBeGreaterThan(0); // edge A's agents reconnected
    console.info(`[fault] edge kill -9, 1,000 agents: all shown in ${Math.round(allShownMs)} ms, all acknowledged in ${Math.round(allAckedMs)} ms; ${agents.filter((a) => a.receivedCount(id) > 1).length} agents received a duplicate (deduplicated)`);
  });

  it('a worker killed after the alert was accepted and before its fan-out finished: a new worker delivers it to every agent', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = testPrefix();
    const edge = await spawn({ role: 'edge', redisUrl, prefix });
    // This worker holds each fan-out 5 s before its broadcast, so it can be killed mid-job.
    const doomed = await spawn({ role: 'worker', redisUrl, prefix, env: { FAULT_FANOUT_DELAY_MS: '5000' } });
    const admin = await ApiClient.login(edge.url);
    const agents = agentsOn(edge.url, await enrollDevices(edge.url, await createEnrollmentToken(admin), 200));
    await waitFor('200 agents synced', () => agents.every((a) => a.syncs >= 1), 30_000);

    const t0 = performance.now();
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const id = sent.body.id;
    await waitFor('the fan-out to be under way', () => doomed.output().includes('fault injection: holding the fan-out'));
    await doomed.kill9();
    expect(agents.some((a) => a.receivedCount(id) > 0)).toBe(false);

    await spawn({ role: 'worker', redisUrl, prefix });
    await waitFor('every agent to get the siren', () => agents.every((a) => a.shownCount(id) === 1), 60_000);
    const ms = performance.now() - t0;
    await waitFor('200 acknowledgements', async () => (await countsOf(admin, id)).acknowledged === 200);
    console.info(`[fault] worker kill -9 mid fan-out, 200 agents: all delivered ${Math.round(ms)} ms after the 2xx (lock takeover included)`);
  });

  it('Redis killed and restarted between accepting an alert (2xx) and its fan-out: the alert survives in the AOF and is delivered', async () => {
    const redis: PrivateRedis = await startPrivateRedis({ production: true });
    cleanups.push(() => redis.stop());
    const prefix = testPrefix();
    const edge = await spawn({ role: 'edge', redisUrl: redis.url, prefix });
    const admin = await ApiClient.login(edge.url);
    const agents = agentsOn(edge.url, await enrollDevices(edge.url, await createEnrollmentToken(admin), 100));
    await waitFor('100 agents synced', () => agents.every((a) => a.syncs >= 1), 30_000);

    // No worker runs yet: the alert is accepted, stored and queued, but not fanned out.
    const sent = await admin.request<AlertView>('POST', '/api/alerts', SIREN);
    expect(sent.status).toBe(201);
    const id = sent.body.id;
    const t0 = performance.now();
    await redis.kill();
    await redis.restart();
    await spawn({ role: 'worker', redisUrl: redis.url, prefix });
    await waitFor('every agent to get the siren', () => agents.every((a) => a.shownCount(id) === 1), 60_000);
    const ms = performance.now() - t0;
    await waitFor('100 acknowledgements', async () => (await countsOf(admin, id)).acknowledged === 100, 30_000);
    console.info(`[fault] Redis kill -9 + restart after the 2xx, 100 agents: all delivered ${Math.round(ms)} ms after the kill`);
  });
});

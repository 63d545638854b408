import { describe, expect, it } from 'vitest';
import { metricSum } from '../../../test-support/prometheus-text.js';
import { createLogger } from '../log.js';
import { Metrics, type JobCountSource } from './metrics.js';

const log = createLogger({ LOG_LEVEL: 'silent' });
const scrape = async (m: Metrics): Promise<string> => (await m.scrape()).body;

describe('Metrics', () => {
  it('counts reports by reported state and outcome, spelling outcomes in snake_case, with the role on every series', async () => {
    const m = new Metrics('edge', log);
    m.report('delivered', 'recorded');
    m.report('delivered', 'recorded');
    m.report('delivered', 'not-targeted');
    m.report('acknowledged', 'unchanged');
    m.report('acknowledged', 'failed');
    const text = await scrape(m);
    expect(metricSum(text, 'varsel_reports_total', { state: 'delivered', outcome: 'recorded', role: 'edge' })).toBe(2);
    expect(metricSum(text, 'varsel_reports_total', { state: 'delivered', outcome: 'not_targeted' })).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { state: 'acknowledged', outcome: 'unchanged' })).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { state: 'acknowledged', outcome: 'failed' })).toBe(1);
    expect(metricSum(text, 'varsel_reports_total', { state: 'displayed' })).toBe(0);
  });

  it('keeps the counts of two apps in one process apart, starts every known series at 0, and adds Node default metrics under the varsel_ prefix', async () => {
    const a = new Metrics('worker', log);
    const b = new Metrics('worker', log);
    a.fanoutJob('completed');
    a.fanoutDone(0.02);
    expect(metricSum(await scrape(a), 'varsel_fanout_jobs_total', { result: 'completed' })).toBe(1);
    expect(metricSum(await scrape(a), 'varsel_fanout_duration_seconds_count')).toBe(1);
    expect(metricSum(await scrape(b), 'varsel_fanout_jobs_total', { result: 'completed' })).toBe(0);
    expect(metricSum(await scrape(b), 'varsel_process_resident_memory_bytes', { role: 'worker' })).toBeGreaterThan(0);
  });

  it('reads connection counts, reports waiting and the Redis state when scraped, not when recorded', async () => {
    const m = new Metrics('edge', log);
    let agents = 3;
    let waiting = 0;
    let up = true;
    m.trackConnections({ agents: () => agents, consoles: () => 1, upgradesWaiting: () => waiting });
    m.trackRedis(() => up);
    let reports = 0;
    m.trackReports(() => reports);
    expect(metricSum(await scrape(m), 'varsel_connected_agents')).toBe(3);
    expect(metricSum(await scrape(m), 'varsel_reports_waiting')).toBe(0);
    agents = 7;
    waiting = 1200;
    reports = 8500;
    up = false;
    const text = await scrape(m);
    expect(metricSum(text, 'varsel_connected_agents')).toBe(7);
    expect(metricSum(text, 'varsel_upgrades_waiting')).toBe(1200);
    expect(metricSum(text, 'varsel_reports_waiting')).toBe(8500);
    expect(metricSum(text, 'varsel_connected_consoles')).toBe(1);
    expect(metricSum(text, 'varsel_redis_up')).toBe(0);
  });

  it('reports queue depths by queue and state', async () => {
    const m = new Metrics('all', log);
    const queue = (name: string, waiting: number): JobCountSource => ({ name, getJobCounts: () => Promise.resolve({ waiting, active: 1, delayed: 0, prioritized: 0, failed: 2 }) });
    m.trackQueues([queue('fanout', 5), queue('lifecycle', 0)]);
    const text = await scrape(m);
    expect(metricSum(text, 'varsel_queue_jobs', { queue: 'fanout', state: 'waiting' })).toBe(5);
    expect(metricSum(text, 'varsel_queue_jobs', { queue: 'fanout', state: 'failed' })).toBe(2);
    expect(metricSum(text, 'varsel_queue_jobs', { queue: 'lifecycle', state: 'active' })).toBe(1);
  });

  it('answers a scrape within the timeout when Redis does not answer the queue counts, leaving the queue series out rather than stale', async () => {
    const m = new Metrics('edge', log);
    let hang = false;
    const counts = { waiting: 4, active: 0, delayed: 0, prioritized: 0, failed: 0 };
    m.trackQueues([{ name: 'fanout', getJobCounts: () => (hang ? new Promise(() => undefined) : Promise.resolve(counts)) }], 100);
    m.alertAccepted('siren', 'alert');
    expect(metricSum(await scrape(m), 'varsel_queue_jobs', { state: 'waiting' })).toBe(4);
    hang = true;
    const started = performance.now();
    const text = await scrape(m);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(metricSum(text, 'varsel_queue_jobs')).toBeUndefined();
    expect(metricSum(text, 'varsel_alerts_accepted_total', { kind: 'siren', msg_type: 'alert' })).toBe(1);
  });
});

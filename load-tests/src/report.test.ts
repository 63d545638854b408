import { describe, expect, it } from 'vitest';
import { AlertCountsSchema, type AlertCounts } from '@varsel/shared';
import { parseCommand } from './arg-parse.js';
import { buildReport, formatReport, overallOf, roundProblems, setupProblems, type SetupResult } from './report.js';
import type { RoundResult } from './siren-round.js';
import { summarize } from './stats.js';

/** Counts as the API reports them (fields the run does not check take their defaults). */
const counts = (targeted: number, delivered: number, displayed: number, acknowledged: number): AlertCounts =>
  AlertCountsSchema.parse({ targeted, delivered, displayed, acknowledged });
const tally = (n: number) => ({ ok: n, recorded: n, failed: 0, pending: 0 });

/** A round in which 100 agents got the alert and everything was counted. */
function goodRound(over: Partial<RoundResult> = {}): RoundResult {
  return {
    round: 1,
    alertId: '0b9c0b9c-0b9c-4b9c-8b9c-0b9c0b9c0b9c',
    expected: 100,
    audienceDevices: 100,
    received: 100,
    duplicates: 0,
    latency: summarize([10, 20, 30]),
    postMs: 5,
    allReceivedMs: 30,
    reports: { delivered: tally(100), displayed: tally(0), acknowledged: tally(100) },
    reportFailures: {},
    allAcknowledgedMs: 250,
    fanoutMs: 12,
    counts: counts(100, 100, 100, 100),
    error: null,
    ...over,
  };
}

const goodSetup: SetupResult = { agents: 100, enrolled: 100, reused: 0, enrollMs: 1000, enrollRetries: 0, connected: 100, connectMs: 500, refusals: {}, disconnects: {} };

describe('roundProblems', () => {
  it('passes a round in which every agent received, reported and was counted', () => {
    expect(roundProblems(goodRound())).toEqual([]);
  });

  it('fails a round in which some agents never received the alert', () => {
    expect(roundProblems(goodRound({ received: 97 }))).toEqual(['round 1: 3 of 100 agents never received the alert']);
  });

  it('fails a round with duplicate receipts', () => {
    expect(roundProblems(goodRound({ duplicates: 2 }))).toEqual(['round 1: 2 duplicate receipts']);
  });

  it('fails a round with lost acknowledgements and names their reasons', () => {
    const p = roundProblems(
      goodRound({
        reports: { delivered: tally(100), displayed: tally(0), acknowledged: { ok: 98, recorded: 98, failed: 2, pending: 0 } },
        reportFailures: { 'acknowledged timeout': 1, 'acknowledged 50301': 1 },
      }),
    );
    expect(p).toEqual(['round 1: 2 acknowledged reports failed (acknowledged timeout: 1, acknowledged 50301: 1)']);
  });

  it('fails a round whose API counts do not match what the agents did', () => {
    const p = roundProblems(goodRound({ counts: counts(101, 100, 100, 99), allAcknowledgedMs: null }));
    expect(p).toEqual([
      'round 1: the API never showed all 100 acknowledgements in time',
      'round 1: the API counts 99 acknowledged, expected 100',
      'round 1: the API counts 101 targeted, but the audience had 100 devices just before',
    ]);
  });

  it('accepts offline devices in the audience: they are targeted but not expected', () => {
    expect(roundProblems(goodRound({ audienceDevices: 130, counts: counts(130, 100, 100, 100) }))).toEqual([]);
  });

  it('reports a round whose alert could not be sent by its error only', () => {
    const r = goodRound({ alertId: null, received: 0, counts: null, allAcknowledgedMs: null, error: 'POST /api/alerts: expected 201, got 503' });
    expect(roundProblems(r)).toEqual(['round 1: POST /api/alerts: expected 201, got 503']);
  });
});

describe('setupProblems', () => {
  it('names handshake refusals by code', () => {
    expect(setupProblems({ ...goodSetup, connected: 97, refusals: { '40303 DEVICE_REVOKED': 2, timeout: 1 } })).toEqual([
      '3 agents could not connect (40303 DEVICE_REVOKED: 2, timeout: 1)',
    ]);
  });

  it('names connections lost during the run', () => {
    expect(setupProblems({ ...goodSetup, disconnects: { 'ping timeout': 4 } })).toEqual(['4 agents lost their connection during the run (ping timeout: 4)']);
  });

  it('does not count work an early stop prevented as a problem', () => {
    expect(setupProblems({ ...goodSetup, enrolled: 40, connected: 0 }, true)).toEqual([]);
    expect(setupProblems({ ...goodSetup, enrolled: 40, connected: 0 })).toEqual(['only 40 of 100 devices enrolled', '40 agents could not connect']);
  });
});

describe('overallOf', () => {
  it('adds up the rounds and takes percentiles over every latency of every round', () => {
    const o = overallOf([goodRound(), goodRound({ round: 2, allAcknowledgedMs: 400, duplicates: 1 })], [...Array.from({ length: 99 }, () => 10), 500]);
    expect(o).toMatchObject({ rounds: 2, received: 200, expected: 200, duplicates: 1, maxAllAcknowledgedMs: 400, reportFailures: 0 });
    expect(o.latency).toMatchObject({ count: 100, p50: 10, p99: 10, max: 500 });
  });

  it('has no all-acknowledged time when one round never got there', () => {
    expect(overallOf([goodRound(), goodRound({ allAcknowledgedMs: null })], [1]).maxAllAcknowledgedMs).toBeNull();
  });
});

describe('buildReport and formatReport', () => {
  const cmd = parseCommand(['--url', 'http://localhost:8080', '--password', 'secret-pw', '--agents', '100', '--rounds', '1']);
  if (cmd.kind !== 'run') throw new Error('unreachable');
  const base = { options: cmd.options, setup: goodSetup, latenciesMs: [10, 20, 30], startedAt: new Date(0), finishedAt: new Date(1000), aborted: null };

  it('passes a clean run, and never puts the password in the report', () => {
    const rep = buildReport({ ...base, rounds: [goodRound()] });
    expect(rep.ok).toBe(true);
    expect(JSON.stringify(rep)).not.toContain('secret-pw');
    const text = formatReport(rep);
    expect(text).toMatch(/^1 +100\/100 +0 +20 +30 +30 +30 +250 +12 +0 +100\/100\/100$/m);
    expect(text.trimEnd().endsWith('PASS')).toBe(true);
  });

  it('fails a run that did not get through all its rounds', () => {
    const rep = buildReport({ ...base, options: { ...cmd.options, rounds: 3 }, rounds: [goodRound()] });
    expect(rep.problems).toEqual(['only 1 of 3 rounds ran']);
  });

  it('fails an interrupted run and lists why', () => {
    const rep = buildReport({ ...base, rounds: [], aborted: 'interrupted (SIGINT)' });
    expect(rep.ok).toBe(false);
    expect(formatReport(rep)).toContain('FAIL (1 problem):\n  - run stopped early: interrupted (SIGINT)');
  });
});

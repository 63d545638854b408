import type { RunOptions } from './arg-parse.js';
import { loadDevices, saveDevices } from './device-file.js';
import { Fleet, enrollFleet } from './fleet.js';
import { note } from './progress.js';
import { buildReport, type RunReport, type SetupResult } from './report.js';
import { REPORT_STATES, countDuplicates, runRound, type RoundResult } from './siren-round.js';
import { sleep } from './timing.js';
import { VarselClient, type Enrolled } from './varsel-client.js';

// 20 s: socket.io-client's default connect timeout; a handshake slower than that is a failure.
const CONNECT_TIMEOUT_MS = 20_000;

/**
 * One whole run: log in, enroll (or reuse) the devices, connect the agents, run the rounds, close
 * every socket and log out. Never throws: a run that cannot go on is reported as aborted, with
 * whatever it measured until then. Aborting `signal` stops it at the next wait.
 */
export async function runSirens(o: RunOptions, signal: AbortSignal): Promise<RunReport> {
  const startedAt = new Date();
  const setup: SetupResult = { agents: o.agents, enrolled: 0, reused: 0, enrollMs: null, enrollRetries: 0, connected: 0, connectMs: null, refusals: {}, disconnects: {} };
  const rounds: RoundResult[] = [];
  const latenciesMs: number[] = [];
  let client: VarselClient | undefined;
  let fleet: Fleet | undefined;
  let aborted: string | null = null;

  try {
    note(`logging in to ${o.url} as ${o.user}`);
    client = (await VarselClient.login(o.url, o.user, o.password)).client;
    signal.throwIfAborted();
    const devices = await enrollOrReuse(client, o, startedAt, signal);
    Object.assign(setup, { enrolled: devices.list.length, reused: devices.reused, enrollMs: devices.ms, enrollRetries: devices.retries });

    fleet = new Fleet(devices.list, {
      url: o.url,
      localAddresses: o.localAddresses,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      reportTimeoutMs: o.reportTimeoutMs,
      protocol: o.protocol,
      reportStates: REPORT_STATES,
    });
    const c = await fleet.connectAll(o.connectBatch, signal);
    Object.assign(setup, { connected: c.connected, connectMs: c.ms, refusals: c.refusals });
    signal.throwIfAborted();
    if (c.connected === 0) throw new Error(`no agent could connect (${JSON.stringify(c.refusals)})`);

    for (let r = 1; r <= o.rounds; r++) {
      if (r > 1) await sleep(o.pauseMs, signal);
      const { result, latenciesMs: lat } = await runRound({ client, fleet, options: o, signal }, r);
      rounds.push(result);
      for (const v of lat) latenciesMs.push(v); // a loop, not push(...lat): no argument-count limit
      note(roundLine(result));
    }
    // Duplicates can arrive after their round ended; count them once more.
    for (const r of rounds) if (r.alertId !== null) r.duplicates = Math.max(r.duplicates, countDuplicates(fleet.agents, r.alertId));
  } catch (err) {
    const reason: unknown = signal.aborted ? signal.reason : err;
    aborted = reason instanceof Error ? reason.message : String(reason);
    note(`siren-run: ${aborted}`);
  } finally {
    if (fleet) {
      setup.disconnects = fleet.disconnects();
      fleet.closeAll();
    }
    if (client) await client.logout();
  }

  return buildReport({ options: o, setup, rounds, latenciesMs, startedAt, finishedAt: new Date(), aborted });
}

/**
 * The run's devices: those of --devices-file first, then newly enrolled ones for the rest (saved
 * back to the file), with a token good for exactly as many devices as are missing.
 */
async function enrollOrReuse(
  client: VarselClient,
  o: RunOptions,
  startedAt: Date,
  signal: AbortSignal,
): Promise<{ list: Enrolled[]; reused: number; ms: number | null; retries: number }> {
  const scope = { url: o.url, orgUnit: o.orgUnit };
  const known = o.devicesFile ? await loadDevices(o.devicesFile, scope) : [];
  const reused = known.slice(0, o.agents);
  const missing = o.agents - reused.length;
  if (reused.length > 0) note(`reusing ${reused.length} devices from ${o.devicesFile ?? ''}`);
  if (missing === 0) return { list: reused, reused: reused.length, ms: null, retries: 0 };

  const token = await client.createEnrollmentToken({
    label: `load test ${startedAt.toISOString()}`,
    orgUnit: o.orgUnit,
    maxUses: missing,
    expiresInHours: 1, // the shortest the API allows: a load-test token should not outlive the run
  });
  const enrolled = await enrollFleet(client, { token: token.token, count: missing, orgUnit: o.orgUnit, concurrency: o.enrollConcurrency, signal });
  if (o.devicesFile) {
    await saveDevices(o.devicesFile, scope, [...known, ...enrolled.devices]);
    note(`saved ${known.length + enrolled.devices.length} devices to ${o.devicesFile}`);
  }
  return { list: [...reused, ...enrolled.devices], reused: reused.length, ms: enrolled.ms, retries: enrolled.retries };
}

function roundLine(r: RoundResult): string {
  if (r.alertId === null) return `round ${r.round}: ${r.error ?? 'not sent'}`;
  const l = r.latency;
  return (
    `round ${r.round}: received ${r.received}/${r.expected}, p50 ${l.p50 ?? '-'} ms, p99 ${l.p99 ?? '-'} ms, max ${l.max ?? '-'} ms, ` +
    `all acknowledged after ${r.allAcknowledgedMs ?? '-'} ms`
  );
}

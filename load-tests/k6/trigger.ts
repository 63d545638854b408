/**
 * k6 trigger scenario: a duty officer over HTTP. Logs in, sends one exercise siren per iteration
 * through POST /api/alerts, and polls GET /api/alerts/:id until the server counts every
 * acknowledgement. Run it while agent.ts holds its connections; see README.md.
 *
 *   k6 run -e VARSEL_URL=http://localhost:8080 -e VARSEL_PASSWORD=… -e START_AFTER_SECONDS=30 trigger.ts
 */
import { check, fail, sleep } from 'k6';
import http from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

interface Counts {
  targeted: number;
  delivered: number;
  acknowledged: number;
}
/** The fields of an AlertView (GET /api/alerts/:id) this script reads. */
interface AlertProgress {
  id: string;
  fanout: { state: string; doneAt?: string };
  counts: Counts;
}

const num = (name: string, def: number): number => {
  const v = __ENV[name];
  const n = v === undefined || v === '' ? def : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${String(v)}`);
  return n;
};

const BASE_URL = (__ENV.VARSEL_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const USER = __ENV.VARSEL_USER ?? 'admin';
const PASSWORD = __ENV.VARSEL_PASSWORD ?? '';
const ORG_UNIT = __ENV.ORG_UNIT ?? 'KIT';
/** `unit` (ORG_UNIT only, the default) or `all` (every device of the installation). */
const AUDIENCE = __ENV.AUDIENCE ?? 'unit';
const ROUNDS = num('ROUNDS', 3);
/** Give the agents time to connect before the first siren. */
const START_AFTER_S = num('START_AFTER_SECONDS', 30);
const WAIT_S = num('WAIT_SECONDS', 60);
const PAUSE_S = num('PAUSE_SECONDS', 5);
const POLL_S = num('POLL_SECONDS', 0.2);
/** Acknowledgements that count as "all"; 0: the siren's targeted count (every enrolled device of the audience). */
const EXPECT_ACKS = num('EXPECT_ACKS', 0);
/** Short, so that later agent runs (which start at cursor 0) are not replayed old sirens for hours. */
const EXPIRES_MIN = num('EXPIRES_IN_MINUTES', 10);

if (!PASSWORD) throw new Error('set VARSEL_PASSWORD (-e VARSEL_PASSWORD=…)');
if (AUDIENCE !== 'unit' && AUDIENCE !== 'all') throw new Error('AUDIENCE is unit or all');

export const options: Options = {
  scenarios: {
    trigger: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: ROUNDS,
      startTime: `${START_AFTER_S}s`,
      maxDuration: `${Math.ceil(ROUNDS * (WAIT_S + PAUSE_S + 10))}s`,
    },
  },
  thresholds: {
    varsel_all_acked: ['rate==1'],
    'http_req_duration{name:send-siren}': ['p(99)<2000'],
  },
};

/** From the POST to the first poll that shows every expected acknowledgement (resolution: POLL_SECONDS). */
const timeToAllAcked = new Trend('varsel_time_to_all_acked_ms', true);
/** From the POST to the first poll that shows every expected device delivered. */
const timeToAllDelivered = new Trend('varsel_time_to_all_delivered_ms', true);
/** From the POST to the fan-out's doneAt (the worker's clock). */
const timeToFanout = new Trend('varsel_time_to_fanout_done_ms', true);
const allAcked = new Rate('varsel_all_acked');

const json = { headers: { 'Content-Type': 'application/json' } };
const excerpt = (body: unknown): string => (typeof body === 'string' ? body.slice(0, 200) : '');
let loggedIn = false;

function login(): void {
  const res = http.post(`${BASE_URL}/api/session`, JSON.stringify({ username: USER, password: PASSWORD }), { ...json, tags: { name: 'login' } });
  if (!check(res, { 'logged in (200)': (r) => r.status === 200 })) fail(`login as ${USER} failed: ${res.status} ${excerpt(res.body)}`);
  loggedIn = true;
}

export default function trigger(): void {
  // The cookie jar is per VU and lasts across its iterations: log in once.
  if (!loggedIn) login();
  const siren = {
    kind: 'siren',
    status: 'exercise',
    content: { da: { title: 'k6-belastningstest', body: 'Øvelse: kvittér venligst.' }, en: { title: 'k6 load test', body: 'Exercise: please acknowledge.' } },
    audience: AUDIENCE === 'all' ? { type: 'all' } : { type: 'units', units: [ORG_UNIT] },
    confirm: 'SIRENE',
    expiresInMinutes: EXPIRES_MIN,
  };
  const t0 = Date.now();
  const res = http.post(`${BASE_URL}/api/alerts`, JSON.stringify(siren), { ...json, tags: { name: 'send-siren' } });
  if (!check(res, { 'siren accepted (201)': (r) => r.status === 201 })) {
    allAcked.add(false);
    console.error(`sending the siren failed: ${res.status} ${excerpt(res.body)}`);
    sleep(PAUSE_S);
    return;
  }
  const id = (res.json() as unknown as AlertProgress).id;

  let delivered = false;
  let fanoutSeen = false;
  let done = false;
  let last: Counts | undefined;
  while (Date.now() - t0 < WAIT_S * 1000) {
    sleep(POLL_S);
    const r = http.get(`${BASE_URL}/api/alerts/${id}`, { tags: { name: 'poll-counts' } });
    if (r.status !== 200) continue;
    const view = r.json() as unknown as AlertProgress;
    last = view.counts;
    if (!fanoutSeen && view.fanout.state === 'done' && view.fanout.doneAt) {
      fanoutSeen = true;
      timeToFanout.add(Date.parse(view.fanout.doneAt) - t0);
    }
    // targeted is 0 until the worker fixed the audience.
    const expected = EXPECT_ACKS || (view.fanout.state === 'done' ? view.counts.targeted : 0);
    if (expected === 0) continue;
    if (!delivered && view.counts.delivered >= expected) {
      delivered = true;
      timeToAllDelivered.add(Date.now() - t0);
    }
    if (view.counts.acknowledged >= expected) {
      done = true;
      timeToAllAcked.add(Date.now() - t0);
      break;
    }
  }
  allAcked.add(done);
  if (!done) console.warn(`siren ${id}: not all acknowledged within ${WAIT_S} s; last counts ${JSON.stringify(last ?? null)}`);
  sleep(PAUSE_S);
}

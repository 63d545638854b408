/**
 * k6 agent scenario: every VU is one Varsel agent on a bare websocket, speaking Engine.IO 4 /
 * Socket.IO 5 framing (../src/wire/sio-frames.ts) and the agent protocol of docs/protocol.md: the
 * handshake with device credentials, pong for every ping, delivery and acknowledgement reports
 * with acknowledgements. Run it together with trigger.ts; see README.md.
 *
 *   k6 run -e VARSEL_URL=http://localhost:8080 -e DEVICES_FILE=../../devices.json agent.ts
 */
import { SharedArray } from 'k6/data';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import type { Options } from 'k6/options';
import { AgentWire, ackTarget, type AgentCredentials, type WireEvent } from '../src/wire/sio-frames.ts';

interface DevicesFile {
  devices: AgentCredentials[];
}

const num = (name: string, def: number): number => {
  const v = __ENV[name];
  const n = v === undefined || v === '' ? def : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${String(v)}`);
  return n;
};

const BASE_URL = (__ENV.VARSEL_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const WS_URL = `${BASE_URL.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
// open() resolves a relative path against this script's directory.
const devices = new SharedArray<AgentCredentials>('devices', () => (JSON.parse(open(__ENV.DEVICES_FILE ?? './devices.json')) as DevicesFile).devices);
const AGENTS = num('AGENTS', devices.length);
/** How long each agent stays connected, from its own connect. */
const HOLD_S = num('HOLD_SECONDS', 300);
/** New connections per second over all VUs: spreads the connect load instead of a storm at t=0. */
const CONNECT_PER_S = Math.max(1, num('CONNECT_PER_SECOND', 500));
/** The "person" presses Kvittér this long after the siren arrived; 0: at once. */
const ACK_DELAY_MS = num('ACK_DELAY_MS', 0);
/** 10 s: the PC agent's report timeout (docs/protocol.md §5). */
const REPORT_TIMEOUT_MS = num('REPORT_TIMEOUT_MS', 10_000);
const rampS = AGENTS / CONNECT_PER_S;

if (AGENTS > devices.length) throw new Error(`AGENTS=${AGENTS} but the devices file holds ${devices.length}: enroll more (see README.md)`);

export const options: Options = {
  scenarios: {
    agents: {
      executor: 'per-vu-iterations',
      vus: AGENTS,
      iterations: 1,
      // The ramp, the hold, and a minute for reports in flight and closing.
      maxDuration: `${Math.ceil(rampS + HOLD_S + 60)}s`,
      gracefulStop: '30s',
    },
  },
  thresholds: {
    varsel_connect_ok: ['rate>0.99'],
    varsel_report_ok: ['rate>0.99'],
  },
};

/** From the alert's createdAt (the server's clock, set when the API stored it) to receipt here. */
const receipt = new Trend('varsel_receipt_ms', true);
/** From sending alert:report to its acknowledgement (the server answers after the Redis write). */
const reportRtt = new Trend('varsel_report_rtt_ms', true);
/** From opening the websocket to the accepted handshake (40). */
const connectTime = new Trend('varsel_connect_ms', true);
const connectOk = new Rate('varsel_connect_ok');
const reportOk = new Rate('varsel_report_ok');
const alertsLive = new Counter('varsel_alerts_live');
const alertsReplayed = new Counter('varsel_alerts_replayed');
const duplicates = new Counter('varsel_alerts_duplicate');
const refusals = new Counter('varsel_handshake_refusals');
const unexpected = new Counter('varsel_unexpected_frames');

export default function agent(): void {
  const device = devices[(__VU - 1) % devices.length];
  if (!device) throw new Error('no device for this VU');
  // VU n connects at (n-1)/CONNECT_PER_SECOND seconds.
  setTimeout(() => connect(device), ((__VU - 1) / CONNECT_PER_S) * 1000);
}

function connect(device: AgentCredentials): void {
  const wire = new AgentWire(device, { agentVersion: 'k6' });
  const openedAt = Date.now();
  let settled = false;
  const settle = (ok: boolean): void => {
    if (settled) return;
    settled = true;
    connectOk.add(ok);
  };
  const ws = new WebSocket(WS_URL);
  const send = (frame: string): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  };
  const report = (alertId: string, state: 'delivered' | 'acknowledged'): void => send(wire.report(alertId, state, Date.now()));

  const handle = (ev: WireEvent): void => {
    switch (ev.type) {
      case 'open':
      case 'synced':
      case 'repeat':
        break;
      case 'connected':
        settle(true);
        connectTime.add(Date.now() - openedAt);
        break;
      case 'refused':
        settle(false);
        refusals.add(1, { reason: ev.reason });
        ws.close();
        break;
      case 'alert': {
        if (ev.duplicate) {
          duplicates.add(1);
          break;
        }
        if (ev.live) {
          receipt.add(Date.now() - Date.parse(ev.alert.createdAt));
          alertsLive.add(1);
        } else {
          alertsReplayed.add(1);
        }
        report(ev.alert.id, 'delivered');
        if (ev.alert.kind === 'siren' && ev.alert.msgType === 'alert') {
          const target = ackTarget(ev.alert);
          if (ACK_DELAY_MS > 0) setTimeout(() => report(target, 'acknowledged'), ACK_DELAY_MS);
          else report(target, 'acknowledged');
        }
        break;
      }
      case 'report-answered':
        reportRtt.add(ev.rttMs);
        reportOk.add(ev.ack.ok);
        break;
      case 'ended':
      case 'disconnected':
        ws.close();
        break;
      case 'unexpected':
        unexpected.add(1);
        console.warn(`VU ${__VU}: ${ev.why}: ${ev.raw.slice(0, 200)}`);
        break;
    }
  };

  ws.onmessage = (e) => {
    if (!e || typeof e.data !== 'string') return;
    const { send: frames, events } = wire.receive(e.data, Date.now());
    for (const f of frames) send(f);
    for (const ev of events) handle(ev);
  };
  ws.onerror = (e) => console.error(`VU ${__VU}: websocket error: ${e?.error ?? '?'}`);
  // Reports without an answer within the timeout count as failed (the real agent would resend them).
  const timeouts = setInterval(() => wire.takeTimedOut(Date.now(), REPORT_TIMEOUT_MS).forEach(() => reportOk.add(false)), 1000);
  const hold = setTimeout(() => ws.close(), HOLD_S * 1000);
  ws.onclose = () => {
    settle(false); // closed before the handshake was accepted
    clearInterval(timeouts);
    clearTimeout(hold);
    wire.takeTimedOut(Number.MAX_SAFE_INTEGER, 0).forEach(() => reportOk.add(false));
  };
}

/**
 * A harness process: holds up to 18,000 simulated agents (socket.io or MQTT) for the benchmark,
 * all from one loopback source address, and answers the parent's requests over IPC
 * (agent-protocol.ts). Started by AgentPool with `fork`-style IPC; it exits when the parent goes
 * away (the IPC channel closes), so no agent outlives the run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readRssKiB } from './processes.js';
import type { Command, Ready, Reply, Request } from './agent-protocol.js';
import { MqttFleet } from './mqtt-fleet.js';
import { SioFleet } from './sio-fleet.js';

let fleet: SioFleet | MqttFleet | undefined;
// 10 ms resolution: enough to tell a harness that kept up from one that held frames for long.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** The longest event-loop delay since the last reset, in ms (0 when none was sampled). */
function takeLoopDelayMax(reset: boolean): number {
  const ms = loopDelay.count > 0 ? Math.round(loopDelay.max / 1e6) : 0;
  if (reset) loopDelay.reset();
  return ms;
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'connect-sio': {
      fleet?.close();
      const f = new SioFleet(cmd);
      fleet = f;
      return f.connectAll();
    }
    case 'connect-mqtt': {
      fleet?.close();
      const f = new MqttFleet(cmd);
      fleet = f;
      return f.connectAll();
    }
    case 'counts':
      return fleet ? fleet.tracker.counts(cmd.alertId) : { received: 0, duplicates: 0, acked: 0, reportFailures: 0 };
    case 'collect':
      if (!fleet) throw new Error('no agents');
      return { ...fleet.tracker.times(cmd.alertId), loopDelayMaxMs: takeLoopDelayMax(true) };
    case 'mark':
      fleet?.mark();
      takeLoopDelayMax(true);
      return null;
    case 'reporting':
      // MQTT agents send no reports.
      if (fleet instanceof SioFleet) fleet.setReporting(cmd.on);
      return null;
    case 'status': {
      const none = new Float64Array(0);
      const s = fleet?.status() ?? { agents: 0, connected: 0, disconnects: {}, connectErrors: {}, disconnectedAt: none, reconnectedAt: none };
      return { ...s, rssKiB: readRssKiB(process.pid) ?? 0, loopDelayMaxMs: takeLoopDelayMax(false) };
    }
    case 'close-all':
      fleet?.close();
      fleet = undefined;
      return null;
    default: {
      const never: never = cmd;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

function reply(r: Reply): void {
  // The parent may be gone (then the channel is closed and we exit below).
  if (process.connected) process.send?.(r);
}

if (!process.send) {
  process.stderr.write('agent-worker: start me from the benchmark (it needs an IPC channel)\n');
  process.exit(2);
}

process.on('message', (raw: unknown) => {
  const req = raw as Request;
  handle(req.command).then(
    (data) => reply({ id: req.id, ok: true, data }),
    (err: unknown) => reply({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

// The parent went away, or stops us: close everything and leave (an exit, so that node's
// --cpu-prof, when given, writes its profile).
const leave = (): void => {
  fleet?.close();
  process.exit(0);
};
process.on('disconnect', leave);
process.once('SIGTERM', leave);

const ready: Ready = { ready: true };
process.send(ready);

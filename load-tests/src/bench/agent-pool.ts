import { randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlertCounts, AlertTimes, Command, ConnectMqttCommand, ConnectResult, ConnectSioCommand, Replies, Reply, WorkerStatus } from './agent-protocol.js';
import type { ManagedProcess, ProcessGroup } from './processes.js';
import { sleep } from '../timing.js';

// Harness processes always run from the build (dist), also when the harness itself runs from
// source under vitest: src/bench and dist/bench are both two levels below load-tests.
const WORKER_JS = fileURLToPath(new URL('../../dist/bench/agent-worker.js', import.meta.url));

/**
 * The j-th loopback source address of a block of 64,000: 127.<block>.<0-255>.<2-251>. Every
 * address of 127.0.0.0/8 reaches the loopback interface with no setup; the servers listen on
 * 127.0.0.1, which is never used as a source.
 */
export function sourceAddress(block: number, j: number): string {
  return `127.${block}.${Math.floor(j / 250) % 256}.${2 + (j % 250)}`;
}

// 5,000 sockets per source address. A socket bound to an address before connect (localAddress)
// gets its port from a scan of that address's ports, which becomes slow as the address fills up
// (measured here: 15,000 sockets from one address took 58 s, 36 s of it kernel time; 3,000 from a
// fresh address 2 s). Connections the harness closes leave their ports in TIME_WAIT for 60 s, on
// the address they were bound to, and make that scan slow again: so every phase takes fresh
// addresses, and every run a block of its own (a run started within a minute of the previous one
// would otherwise bind among its 45,000 TIME_WAIT ports: 30 s of connect() per harness process).
export const SOCKETS_PER_ADDRESS = 5000;

/** Splits `n` agents over processes, and gives each process fresh source addresses for them. */
export class AddressPlan {
  private next = 0;

  /** `block`: the second octet of every address, 1..254; by default a random one per run. */
  constructor(readonly block = 1 + randomInt(254)) {}

  /** Fresh addresses for `count` sockets (at least one). */
  take(count: number): string[] {
    const n = Math.max(1, Math.ceil(count / SOCKETS_PER_ADDRESS));
    const out = Array.from({ length: n }, (_, i) => sourceAddress(this.block, this.next + i));
    this.next += n;
    return out;
  }
}

/** Splits `n` items into `parts` contiguous blocks whose sizes differ by at most one. */
export function blocks(n: number, parts: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let k = 0; k < parts; k++) out.push({ start: Math.floor((k * n) / parts), end: Math.floor(((k + 1) * n) / parts) });
  return out;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class AgentProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(readonly proc: ManagedProcess) {
    proc.child.on('message', (raw: unknown) => {
      const r = raw as Reply;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.data);
      else p.reject(new Error(`${proc.name}: ${r.error}`));
    });
    void proc.exited.then(() => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${proc.name} exited`));
      }
      this.pending.clear();
    });
  }

  request<K extends Command['type']>(command: Extract<Command, { type: K }>, timeoutMs: number): Promise<Replies[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.proc.running()) {
        reject(new Error(`${this.proc.name} is not running`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.proc.name}: no answer to ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.child.send({ id, command });
    });
  }
}

// 30 s: a status or counts request is answered within milliseconds, except in a reconnect storm,
// when 15,000 sockets retrying at once can hold a harness process's event loop for many seconds.
const QUICK_MS = 30_000;
// 60 s: collecting three arrays of 18,000 numbers from a busy process.
const COLLECT_MS = 60_000;

/**
 * The harness processes of a run, reused by every phase (Varsel, bare socket.io, MQTT), so that
 * every system is measured by the same clients. Each connect gives every process fresh loopback
 * source addresses (AddressPlan).
 */
export class AgentPool {
  private readonly addresses = new AddressPlan();

  /** The source addresses' block: they are 127.<block>.0.2 and up. */
  get sourceBlock(): number {
    return this.addresses.block;
  }

  private constructor(private readonly procs: AgentProcess[]) {}

  static async start(group: ProcessGroup, count: number, signal?: AbortSignal): Promise<AgentPool> {
    const procs: AgentProcess[] = [];
    for (let k = 0; k < count; k++) {
      // 4 GiB of heap: 18,000 socket.io clients need about 0.6 GiB; room for the receipt arrays.
      const proc = group.spawn(`agents-${k}`, process.execPath, ['--max-old-space-size=4096', WORKER_JS], { ipc: true, inheritStderr: true, cwd: path.dirname(WORKER_JS) });
      procs.push(new AgentProcess(proc));
    }
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${p.proc.name} did not start within 20 s`)), 20_000);
            const onAbort = (): void => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
            signal?.addEventListener('abort', onAbort, { once: true });
            p.proc.child.once('message', () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              resolve();
            });
            void p.proc.exited.then(() => reject(new Error(`${p.proc.name} exited while starting`)));
          }),
      ),
    );
    return new AgentPool(procs);
  }

  get size(): number {
    return this.procs.length;
  }

  get processes(): ManagedProcess[] {
    return this.procs.map((p) => p.proc);
  }

  /**
   * Connects socket.io agents: `specs[i]` for global agent i; process k takes a contiguous block,
   * so every process holds an even share of every edge's agents. Progress via `onProgress`.
   */
  async connectSio(o: Omit<ConnectSioCommand, 'type' | 'localAddresses'>, timeoutMs: number, onProgress: (connected: number) => void): Promise<ConnectResult> {
    const parts = blocks(o.agents.length, this.procs.length);
    return this.withProgress(
      this.procs.map((p, k) => {
        const { start, end } = parts[k] ?? { start: 0, end: 0 };
        return p.request({ type: 'connect-sio', ...o, agents: o.agents.slice(start, end), localAddresses: this.addresses.take(end - start) }, timeoutMs);
      }),
      onProgress,
    );
  }

  /** Connects `o.count` MQTT subscribers, spread over the processes like the socket.io agents. */
  async connectMqtt(o: Omit<ConnectMqttCommand, 'type' | 'localAddresses' | 'clientIdPrefix'>, timeoutMs: number, onProgress: (connected: number) => void): Promise<ConnectResult> {
    const parts = blocks(o.count, this.procs.length);
    return this.withProgress(
      this.procs.map((p, k) => {
        const { start, end } = parts[k] ?? { start: 0, end: 0 };
        return p.request({ type: 'connect-mqtt', ...o, count: end - start, clientIdPrefix: `bench-${k}`, localAddresses: this.addresses.take(end - start) }, timeoutMs);
      }),
      onProgress,
    );
  }

  private async withProgress(requests: Promise<ConnectResult>[], onProgress: (connected: number) => void): Promise<ConnectResult> {
    let done = false;
    const all = Promise.all(requests).finally(() => (done = true));
    const ticker = (async () => {
      while (!done) {
        await sleep(1000);
        if (!done) onProgress((await this.status().catch(() => [])).reduce((a, s) => a + s.connected, 0));
      }
    })();
    const results = await all;
    await ticker;
    const failed: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.failed)) failed[k] = (failed[k] ?? 0) + v;
    return { connected: results.reduce((a, r) => a + r.connected, 0), failed };
  }

  async counts(alertId: string): Promise<AlertCounts> {
    const all = await Promise.all(this.procs.map((p) => p.request({ type: 'counts', alertId }, QUICK_MS)));
    return all.reduce((a, c) => ({ received: a.received + c.received, duplicates: a.duplicates + c.duplicates, acked: a.acked + c.acked, reportFailures: a.reportFailures + c.reportFailures }), {
      received: 0,
      duplicates: 0,
      acked: 0,
      reportFailures: 0,
    });
  }

  /** Every agent's times for one alert, concatenated in global agent order. */
  async collect(alertId: string): Promise<AlertTimes> {
    const parts = await Promise.all(this.procs.map((p) => p.request({ type: 'collect', alertId }, COLLECT_MS)));
    const failures: Record<string, number> = {};
    for (const t of parts) for (const [k, v] of Object.entries(t.failures)) failures[k] = (failures[k] ?? 0) + v;
    return {
      received: parts.reduce((a, t) => a + t.received, 0),
      duplicates: parts.reduce((a, t) => a + t.duplicates, 0),
      acked: parts.reduce((a, t) => a + t.acked, 0),
      reportFailures: parts.reduce((a, t) => a + t.reportFailures, 0),
      receivedAt: concat(parts.map((t) => t.receivedAt)),
      ackSentAt: concat(parts.map((t) => t.ackSentAt)),
      ackConfirmedAt: concat(parts.map((t) => t.ackConfirmedAt)),
      failures,
      loopDelayMaxMs: Math.max(0, ...parts.map((t) => t.loopDelayMaxMs)),
    };
  }

  async mark(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.request({ type: 'mark' }, QUICK_MS)));
  }

  /** Whether the agents report the alerts they receive from now on. */
  async reporting(on: boolean): Promise<void> {
    await Promise.all(this.procs.map((p) => p.request({ type: 'reporting', on }, QUICK_MS)));
  }

  status(): Promise<WorkerStatus[]> {
    return Promise.all(this.procs.map((p) => p.request({ type: 'status' }, QUICK_MS)));
  }

  async connected(): Promise<number> {
    return (await this.status()).reduce((a, s) => a + s.connected, 0);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.request({ type: 'close-all' }, 60_000)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.proc.stop(5000)));
  }
}

export function concat(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Sum of connections lost (not closed by the harness) and of failed connection attempts, by reason, over every process. */
export function mergeDisconnects(statuses: readonly WorkerStatus[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) for (const [k, v] of [...Object.entries(s.disconnects), ...Object.entries(s.connectErrors)]) out[k] = (out[k] ?? 0) + v;
  return out;
}

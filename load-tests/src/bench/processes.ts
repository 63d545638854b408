import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '../timing.js';

/**
 * Every OS process the benchmark starts goes through a ProcessGroup, so that all of them are
 * stopped at the end, on errors and on Ctrl-C. As a last line of defence each is started under
 * `setpriv --pdeathsig SIGKILL` (util-linux) where available: should the harness itself be killed
 * with SIGKILL, the kernel kills its children too, so nothing keeps running or holding ports.
 * setpriv execs the command, so the pid is the real process's (kill -9 of an edge hits the edge).
 */

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SETPRIV = '/usr/bin/setpriv';
const HAS_SETPRIV = existsSync(SETPRIV);
// 200,000 characters of output per process: enough to diagnose a failed start, bounded.
const OUTPUT_KEEP = 200_000;

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last OUTPUT_KEEP characters of stdout and stderr. */
  output(): string;
  running(): boolean;
  readonly exited: Promise<void>;
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Pass an IPC channel (for forked harness processes); messages use structured clone. */
  ipc?: boolean;
  /** Inherit stderr instead of capturing it (harness processes: their errors show at once). */
  inheritStderr?: boolean;
}

export class ProcessGroup {
  private readonly procs = new Set<ManagedProcess>();

  /** When set, each process's captured output is written to `<logDir>/<name>-<pid>.log` when it exits. */
  constructor(readonly logDir?: string) {
    if (logDir) mkdirSync(logDir, { recursive: true });
  }

  spawn(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): ManagedProcess {
    const [cmd, argv] = HAS_SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, [...args]];
    const stdio: StdioOptions = ['ignore', 'pipe', opts.inheritStderr ? 'inherit' : 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])];
    const child = spawn(cmd, argv, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio,
      ...(opts.ipc ? { serialization: 'advanced' as const } : {}),
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    let out = '';
    const keep = (d: Buffer): void => {
      out += d.toString();
      if (out.length > OUTPUT_KEEP * 2) out = out.slice(-OUTPUT_KEEP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const running = (): boolean => child.exitCode === null && child.signalCode === null;
    const p: ManagedProcess = {
      name,
      child,
      pid: child.pid,
      output: () => out.slice(-OUTPUT_KEEP),
      running,
      exited,
      kill9: async () => {
        if (running()) child.kill('SIGKILL');
        await exited;
      },
      stop: async (graceMs = 15_000) => {
        if (running()) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(t);
        }
      },
    };
    this.procs.add(p);
    void exited.then(() => {
      this.procs.delete(p);
      if (this.logDir && out !== '') {
        const why = child.signalCode ? `killed by ${child.signalCode}` : `exit status ${child.exitCode ?? '?'}`;
        writeFileSync(path.join(this.logDir, `${name}-${p.pid}.log`), `${p.output()}\n[${name}: ${why}]\n`);
      }
    });
    return p;
  }

  /** Stops every process still running, in reverse order of start (agents before servers before Redis). */
  async stopAll(graceMs = 15_000): Promise<void> {
    const all = [...this.procs].reverse();
    for (const p of all) await p.stop(graceMs);
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL whatever still runs. */
  killAllNow(): void {
    for (const p of this.procs) if (p.running()) p.child.kill('SIGKILL');
  }

  get size(): number {
    return this.procs.size;
  }
}

/** Waits until the process printed `text`; rejects when it exits first or `timeoutMs` passes. */
export async function waitForOutput(p: ManagedProcess, text: string | readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const texts = typeof text === 'string' ? [text] : text;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const out = p.output();
    if (texts.some((t) => out.includes(t))) return;
    if (!p.running()) throw new Error(`${p.name} exited while starting:\n${out.slice(-4000)}`);
    if (performance.now() > deadline) throw new Error(`${p.name} did not print ${JSON.stringify(texts[0])} within ${timeoutMs} ms:\n${out.slice(-4000)}`);
    await sleep(20, signal);
  }
}

/** A free TCP port on 127.0.0.1 (the OS's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForTcp(port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50, signal);
  }
}

/** Resident set size of a process in KiB (VmRSS of /proc/<pid>/status); null when it is gone. */
export function readRssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// 100: USER_HZ, the unit of /proc/<pid>/stat times on Linux (getconf CLK_TCK).
const CLOCK_TICKS_PER_S = 100;

/** CPU time (user + system) a process has used so far, in ms; null when it is gone. */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** CPU ms used so far by each process (keyed "name#pid"), and by the harness itself. */
export function cpuSnapshot(procs: readonly { name: string; pid: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of procs) {
    const v = readCpuMs(p.pid);
    if (v !== null) m.set(`${p.name}#${p.pid}`, v);
  }
  const own = process.cpuUsage();
  m.set(`harness#${process.pid}`, (own.user + own.system) / 1000);
  return m;
}

/**
 * CPU ms per process group ("varsel-edge", "varsel-worker", "agents", "harness", …) between two
 * snapshots. A process started in between counts from zero (a restarted edge); one that ended in
 * between is left out.
 */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, v] of after) {
    const group = key.replace(/#\d+$/, '').replace(/-\d+$/, '');
    out[group] = Math.round((out[group] ?? 0) + v - (before.get(key) ?? 0));
  }
  return out;
}

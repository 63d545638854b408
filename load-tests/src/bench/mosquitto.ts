import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForTcp, type ManagedProcess, type ProcessGroup } from './processes.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** A private Mosquitto for scenario c, on a free loopback port; never the system one on 1883. */
export interface BenchMosquitto {
  host: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** The broker's configuration: loopback only, anonymous, no connection limit, nothing on disk. */
export function mosquittoConf(port: number, runAsRoot: boolean): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_connections -1',
    'persistence false',
    // 1000 queued QoS 1 messages per client: far above the one message per round.
    'max_queued_messages 1000',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // Started as root, Mosquitto switches to the user "mosquitto"; where there is none, stay.
    ...(runAsRoot ? ['user root'] : []),
    '',
  ].join('\n');
}

export async function startMosquitto(group: ProcessGroup, signal?: AbortSignal): Promise<BenchMosquitto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'varsel-bench-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const isRoot = process.getuid?.() === 0;
  writeFileSync(conf, mosquittoConf(port, isRoot && !hasUser('mosquitto')));
  const proc = group.spawn('mosquitto', MOSQUITTO, ['-c', conf]);
  const stop = async (): Promise<void> => {
    await proc.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForTcp(port, 10_000, signal);
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${proc.output().slice(-2000)}`);
  }
  return { host: '127.0.0.1', port, process: proc, stop };
}

function hasUser(name: string): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** "2.0.11", or null when mosquitto is not installed. */
export function mosquittoVersion(): string | null {
  try {
    const out = execFileSync(MOSQUITTO, ['-h'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(out)?.[1] ?? null;
  } catch (err) {
    // mosquitto -h exits with status 3 after printing its help.
    const out = (err as { stdout?: string }).stdout ?? '';
    return /version (\S+)/.exec(out)?.[1] ?? null;
  }
}

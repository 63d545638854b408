import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { mosquittoVersion } from './mosquitto.js';
import { REPO_ROOT } from './processes.js';
import { redisVersion } from './redis.js';

/** What the figures were measured on: they mean little without it. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string | null;
  mosquitto: string | null;
  socketIo: string | null;
  /** Open files one process may hold (ulimit -n). */
  maxOpenFiles: number | null;
  /** net.ipv4.ip_local_port_range. */
  localPortRange: string | null;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: redisVersion(),
    mosquitto: mosquittoVersion(),
    socketIo: packageVersion('socket.io'),
    maxOpenFiles: maxOpenFiles(),
    localPortRange: readText('/proc/sys/net/ipv4/ip_local_port_range')?.replace(/\s+/g, '-') ?? null,
  };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function maxOpenFiles(): number | null {
  const m = /^Max open files\s+(\d+)/m.exec(readText('/proc/self/limits') ?? '');
  return m ? Number(m[1]) : null;
}

function packageVersion(name: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/node_modules/${name}/package.json`, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/** Short commit of the checkout and whether it has uncommitted changes; "unknown" outside git. */
export function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 5000 }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10_000 });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

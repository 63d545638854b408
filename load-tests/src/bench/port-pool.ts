import { readFileSync } from 'node:fs';

/**
 * Local ports for the harness's connections, handed out by the harness itself.
 *
 * A socket bound to a source address before connect (net.connect's `localAddress`) gets its port
 * from the kernel's scan of that address's ports, which is slow once thousands of them are taken
 * or in TIME_WAIT: measured here, 1.4 ms of kernel time per connect with 14,000 sockets on one
 * address, and 3.6 ms when the previous run's ports were still in TIME_WAIT, against 0.1 ms with
 * the port given. A reconnect storm is tens of thousands of connects on two cores that the
 * harness shares with the servers it measures, so each connect is given its port.
 *
 * One pool per source address and process (the AddressPlan gives each process addresses of its
 * own). The ports are outside the kernel's ephemeral range, so no socket the kernel binds can
 * hold one. A port comes back when its connection is gone and is handed out again last, after
 * every other free port: a closed connection's TIME_WAIT is long over by then.
 */
export class PortPool {
  private readonly free: Uint16Array;
  private head = 0;
  private size: number;

  /** The ports `first`..`last`, all free but those in `skip` (ports something listens on). */
  constructor(first: number, last: number, skip: ReadonlySet<number> = new Set()) {
    if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 1 && last <= 65_535 && first <= last)) {
      throw new RangeError(`invalid port range ${first}-${last}`);
    }
    const ports: number[] = [];
    for (let p = first; p <= last; p++) if (!skip.has(p)) ports.push(p);
    this.free = Uint16Array.from(ports);
    this.size = ports.length;
  }

  get available(): number {
    return this.size;
  }

  /** The free port that has been free longest; undefined when every port is taken. */
  take(): number | undefined {
    if (this.size === 0) return undefined;
    const port = this.free[this.head] as number;
    this.head = (this.head + 1) % this.free.length;
    this.size--;
    return port;
  }

  /** Returns a port taken from this pool; it is handed out again after every other free port. */
  give(port: number): void {
    if (this.size === this.free.length) throw new Error(`port ${port} given back to a pool with every port free`);
    this.free[(this.head + this.size) % this.free.length] = port;
    this.size++;
  }
}

/** The ports outside the kernel's ephemeral range, e.g. 1024-32767 for a range of 32768-60999. */
export function portsOutside(range: readonly [number, number]): [number, number] {
  const [lo, hi] = range;
  const below: [number, number] = [1024, lo - 1];
  const above: [number, number] = [hi + 1, 65_535];
  return below[1] - below[0] >= above[1] - above[0] ? below : above;
}

/**
 * Ports that some socket of this machine listens on (/proc/net/tcp and tcp6): a listener on the
 * wildcard address would make binding that port on any address fail.
 */
export function listeningPorts(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): Set<number> {
  const out = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = read(file);
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // "  sl  local_address rem_address   st ...": local "0100007F:1F90", state 0A is LISTEN.
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (Number.isInteger(port)) out.add(port);
    }
  }
  return out;
}

/** net.ipv4.ip_local_port_range, or Linux's default when it cannot be read. */
export function ephemeralRange(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): [number, number] {
  try {
    const [lo, hi] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && (lo as number) <= (hi as number)) return [lo as number, hi as number];
  } catch {
    // not Linux, or no /proc: the default below
  }
  return [32_768, 60_999];
}

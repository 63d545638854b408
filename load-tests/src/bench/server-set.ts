import { freePort, readRssKiB, waitForOutput, type ManagedProcess, type ProcessGroup } from './processes.js';

/** How to start one process of a server set. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Any of these in its output means it is ready. */
  ready: string[];
}

export interface Edge {
  index: number;
  name: string;
  port: number;
  url: string;
  proc: ManagedProcess;
}

// 60 s: a cold start of a Node server is 1-2 s; a storm restart with 15,000 agents knocking is slower.
const START_TIMEOUT_MS = 60_000;

/**
 * Edges (processes that hold agent sockets on a fixed port, so they can be killed and started
 * again on the same address) and back-end processes (workers, emitters): Varsel's and the bare
 * socket.io set share this shape.
 */
export class ServerSet {
  private constructor(
    private readonly group: ProcessGroup,
    readonly label: string,
    readonly edges: Edge[],
    readonly backends: ManagedProcess[],
    private readonly edgeSpec: (index: number, port: number) => LaunchSpec,
  ) {}

  /** Starts edge 0 alone (it may set things up, e.g. Varsel's first admin), then the others, then the back ends. */
  static async start(
    group: ProcessGroup,
    o: {
      label: string;
      edges: number;
      backends: number;
      edgeSpec: (index: number, port: number) => LaunchSpec;
      backendSpec: (index: number) => Promise<LaunchSpec>;
      backendName: string;
      signal?: AbortSignal;
    },
  ): Promise<ServerSet> {
    const ports = await Promise.all(Array.from({ length: o.edges }, () => freePort()));
    const edges: Edge[] = [];
    const launchEdge = async (i: number): Promise<void> => {
      const port = ports[i] as number;
      const spec = o.edgeSpec(i, port);
      const name = `${o.label}edge-${i}`;
      const proc = group.spawn(name, spec.command, spec.args, { env: spec.env });
      edges[i] = { index: i, name, port, url: `http://127.0.0.1:${port}`, proc };
      await waitForOutput(proc, spec.ready, START_TIMEOUT_MS, o.signal);
    };
    await launchEdge(0);
    await Promise.all(Array.from({ length: o.edges - 1 }, (_, i) => launchEdge(i + 1)));
    const backends: ManagedProcess[] = [];
    for (let i = 0; i < o.backends; i++) {
      const spec = await o.backendSpec(i);
      const proc = group.spawn(`${o.label}${o.backendName}-${i}`, spec.command, spec.args, { env: spec.env });
      backends.push(proc);
      await waitForOutput(proc, spec.ready, START_TIMEOUT_MS, o.signal);
    }
    return new ServerSet(group, o.label, edges, backends, o.edgeSpec);
  }

  /** kill -9 every edge at once; resolves when all are gone. */
  async killEdges(): Promise<void> {
    await Promise.all(this.edges.map((e) => e.proc.kill9()));
  }

  /** Starts every edge again on its port; one promise per edge, resolved when it is ready. */
  restartEdges(signal?: AbortSignal): Promise<Edge>[] {
    return this.edges.map(async (e) => {
      const spec = this.edgeSpec(e.index, e.port);
      const proc = this.group.spawn(e.name, spec.command, spec.args, { env: spec.env });
      this.edges[e.index] = { ...e, proc };
      await waitForOutput(proc, spec.ready, START_TIMEOUT_MS, signal);
      return this.edges[e.index] as Edge;
    });
  }

  /** Every process, for CPU accounting. */
  processes(): { name: string; pid: number }[] {
    return [...this.edges.map((e) => e.proc), ...this.backends].map((p) => ({ name: p.name, pid: p.pid }));
  }

  /** RSS of each edge in KiB (0 for one that is gone). */
  edgeRssKiB(): number[] {
    return this.edges.map((e) => readRssKiB(e.proc.pid) ?? 0);
  }

  /** SIGTERM (graceful: Varsel drains its report batches), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    await Promise.all([...this.edges.map((e) => e.proc.stop()), ...this.backends.map((b) => b.stop())]);
  }
}

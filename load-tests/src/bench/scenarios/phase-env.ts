import type { AgentPool } from '../agent-pool.js';
import type { BenchOptions } from '../options.js';
import type { ProcessGroup } from '../processes.js';
import type { Progress } from '../progress-log.js';

/** What every phase of a run shares: the options, the process group, the harness processes. */
export interface PhaseEnv {
  options: BenchOptions;
  group: ProcessGroup;
  pool: AgentPool;
  progress: Progress;
  signal: AbortSignal;
  /** Extra node flags for every server process (--cpu-prof …). */
  serverNodeArgs: string[];
}

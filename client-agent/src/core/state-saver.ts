import type { AgentState, StateStore } from './agent-state.js';
import type { Logger } from './logger.js';

/**
 * Saves the agent state whenever something in it changed, one save at a time and always the
 * newest state: requests that arrive while a save runs are folded into one more save after it.
 * A burst of a thousand reports costs two or three writes, not a thousand fsyncs, and an older
 * state never overwrites a newer one.
 */
export class StateSaver {
  private dirty = false;
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    /** Builds the state to write, at the moment of writing. */
    private readonly build: () => AgentState,
    private readonly log: Logger,
  ) {}

  /** Something changed: save soon. */
  request(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  /** Resolves once every requested save has been attempted. Never rejects (failures are logged). */
  idle(): Promise<void> {
    return this.done;
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.store.save(this.build());
        } catch (err) {
          // The next change tries again; the state in memory stays right meanwhile.
          this.log.error('state not saved', { err: err instanceof Error ? err.message : String(err) });
        }
      }
    } finally {
      this.running = false;
    }
  }
}

import { z } from 'zod';
import { LocationIdSchema, OrgUnitIdSchema, UuidSchema } from '@varsel/shared';

/**
 * What an agent keeps between runs: its enrollment and the alerts it has finished with. The shape
 * is the agent's own (the server never sees it), so it lives here rather than in shared.
 */
export const AgentStateSchema = z.object({
  /** Bumped when the shape changes, so a newer agent can migrate an older file. */
  version: z.literal(1),
  /** Scheme, host and port only: a path would be taken as a socket.io namespace. */
  serverUrl: z.url({ protocol: /^https?$/ }),
  deviceId: UuidSchema,
  /** The device secret of the enrollment; shown nowhere, sent only in the socket handshake. */
  secret: z.string().min(1),
  orgUnit: OrgUnitIdSchema,
  location: LocationIdSchema.optional(),
  hostname: z.string().optional(),
  enrolledAt: z.iso.datetime(),
  /** Alert ids the agent has finished with, oldest first, bounded by SEEN_ALERTS_LIMIT. */
  seenAlertIds: z.array(z.string()).default([]),
});
export type AgentState = z.infer<typeof AgentStateSchema>;

/**
 * Where the state lives: a JSON file for the PC agent, IndexedDB for a PWA. `save` must be atomic:
 * after a crash, `load` returns the old state or the new one, never a mix.
 */
export interface StateStore {
  /** The saved state, or undefined when the agent was never enrolled here. */
  load(): Promise<AgentState | undefined>;
  save(state: AgentState): Promise<void>;
}

/** A StateStore in memory: for tests, and for a shell that cannot persist. */
export class MemoryStateStore implements StateStore {
  private state: AgentState | undefined;

  constructor(initial?: AgentState) {
    this.state = initial === undefined ? undefined : structuredClone(initial);
  }

  load(): Promise<AgentState | undefined> {
    return Promise.resolve(this.state === undefined ? undefined : structuredClone(this.state));
  }

  save(state: AgentState): Promise<void> {
    this.state = structuredClone(state);
    return Promise.resolve();
  }
}

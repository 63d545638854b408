import { z } from 'zod';
import { AgentAlertSchema, AlertReportSchema, HANDSHAKE_SEEN_MAX, LocationIdSchema, OrgUnitIdSchema, UuidSchema } from '@varsel/shared';

/**
 * What an agent keeps between runs: its enrollment, its place in the alert sequence, the alerts
 * it has finished with, the sirens still waiting for Kvittér and the reports the server has not
 * confirmed. The shape is the agent's own (the server never sees it), so it lives here rather
 * than in shared.
 */
export const AgentStateSchema = z.object({
  /**
   * Bumped when the shape changes incompatibly, so a newer agent can migrate an older file. The
   * protocol-2 fields below are additive and default to empty, so a file written by a protocol-1
   * agent loads unchanged and the version stays 1 (and an older agent reading a newer file just
   * drops them).
   */
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
  /** Message ids (alerts, updates, cancellations) the agent has finished with, oldest first, bounded by SEEN_ALERTS_LIMIT. */
  seenAlertIds: z.array(z.string()).default([]),
  /** The highest alert `seq` processed: sent as `cursor` in the handshake (protocol §3). */
  cursor: z.number().int().nonnegative().default(0),
  /**
   * The `seq` of the newest messages processed, oldest first, at most HANDSHAKE_SEEN_MAX: sent as
   * `seen` in the handshake, so the replay leaves them out (protocol §3).
   */
  seenSeqs: z
    .array(z.number().int().positive())
    .default([])
    .transform((seqs) => seqs.slice(-HANDSHAKE_SEEN_MAX)),
  /**
   * Original ids of threads that were cancelled or all-cleared, oldest first, bounded by
   * SEEN_ALERTS_LIMIT: an original that arrives after its cancellation is never shown.
   */
  closedThreadIds: z.array(z.string()).default([]),
  /** Sirens on screen and not yet acknowledged (the newest text of each): shown again after a restart. */
  openSirens: z.array(AgentAlertSchema).default([]),
  /** Reports the server has not confirmed, oldest first, bounded by OUTBOX_LIMIT: resent after a restart. */
  outbox: z.array(AlertReportSchema).default([]),
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

import type { AgentAlert } from '@varsel/shared';

/** Why an alert left the screen. */
export type DismissReason = 'acknowledged' | 'expired' | 'stopped';

/**
 * How a shell shows alerts: the terminal UI of the PC agent, notifications in a PWA. The core
 * decides what to show and when, and reports `displayed` and `acknowledged` from these calls.
 */
export interface AlertPresenter {
  /** Puts the alert on screen (and starts the siren sound). Resolves once it is shown. */
  display(alert: AgentAlert): Promise<void>;
  /**
   * For a siren: resolves when the person acknowledges it. Rejects (or never resolves) once
   * `signal` aborts, when the alert expired or the agent stops. Not called with auto-acknowledge.
   */
  awaitAcknowledgement(alert: AgentAlert, signal: AbortSignal): Promise<void>;
  /** The alert is finished with: stop its sound, close its notification. */
  dismiss?(alert: AgentAlert, reason: DismissReason): void;
}

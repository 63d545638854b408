import type { AgentAlert } from '@varsel/shared';

/**
 * Why an alert left the screen: acknowledged, expired, the agent stopped, or its thread was closed
 * by a cancellation (a false alarm) or an all-clear (the danger is over).
 */
export type DismissReason = 'acknowledged' | 'expired' | 'stopped' | 'cancelled' | 'allclear';

/**
 * How a shell shows alerts: the terminal UI of the PC agent, notifications in a PWA. The core
 * decides what to show and when, and reports `displayed` and `acknowledged` from these calls.
 *
 * Everything is per **thread** (an original alert with its updates and its closing message,
 * protocol §5): a presenter keys what it shows by `threadIdOf(alert)`, the original's id, because
 * the message on screen changes when an update arrives, and the thread may even have started
 * with an update whose original never reached this device.
 */
export interface AlertPresenter {
  /**
   * Puts a thread on screen (and starts the siren sound for a siren). `alert` is the newest text:
   * usually the original, or an update when the original never arrived. Resolves once shown.
   */
  display(alert: AgentAlert): Promise<void>;
  /**
   * For a siren: resolves when the person acknowledges it. Rejects (or never resolves) once
   * `signal` aborts: the alert expired, was cancelled or all-cleared, or the agent stops. Not
   * called with auto-acknowledge. Updates of the thread arrive through update() meanwhile; the
   * wait goes on.
   */
  awaitAcknowledgement(alert: AgentAlert, signal: AbortSignal): Promise<void>;
  /**
   * New text for a thread (OPDATERET): replaces what is shown. A siren that waits for Kvittér
   * keeps waiting and sounding; a thread already acknowledged (or a notice) shows the new text
   * quietly.
   */
  update(alert: AgentAlert): Promise<void>;
  /**
   * The end of a thread, shown as a quiet notice: a cancellation (`msgType: 'cancel'`, ANNULLERET)
   * or an all-clear (`allClear: true`, AFBLÆST). It replaces whatever of the thread is still
   * visible; a siren waiting for Kvittér was dismissed just before, with the reason `cancelled` or
   * `allclear`. Nothing is to be acknowledged.
   */
  displayClosing(alert: AgentAlert): Promise<void>;
  /** alert:repeat: sound the unacknowledged siren again and bring it to the front. */
  repeat(alert: AgentAlert): void;
  /** The thread's alert leaves the screen: stop its sound, close its notification. */
  dismiss?(alert: AgentAlert, reason: DismissReason): void;
}

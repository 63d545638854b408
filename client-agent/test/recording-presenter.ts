import type { AgentAlert } from '@varsel/shared';
import type { AlertPresenter, DismissReason } from '../src/core/index.js';

/**
 * A presenter (the UI port of the core) that records what it is asked to show and lets the test
 * play the person: acknowledge(id) is the Enter press.
 */
export class RecordingPresenter implements AlertPresenter {
  readonly displayed: AgentAlert[] = [];
  readonly dismissed: { alertId: string; reason: DismissReason }[] = [];
  private readonly waiting = new Map<string, () => void>();

  display(alert: AgentAlert): Promise<void> {
    this.displayed.push(alert);
    return Promise.resolve();
  }

  awaitAcknowledgement(alert: AgentAlert, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.set(alert.id, resolve);
      signal.addEventListener('abort', () => {
        this.waiting.delete(alert.id);
        reject(new Error(String(signal.reason)));
      });
    });
  }

  dismiss(alert: AgentAlert, reason: DismissReason): void {
    this.dismissed.push({ alertId: alert.id, reason });
  }

  isWaitingFor(alertId: string): boolean {
    return this.waiting.has(alertId);
  }

  acknowledge(alertId: string): void {
    const resolve = this.waiting.get(alertId);
    if (resolve === undefined) throw new Error(`no siren ${alertId} is waiting`);
    this.waiting.delete(alertId);
    resolve();
  }
}

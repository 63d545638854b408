import type { AgentAlert } from '@varsel/shared';
import type { AlertPresenter, DismissReason } from '../src/core/index.js';
import { threadIdOf } from '../src/core/index.js';

/**
 * A presenter (the UI port of the core) that records what it is asked to show and lets the test
 * play the person: acknowledge(threadId) is the Enter press. Everything is keyed by thread id
 * (the original's id), as a real presenter keys it.
 */
export class RecordingPresenter implements AlertPresenter {
  readonly displayed: AgentAlert[] = [];
  readonly updates: AgentAlert[] = [];
  readonly closings: AgentAlert[] = [];
  readonly repeats: AgentAlert[] = [];
  readonly dismissed: { alertId: string; reason: DismissReason }[] = [];
  /** What each thread shows now: set by display and update, cleared by dismiss. */
  readonly onScreen = new Map<string, AgentAlert>();
  /** Threads whose siren sound plays: from display (or a repeat) until dismiss. */
  readonly sounding = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  display(alert: AgentAlert): Promise<void> {
    this.displayed.push(alert);
    this.onScreen.set(threadIdOf(alert), alert);
    if (alert.kind === 'siren') this.sounding.add(threadIdOf(alert));
    return Promise.resolve();
  }

  awaitAcknowledgement(alert: AgentAlert, signal: AbortSignal): Promise<void> {
    const threadId = threadIdOf(alert);
    return new Promise((resolve, reject) => {
      this.waiting.set(threadId, resolve);
      signal.addEventListener('abort', () => {
        this.waiting.delete(threadId);
        reject(new Error(String(signal.reason)));
      });
    });
  }

  update(alert: AgentAlert): Promise<void> {
    this.updates.push(alert);
    this.onScreen.set(threadIdOf(alert), alert);
    return Promise.resolve();
  }

  displayClosing(alert: AgentAlert): Promise<void> {
    this.closings.push(alert);
    // The end of a thread replaces whatever of it is still visible.
    this.onScreen.delete(threadIdOf(alert));
    return Promise.resolve();
  }

  repeat(alert: AgentAlert): void {
    this.repeats.push(alert);
    this.sounding.add(threadIdOf(alert));
  }

  dismiss(alert: AgentAlert, reason: DismissReason): void {
    const threadId = threadIdOf(alert);
    this.dismissed.push({ alertId: threadId, reason });
    this.onScreen.delete(threadId);
    this.sounding.delete(threadId);
  }

  /** The title a thread shows now (Danish), or undefined when it is not on screen. */
  titleOf(threadId: string): string | undefined {
    return this.onScreen.get(threadId)?.content.da.title;
  }

  isWaitingFor(threadId: string): boolean {
    return this.waiting.has(threadId);
  }

  acknowledge(threadId: string): void {
    const resolve = this.waiting.get(threadId);
    if (resolve === undefined) throw new Error(`no siren ${threadId} is waiting`);
    this.waiting.delete(threadId);
    resolve();
  }
}

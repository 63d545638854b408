import type { AgentAlert, ReportedState } from '@varsel/shared';
import type { AlertPresenter, DismissReason } from './alert-presenter.js';
import { closingOf, isExpired, threadIdOf } from './alert-text.js';
import type { Clock, TimerHandle } from './clock.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';
import type { Logger } from './logger.js';
import { SeenAlerts } from './seen-alerts.js';

/**
 * 1,000 threads held in memory, finished ones included, to place late and out-of-order messages;
 * past that the oldest finished ones are forgotten and the saved seen ids take over.
 */
export const THREADS_LIMIT = 1000;

/**
 * - `dormant`: received, but every message so far had expired: nothing shown or reported (a newer
 *   update may yet extend the thread: a replay sends the original, with its old expiry, first).
 * - `showing`: on its way to the screen. `waiting`: a siren on screen, waiting for Kvittér.
 * - `done`: acknowledged, or a notice shown, or expired: later updates are shown quietly.
 */
type Phase = 'dormant' | 'showing' | 'waiting' | 'done';

interface Received {
  alert: AgentAlert;
  delivered: boolean;
  displayed: boolean;
}

/** Presenter calls run one after the other per thread, so an update never overtakes its display. */
interface UiQueue {
  ui: Promise<void>;
}

interface Thread extends UiQueue {
  /** The original's id. */
  readonly id: string;
  /** The alert and update messages received (closing messages end the thread instead). */
  readonly messages: Map<string, Received>;
  phase: Phase;
  /** The newest message by seq: its expiresAt is the thread's expiry (protocol §5). */
  newest: AgentAlert;
  /** The message whose text is on screen: the newest one shown. */
  shown: AgentAlert | undefined;
  /** The text reached the screen: messages of the thread count as displayed from now on. */
  onScreen: boolean;
  controller: AbortController | undefined;
  expiry: TimerHandle | undefined;
}

export interface ThreadTrackerOptions {
  presenter: AlertPresenter;
  clock: Clock;
  log: Logger;
  /** Acknowledge sirens as soon as they are shown (unattended screens). */
  autoAck: boolean;
  report: (alertId: string, state: ReportedState) => void;
  /** Something worth saving changed: the seen or closed ids, or the open sirens. */
  changed: () => void;
  seenIds?: Iterable<string>;
  closedIds?: Iterable<string>;
}

/**
 * Threads (protocol §5): an original alert, its updates and its closing message, which can arrive
 * in any order and more than once. Decides what the person sees, drives the presenter, and reports
 * `delivered` and `displayed` for every message and `acknowledged` for the original.
 *
 * Guarantees: a message id is handled at most once (also across restarts, for the last 1,000); an
 * update replaces the text on screen only if it is newer (by seq) than what is shown, and a siren
 * keeps waiting for Kvittér through it; a cancelled or all-cleared thread is never shown or
 * sounded again, whatever arrives later, even its original; nothing of a thread is shown or
 * sounded after the expiry of its newest message.
 */
export class ThreadTracker {
  private readonly threads = new Map<string, Thread>();
  /** Message ids finished with, and the original ids of finished threads. */
  private readonly seen: SeenAlerts;
  /** Original ids of cancelled and all-cleared threads. */
  private readonly closed: SeenAlerts;

  constructor(private readonly o: ThreadTrackerOptions) {
    this.seen = new SeenAlerts(o.seenIds);
    this.closed = new SeenAlerts(o.closedIds);
  }

  seenIds(): string[] {
    return this.seen.toArray();
  }

  closedIds(): string[] {
    return this.closed.toArray();
  }

  /** Sirens on screen and not yet acknowledged, by their newest text: saved, shown again after a restart. */
  openSirens(): AgentAlert[] {
    return [...this.threads.values()].flatMap((t) => (isOpen(t) && t.shown?.kind === 'siren' ? [t.shown] : []));
  }

  /** Shows again the sirens that waited for Kvittér when the agent stopped; their reports were made then. */
  restore(sirens: readonly AgentAlert[]): void {
    for (const alert of sirens) {
      const id = threadIdOf(alert);
      if (this.threads.has(id) || this.closed.has(id) || this.seen.has(id)) continue;
      if (isExpired(alert, this.o.clock.now())) {
        this.o.log.info('siren expired while the agent was stopped', { alertId: id });
        continue;
      }
      this.o.log.info('siren still waiting for acknowledgement shown again', { alertId: id, messageId: alert.id });
      const thread = this.create(id, alert, 'dormant');
      const received = thread.messages.get(alert.id);
      if (received !== undefined) Object.assign(received, { delivered: true, displayed: true });
      this.show(thread);
    }
  }

  receive(alert: AgentAlert): void {
    const id = threadIdOf(alert);
    const thread = this.threads.get(id);
    if (thread !== undefined ? thread.messages.has(alert.id) : this.seen.has(alert.id)) {
      this.o.log.debug('duplicate message ignored', { alertId: alert.id });
      return;
    }
    this.o.log.info('message received', { alertId: alert.id, thread: id, seq: alert.seq, msgType: alert.msgType, kind: alert.kind, status: alert.status });
    const closing = closingOf(alert);
    if (closing !== undefined) this.close(id, alert, closing);
    else if (this.closed.has(id)) this.late(alert);
    else if (thread !== undefined) this.add(thread, alert);
    // A thread finished with before (acknowledged, or a notice shown) and since forgotten: its
    // updates are shown quietly. Otherwise a new thread, perhaps begun by an update whose
    // original has not arrived (live messages can overtake each other).
    else this.add(this.create(id, alert, this.seen.has(id) ? 'done' : 'dormant'), alert);
  }

  /** alert:repeat: sound a siren again if it is on screen here, not acknowledged and still active. */
  repeat(alertId: string): void {
    const thread = this.threads.get(alertId) ?? [...this.threads.values()].find((t) => t.messages.has(alertId));
    if (thread?.phase !== 'waiting' || thread.shown === undefined || this.expired(thread)) {
      this.o.log.debug('repeat ignored: no unacknowledged siren of that id on screen', { alertId, phase: thread?.phase });
      return;
    }
    const shown = thread.shown;
    this.o.log.info('siren repeated', { alertId: thread.id });
    void this.ui(thread, () => this.o.presenter.repeat(shown));
  }

  /** The agent stops: everything leaves the screen, but open sirens stay open (shown again at the next start). */
  stopAll(): void {
    for (const thread of this.threads.values()) {
      if (!isOpen(thread)) continue;
      this.takeOff(thread, 'stopped');
    }
  }

  private create(id: string, alert: AgentAlert, phase: Phase): Thread {
    const thread: Thread = {
      id,
      messages: new Map(),
      phase,
      newest: alert,
      shown: undefined,
      // A thread finished before was on screen then: its late messages count as displayed.
      onScreen: phase === 'done',
      controller: undefined,
      expiry: undefined,
      ui: Promise.resolve(),
    };
    thread.messages.set(alert.id, { alert, delivered: false, displayed: false });
    this.makeRoom();
    this.threads.set(id, thread);
    return thread;
  }

  /** An alert or update of a thread that is not closed. */
  private add(thread: Thread, alert: AgentAlert): void {
    thread.messages.set(alert.id, { alert, delivered: false, displayed: false });
    if (alert.seq > thread.newest.seq) thread.newest = alert;
    if (this.expired(thread)) {
      this.o.log.info('expired message not shown', { alertId: alert.id, expiresAt: thread.newest.expiresAt });
      if (isOpen(thread)) this.expire(thread);
      else if (thread.phase === 'done') this.markSeen(thread);
      return;
    }
    this.reportDelivered(thread);
    const newer = thread.shown === undefined || alert.seq > thread.shown.seq;
    switch (thread.phase) {
      case 'dormant':
        this.show(thread);
        return;
      case 'showing':
      case 'waiting':
        if (newer) {
          thread.shown = alert;
          void this.ui(thread, () => this.o.presenter.update(alert));
        }
        this.armExpiry(thread);
        void this.ui(thread, () => this.reportDisplayed(thread));
        this.o.changed();
        return;
      case 'done':
        if (newer) {
          thread.shown = alert;
          void this.ui(thread, () => this.o.presenter.update(alert));
        }
        void this.ui(thread, () => this.reportDisplayed(thread));
        this.markSeen(thread);
        return;
    }
  }

  private show(thread: Thread): void {
    const shown = thread.newest;
    thread.shown = shown;
    thread.phase = 'showing';
    const controller = new AbortController();
    thread.controller = controller;
    this.armExpiry(thread);
    this.o.changed();
    this.present(thread, shown, controller.signal).catch((err: unknown) => {
      this.o.log.error('alert handling failed', { alertId: thread.id, err: err instanceof Error ? err.message : String(err) });
      // Forget it, so that the next delivery (a replay) tries again.
      if (this.threads.get(thread.id) === thread && isOpen(thread)) {
        this.clearExpiry(thread);
        this.threads.delete(thread.id);
        this.o.changed();
      }
    });
  }

  private async present(thread: Thread, shown: AgentAlert, signal: AbortSignal): Promise<void> {
    await this.ui(thread, () => this.o.presenter.display(shown));
    if (signal.aborted) return;
    thread.onScreen = true;
    this.reportDisplayed(thread);
    if (shown.kind !== 'siren') {
      this.finish(thread);
      return;
    }
    thread.phase = 'waiting';
    if (!this.o.autoAck) {
      try {
        await this.o.presenter.awaitAcknowledgement(shown, signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
    }
    if (signal.aborted) return;
    // Always on the original id, whichever message is on screen (protocol §5).
    this.o.report(thread.id, 'acknowledged');
    this.o.log.info('siren acknowledged', { alertId: thread.id, auto: this.o.autoAck });
    const last = thread.shown ?? shown;
    void this.ui(thread, () => this.o.presenter.dismiss?.(last, 'acknowledged'));
    this.finish(thread);
  }

  /** A cancellation or all-clear: the thread ends here, whatever arrives later. */
  private close(id: string, closing: AgentAlert, reason: 'cancelled' | 'allclear'): void {
    const thread = this.threads.get(id);
    this.threads.delete(id);
    this.closed.add(id);
    this.seen.add(closing.id);
    if (thread !== undefined) {
      for (const messageId of thread.messages.keys()) this.seen.add(messageId);
      if (isOpen(thread)) this.takeOff(thread, reason);
      thread.phase = 'done';
    }
    this.o.log.info(reason === 'cancelled' ? 'alert cancelled' : 'alert all-cleared', { alertId: id, messageId: closing.id });
    this.o.changed();
    if (isExpired(closing, this.o.clock.now())) {
      this.o.log.info('expired closing message not shown', { alertId: closing.id, expiresAt: closing.expiresAt });
      return;
    }
    if (thread !== undefined) this.reportDelivered(thread);
    this.o.report(closing.id, 'delivered');
    void this.ui(thread ?? { ui: Promise.resolve() }, async () => {
      await this.o.presenter.displayClosing(closing);
      this.o.report(closing.id, 'displayed');
    });
  }

  /** An original or update arriving after its thread was closed: received, never shown. */
  private late(alert: AgentAlert): void {
    this.seen.add(alert.id);
    this.o.changed();
    if (isExpired(alert, this.o.clock.now())) return;
    this.o.log.info('message of a closed thread not shown', { alertId: alert.id, thread: threadIdOf(alert) });
    this.o.report(alert.id, 'delivered');
  }

  private finish(thread: Thread): void {
    thread.phase = 'done';
    thread.controller = undefined;
    this.clearExpiry(thread);
    this.markSeen(thread);
  }

  private expire(thread: Thread): void {
    if (!isOpen(thread)) return;
    this.takeOff(thread, 'expired');
    this.finish(thread);
  }

  /** Stops waiting for Kvittér and takes the thread off screen. */
  private takeOff(thread: Thread, reason: DismissReason): void {
    this.clearExpiry(thread);
    thread.controller?.abort(reason);
    const shown = thread.shown;
    if (shown !== undefined) void this.ui(thread, () => this.o.presenter.dismiss?.(shown, reason));
    this.o.log.info('alert taken off screen', { alertId: thread.id, reason });
  }

  /** The thread and every message of it are finished with, also after a restart. */
  private markSeen(thread: Thread): void {
    for (const messageId of thread.messages.keys()) this.seen.add(messageId);
    this.seen.add(thread.id);
    this.o.changed();
  }

  private reportDelivered(thread: Thread): void {
    for (const m of sortedBySeq(thread)) {
      if (m.delivered) continue;
      m.delivered = true;
      this.o.report(m.alert.id, 'delivered');
    }
  }

  /** Every message of a thread on screen counts as displayed: the thread shows its newest text. */
  private reportDisplayed(thread: Thread): void {
    if (!thread.onScreen) return;
    for (const m of sortedBySeq(thread)) {
      if (m.displayed || !m.delivered) continue;
      m.displayed = true;
      this.o.report(m.alert.id, 'displayed');
    }
  }

  private expired(thread: Thread): boolean {
    return isExpired(thread.newest, this.o.clock.now());
  }

  /** Takes an open siren off screen at the expiry of its newest message (which an update can move). */
  private armExpiry(thread: Thread): void {
    this.clearExpiry(thread);
    if (!isOpen(thread)) return;
    const delay = Date.parse(thread.newest.expiresAt) - this.o.clock.now();
    if (delay > MAX_TIMER_DELAY_MS) return;
    thread.expiry = this.o.clock.setTimeout(() => {
      thread.expiry = undefined;
      this.expire(thread);
    }, Math.max(0, delay));
  }

  private clearExpiry(thread: Thread): void {
    if (thread.expiry !== undefined) this.o.clock.clearTimeout(thread.expiry);
    thread.expiry = undefined;
  }

  /** Queues a presenter call after the thread's earlier ones. The returned promise rejects if the call fails; the queue goes on. */
  private ui(queue: UiQueue, step: () => Promise<void> | void): Promise<void> {
    const run = queue.ui.then(step);
    queue.ui = run.catch((err: unknown) => {
      this.o.log.error('presenter failed', { err: err instanceof Error ? err.message : String(err) });
    });
    return run;
  }

  /** Before a new thread: forgets the oldest threads not on screen, to stay within THREADS_LIMIT. */
  private makeRoom(): void {
    for (const [id, thread] of this.threads) {
      if (this.threads.size < THREADS_LIMIT) return;
      if (!isOpen(thread)) this.threads.delete(id);
    }
  }
}

function isOpen(thread: Thread): boolean {
  return thread.phase === 'showing' || thread.phase === 'waiting';
}

function sortedBySeq(thread: Thread): Received[] {
  return [...thread.messages.values()].sort((a, b) => a.alert.seq - b.alert.seq);
}

import type { Alert, AlertView, ThreadStatus } from '@varsel/shared';

/**
 * A thread is an original alert with its updates, all-clear and cancellation (CAP 1.2 msgType,
 * docs/protocol.md §5). These helpers read and merge threads; they never touch the DOM.
 */

/** How a message of a thread is labelled. An all-clear is an update that ends the thread. */
export type EntryKind = 'alert' | 'update' | 'allclear' | 'cancel';

export function entryKind(msg: Pick<Alert, 'msgType' | 'allClear'>): EntryKind {
  switch (msg.msgType) {
    case 'alert':
      return 'alert';
    case 'update':
      return msg.allClear === true ? 'allclear' : 'update';
    case 'cancel':
      return 'cancel';
  }
}

/** The id of the original alert a message belongs to. */
export function originalIdOf(msg: Pick<Alert, 'id' | 'references'>): string {
  return msg.references ?? msg.id;
}

/** The status a message itself gives its thread, if it closes it. */
function closingStatus(msg: Pick<Alert, 'msgType' | 'allClear'>): ThreadStatus | undefined {
  const kind = entryKind(msg);
  return kind === 'cancel' ? 'cancelled' : kind === 'allclear' ? 'allclear' : undefined;
}

/** The original first, then its updates and cancellation in sequence order, each once. */
export function threadMessages(view: AlertView): Alert[] {
  const seen = new Set<string>([view.id]);
  const rest = view.thread.filter((m) => !seen.has(m.id) && seen.add(m.id));
  return [view, ...rest.sort((a, b) => a.seq - b.seq)];
}

/** The newest message of the thread: its text is what the devices show now. */
export function newestMessage(view: AlertView): Alert {
  const messages = threadMessages(view);
  return messages[messages.length - 1] ?? view;
}

/**
 * When the thread expires: at the `expiresAt` of its newest message (an update without a new
 * expiry carries the thread's current one), as docs/protocol.md §5 says.
 */
export function threadExpiresAt(view: AlertView): string {
  return newestMessage(view).expiresAt;
}

/**
 * The thread's status now. The server works out `expired` when asked; the console checks the
 * clock too, so that a page left open stops offering "Opdater" the moment the alert expires.
 */
export function currentStatus(view: AlertView, now = Date.now()): ThreadStatus {
  if (view.threadStatus !== 'active') return view.threadStatus;
  const expires = Date.parse(threadExpiresAt(view));
  return Number.isFinite(expires) && now >= expires ? 'expired' : 'active';
}

/** The message that closed the thread (cancellation or all-clear), if any. */
export function closingMessage(view: AlertView): Alert | undefined {
  return threadMessages(view).find((m) => closingStatus(m) !== undefined);
}

/**
 * The original's view with one more message of its thread: from the console socket's
 * `alert:created` or from the answer to our own POST, in either order, any number of times.
 * A message of another thread leaves the view as it is. A closed thread never reopens: a late
 * update's `threadStatus: 'active'` does not undo a cancellation that arrived before it.
 */
export function withMessage(view: AlertView, msg: Alert & { threadStatus?: ThreadStatus }): AlertView {
  if (msg.references !== view.id) return view;
  const thread = view.thread.some((m) => m.id === msg.id) ? view.thread : [...view.thread, stripView(msg)].sort((a, b) => a.seq - b.seq);
  const status = view.threadStatus !== 'active' ? view.threadStatus : (closingStatus(msg) ?? msg.threadStatus ?? 'active');
  return { ...view, thread, threadStatus: status };
}

/** An update's AlertView as a plain thread message (its own counts and thread are not the original's). */
function stripView(msg: Alert & Partial<Pick<AlertView, 'fanout' | 'counts' | 'thread' | 'threadStatus'>>): Alert {
  const { fanout: _fanout, counts: _counts, thread: _thread, threadStatus: _status, ...alert } = msg;
  return alert;
}

/** Where a view stands: whether a duty officer may still update, all-clear or cancel it. */
export function isOpen(view: AlertView, now = Date.now()): boolean {
  return view.msgType === 'alert' && currentStatus(view, now) === 'active';
}

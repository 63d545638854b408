import type { Alert, AlertView } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { closingMessage, currentStatus, entryKind, isOpen, newestMessage, originalIdOf, threadExpiresAt, threadMessages, withMessage } from './thread.js';

const ORIGINAL = '11111111-1111-4111-8111-111111111111';
const T0 = Date.parse('2026-11-22T14:00:00.000Z');
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function message(over: Partial<Alert> & Pick<Alert, 'id' | 'seq'>): Alert {
  return {
    kind: 'siren',
    status: 'exercise',
    severity: 'extreme',
    content: { da: { title: 'Strømsvigt', body: 'Forlad bygningen.' } },
    audience: { type: 'all' },
    createdAt: iso(over.seq),
    createdBy: 'anna',
    expiresAt: iso(240),
    msgType: 'alert',
    ...over,
  };
}

function original(over: Partial<AlertView> = {}): AlertView {
  return {
    ...message({ id: ORIGINAL, seq: 1 }),
    fanout: { state: 'done' },
    counts: { targeted: 25, delivered: 25, displayed: 25, acknowledged: 10, expired: 0, cancelled: 0 },
    threadStatus: 'active',
    thread: [],
    ...over,
  };
}

const update = (id: string, seq: number, over: Partial<Alert> = {}): Alert =>
  message({ id, seq, msgType: 'update', references: ORIGINAL, content: { da: { title: `Opdatering ${seq}`, body: 'Ny tekst.' } }, ...over });
const cancel = (id: string, seq: number): Alert => message({ id, seq, msgType: 'cancel', references: ORIGINAL });
const asView = (m: Alert, threadStatus: AlertView['threadStatus']): AlertView => ({ ...m, fanout: { state: 'queued' }, counts: original().counts, threadStatus, thread: [] });

describe('entryKind', () => {
  it('tells an original, an update, an all-clear and a cancellation apart', () => {
    expect(entryKind({ msgType: 'alert' })).toBe('alert');
    expect(entryKind({ msgType: 'update' })).toBe('update');
    expect(entryKind({ msgType: 'update', allClear: false })).toBe('update');
    expect(entryKind({ msgType: 'update', allClear: true })).toBe('allclear');
    expect(entryKind({ msgType: 'cancel' })).toBe('cancel');
  });
});

describe('threadMessages', () => {
  it('lists the original first, then its messages by sequence, each once', () => {
    const a = update('a', 5);
    const b = update('b', 3);
    const view = original({ thread: [a, b, a] });
    expect(threadMessages(view).map((m) => m.id)).toEqual([ORIGINAL, 'b', 'a']);
    expect(newestMessage(view).id).toBe('a');
    expect(originalIdOf(a)).toBe(ORIGINAL);
    expect(originalIdOf(view)).toBe(ORIGINAL);
  });
});

describe('threadExpiresAt and currentStatus', () => {
  it('takes the expiry of the newest message, which an update may have moved', () => {
    const view = original({ thread: [update('a', 2, { expiresAt: iso(30) })] });
    expect(threadExpiresAt(view)).toBe(iso(30));
    expect(currentStatus(view, T0 + 29 * 60_000)).toBe('active');
    expect(currentStatus(view, T0 + 30 * 60_000)).toBe('expired');
    expect(isOpen(view, T0 + 30 * 60_000)).toBe(false);
  });

  it('keeps a closed status whatever the clock says', () => {
    expect(currentStatus(original({ threadStatus: 'cancelled' }), T0)).toBe('cancelled');
    expect(isOpen(original({ threadStatus: 'allclear' }), T0)).toBe(false);
    expect(isOpen(original(), T0)).toBe(true);
  });

  it('never offers actions on an update’s own view', () => {
    expect(isOpen(asView(update('a', 2), 'active'), T0)).toBe(false);
  });
});

describe('withMessage', () => {
  it('adds an update once, however many times it is announced', () => {
    const u = asView(update('a', 2), 'active');
    const once = withMessage(original(), u);
    const twice = withMessage(once, u);
    expect(twice.thread.map((m) => m.id)).toEqual(['a']);
    expect(twice.threadStatus).toBe('active');
    // The update's own counts and thread are not carried into the original's thread.
    expect(twice.thread[0]).not.toHaveProperty('counts');
    expect(twice.thread[0]).not.toHaveProperty('threadStatus');
  });

  it('closes the thread on a cancellation or an all-clear, even without a threadStatus', () => {
    expect(withMessage(original(), cancel('c', 3)).threadStatus).toBe('cancelled');
    expect(withMessage(original(), update('z', 3, { allClear: true })).threadStatus).toBe('allclear');
    expect(closingMessage(withMessage(original(), cancel('c', 3)))?.id).toBe('c');
    expect(closingMessage(original())).toBeUndefined();
  });

  it('does not reopen a cancelled thread when an older update arrives after the cancellation', () => {
    const cancelled = withMessage(original(), asView(cancel('c', 3), 'cancelled'));
    const late = withMessage(cancelled, asView(update('a', 2), 'active'));
    expect(late.threadStatus).toBe('cancelled');
    expect(threadMessages(late).map((m) => m.id)).toEqual([ORIGINAL, 'a', 'c']);
  });

  it('ignores a message of another thread and does not change the view it is given', () => {
    const view = original();
    expect(withMessage(view, message({ id: 'x', seq: 9, msgType: 'cancel', references: '22222222-2222-4222-8222-222222222222' }))).toBe(view);
    withMessage(view, cancel('c', 3));
    expect(view.thread).toEqual([]);
    expect(view.threadStatus).toBe('active');
  });
});

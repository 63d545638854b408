import type { Alert, AlertView } from '@varsel/shared';
import { h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { closingMessage, currentStatus, entryKind, threadExpiresAt, threadMessages } from '../thread.js';
import { threadStatusBadge } from '../ui.js';

/**
 * The thread's status, large: the first thing an officer must see is whether the siren is still
 * going. `data-testid="thread-status"` carries `data-status` (active, cancelled, allclear, expired).
 */
export function statusBanner(view: AlertView, now = Date.now()): HTMLElement {
  const status = currentStatus(view, now);
  const closing = closingMessage(view);
  const expires = threadExpiresAt(view);
  let note: string;
  switch (status) {
    case 'active':
      note = t('thread.activeNote', { time: formatDateTime(expires) });
      break;
    case 'cancelled':
    case 'allclear':
      note = t(status === 'cancelled' ? 'thread.cancelledNote' : 'thread.allclearNote', {
        time: closing ? formatDateTime(closing.createdAt) : '',
        name: closing?.createdBy ?? '',
      });
      break;
    case 'expired':
      note = t('thread.expiredNote', { time: formatDateTime(expires) });
      break;
  }
  return h(
    'div',
    { class: `status-banner status-${status}`, role: 'status', 'aria-label': t('thread.statusLabel') },
    threadStatusBadge(status, 'thread-status'),
    h('p', { 'data-testid': 'thread-status-note' }, note),
  );
}

function entry(msg: Alert, previous: Alert | undefined): HTMLElement {
  const kind = entryKind(msg);
  const { da, en } = msg.content;
  const newExpiry = kind === 'update' && previous !== undefined && previous.expiresAt !== msg.expiresAt;
  return h(
    'li',
    { class: `thread-item thread-${kind}`, 'data-testid': `thread-item-${msg.id}`, 'data-msg-type': kind },
    h(
      'div',
      { class: 'thread-head' },
      h('span', { class: `thread-label thread-label-${kind}` }, t(`msg.${kind}`)),
      h('time', { datetime: msg.createdAt }, formatDateTime(msg.createdAt)),
      h('span', { class: 'thread-author', 'data-testid': 'thread-author' }, msg.createdBy),
    ),
    h('p', { class: 'thread-title', 'data-testid': 'thread-title' }, da.title),
    h('p', { class: 'pre thread-body' }, da.body),
    en && h('p', { class: 'pre thread-body muted', lang: 'en' }, h('strong', {}, en.title), '\n', en.body),
    newExpiry && h('p', { class: 'help' }, t('thread.newExpiry', { time: formatDateTime(msg.expiresAt) })),
  );
}

/** The original and each update, all-clear and cancellation, oldest first, with time and author. */
export function threadTimeline(view: AlertView): HTMLElement {
  const messages = threadMessages(view);
  return h(
    'section',
    { class: 'thread-section', 'aria-labelledby': 'thread-heading' },
    h('h2', { id: 'thread-heading' }, t('thread.title')),
    h(
      'ol',
      { class: 'thread', 'data-testid': 'thread', 'data-count': messages.length },
      messages.map((m, i) => entry(m, messages[i - 1])),
    ),
  );
}

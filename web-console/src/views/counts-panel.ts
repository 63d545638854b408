import type { AlertCounts } from '@varsel/shared';
import { CLOSED_COUNT_FIELDS, COUNT_FIELDS, percentOf } from '../counts.js';
import type { ClosedCountField, CountField } from '../counts.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

interface CountCard {
  card: HTMLElement;
  value: HTMLElement;
  percent: HTMLElement | null;
  bar: HTMLProgressElement | null;
}

export interface CountsPanel {
  el: HTMLElement;
  show(counts: AlertCounts): void;
}

function card(field: CountField | ClosedCountField): CountCard {
  const value = h('span', { class: 'count-value', 'data-testid': `count-${field}` }, '0');
  const isBase = field === 'targeted';
  const closed = field === 'expired' || field === 'cancelled';
  const percent = isBase ? null : h('span', { class: 'count-percent', 'data-testid': `percent-${field}` }, '0 %');
  const sub = isBase
    ? h('span', { class: 'count-sub' }, t('count.targetedSub'))
    : h('span', { class: 'count-sub' }, percent, ' ', t(closed ? 'count.closedSub' : 'count.ofTargeted'));
  const bar = isBase ? null : h('progress', { max: 100, value: 0, 'aria-hidden': 'true' });
  const el = h('div', { class: `count-card count-${field}` }, h('span', { class: 'count-label' }, t(`count.${field}`)), value, sub, bar);
  return { card: el, value, percent, bar };
}

/**
 * The figures of an alert, updated in place so that a screen reader hears only what changed.
 * Expired and cancelled appear only once they are not zero: on an active alert they are noise.
 */
export function countsPanel(): CountsPanel {
  const el = h('div', { class: 'counts', role: 'group', 'aria-label': t('count.region'), 'aria-live': 'polite', 'data-testid': 'counts' });
  const cards = new Map<CountField | ClosedCountField, CountCard>();
  for (const field of [...COUNT_FIELDS, ...CLOSED_COUNT_FIELDS]) {
    const c = card(field);
    cards.set(field, c);
    el.append(c.card);
  }
  const show = (counts: AlertCounts): void => {
    for (const [field, c] of cards) {
      const n = counts[field];
      c.value.textContent = String(n);
      if (c.percent && c.bar) {
        const p = percentOf(n, counts.targeted);
        c.percent.textContent = `${p} %`;
        c.bar.value = p;
      }
      if (field === 'expired' || field === 'cancelled') c.card.hidden = n === 0;
    }
  };
  return { el, show };
}

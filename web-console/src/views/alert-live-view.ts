import type { AlertCounts, AlertView, OrgUnit } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import type { LiveStatus } from '../console-socket.js';
import { COUNT_FIELDS, mergeCounts, percentOf, ZERO_COUNTS } from '../counts.js';
import type { CountField } from '../counts.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { audienceText, errorBox, exerciseBadge, kindBadge, loading } from '../ui.js';

interface CountCard {
  value: HTMLElement;
  percent: HTMLElement | null;
  bar: HTMLProgressElement | null;
}

/** The four figures; updated in place so that a screen reader hears only what changed. */
function countsPanel(): { el: HTMLElement; cards: Record<CountField, CountCard> } {
  const el = h('div', { class: 'counts', role: 'group', 'aria-label': t('count.region'), 'aria-live': 'polite', 'data-testid': 'counts' });
  const make = (field: CountField): CountCard => {
    const value = h('span', { class: 'count-value', 'data-testid': `count-${field}` }, '0');
    const isBase = field === 'targeted';
    const percent = isBase ? null : h('span', { class: 'count-percent', 'data-testid': `percent-${field}` }, '0 %');
    const sub = percent ? h('span', { class: 'count-sub' }, percent, ' ', t('count.ofTargeted')) : h('span', { class: 'count-sub' }, t('count.targetedSub'));
    const bar = isBase ? null : h('progress', { max: 100, value: 0, 'aria-hidden': 'true' });
    el.append(
      h(
        'div',
        { class: `count-card count-${field}` },
        h('span', { class: 'count-label' }, t(`count.${field}`)),
        value,
        sub,
        bar,
      ),
    );
    return { value, percent, bar };
  };
  const cards = Object.fromEntries(COUNT_FIELDS.map((f) => [f, make(f)])) as Record<CountField, CountCard>;
  return { el, cards };
}

function alertInfo(alert: AlertView, units: readonly OrgUnit[]): HTMLElement {
  const row = (label: string, ...value: (Node | string)[]): HTMLElement => h('div', {}, h('dt', {}, label), h('dd', {}, ...value));
  const { da, en } = alert.content;
  return h(
    'div',
    { class: `alert-info alert-${alert.kind}` },
    h(
      'div',
      { class: 'page-header' },
      h('h1', { 'data-testid': 'alert-title', tabindex: '-1' }, da.title),
      h('div', { class: 'page-header-aside' }, kindBadge(alert.kind), exerciseBadge(alert.status)),
    ),
    h('p', { class: 'pre alert-body' }, da.body),
    en && h('p', { class: 'pre alert-body muted', lang: 'en' }, h('strong', {}, en.title), '\n', en.body),
    h(
      'dl',
      { class: 'meta' },
      row(t('alert.sentAt'), h('time', { datetime: alert.createdAt, 'data-testid': 'alert-time' }, formatDateTime(alert.createdAt))),
      row(t('alert.sentBy'), alert.createdBy),
      row(t('alert.audience'), audienceText(alert.audience, units)),
      row(t('alert.severity'), t(`severity.${alert.severity}`)),
      row(t('compose.status'), h('span', { 'data-testid': 'alert-status' }, t(`status.${alert.status}`))),
      row(t('alert.fanout'), h('span', { 'data-testid': 'alert-fanout' }, t(alert.fanout.state === 'done' ? 'alert.fanoutDone' : 'alert.fanoutQueued'))),
      row(t('alert.expires'), h('time', { datetime: alert.expiresAt }, formatDateTime(alert.expiresAt))),
      // Only web links become links: a stored `javascript:` URL must never be clickable.
      alert.link &&
        row(t('alert.link'), /^https?:\/\//i.test(alert.link) ? h('a', { href: alert.link, target: '_blank', rel: 'noopener noreferrer', class: 'break' }, alert.link) : h('span', { class: 'break' }, alert.link)),
    ),
  );
}

/** One alert with its delivery and acknowledgement figures, live over the console socket. */
export function alertLiveView(ctx: AppContext, alertId: string): View {
  let alert: AlertView | undefined = ctx.state.alerts.get(alertId);
  let counts: AlertCounts = alert?.counts ?? ZERO_COUNTS;
  let units: readonly OrgUnit[] = [];
  let disposed = false;
  let refreshing = false;

  const info = h('div', {}, loading());
  const panel = countsPanel();
  const liveLine = h('p', { class: 'live-line', 'data-testid': 'alert-live-status' });
  const watchError = h('div', { 'aria-live': 'polite' });
  const root = h(
    'section',
    { class: 'page alert-page' },
    h('p', {}, h('a', { href: '#/alerts', class: 'back-link', 'data-testid': 'alert-back' }, '← ', t('alert.back'))),
    info,
    panel.el,
    liveLine,
    watchError,
  );

  const showCounts = (): void => {
    for (const field of COUNT_FIELDS) {
      const card = panel.cards[field];
      card.value.textContent = String(counts[field]);
      if (card.percent && card.bar) {
        const p = percentOf(counts[field], counts.targeted);
        card.percent.textContent = `${p} %`;
        card.bar.value = p;
      }
    }
  };
  const showInfo = (): void => {
    if (alert && !disposed) replaceChildren(info, alertInfo(alert, units));
  };
  const showLive = (status: LiveStatus): void => {
    liveLine.dataset.status = status;
    liveLine.textContent = status === 'connected' ? t('alert.live') : t('alert.stale');
  };
  const accept = (view: AlertView): void => {
    alert = view;
    ctx.state.alerts.set(view.id, view);
    counts = mergeCounts(counts, view.counts);
    showInfo();
    showCounts();
  };
  // The socket carries counts only; the fan-out state is fetched again once delivery has begun.
  const refresh = (): void => {
    if (refreshing || alert?.fanout.state !== 'queued') return;
    refreshing = true;
    window.setTimeout(() => {
      ctx.api.getAlert(alertId).then(
        (view) => {
          refreshing = false;
          if (!disposed) accept(view);
        },
        () => {
          refreshing = false;
        },
      );
    }, 1_000);
  };

  showInfo();
  showCounts();
  showLive(ctx.socket.status);
  const stopStatus = ctx.socket.onStatus(showLive);
  const stopWatch = ctx.socket.watch(alertId, {
    onView: (view) => {
      if (disposed) return;
      replaceChildren(watchError);
      accept(view);
    },
    onCounts: (update) => {
      if (disposed) return;
      counts = mergeCounts(counts, update);
      showCounts();
      refresh();
    },
    onError: (error) => {
      if (!disposed) replaceChildren(watchError, errorBox(error));
    },
  });
  ctx.api.getAlert(alertId).then(
    (view) => {
      if (!disposed) accept(view);
    },
    (err: unknown) => {
      if (!disposed) replaceChildren(info, errorBox(err));
    },
  );
  ctx.state.orgUnits(ctx.api).then(
    (list) => {
      units = list;
      showInfo();
    },
    () => undefined, // unit ids are shown instead of names
  );

  return {
    el: root,
    dispose: () => {
      disposed = true;
      stopStatus();
      stopWatch();
    },
  };
}

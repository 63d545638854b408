import type { AlertCounts, AlertView, OrgUnit } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import type { LiveStatus } from '../console-socket.js';
import { mergeCounts, ZERO_COUNTS } from '../counts.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { currentStatus, originalIdOf, threadExpiresAt, withMessage } from '../thread.js';
import { audienceText, errorBox, exerciseBadge, kindBadge, loading } from '../ui.js';
import { countsPanel } from './counts-panel.js';
import { threadActions } from './thread-actions.js';
import { statusBanner, threadTimeline } from './thread-timeline.js';
import { unackedPanel } from './unacked-panel.js';

/** setTimeout's limit is 2^31 ms (24.8 days); a thread lives at most 7 days, but be safe. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function alertInfo(alert: AlertView, units: readonly OrgUnit[]): HTMLElement {
  const row = (label: string, ...value: (Node | string)[]): HTMLElement => h('div', {}, h('dt', {}, label), h('dd', {}, ...value));
  const expires = threadExpiresAt(alert);
  return h(
    'div',
    { class: `alert-info alert-${alert.kind}`, 'data-thread-status': currentStatus(alert) },
    h(
      'div',
      { class: 'page-header' },
      h('h1', { 'data-testid': 'alert-title', tabindex: '-1' }, alert.content.da.title),
      h('div', { class: 'page-header-aside' }, kindBadge(alert.kind), exerciseBadge(alert.status)),
    ),
    statusBanner(alert),
    h(
      'dl',
      { class: 'meta' },
      row(t('alert.sentAt'), h('time', { datetime: alert.createdAt, 'data-testid': 'alert-time' }, formatDateTime(alert.createdAt))),
      row(t('alert.sentBy'), alert.createdBy),
      row(t('alert.audience'), audienceText(alert.audience, units)),
      row(t('alert.severity'), t(`severity.${alert.severity}`)),
      row(t('compose.status'), h('span', { 'data-testid': 'alert-status' }, t(`status.${alert.status}`))),
      row(t('alert.fanout'), h('span', { 'data-testid': 'alert-fanout' }, t(alert.fanout.state === 'done' ? 'alert.fanoutDone' : 'alert.fanoutQueued'))),
      row(t('alert.expires'), h('time', { datetime: expires, 'data-testid': 'alert-expires' }, formatDateTime(expires))),
      alert.kind === 'siren' && alert.repeatMinutes !== undefined && row(t('alert.repeat'), t('alert.repeatEvery', { n: alert.repeatMinutes })),
      // Only web links become links: a stored `javascript:` URL must never be clickable.
      alert.link &&
        row(t('alert.link'), /^https?:\/\//i.test(alert.link) ? h('a', { href: alert.link, target: '_blank', rel: 'noopener noreferrer', class: 'break' }, alert.link) : h('span', { class: 'break' }, alert.link)),
    ),
  );
}

/**
 * One alert: its thread (original, updates, all-clear or cancellation) and status, the actions of
 * a duty officer, and the delivery and acknowledgement figures, live over the console socket.
 */
export function alertLiveView(ctx: AppContext, alertId: string): View {
  let alert: AlertView | undefined = ctx.state.alerts.get(alertId);
  let counts: AlertCounts = alert?.counts ?? ZERO_COUNTS;
  let units: readonly OrgUnit[] = [];
  let disposed = false;
  let refreshing = false;
  let expiryTimer: number | undefined;

  const info = h('div', {}, loading());
  const thread = h('div', {});
  const panel = countsPanel();
  const unacked = unackedPanel(ctx, alertId);
  const actions = threadActions(ctx, {
    onMessage: (msg) => {
      if (alert) accept(withMessage(alert, msg));
    },
    onClosed: () => fetchAlert(),
  });
  const liveLine = h('p', { class: 'live-line', 'data-testid': 'alert-live-status' });
  const watchError = h('div', { 'aria-live': 'polite' });
  const root = h(
    'section',
    { class: 'page alert-page' },
    h('p', {}, h('a', { href: '#/alerts', class: 'back-link', 'data-testid': 'alert-back' }, '← ', t('alert.back'))),
    info,
    actions.el,
    thread,
    panel.el,
    liveLine,
    watchError,
    unacked.el,
  );
  actions.el.hidden = true;

  const showCounts = (): void => {
    panel.show(counts);
    unacked.setCounts(counts);
  };
  /** At the thread's expiry the status turns to Udløbet by the clock; then ask the server for its counts. */
  const scheduleExpiry = (view: AlertView): void => {
    window.clearTimeout(expiryTimer);
    expiryTimer = undefined;
    if (currentStatus(view) !== 'active') return;
    const wait = Date.parse(threadExpiresAt(view)) - Date.now();
    if (!Number.isFinite(wait)) return;
    expiryTimer = window.setTimeout(() => {
      if (disposed || !alert) return;
      showInfo();
      fetchAlert();
    }, Math.min(Math.max(wait, 0) + 500, MAX_TIMER_MS));
  };
  const showInfo = (): void => {
    if (!alert || disposed) return;
    replaceChildren(info, alertInfo(alert, units));
    replaceChildren(thread, threadTimeline(alert));
    actions.show(alert);
  };
  const showLive = (status: LiveStatus): void => {
    liveLine.dataset.status = status;
    liveLine.textContent = status === 'connected' ? t('alert.live') : t('alert.stale');
  };
  const accept = (view: AlertView): void => {
    if (disposed) return;
    if (view.msgType !== 'alert' && view.references) {
      // An update's or cancellation's own page is its original's.
      ctx.navigate({ name: 'alert', id: view.references }, { replace: true });
      return;
    }
    // A message we already merged (from the socket or our own POST) must survive an older answer.
    const merged = alert && alert.id === view.id ? alert.thread.reduce(withMessage, view) : view;
    alert = merged;
    ctx.state.alerts.set(merged.id, merged);
    counts = mergeCounts(counts, merged.counts);
    showInfo();
    showCounts();
    scheduleExpiry(merged);
  };
  const fetchAlert = (): void => {
    ctx.api.getAlert(alertId).then(
      (view) => accept(view),
      (err: unknown) => {
        if (!disposed && !alert) replaceChildren(info, errorBox(err));
      },
    );
  };
  // The socket carries counts only; the fan-out state is fetched again once delivery has begun.
  const refresh = (): void => {
    if (refreshing || alert?.fanout.state !== 'queued') return;
    refreshing = true;
    window.setTimeout(() => {
      ctx.api.getAlert(alertId).then(
        (view) => {
          refreshing = false;
          accept(view);
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
  // An update, all-clear or cancellation of this alert, by anyone: the thread grows at once.
  const stopCreated = ctx.socket.onCreated((msg) => {
    if (disposed || !alert || msg.msgType === 'alert' || originalIdOf(msg) !== alert.id) return;
    accept(withMessage(alert, msg));
  });
  fetchAlert();
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
      window.clearTimeout(expiryTimer);
      stopStatus();
      stopWatch();
      stopCreated();
      unacked.dispose();
    },
  };
}

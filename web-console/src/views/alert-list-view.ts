import type { AlertView } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import { percentOf } from '../counts.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { routeHash } from '../routes.js';
import { currentStatus, originalIdOf, withMessage } from '../thread.js';
import { errorBox, exerciseBadge, kindBadge, loading, pageHeader, threadStatusBadge } from '../ui.js';

/** How many recent alerts the list asks for and keeps. */
const LIST_LIMIT = 50;
/** 30 s: how late an alert may still read Aktiv in the list after it expired by the clock. */
const EXPIRY_CHECK_MS = 30_000;

function alertRow(alert: AlertView, fresh: boolean, now: number): HTMLTableRowElement {
  const status = currentStatus(alert, now);
  const audience = alert.audience.type === 'all' ? t('alert.audienceAll') : t('alerts.unitsCount', { n: alert.audience.units.length });
  const ack = percentOf(alert.counts.acknowledged, alert.counts.targeted);
  return h(
    'tr',
    { 'data-testid': `alert-row-${alert.id}`, 'data-thread-status': status, class: `row-${alert.kind} row-thread-${status}${fresh ? ' row-fresh' : ''}` },
    h('td', { class: 'nowrap' }, h('time', { datetime: alert.createdAt }, formatDateTime(alert.createdAt))),
    h('td', { class: 'nowrap' }, kindBadge(alert.kind), ' ', exerciseBadge(alert.status), fresh && h('span', { class: 'badge badge-new' }, t('alerts.new'))),
    h('td', { class: 'nowrap' }, threadStatusBadge(status, `alert-thread-status-${alert.id}`)),
    h('td', {}, h('a', { href: routeHash({ name: 'alert', id: alert.id }), 'data-testid': `alert-link-${alert.id}` }, alert.content.da.title)),
    h('td', {}, audience),
    h('td', { class: 'num' }, alert.counts.targeted > 0 ? `${ack} %` : t('common.none')),
    h('td', {}, alert.createdBy),
  );
}

/**
 * Recent original alerts, newest first, each with the status of its thread; alerts sent meanwhile
 * (by anyone) appear at the top, and updates or cancellations change their original's status.
 */
export function alertListView(ctx: AppContext): View {
  let alerts: AlertView[] | undefined;
  const fresh = new Set<string>();
  /** Alerts announced before the list arrived. */
  const early: AlertView[] = [];
  let disposed = false;
  const body = h('div', {}, loading());
  const root = h('section', { class: 'page' }, pageHeader(t('alerts.title')), body);

  const render = (): void => {
    if (!alerts) return;
    const now = Date.now();
    if (alerts.length === 0) {
      replaceChildren(body, h('p', { class: 'muted', 'data-testid': 'alerts-empty' }, t('alerts.empty')));
      return;
    }
    const head = h(
      'tr',
      {},
      [t('alerts.time'), t('alerts.kind'), t('alerts.status'), t('alerts.heading'), t('alerts.audience'), t('alerts.acknowledged'), t('alerts.by')].map((label) => h('th', { scope: 'col' }, label)),
    );
    replaceChildren(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'table', 'data-testid': 'alerts-table' }, h('thead', {}, head), h('tbody', {}, alerts.map((a) => alertRow(a, fresh.has(a.id), now)))),
      ),
    );
  };

  /** An update, all-clear or cancellation changes its original's row; it is not a row of its own. */
  const threadMessage = (msg: AlertView): void => {
    const originalId = originalIdOf(msg);
    const known = ctx.state.alerts.get(originalId);
    if (known) ctx.state.alerts.set(originalId, withMessage(known, msg));
    if (!alerts) {
      early.push(msg);
      return;
    }
    if (!alerts.some((a) => a.id === originalId)) return;
    alerts = alerts.map((a) => withMessage(a, msg));
    render();
  };

  const stopCreated = ctx.socket.onCreated((alert) => {
    if (alert.msgType !== 'alert') {
      threadMessage(alert);
      return;
    }
    ctx.state.alerts.set(alert.id, alert);
    if (!alerts) {
      early.push(alert);
      return;
    }
    if (alerts.some((a) => a.id === alert.id)) return;
    fresh.add(alert.id);
    alerts = [alert, ...alerts].slice(0, LIST_LIMIT);
    render();
  });

  ctx.api.listAlerts(LIST_LIMIT).then(
    (list) => {
      if (disposed) return;
      // An alert:created may have arrived first; keep it, without duplicates.
      const known = new Set(list.map((a) => a.id));
      const missed = early.filter((a) => a.msgType === 'alert' && !known.has(a.id));
      for (const a of missed) fresh.add(a.id);
      // Thread messages announced meanwhile are merged; one the list already has changes nothing.
      const merged = [...missed, ...list].map((a) => early.reduce((v, m) => withMessage(v, m), a));
      alerts = merged.slice(0, LIST_LIMIT);
      render();
    },
    (err: unknown) => {
      if (!disposed) replaceChildren(body, errorBox(err));
    },
  );

  const expiryCheck = window.setInterval(() => {
    if (alerts?.some((a) => a.threadStatus === 'active')) render();
  }, EXPIRY_CHECK_MS);

  return {
    el: root,
    dispose: () => {
      disposed = true;
      window.clearInterval(expiryCheck);
      stopCreated();
    },
  };
}

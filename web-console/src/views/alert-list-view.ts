import type { AlertView } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import { percentOf } from '../counts.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { routeHash } from '../routes.js';
import { errorBox, exerciseBadge, kindBadge, loading, pageHeader } from '../ui.js';

/** How many recent alerts the list asks for and keeps. */
const LIST_LIMIT = 50;

function alertRow(alert: AlertView, fresh: boolean): HTMLTableRowElement {
  const audience = alert.audience.type === 'all' ? t('alert.audienceAll') : t('alerts.unitsCount', { n: alert.audience.units.length });
  const ack = percentOf(alert.counts.acknowledged, alert.counts.targeted);
  return h(
    'tr',
    { 'data-testid': `alert-row-${alert.id}`, class: `row-${alert.kind}${fresh ? ' row-fresh' : ''}` },
    h('td', { class: 'nowrap' }, h('time', { datetime: alert.createdAt }, formatDateTime(alert.createdAt))),
    h('td', { class: 'nowrap' }, kindBadge(alert.kind), ' ', exerciseBadge(alert.status), fresh && h('span', { class: 'badge badge-new' }, t('alerts.new'))),
    h('td', {}, h('a', { href: routeHash({ name: 'alert', id: alert.id }), 'data-testid': `alert-link-${alert.id}` }, alert.content.da.title)),
    h('td', {}, audience),
    h('td', { class: 'num' }, alert.counts.targeted > 0 ? `${ack} %` : t('common.none')),
    h('td', {}, alert.createdBy),
  );
}

/** Recent alerts, newest first; alerts sent meanwhile (by anyone) appear at the top. */
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
    if (alerts.length === 0) {
      replaceChildren(body, h('p', { class: 'muted', 'data-testid': 'alerts-empty' }, t('alerts.empty')));
      return;
    }
    const head = h(
      'tr',
      {},
      [t('alerts.time'), t('alerts.kind'), t('alerts.heading'), t('alerts.audience'), t('alerts.acknowledged'), t('alerts.by')].map((label) => h('th', { scope: 'col' }, label)),
    );
    replaceChildren(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'table', 'data-testid': 'alerts-table' }, h('thead', {}, head), h('tbody', {}, alerts.map((a) => alertRow(a, fresh.has(a.id))))),
      ),
    );
  };

  const stopCreated = ctx.socket.onCreated((alert) => {
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
      const missed = early.filter((a) => !known.has(a.id));
      for (const a of missed) fresh.add(a.id);
      alerts = [...missed, ...list].slice(0, LIST_LIMIT);
      render();
    },
    (err: unknown) => {
      if (!disposed) replaceChildren(body, errorBox(err));
    },
  );

  return {
    el: root,
    dispose: () => {
      disposed = true;
      stopCreated();
    },
  };
}

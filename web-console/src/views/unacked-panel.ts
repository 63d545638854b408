import { can } from '@varsel/shared';
import type { AlertCounts } from '@varsel/shared';
import type { AppContext } from '../app-context.js';
import { notAcknowledged } from '../counts.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t, templateParts } from '../i18n.js';
import { NOT_ACKNOWLEDGED_STATES, UNACKED_MAX_ROWS, unackedRows } from '../unacked.js';
import type { UnackedRow } from '../unacked.js';
import { errorBox, loading } from '../ui.js';

export interface UnackedPanel {
  readonly el: HTMLElement;
  /** Live counts: the total follows them; the list itself is fetched once, then on request. */
  setCounts(counts: AlertCounts): void;
  dispose(): void;
}

function table(rows: readonly UnackedRow[], withNames: boolean): HTMLElement {
  const head = [withNames ? t('unacked.device') : null, t('unacked.deviceId'), t('unacked.state'), t('unacked.at')].filter((x): x is string => x !== null);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'unacked-table' },
      h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { 'data-testid': `unacked-row-${r.deviceId}`, 'data-state': r.state },
            withNames && h('td', {}, r.hostname ?? t('common.none')),
            h('td', { class: 'nowrap' }, h('code', {}, r.deviceId)),
            h('td', { 'data-testid': `unacked-state-${r.deviceId}` }, h('span', { class: `state state-${r.state}` }, t(`delivery.${r.state}`))),
            h('td', { class: 'nowrap' }, r.at ? h('time', { datetime: r.at }, formatDateTime(r.at)) : t('common.none')),
          ),
        ),
      ),
    ),
  );
}

/**
 * "Ikke kvitteret": the devices of the audience that have not acknowledged, with their last state
 * and when they reached it, for managers to follow up. Host names come from GET /api/devices when
 * the role may read devices; otherwise the ids alone are shown.
 */
export function unackedPanel(ctx: AppContext, alertId: string): UnackedPanel {
  const withNames = can(ctx.user.role, 'device:read');
  let counts: AlertCounts | undefined;
  let rows: UnackedRow[] | undefined;
  let fetchedAt: string | undefined;
  let loadingNow = false;
  /** Expired plus cancelled devices when the list was asked for. */
  let closedAtLoad = 0;
  /** After a failed fetch only the refresh button tries again, so an error does not repeat with every count. */
  let auto = true;
  let disposed = false;

  const total = h('strong', { 'data-testid': 'unacked-total' }, '0');
  const summary = h('p', { class: 'unacked-summary', 'aria-live': 'polite', 'data-testid': 'unacked-summary' });
  const refresh = h('button', { type: 'button', class: 'button button-small', 'data-testid': 'unacked-refresh' }, t('unacked.refresh'));
  const meta = h('p', { class: 'help' });
  const list = h('div', {});
  const el = h(
    'section',
    { class: 'unacked', 'aria-labelledby': 'unacked-heading', 'data-testid': 'unacked' },
    h('div', { class: 'section-head' }, h('h2', { id: 'unacked-heading' }, t('unacked.title')), refresh),
    summary,
    meta,
    list,
  );

  const totalOf = (): number => Math.max(rows?.length ?? 0, counts ? notAcknowledged(counts) : 0);

  const render = (): void => {
    const n = totalOf();
    total.textContent = String(n);
    if (counts && counts.targeted > 0 && n === 0) replaceChildren(summary, t('unacked.none'));
    else replaceChildren(summary, templateParts<Node>('unacked.count', { n: total }));
    const shown = rows ? Math.min(rows.length, UNACKED_MAX_ROWS) : 0;
    replaceChildren(
      meta,
      fetchedAt && t('unacked.fetchedAt', { time: formatDateTime(fetchedAt) }),
      fetchedAt && rows && rows.length > 0 && ' ',
      fetchedAt && rows && rows.length > 0 && h('span', { 'data-testid': 'unacked-shown' }, t('common.showing', { shown, total: n })),
    );
    if (rows === undefined) return;
    replaceChildren(list, rows.length > 0 ? table(rows, withNames) : null);
  };

  const load = (): void => {
    if (loadingNow || disposed) return;
    loadingNow = true;
    closedAtLoad = counts ? counts.expired + counts.cancelled : 0;
    refresh.disabled = true;
    if (rows === undefined) replaceChildren(list, loading());
    const names = withNames ? ctx.state.hostnames(ctx.api).catch(() => new Map<string, string>()) : Promise.resolve(new Map<string, string>());
    Promise.all([ctx.api.alertDevices(alertId, { states: NOT_ACKNOWLEDGED_STATES, limit: UNACKED_MAX_ROWS }), names]).then(
      ([deliveries, hostnames]) => {
        loadingNow = false;
        refresh.disabled = false;
        auto = true;
        if (disposed) return;
        rows = unackedRows(deliveries, hostnames);
        fetchedAt = new Date().toISOString();
        render();
      },
      (err: unknown) => {
        loadingNow = false;
        refresh.disabled = false;
        auto = false;
        if (!disposed) replaceChildren(list, errorBox(err));
      },
    );
  };
  refresh.addEventListener('click', load);
  render();

  return {
    el,
    setCounts(next: AlertCounts): void {
      counts = next;
      // The first list waits for the fan-out to fix the audience; before that every device is unknown.
      // When the thread closes, its devices move to expired or cancelled at once: fetch them again.
      const closed = next.expired + next.cancelled;
      if (auto && !loadingNow && next.targeted > 0 && (rows === undefined || closed > closedAtLoad)) load();
      render();
    },
    dispose(): void {
      disposed = true;
    },
  };
}

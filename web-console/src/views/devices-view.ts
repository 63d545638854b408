import { can } from '@varsel/shared';
import type { Device } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { errorBox, field, loading, pageHeader } from '../ui.js';

/** 500 rows: enough to find a device by searching, few enough that 50,000 devices stay responsive. */
const MAX_ROWS = 500;

export function matchesDevice(device: Device, needle: string): boolean {
  if (needle === '') return true;
  return [device.hostname, device.orgUnit, device.location ?? '', device.platform, device.id].some((v) => v.toLowerCase().includes(needle));
}

/** Enrolled devices, searchable; an admin can revoke one after confirming in the row. */
export function devicesView(ctx: AppContext): View {
  const mayRevoke = can(ctx.user.role, 'device:revoke');
  let devices: Device[] | undefined;
  let disposed = false;
  let asking: string | undefined;
  const filter = h('input', { type: 'search', 'data-testid': 'devices-filter', id: 'devices-filter', autocomplete: 'off' });
  const message = h('div', { 'aria-live': 'polite' });
  const body = h('div', {}, loading());
  const root = h('section', { class: 'page' }, pageHeader(t('devices.title')), field(filter, { label: t('common.filter') }), message, body);

  const revoke = (device: Device, button: HTMLButtonElement): void => {
    button.disabled = true;
    ctx.api.revokeDevice(device.id).then(
      () => {
        device.revokedAt = new Date().toISOString();
        asking = undefined;
        if (disposed) return;
        replaceChildren(message, h('p', { class: 'notice-box notice-info', 'data-testid': 'devices-message' }, t('devices.revokedOk', { name: device.hostname })));
        render();
      },
      (err: unknown) => {
        button.disabled = false;
        if (!disposed) replaceChildren(message, errorBox(err));
      },
    );
  };

  const actionCell = (device: Device): HTMLElement => {
    if (!mayRevoke || device.revokedAt) return h('td', {});
    if (asking !== device.id) {
      return h(
        'td',
        {},
        h('button', {
          type: 'button',
          class: 'button button-small button-danger-quiet',
          'data-testid': `device-revoke-${device.id}`,
          onclick: () => {
            asking = device.id;
            render();
            root.querySelector<HTMLElement>(`[data-testid="device-revoke-confirm-${device.id}"]`)?.focus();
          },
        }, t('devices.revoke')),
      );
    }
    const yes = h('button', { type: 'button', class: 'button button-small button-danger', 'data-testid': `device-revoke-confirm-${device.id}` }, t('devices.revokeYes'));
    yes.addEventListener('click', () => revoke(device, yes));
    const no = h('button', { type: 'button', class: 'button button-small button-quiet', 'data-testid': `device-revoke-cancel-${device.id}`, onclick: () => { asking = undefined; render(); } }, t('common.cancel'));
    return h('td', { class: 'ask' }, h('p', { role: 'alert' }, t('devices.revokeAsk', { name: device.hostname })), h('div', { class: 'actions' }, yes, no));
  };

  const render = (): void => {
    if (!devices) return;
    if (devices.length === 0) {
      replaceChildren(body, h('p', { class: 'muted' }, t('devices.empty')));
      return;
    }
    const needle = filter.value.trim().toLowerCase();
    const matching = devices.filter((d) => matchesDevice(d, needle));
    const shown = matching.slice(0, MAX_ROWS);
    const head = [t('devices.hostname'), t('devices.platform'), t('devices.orgUnit'), t('devices.location'), t('devices.version'), t('devices.enrolled'), t('devices.status'), ''];
    replaceChildren(
      body,
      h('p', { class: 'muted', 'data-testid': 'devices-count' }, t('common.showing', { shown: shown.length, total: devices.length })),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'devices-table' },
          h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
          h(
            'tbody',
            {},
            shown.map((d) =>
              h(
                'tr',
                { 'data-testid': `device-row-${d.id}`, class: d.revokedAt ? 'row-revoked' : undefined },
                h('td', {}, d.hostname),
                h('td', {}, d.platform),
                h('td', { class: 'nowrap' }, d.orgUnit),
                h('td', {}, d.location ?? t('common.none')),
                h('td', {}, d.agentVersion ?? t('common.none')),
                h('td', { class: 'nowrap' }, formatDateTime(d.enrolledAt)),
                h('td', { 'data-testid': `device-status-${d.id}` }, d.revokedAt ? `${t('devices.revoked')} ${formatDateTime(d.revokedAt)}` : t('devices.active')),
                actionCell(d),
              ),
            ),
          ),
        ),
      ),
    );
  };

  filter.addEventListener('input', render);
  ctx.api.listDevices().then(
    (list) => {
      devices = [...list].sort((a, b) => a.hostname.localeCompare(b.hostname, 'da'));
      if (!disposed) render();
    },
    (err: unknown) => {
      if (!disposed) replaceChildren(body, errorBox(err));
    },
  );

  return {
    el: root,
    dispose: () => {
      disposed = true;
    },
  };
}

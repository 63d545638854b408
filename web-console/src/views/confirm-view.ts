import { DEFAULT_EXPIRY_MINUTES, DEFAULT_REPEAT_MINUTES, SIREN_CONFIRMATION } from '@varsel/shared';
import type { AlertInputParsed, OrgUnit } from '@varsel/shared';
import { ApiError } from '../api-client.js';
import { emptyDraft, validateDraft } from '../alert-form.js';
import type { AppContext, View } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { t, templateParts } from '../i18n.js';
import { durationText } from '../minutes.js';
import { audienceText, errorBox, exerciseBadge, kindBadge, pageHeader } from '../ui.js';

function summary(input: AlertInputParsed, units: readonly OrgUnit[]): HTMLElement {
  const row = (label: string, ...value: (Node | string)[]): HTMLElement[] => [h('dt', {}, label), h('dd', {}, ...value)];
  const { da, en } = input.content;
  return h(
    'dl',
    { class: 'summary', 'data-testid': 'confirm-summary' },
    row(t('compose.kind'), kindBadge(input.kind), ' ', exerciseBadge(input.status) ?? ''),
    row(t('alert.audience'), audienceText(input.audience, units)),
    row(t('alert.danish'), h('strong', { 'data-testid': 'confirm-title-da' }, da.title), h('span', { class: 'pre' }, da.body)),
    en ? row(t('alert.english'), h('strong', {}, en.title), h('span', { class: 'pre' }, en.body)) : [],
    input.link ? row(t('alert.link'), h('span', { class: 'break' }, input.link)) : [],
    row(t('confirm.expires'), h('span', { 'data-testid': 'confirm-expires' }, durationText(input.expiresInMinutes ?? DEFAULT_EXPIRY_MINUTES[input.kind]))),
    input.kind === 'siren' ? row(t('confirm.repeat'), t('alert.repeatEvery', { n: input.repeatMinutes ?? DEFAULT_REPEAT_MINUTES })) : [],
  );
}

/**
 * The last step before sending: how many devices the alert reaches, what it says, and for a
 * siren the typed word SIRENE. Nothing is sent from any other page.
 */
export function confirmView(ctx: AppContext): View {
  const root = h('section', { class: 'page confirm-page' });
  const result = validateDraft(ctx.state.draft);
  if (!result.ok) {
    // A reload or a hand-typed URL: there is nothing valid to confirm.
    queueMicrotask(() => ctx.navigate({ name: 'compose' }, { replace: true }));
    return { el: root };
  }
  const input = result.input;
  const isSiren = input.kind === 'siren';
  let disposed = false;
  let sending = false;

  const reach = h('div', { class: 'reach', 'aria-live': 'polite', 'data-testid': 'confirm-reach' }, h('p', { class: 'muted' }, t('confirm.counting')));
  const status = h('div', { 'aria-live': 'assertive' });
  const send = h('button', { type: 'submit', class: `button button-${input.kind}`, 'data-testid': 'confirm-send', disabled: isSiren }, t(isSiren ? 'confirm.sendSiren' : 'confirm.sendNotice'));
  const word = h('input', {
    id: 'confirm-input',
    'data-testid': 'confirm-input',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    class: 'confirm-word',
  });
  const armed = (): boolean => !isSiren || word.value.trim().toUpperCase() === SIREN_CONFIRMATION;
  word.addEventListener('input', () => {
    send.disabled = sending || !armed();
  });
  const form = h(
    'form',
    { class: `card confirm-card confirm-${input.kind}`, novalidate: true },
    reach,
    h('h2', {}, t('confirm.summary')),
    summary(input, []),
    isSiren && h('div', { class: 'field confirm-field' }, h('label', { for: 'confirm-input' }, t('confirm.typeWord', { word: SIREN_CONFIRMATION })), word),
    status,
    h(
      'div',
      { class: 'actions' },
      send,
      h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'confirm-back', onclick: () => ctx.navigate({ name: 'compose' }) }, t('confirm.back')),
    ),
  );
  const summaryEl = form.querySelector('dl');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending || !armed()) return;
    sending = true;
    send.disabled = true;
    send.textContent = t('confirm.sending');
    replaceChildren(status);
    ctx.api.sendAlert({ ...input, ...(isSiren ? { confirm: SIREN_CONFIRMATION } : {}) }).then(
      (alert) => {
        ctx.state.alerts.set(alert.id, alert);
        ctx.state.draft = emptyDraft();
        if (!disposed) ctx.navigate({ name: 'alert', id: alert.id });
      },
      (err: unknown) => {
        sending = false;
        send.textContent = t(isSiren ? 'confirm.sendSiren' : 'confirm.sendNotice');
        send.disabled = !armed();
        if (disposed) return;
        const unsure = err instanceof ApiError && err.unanswered;
        replaceChildren(status, errorBox(err, unsure && h('p', { 'data-testid': 'confirm-unsure' }, t('confirm.unsure'))));
      },
    );
  });

  ctx.api.previewAudience(input.audience).then(
    (preview) => {
      if (disposed) return;
      const n = h('strong', { 'data-testid': 'confirm-devices' }, String(preview.devices));
      const devices = t(preview.devices === 1 ? 'confirm.deviceOne' : 'confirm.deviceOther');
      replaceChildren(
        reach,
        h('p', { class: 'reach-line' }, templateParts<Node>(isSiren ? 'confirm.reachSiren' : 'confirm.reachNotice', { n, devices })),
        h('p', { class: 'help' }, t('confirm.reachNote')),
      );
    },
    (err: unknown) => {
      // The count is a help, not a gate: a failed preview must not block a siren.
      if (!disposed) replaceChildren(reach, h('p', { class: 'notice-box notice-warning' }, t('confirm.previewFailed')), errorBox(err));
    },
  );
  if (input.audience.type === 'units') {
    ctx.state.orgUnits(ctx.api).then(
      (units) => {
        if (!disposed && summaryEl) summaryEl.replaceWith(summary(input, units));
      },
      () => undefined, // the ids are shown instead of names
    );
  }

  replaceChildren(root, pageHeader(t('confirm.title'), kindBadge(input.kind), exerciseBadge(input.status)), form);
  if (isSiren) queueMicrotask(() => word.focus());
  return {
    el: root,
    dispose: () => {
      disposed = true;
    },
  };
}

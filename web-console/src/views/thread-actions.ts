import { can } from '@varsel/shared';
import type { AlertView } from '@varsel/shared';
import { ApiError } from '../api-client.js';
import type { AppContext } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { issuesOf } from '../field-errors.js';
import { formatDateTime, t } from '../i18n.js';
import type { MessageKey } from '../i18n.js';
import { allClearDraft, cancelInput, MESSAGE_FIELDS, messageErrorsOf, updateDraftOf, validateMessage } from '../thread-form.js';
import type { MessageDraft, MessageErrors, MessageField } from '../thread-form.js';
import { isOpen, threadExpiresAt } from '../thread.js';
import { clearFieldError, errorBox, field } from '../ui.js';

type Mode = 'idle' | 'update' | 'allclear' | 'cancel';
type TextField = Exclude<MessageField, 'other'>;

export interface ThreadActions {
  readonly el: HTMLElement;
  /** The original's view changed (a new message, counts, a refresh): show or hide the actions. */
  show(view: AlertView): void;
}

export interface ThreadActionOptions {
  /** Our update or cancellation was accepted: its view (msgType update/cancel, references the original). */
  onMessage(message: AlertView): void;
  /** 409 ALERT_CLOSED: someone else (or the clock) closed the thread first; fetch it again. */
  onClosed(): void;
}

const FIELD_IDS: Record<TextField, string> = { titleDa: 'title-da', bodyDa: 'body-da', titleEn: 'title-en', bodyEn: 'body-en', expiresInMinutes: 'expires' };

/**
 * Update, all-clear and cancel for an active thread, for roles holding alert:send. Each opens a
 * step of its own; cancelling a false alarm is one more click, with nothing to type, because a
 * siren sounding by mistake must stop at once.
 */
export function threadActions(ctx: AppContext, options: ThreadActionOptions): ThreadActions {
  const el = h('section', { class: 'thread-actions', 'aria-label': t('action.region'), 'data-testid': 'thread-actions' });
  const message = h('div', { 'aria-live': 'polite' });
  const body = h('div', {});
  el.append(message, body);
  const allowed = can(ctx.user.role, 'alert:send');
  let view: AlertView | undefined;
  let open = false;
  let shown = false;
  let mode: Mode = 'idle';
  let busy = false;
  let draft: MessageDraft | undefined;
  let errors: MessageErrors = {};
  let failure: unknown;

  const say = (key: MessageKey, tone: 'ok' | 'closed'): void => {
    replaceChildren(message, h('p', { class: `notice-box ${tone === 'ok' ? 'notice-ok' : 'notice-warning'}`, 'data-testid': 'action-message', 'data-tone': tone }, t(key)));
  };

  const enter = (next: Mode): void => {
    mode = next;
    errors = {};
    failure = undefined;
    draft = next === 'update' && view ? updateDraftOf(view) : next === 'allclear' ? allClearDraft() : undefined;
    replaceChildren(message);
    render();
    const first = body.querySelector<HTMLElement>(next === 'cancel' ? '[data-testid="cancel-confirm"]' : 'input, textarea');
    first?.focus();
  };

  const abortButton = (): HTMLButtonElement =>
    h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'action-abort', disabled: busy, onclick: () => enter('idle') }, t('action.abort'));

  const failureBox = (): HTMLElement | null => {
    if (failure === undefined) return null;
    const unsure = failure instanceof ApiError && failure.unanswered;
    return errorBox(failure, unsure && h('p', {}, t('action.unsure')));
  };

  const submit = (call: () => Promise<AlertView>, sent: MessageKey): void => {
    if (busy || !view) return;
    busy = true;
    failure = undefined;
    render();
    call().then(
      (msg) => {
        busy = false;
        mode = 'idle';
        say(sent, 'ok');
        options.onMessage(msg);
        render();
      },
      (err: unknown) => {
        busy = false;
        if (err instanceof ApiError && err.errorName === 'ALERT_CLOSED') {
          mode = 'idle';
          say('action.closed', 'closed');
          render();
          options.onClosed();
          return;
        }
        const fieldErrors = err instanceof ApiError && err.errorName === 'VALIDATION_FAILED' ? messageErrorsOf(issuesOf(err.details)) : {};
        if (Object.keys(fieldErrors).length > 0) errors = fieldErrors;
        else failure = err;
        render();
      },
    );
  };

  function textControl(d: MessageDraft, key: TextField, prefix: string): HTMLInputElement | HTMLTextAreaElement {
    const id = `${prefix}-${FIELD_IDS[key]}`;
    const attrs = { id, 'data-testid': id, name: key, maxlength: key.startsWith('body') ? 2000 : 120 };
    const control =
      key === 'bodyDa' || key === 'bodyEn'
        ? h('textarea', { ...attrs, rows: 4 })
        : h('input', key === 'expiresInMinutes' ? { id, 'data-testid': id, name: key, type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'input-short' } : { ...attrs, type: 'text' });
    control.value = d[key];
    control.addEventListener('input', () => {
      d[key] = control.value;
      delete errors[key];
      clearFieldError(control);
    });
    return control;
  }

  function messageForm(kind: 'update' | 'allclear', d: MessageDraft): HTMLFormElement {
    const isUpdate = kind === 'update';
    const english = errors.titleEn !== undefined || errors.bodyEn !== undefined;
    const form = h(
      'form',
      { class: `card action-card action-${kind}`, novalidate: true, 'data-testid': `${kind}-form` },
      h('h2', {}, t(isUpdate ? 'update.title' : 'allclear.title')),
      h('p', { class: 'help' }, t(isUpdate ? 'update.help' : 'allclear.help')),
      errors.other && h('p', { class: 'field-error' }, t(errors.other.key, errors.other.params)),
      field(textControl(d, 'titleDa', kind), { label: `${t('compose.titleField')} (${t('alert.danish')})`, error: errors.titleDa }),
      field(textControl(d, 'bodyDa', kind), { label: `${t('compose.bodyField')} (${t('alert.danish')})`, error: errors.bodyDa }),
      h(
        'details',
        { class: 'text-group', open: english || (isUpdate && (d.titleEn !== '' || d.bodyEn !== '')) },
        h('summary', { 'data-testid': `${kind}-english-toggle` }, t('compose.english')),
        h('p', { class: 'help' }, t('compose.englishHelp')),
        field(textControl(d, 'titleEn', kind), { label: t('compose.titleField'), error: errors.titleEn }),
        field(textControl(d, 'bodyEn', kind), { label: t('compose.bodyField'), error: errors.bodyEn }),
      ),
      isUpdate &&
        view &&
        field(textControl(d, 'expiresInMinutes', kind), {
          label: t('update.expires'),
          help: t('update.expiresHelp', { time: formatDateTime(threadExpiresAt(view)) }),
          error: errors.expiresInMinutes,
        }),
      failureBox(),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          { type: 'submit', class: `button ${isUpdate ? 'button-primary' : 'button-ok'}`, 'data-testid': `${kind}-submit`, disabled: busy },
          busy ? t('confirm.sending') : t(isUpdate ? 'update.submit' : 'allclear.submit'),
        ),
        abortButton(),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const result = validateMessage(d, !isUpdate);
      if (!result.ok) {
        errors = result.errors;
        render();
        const first = MESSAGE_FIELDS.find((f) => errors[f] !== undefined && f !== 'other');
        if (first && first !== 'other') body.querySelector<HTMLElement>(`[data-testid="${kind}-${FIELD_IDS[first]}"]`)?.focus();
        return;
      }
      const id = view?.id;
      if (id) submit(() => ctx.api.updateAlert(id, result.input), isUpdate ? 'update.sent' : 'allclear.sent');
    });
    return form;
  }

  function cancelStep(v: AlertView): HTMLElement {
    const yes = h(
      'button',
      { type: 'button', class: 'button button-danger button-large', 'data-testid': 'cancel-confirm', disabled: busy },
      busy ? t('confirm.sending') : t('cancel.confirm'),
    );
    yes.addEventListener('click', () => submit(() => ctx.api.cancelAlert(v.id, cancelInput()), 'cancel.sent'));
    return h(
      'div',
      { class: 'card action-card action-cancel', 'data-testid': 'cancel-step' },
      h('p', { class: 'cancel-ask', role: 'alert', 'data-testid': 'cancel-ask' }, t(v.kind === 'siren' ? 'cancel.askSiren' : 'cancel.askNotice')),
      failureBox(),
      h('div', { class: 'actions' }, yes, abortButton()),
    );
  }

  function buttons(): HTMLElement {
    const button = (next: Mode, key: MessageKey, cls: string): HTMLButtonElement =>
      h('button', { type: 'button', class: `button ${cls}`, 'data-testid': `action-${next}`, 'aria-pressed': mode === next ? 'true' : 'false', disabled: busy, onclick: () => enter(next) }, t(key));
    return h(
      'div',
      { class: 'actions action-buttons' },
      button('update', 'action.update', 'button-primary'),
      button('allclear', 'action.allclear', 'button-ok'),
      button('cancel', 'action.cancel', 'button-danger'),
    );
  }

  function render(): void {
    el.hidden = !allowed || (!open && message.childElementCount === 0);
    if (!allowed || !view || !open) {
      replaceChildren(body);
      return;
    }
    const panel = mode === 'update' || mode === 'allclear' ? (draft ? messageForm(mode, draft) : null) : mode === 'cancel' ? cancelStep(view) : null;
    replaceChildren(body, buttons(), panel);
  }

  return {
    el,
    show(next: AlertView): void {
      view = next;
      const nowOpen = isOpen(next);
      // Re-render only when the thread opens or closes: a counts refresh must not wipe a half-typed update.
      if (shown && nowOpen === open) return;
      shown = true;
      open = nowOpen;
      if (!open) mode = 'idle';
      render();
    },
  };
}

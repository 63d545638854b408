import type { AlertKind, AlertStatus, Audience, OrgUnit, ThreadStatus } from '@varsel/shared';
import { h, uid } from './dom.js';
import type { Child } from './dom.js';
import { errorDetails, errorMessage } from './error-messages.js';
import type { FieldProblem } from './field-errors.js';
import { t } from './i18n.js';
import { unitNames } from './org-tree.js';

export function kindBadge(kind: AlertKind): HTMLElement {
  return h('span', { class: `badge badge-${kind}`, 'data-kind': kind }, t(`kind.${kind}`));
}

/** Drills are marked ØVELSE wherever an alert is shown. */
export function exerciseBadge(status: AlertStatus): HTMLElement | null {
  return status === 'exercise' ? h('span', { class: 'badge badge-exercise', 'data-exercise': 'true' }, t('badge.exercise')) : null;
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, t('common.loading'));
}

export function problemText(problem: FieldProblem): string {
  return t(problem.key, problem.params);
}

/** An error from the API (or the socket) with its code and, for invalid input, the fields. */
export function errorBox(err: unknown, ...extra: Child[]): HTMLElement {
  const details = errorDetails(err);
  return h(
    'div',
    { class: 'notice-box notice-error', role: 'alert', 'data-testid': 'error' },
    h('p', {}, errorMessage(err)),
    details.length > 0 && h('ul', {}, details.map((d) => h('li', {}, h('code', {}, d.path || '–'), ': ', problemText(d.problem)))),
    ...extra,
  );
}

export interface FieldOptions {
  label: string;
  help?: string | undefined;
  error?: FieldProblem | undefined;
  /** Id of the control; made up when absent. */
  id?: string;
}

/**
 * A labelled control with optional help and error text, wired with aria-describedby and
 * aria-invalid so screen readers read them with the control.
 */
export function field(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, options: FieldOptions): HTMLElement {
  const id = options.id ?? (control.id || uid('f'));
  control.id = id;
  const help = options.help ? h('p', { class: 'help', id: `${id}-help` }, options.help) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: !options.error }, options.error ? problemText(options.error) : '');
  const describedBy = [help ? `${id}-help` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  if (describedBy) control.setAttribute('aria-describedby', describedBy);
  if (options.error) control.setAttribute('aria-invalid', 'true');
  return h('div', { class: options.error ? 'field has-error' : 'field' }, h('label', { for: id }, options.label), help, control, error);
}

/** Takes a field's error away once the officer changes it (the next submit checks again). */
export function clearFieldError(control: Element): void {
  const wrapper = control.closest('.field, .choice-group');
  if (!wrapper) return;
  wrapper.classList.remove('has-error');
  for (const el of wrapper.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of wrapper.querySelectorAll<HTMLElement>('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
}

/** A short reading of an audience: "Alle enheder" or the units' names. */
export function audienceText(audience: Audience, units: readonly OrgUnit[] = []): string {
  switch (audience.type) {
    case 'all':
      return t('alert.audienceAll');
    case 'units':
      return unitNames(audience.units, units).join(', ');
  }
}

/** Copies text to the clipboard and says so on the button; falls back to selecting the text. */
export function copyButton(text: string, testId: string, target?: HTMLElement): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'button button-small', 'data-testid': testId }, t('common.copy'));
  button.addEventListener('click', () => {
    const done = (ok: boolean): void => {
      button.textContent = ok ? t('common.copied') : t('common.copyFailed');
      if (!ok && target) window.getSelection()?.selectAllChildren(target);
    };
    if (!navigator.clipboard) return done(false);
    navigator.clipboard.writeText(text).then(
      () => done(true),
      () => done(false),
    );
  });
  return button;
}

/** A page heading with an optional row of badges. */
export function pageHeader(title: string, ...aside: Child[]): HTMLElement {
  return h('div', { class: 'page-header' }, h('h1', { tabindex: '-1' }, title), aside.length > 0 && h('div', { class: 'page-header-aside' }, ...aside));
}

export interface Choice<T extends string> {
  value: T;
  label: string;
  help?: string;
  testId: string;
  className?: string;
}

/** A fieldset of radio cards; the native radios stay visible and focusable. */
export function choiceGroup<T extends string>(options: {
  legend: string;
  name: string;
  value: T | null;
  choices: readonly Choice<T>[];
  error?: FieldProblem | undefined;
  onChange: (value: T) => void;
}): HTMLFieldSetElement {
  const errorId = uid(`${options.name}-error`);
  const group = h('fieldset', { class: options.error ? 'choice-group has-error' : 'choice-group' }, h('legend', {}, options.legend));
  const row = h('div', { class: 'choice-row' });
  for (const choice of options.choices) {
    const input = h('input', {
      type: 'radio',
      name: options.name,
      value: choice.value,
      checked: options.value === choice.value,
      'data-testid': choice.testId,
      'aria-describedby': options.error ? errorId : undefined,
    });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      clearFieldError(input);
      options.onChange(choice.value);
    });
    row.append(
      h(
        'label',
        { class: `choice ${choice.className ?? ''}`.trim() },
        input,
        h('span', { class: 'choice-text' }, h('span', { class: 'choice-label' }, choice.label), choice.help && h('span', { class: 'choice-help' }, choice.help)),
      ),
    );
  }
  group.append(row, h('p', { class: 'field-error', id: errorId, hidden: !options.error }, options.error ? problemText(options.error) : ''));
  return group;
}

/** Where a thread stands (Aktiv, Annulleret, Afblæst, Udløbet), with `data-status` for tests and styles. */
export function threadStatusBadge(status: ThreadStatus, testId?: string): HTMLElement {
  return h('span', { class: `badge badge-thread badge-thread-${status}`, 'data-status': status, 'data-testid': testId }, t(`thread.${status}`));
}

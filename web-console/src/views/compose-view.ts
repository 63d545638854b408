import { DEFAULT_EXPIRY_MINUTES, DEFAULT_REPEAT_MINUTES } from '@varsel/shared';
import type { AlertKind, OrgUnit } from '@varsel/shared';
import { DRAFT_FIELDS, emptyDraft, validateDraft } from '../alert-form.js';
import type { AlertDraft, DraftErrors, DraftField } from '../alert-form.js';
import type { AppContext, View } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n.js';
import { durationText } from '../minutes.js';
import { orderOrgTree } from '../org-tree.js';
import { choiceGroup, clearFieldError, errorBox, field, loading, pageHeader } from '../ui.js';

/** The element to focus for each field when it is invalid. */
const FOCUS_TARGET: Record<DraftField, string> = {
  kind: 'compose-kind-siren',
  status: 'compose-status-actual',
  titleDa: 'compose-title-da',
  bodyDa: 'compose-body-da',
  titleEn: 'compose-title-en',
  bodyEn: 'compose-body-en',
  audience: 'audience-all',
  units: 'audience-units-filter',
  link: 'compose-link',
  expiresInMinutes: 'compose-expires',
  repeatMinutes: 'compose-repeat',
  other: 'compose-next',
};

/** A text input or textarea bound to one string field of the draft. */
type TextKey = 'titleDa' | 'bodyDa' | 'titleEn' | 'bodyEn' | 'link';

function textControl(draft: AlertDraft, key: TextKey, testId: string, multiline: boolean, maxLength: number, onEdit: (key: TextKey) => void): HTMLInputElement | HTMLTextAreaElement {
  const attrs = { id: testId, 'data-testid': testId, maxlength: maxLength, name: key };
  const control = multiline ? h('textarea', { ...attrs, rows: 5 }) : h('input', { ...attrs, type: key === 'link' ? 'url' : 'text', inputmode: key === 'link' ? 'url' : undefined });
  control.value = draft[key];
  control.addEventListener('input', () => {
    draft[key] = control.value;
    clearFieldError(control);
    onEdit(key);
  });
  return control;
}

/** A minutes field: text with a numeric keyboard, so that "abc" is an error and not silently the default. */
function minutesControl(draft: AlertDraft, key: 'expiresInMinutes' | 'repeatMinutes', testId: string, onEdit: (key: DraftField) => void): HTMLInputElement {
  const control = h('input', { id: testId, 'data-testid': testId, name: key, type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'input-short', maxlength: 6 });
  control.value = draft[key];
  control.addEventListener('input', () => {
    draft[key] = control.value;
    clearFieldError(control);
    onEdit(key);
  });
  return control;
}

/** The placeholder of the expiry field: the default of the chosen kind, which an empty field means. */
function expiryPlaceholder(kind: AlertKind | null): string {
  return kind ? String(DEFAULT_EXPIRY_MINUTES[kind]) : '';
}

export function composeView(ctx: AppContext): View {
  const draft = ctx.state.draft;
  const root = h('section', { class: 'page compose-page', 'aria-labelledby': 'compose-title' });
  let errors: DraftErrors = {};
  let units: OrgUnit[] | undefined;
  let unitsError: unknown;
  let disposed = false;
  const summary = h('div', { 'aria-live': 'assertive' });
  /** The officer changed a field: its error goes, and the summary once none is left. */
  const edited = (f: DraftField): void => {
    delete errors[f];
    if (Object.keys(errors).length === 0) summary.replaceChildren();
  };

  const loadUnits = (): void => {
    unitsError = undefined;
    ctx.state.orgUnits(ctx.api).then(
      (list) => {
        units = list;
        if (!disposed) render();
      },
      (err: unknown) => {
        unitsError = err;
        if (!disposed) render();
      },
    );
  };

  function unitPicker(): HTMLElement {
    const box = h('div', { class: 'unit-picker', 'data-testid': 'audience-units-list' });
    const count = h('p', { class: 'muted', 'aria-live': 'polite' }, t('compose.unitsSelected', { n: draft.units.length }));
    const filter = h('input', { type: 'search', id: 'audience-units-filter', 'data-testid': 'audience-units-filter', autocomplete: 'off' });
    const list = h('ul', { class: 'unit-list' });
    if (unitsError !== undefined) {
      list.append(h('li', {}, errorBox(unitsError, h('button', { type: 'button', class: 'button button-small', onclick: loadUnits }, t('common.retry')))));
    } else if (!units) {
      list.append(h('li', {}, loading()));
    } else {
      const selected = new Set(draft.units);
      for (const { unit, depth } of orderOrgTree(units)) {
        const box = h('input', { type: 'checkbox', value: unit.id, checked: selected.has(unit.id), 'data-testid': `audience-unit-${unit.id}` });
        box.addEventListener('change', () => {
          draft.units = box.checked ? [...new Set([...draft.units, unit.id])] : draft.units.filter((id) => id !== unit.id);
          count.textContent = t('compose.unitsSelected', { n: draft.units.length });
          clearFieldError(filter);
          edited('units');
        });
        const row = h('li', { 'data-depth': Math.min(depth, 6), 'data-search': `${unit.name} ${unit.id}`.toLowerCase() }, h('label', {}, box, h('span', {}, unit.name), h('span', { class: 'unit-id' }, unit.id)));
        list.append(row);
      }
    }
    filter.addEventListener('input', () => {
      const needle = filter.value.trim().toLowerCase();
      for (const row of list.querySelectorAll<HTMLElement>('li[data-search]')) row.hidden = needle !== '' && !(row.dataset.search ?? '').includes(needle);
    });
    box.append(field(filter, { label: t('compose.unitsFilter'), help: t('compose.audienceUnitsHelp'), error: errors.units }), list, count);
    box.hidden = draft.audience !== 'units';
    return box;
  }

  function render(): void {
    const exerciseBanner = h('p', { class: 'notice-box notice-exercise', 'data-testid': 'compose-exercise-banner', hidden: draft.status !== 'exercise' }, t('compose.exerciseBanner'));
    const picker = unitPicker();
    const expires = minutesControl(draft, 'expiresInMinutes', 'compose-expires', edited);
    expires.placeholder = expiryPlaceholder(draft.kind);
    const repeat = minutesControl(draft, 'repeatMinutes', 'compose-repeat', edited);
    repeat.placeholder = String(DEFAULT_REPEAT_MINUTES);
    const repeatField = field(repeat, { label: t('compose.repeat'), help: t('compose.repeatHelp', { n: DEFAULT_REPEAT_MINUTES }), error: errors.repeatMinutes });
    repeatField.hidden = draft.kind !== 'siren';
    const form = h('form', { class: 'compose-form', novalidate: true, 'data-kind': draft.kind ?? 'none' });
    replaceChildren(summary, Object.keys(errors).length > 0 && h('p', { class: 'notice-box notice-error', 'data-testid': 'compose-invalid' }, t('compose.invalid')));
    const other = errors.other;

    form.append(
      summary,
      ...(other ? [h('p', { class: 'field-error' }, t(other.key, other.params))] : []),
      choiceGroup({
        legend: t('compose.kind'),
        name: 'kind',
        value: draft.kind,
        error: errors.kind,
        choices: [
          { value: 'siren', label: t('kind.siren'), help: t('kind.sirenHelp'), testId: 'compose-kind-siren', className: 'choice-siren' },
          { value: 'notice', label: t('kind.notice'), help: t('kind.noticeHelp'), testId: 'compose-kind-notice', className: 'choice-notice' },
        ],
        onChange: (kind) => {
          draft.kind = kind;
          form.dataset.kind = kind;
          expires.placeholder = expiryPlaceholder(kind);
          repeatField.hidden = kind !== 'siren';
          edited('kind');
        },
      }),
      choiceGroup({
        legend: t('compose.status'),
        name: 'status',
        value: draft.status,
        error: errors.status,
        choices: [
          { value: 'actual', label: t('status.actual'), help: t('status.actualHelp'), testId: 'compose-status-actual' },
          { value: 'exercise', label: t('status.exercise'), help: t('status.exerciseHelp'), testId: 'compose-status-exercise', className: 'choice-exercise' },
        ],
        onChange: (status) => {
          draft.status = status;
          exerciseBanner.hidden = status !== 'exercise';
        },
      }),
      exerciseBanner,
      h(
        'fieldset',
        { class: 'text-group' },
        h('legend', {}, t('compose.danish')),
        field(textControl(draft, 'titleDa', 'compose-title-da', false, 120, edited), { label: t('compose.titleField'), error: errors.titleDa }),
        field(textControl(draft, 'bodyDa', 'compose-body-da', true, 2000, edited), { label: t('compose.bodyField'), error: errors.bodyDa }),
      ),
      h(
        'details',
        { class: 'text-group', open: draft.titleEn !== '' || draft.bodyEn !== '' || errors.titleEn !== undefined || errors.bodyEn !== undefined },
        h('summary', { 'data-testid': 'compose-english-toggle' }, t('compose.english')),
        h('p', { class: 'help' }, t('compose.englishHelp')),
        field(textControl(draft, 'titleEn', 'compose-title-en', false, 120, edited), { label: t('compose.titleField'), error: errors.titleEn }),
        field(textControl(draft, 'bodyEn', 'compose-body-en', true, 2000, edited), { label: t('compose.bodyField'), error: errors.bodyEn }),
      ),
      choiceGroup({
        legend: t('compose.audience'),
        name: 'audience',
        value: draft.audience,
        error: errors.audience,
        choices: [
          { value: 'all', label: t('compose.audienceAll'), help: t('compose.audienceAllHelp'), testId: 'audience-all' },
          { value: 'units', label: t('compose.audienceUnits'), help: t('compose.audienceUnitsHelp'), testId: 'audience-units' },
        ],
        onChange: (audience) => {
          draft.audience = audience;
          picker.hidden = audience !== 'units';
          edited('audience');
        },
      }),
      picker,
      field(textControl(draft, 'link', 'compose-link', false, 2000, edited), { label: t('compose.link'), help: t('compose.linkHelp'), error: errors.link }),
      h(
        'fieldset',
        { class: 'text-group timing-group' },
        h('legend', {}, t('compose.timing')),
        field(expires, {
          label: t('compose.expires'),
          help: t('compose.expiresHelp', { siren: durationText(DEFAULT_EXPIRY_MINUTES.siren), notice: durationText(DEFAULT_EXPIRY_MINUTES.notice) }),
          error: errors.expiresInMinutes,
        }),
        repeatField,
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'compose-next' }, t('compose.next')),
        h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'compose-clear', onclick: clear }, t('compose.clear')),
      ),
    );

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const result = validateDraft(draft);
      if (result.ok) {
        ctx.navigate({ name: 'confirm' });
        return;
      }
      errors = result.errors;
      render();
      const first = DRAFT_FIELDS.find((f) => errors[f] !== undefined);
      if (first) root.querySelector<HTMLElement>(`[data-testid="${FOCUS_TARGET[first]}"]`)?.focus();
    });

    replaceChildren(root, pageHeader(t('compose.title')), form);
    root.querySelector('h1')?.setAttribute('id', 'compose-title');
  }

  function clear(): void {
    Object.assign(draft, emptyDraft());
    errors = {};
    render();
  }

  render();
  loadUnits();
  return {
    el: root,
    dispose: () => {
      disposed = true;
    },
  };
}

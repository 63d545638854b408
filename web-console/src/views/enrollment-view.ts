import { EnrollmentTokenInputSchema } from '@varsel/shared';
import type { CreatedEnrollmentToken, EnrollmentToken, Location, OrgUnit } from '@varsel/shared';
import type { AppContext, View } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { issueProblem, pathKey } from '../field-errors.js';
import type { FieldProblem, IssueLike } from '../field-errors.js';
import { formatDateTime, t } from '../i18n.js';
import { locationNames } from '../locations.js';
import { orderOrgTree } from '../org-tree.js';
import { copyButton, errorBox, field, loading, pageHeader } from '../ui.js';
import { locationPicker } from './location-picker.js';

type TokenField = 'label' | 'orgUnit' | 'location' | 'maxUses' | 'expiresInHours';

/** The exact command an admin runs on a PC to enroll it (client-agent's CLI). */
export function enrollCommand(origin: string, token: string): string {
  return `varsel-agent enroll --server ${origin} --token ${token}`;
}

function tokenProblem(fieldName: string, issue: IssueLike): FieldProblem {
  switch (fieldName) {
    case 'maxUses':
      return { key: 'field.range', params: { min: 1, max: 100_000 } };
    case 'expiresInHours':
      return { key: 'field.range', params: { min: 1, max: 24 * 90 } };
    case 'location':
      return { key: 'field.location' };
    case 'orgUnit':
      return { key: 'field.orgUnit' };
    default:
      return issueProblem(issue);
  }
}

function createdPanel(created: CreatedEnrollmentToken): HTMLElement {
  const command = enrollCommand(window.location.origin, created.token);
  const tokenEl = h('code', { class: 'secret', 'data-testid': 'enroll-token' }, created.token);
  const commandEl = h('code', { class: 'secret', 'data-testid': 'enroll-command' }, command);
  return h(
    'div',
    { class: 'card created-token', 'data-testid': 'enroll-created', role: 'status' },
    h('h2', {}, t('enroll.createdTitle'), ': ', created.label),
    h('p', { class: 'notice-box notice-warning' }, t('enroll.createdOnce')),
    h('p', { class: 'label' }, t('enroll.token')),
    h('div', { class: 'copy-row' }, tokenEl, copyButton(created.token, 'enroll-copy-token', tokenEl)),
    h('p', { class: 'label' }, t('enroll.command')),
    h('div', { class: 'copy-row' }, commandEl, copyButton(command, 'enroll-copy-command', commandEl)),
  );
}

/** `names`: location names by id; a location it does not know is shown by its id. */
function tokenTable(tokens: readonly EnrollmentToken[], names: ReadonlyMap<string, string>): HTMLElement {
  if (tokens.length === 0) return h('p', { class: 'muted' }, t('enroll.empty'));
  const now = Date.now();
  const head = [t('enroll.label'), t('devices.orgUnit'), t('devices.location'), t('enroll.uses'), t('enroll.expires'), t('enroll.createdBy')];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'enroll-list' },
      h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        tokens.map((token) =>
          h(
            'tr',
            { 'data-testid': `enroll-row-${token.id}` },
            h('td', {}, token.label),
            h('td', {}, token.orgUnit ?? t('common.none')),
            h('td', {}, token.location ? h('span', { title: token.location }, names.get(token.location) ?? token.location) : t('common.none')),
            h('td', { class: 'num' }, `${token.uses} / ${token.maxUses}`),
            h('td', {}, formatDateTime(token.expiresAt), Date.parse(token.expiresAt) < now && h('span', { class: 'badge badge-muted' }, t('enroll.expired'))),
            h('td', {}, token.createdBy),
          ),
        ),
      ),
    ),
  );
}

/** Enrollment tokens: create one (its secret is shown once) and list the existing ones. */
export function enrollmentView(ctx: AppContext): View {
  let disposed = false;
  let errors: Partial<Record<TokenField, FieldProblem>> = {};
  let units: OrgUnit[] = [];
  let tokens: EnrollmentToken[] | undefined;
  let locations: Location[] | undefined;
  let locationsError: unknown;
  let locationSearch = '';
  let submitting = false;
  const values = { label: '', orgUnit: '', location: '', maxUses: '1000', expiresInHours: '24' };

  const createdBox = h('div', {});
  const formBox = h('div', {});
  const listBox = h('div', {}, loading());
  const root = h(
    'section',
    { class: 'page' },
    pageHeader(t('enroll.title')),
    createdBox,
    formBox,
    h('h2', {}, t('enroll.existing')),
    listBox,
  );

  const renderList = (): void => {
    if (tokens) replaceChildren(listBox, tokenTable(tokens, locationNames(locations ?? [])));
  };

  const loadList = (): void => {
    ctx.api.listEnrollmentTokens().then(
      (list) => {
        tokens = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        if (!disposed) renderList();
      },
      (err: unknown) => {
        if (!disposed) replaceChildren(listBox, errorBox(err));
      },
    );
  };

  const bound = (key: keyof typeof values, control: HTMLInputElement | HTMLSelectElement): typeof control => {
    control.value = values[key];
    control.addEventListener('input', () => {
      values[key] = control.value;
    });
    return control;
  };

  const renderForm = (): void => {
    const unitSelect = h('select', { 'data-testid': 'enroll-org-unit', id: 'enroll-org-unit' }, h('option', { value: '' }, t('enroll.orgUnitNone')));
    for (const { unit, depth } of orderOrgTree(units)) unitSelect.append(h('option', { value: unit.id }, `${'\u00a0\u00a0'.repeat(depth)}${unit.name} (${unit.id})`));
    const status = h('div', { 'aria-live': 'assertive' });
    const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'enroll-submit' }, t('enroll.submit'));
    const form = h(
      'form',
      { class: 'card form-grid', novalidate: true },
      h('h2', {}, t('enroll.create')),
      field(bound('label', h('input', { 'data-testid': 'enroll-label', id: 'enroll-label', maxlength: 200 })), { label: t('enroll.label'), error: errors.label }),
      field(bound('orgUnit', unitSelect), { label: t('enroll.orgUnit'), error: errors.orgUnit }),
      locationPicker({
        locations,
        loadError: locationsError,
        onRetry: loadLocations,
        value: values.location,
        onChange: (id) => {
          values.location = id;
        },
        search: locationSearch,
        onSearch: (search) => {
          locationSearch = search;
        },
        error: errors.location,
      }),
      field(bound('maxUses', h('input', { type: 'number', min: 1, max: 100_000, step: 1, 'data-testid': 'enroll-max-uses', id: 'enroll-max-uses' })), {
        label: t('enroll.maxUses'),
        error: errors.maxUses,
      }),
      field(bound('expiresInHours', h('input', { type: 'number', min: 1, max: 24 * 90, step: 1, 'data-testid': 'enroll-hours', id: 'enroll-hours' })), {
        label: t('enroll.hours'),
        error: errors.expiresInHours,
      }),
      status,
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submitting) return;
      const number = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));
      const result = EnrollmentTokenInputSchema.safeParse({
        label: values.label.trim() || undefined,
        orgUnit: values.orgUnit || undefined,
        location: values.location || undefined,
        maxUses: number(values.maxUses),
        expiresInHours: number(values.expiresInHours),
      });
      if (!result.success) {
        errors = {};
        for (const issue of result.error.issues) {
          const name = pathKey(issue.path) as TokenField;
          errors[name] ??= tokenProblem(name, issue);
        }
        renderForm();
        formBox.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
        return;
      }
      errors = {};
      submitting = true;
      submit.disabled = true;
      ctx.api.createEnrollmentToken(result.data).then(
        (created) => {
          submitting = false;
          ctx.state.createdToken = created;
          if (disposed) return;
          values.label = '';
          renderForm();
          replaceChildren(createdBox, createdPanel(created));
          createdBox.scrollIntoView({ block: 'nearest' });
          loadList();
        },
        (err: unknown) => {
          submitting = false;
          submit.disabled = false;
          if (!disposed) replaceChildren(status, errorBox(err));
        },
      );
    });
    replaceChildren(formBox, form);
  };

  function loadLocations(): void {
    if (locationsError !== undefined) {
      // Trying again: show "Henter…" instead of the old error while it loads.
      locationsError = undefined;
      renderForm();
    }
    ctx.api.locations().then(
      (list) => {
        locations = list;
        if (disposed) return;
        renderForm();
        renderList();
      },
      (err: unknown) => {
        locationsError = err;
        if (!disposed) renderForm();
      },
    );
  }

  if (ctx.state.createdToken) replaceChildren(createdBox, createdPanel(ctx.state.createdToken));
  renderForm();
  loadList();
  loadLocations();
  ctx.state.orgUnits(ctx.api).then(
    (list) => {
      units = list;
      if (!disposed) renderForm();
    },
    (err: unknown) => {
      if (!disposed) formBox.prepend(errorBox(err));
    },
  );

  return {
    el: root,
    dispose: () => {
      disposed = true;
    },
  };
}

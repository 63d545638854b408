import type { Location } from '@varsel/shared';
import { h, replaceChildren } from '../dom.js';
import type { FieldProblem } from '../field-errors.js';
import { t } from '../i18n.js';
import { locationLabel, locationOptions } from '../locations.js';
import { errorBox, field, loading } from '../ui.js';

export interface LocationPickerOptions {
  /** Undefined while loading. */
  locations: readonly Location[] | undefined;
  /** Why loading failed; the select then offers only "Ingen". */
  loadError?: unknown;
  onRetry: () => void;
  /** The chosen location id, '' for none. */
  value: string;
  onChange: (id: string) => void;
  /** The search text, kept by the caller so a re-render does not lose it. */
  search: string;
  onSearch: (search: string) => void;
  error?: FieldProblem | undefined;
}

/**
 * An optional location: a search box above a native select (a list box of a few rows) of
 * "name — address (administration)". The select sends the id; "Ingen" sends nothing.
 */
export function locationPicker(options: LocationPickerOptions): HTMLElement {
  const all = options.locations ?? [];
  const filter = h('input', {
    type: 'search',
    id: 'enroll-location-filter',
    'data-testid': 'enroll-location-filter',
    autocomplete: 'off',
    'aria-controls': 'enroll-location',
    disabled: all.length === 0,
  });
  filter.value = options.search;
  const select = h('select', { id: 'enroll-location', 'data-testid': 'enroll-location', size: 6 });
  const shown = h('p', { class: 'help', id: 'enroll-location-shown', 'aria-live': 'polite', 'data-testid': 'enroll-location-shown' });

  let chosen = options.value;
  const fill = (): void => {
    const matches = locationOptions(all, filter.value, chosen);
    replaceChildren(
      select,
      h('option', { value: '' }, t('enroll.locationNone')),
      matches.map((l) => h('option', { value: l.id }, locationLabel(l))),
    );
    select.value = chosen;
    if (options.locations) shown.textContent = t('enroll.locationsShown', { shown: matches.length, total: all.length });
  };
  fill();

  filter.addEventListener('input', () => {
    options.onSearch(filter.value);
    fill();
  });
  filter.addEventListener('keydown', (event) => {
    // Enter would submit the form; from the search box it (and the down arrow) goes to the list.
    if (event.key === 'Enter' || event.key === 'ArrowDown') {
      event.preventDefault();
      select.focus();
    }
  });
  select.addEventListener('change', () => {
    chosen = select.value;
    options.onChange(chosen);
  });

  const status =
    options.loadError !== undefined
      ? errorBox(options.loadError, h('button', { type: 'button', class: 'button button-small', onclick: options.onRetry }, t('common.retry')))
      : !options.locations && loading();
  const selectField = field(select, { label: t('enroll.locationSelect'), error: options.error });
  selectField.append(shown);
  select.setAttribute('aria-describedby', [select.getAttribute('aria-describedby'), shown.id].filter(Boolean).join(' '));
  return h(
    'fieldset',
    { class: 'location-picker' },
    h('legend', {}, t('enroll.location')),
    status,
    field(filter, { label: t('enroll.locationFilter') }),
    selectField,
  );
}

import { DELIVERY_STATES, ERRORS, ROLES, ThreadStatusSchema } from '@varsel/shared';
import type { ErrorName } from '@varsel/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { DICTIONARIES, format, formatDateTime, placeholdersOf, translate } from './i18n.js';
import type { MessageKey } from './i18n.js';

const keys = Object.keys(DICTIONARIES.da) as MessageKey[];

describe('the i18n dictionary', () => {
  it('has the same keys in Danish and English', () => {
    expect(Object.keys(DICTIONARIES.en).sort()).toEqual([...keys].sort());
  });

  it('has no empty text in either language', () => {
    for (const lang of ['da', 'en'] as const) {
      for (const key of keys) expect(DICTIONARIES[lang][key].trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of keys) expect(placeholdersOf(DICTIONARIES.en[key]), key).toEqual(placeholdersOf(DICTIONARIES.da[key]));
  });

  it('has a text for every error in the shared catalogue and every role', () => {
    for (const name of Object.keys(ERRORS) as ErrorName[]) expect(keys).toContain(`error.${name}`);
    for (const role of ROLES) expect(keys).toContain(`role.${role}`);
    for (const status of ThreadStatusSchema.options) expect(keys).toContain(`thread.${status}`);
    for (const state of DELIVERY_STATES) expect(keys).toContain(`delivery.${state}`);
  });

  it('names the thread statuses as duty officers say them', () => {
    expect(['active', 'cancelled', 'allclear', 'expired'].map((s) => translate('da', `thread.${s}` as MessageKey))).toEqual(['Aktiv', 'Annulleret', 'Afblæst', 'Udløbet']);
    expect(translate('da', 'unacked.title')).toBe('Ikke kvitteret');
  });

  it('speaks Danish about sirens, notices and exercises', () => {
    expect(translate('da', 'kind.siren')).toBe('Sirene');
    expect(translate('da', 'badge.exercise')).toBe('ØVELSE');
    expect(translate('da', 'confirm.reachSiren', { n: 12, devices: 'enheder' })).toBe('Denne sirene når 12 enheder');
  });
});

describe('format', () => {
  it('fills named placeholders and leaves unknown ones visible', () => {
    expect(format('{a} og {b}', { a: 1 })).toBe('1 og {b}');
  });
});

describe('formatDateTime', () => {
  const hostZone = process.env.TZ;
  afterEach(() => {
    if (hostZone === undefined) delete process.env.TZ;
    else process.env.TZ = hostZone;
  });

  it('shows Copenhagen time whatever the zone of the machine', () => {
    // Node follows a change of TZ at once, so this machine now lives in New York (UTC-5 in November).
    process.env.TZ = 'America/New_York';
    expect(new Date('2026-11-22T14:33:28Z').getHours()).toBe(9);
    expect(formatDateTime('2026-11-22T14:33:28Z', 'da')).toBe('22.11.2026, 15.33.28');
    expect(formatDateTime('2026-11-22T14:33:28Z', 'en')).toBe('22/11/2026, 15:33:28');
  });

  it('follows Danish summer time, also across midnight', () => {
    process.env.TZ = 'UTC';
    expect(formatDateTime('2026-07-01T22:30:00Z', 'da')).toBe('02.07.2026, 00.30.00');
  });

  it('shows an unreadable instant as it is', () => {
    expect(formatDateTime('not a date', 'da')).toBe('not a date');
  });
});

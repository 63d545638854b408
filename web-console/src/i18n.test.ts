import { DELIVERY_STATES, ERRORS, ROLES, ThreadStatusSchema } from '@varsel/shared';
import type { ErrorName } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { DICTIONARIES, format, placeholdersOf, translate } from './i18n.js';
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

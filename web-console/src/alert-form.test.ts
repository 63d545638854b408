import { describe, expect, it } from 'vitest';
import { draftErrorsOf, emptyDraft, validateDraft } from './alert-form.js';
import type { AlertDraft } from './alert-form.js';

const valid = (over: Partial<AlertDraft> = {}): AlertDraft => ({
  ...emptyDraft(),
  kind: 'notice',
  titleDa: 'Outlook er nede',
  bodyDa: 'Vi arbejder på det.',
  audience: 'all',
  ...over,
});

describe('validateDraft', () => {
  it('asks for kind, Danish text and recipients in an empty form', () => {
    const result = validateDraft(emptyDraft());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.kind?.key).toBe('field.kind');
    expect(result.errors.titleDa?.key).toBe('field.required');
    expect(result.errors.bodyDa?.key).toBe('field.required');
    expect(result.errors.audience?.key).toBe('field.audience');
  });

  it('accepts a notice to everyone and trims its text', () => {
    const result = validateDraft(valid({ titleDa: '  Outlook er nede  ' }));
    expect(result).toMatchObject({ ok: true, input: { kind: 'notice', status: 'actual', audience: { type: 'all' } } });
    if (result.ok) {
      expect(result.input.content.da.title).toBe('Outlook er nede');
      expect(result.input.content.en).toBeUndefined();
      expect(result.input.link).toBeUndefined();
    }
  });

  it('treats a title of only spaces as missing', () => {
    const result = validateDraft(valid({ titleDa: '   ' }));
    expect(result.ok ? undefined : result.errors.titleDa?.key).toBe('field.required');
  });

  it('needs both English fields once one is filled in', () => {
    const result = validateDraft(valid({ titleEn: 'Outlook is down' }));
    expect(result.ok ? undefined : result.errors.bodyEn?.key).toBe('field.required');
    expect(validateDraft(valid({ titleEn: 'Outlook is down', bodyEn: 'We are on it.' })).ok).toBe(true);
  });

  it('needs at least one org unit when sending to units', () => {
    const result = validateDraft(valid({ audience: 'units', units: [] }));
    expect(result.ok ? undefined : result.errors.units?.key).toBe('field.units');
    expect(validateDraft(valid({ audience: 'units', units: ['KIT', 'BUF-SKOLER'] }))).toMatchObject({
      ok: true,
      input: { audience: { type: 'units', units: ['KIT', 'BUF-SKOLER'] } },
    });
  });

  it('rejects a link that is not a web address', () => {
    const result = validateDraft(valid({ link: 'intranet/vejledning' }));
    expect(result.ok ? undefined : result.errors.link?.key).toBe('field.url');
    expect(validateDraft(valid({ link: 'https://intranet.kk.dk/it' })).ok).toBe(true);
  });

  it('sends the default expiry of the kind when the field is empty: 240 minutes for a siren, 1440 for a notice', () => {
    expect(validateDraft(valid({ kind: 'siren' }))).toMatchObject({ ok: true, input: { expiresInMinutes: 240 } });
    expect(validateDraft(valid({ kind: 'notice' }))).toMatchObject({ ok: true, input: { expiresInMinutes: 1440 } });
    expect(validateDraft(valid({ kind: 'notice', expiresInMinutes: ' 90 ' }))).toMatchObject({ ok: true, input: { expiresInMinutes: 90 } });
  });

  it('gives a siren a repeat interval, 2 minutes by default, and a notice none', () => {
    expect(validateDraft(valid({ kind: 'siren' }))).toMatchObject({ ok: true, input: { repeatMinutes: 2 } });
    expect(validateDraft(valid({ kind: 'siren', repeatMinutes: '5' }))).toMatchObject({ ok: true, input: { repeatMinutes: 5 } });
    const notice = validateDraft(valid({ kind: 'notice', repeatMinutes: '5' }));
    expect(notice.ok && notice.input.repeatMinutes).toBeUndefined();
  });

  it('rejects an expiry or repeat outside the shared schema’s bounds with the range in the message', () => {
    const expiry = validateDraft(valid({ expiresInMinutes: '10081' }));
    expect(expiry.ok ? undefined : expiry.errors.expiresInMinutes).toEqual({ key: 'field.range', params: { min: 1, max: 10080 } });
    const repeat = validateDraft(valid({ kind: 'siren', repeatMinutes: '0' }));
    expect(repeat.ok ? undefined : repeat.errors.repeatMinutes).toEqual({ key: 'field.range', params: { min: 1, max: 60 } });
    const word = validateDraft(valid({ kind: 'siren', repeatMinutes: 'to' }));
    expect(word.ok ? undefined : word.errors.repeatMinutes?.key).toBe('field.range');
  });

  it('keeps the exercise status', () => {
    expect(validateDraft(valid({ kind: 'siren', status: 'exercise' }))).toMatchObject({ ok: true, input: { kind: 'siren', status: 'exercise' } });
  });
});

describe('draftErrorsOf', () => {
  it('maps server issues on unit ids and long text to the form fields', () => {
    const errors = draftErrorsOf([
      { code: 'invalid_format', path: ['audience', 'units', 2] },
      { code: 'too_big', origin: 'string', maximum: 120, path: ['content', 'en', 'title'] },
      { code: 'custom', path: ['something', 'else'] },
    ]);
    expect(errors).toEqual({
      units: { key: 'field.orgUnit' },
      titleEn: { key: 'field.tooLong', params: { max: 120 } },
      other: { key: 'field.invalid' },
    });
  });
});

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

import type { AlertView } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { allClearDraft, cancelInput, messageErrorsOf, updateDraftOf, validateMessage } from './thread-form.js';
import type { MessageDraft } from './thread-form.js';

const ORIGINAL = '11111111-1111-4111-8111-111111111111';

const view = (): AlertView => ({
  id: ORIGINAL,
  seq: 1,
  kind: 'siren',
  status: 'actual',
  severity: 'extreme',
  content: { da: { title: 'Strømsvigt', body: 'Forlad bygningen.' }, en: { title: 'Power cut', body: 'Leave the building.' } },
  audience: { type: 'all' },
  createdAt: '2026-11-22T14:00:00.000Z',
  createdBy: 'anna',
  expiresAt: '2026-11-22T18:00:00.000Z',
  msgType: 'alert',
  fanout: { state: 'done' },
  counts: { targeted: 1, delivered: 1, displayed: 1, acknowledged: 0, expired: 0, cancelled: 0 },
  threadStatus: 'active',
  thread: [
    {
      id: '22222222-2222-4222-8222-222222222222',
      seq: 2,
      kind: 'siren',
      status: 'actual',
      severity: 'extreme',
      content: { da: { title: 'Strømsvigt i Rådhuset', body: 'Mød op på Rådhuspladsen.' } },
      audience: { type: 'all' },
      createdAt: '2026-11-22T14:05:00.000Z',
      createdBy: 'bo',
      expiresAt: '2026-11-22T18:00:00.000Z',
      msgType: 'update',
      references: ORIGINAL,
    },
  ],
});

const draft = (over: Partial<MessageDraft> = {}): MessageDraft => ({ titleDa: 'Ny overskrift', bodyDa: 'Ny tekst.', titleEn: '', bodyEn: '', expiresInMinutes: '', ...over });

describe('updateDraftOf', () => {
  it('starts from the Danish text the devices show now, the newest update, without a stale English text', () => {
    expect(updateDraftOf(view())).toEqual({ titleDa: 'Strømsvigt i Rådhuset', bodyDa: 'Mød op på Rådhuspladsen.', titleEn: '', bodyEn: '', expiresInMinutes: '' });
  });
});

describe('allClearDraft', () => {
  it('holds a short standard text in Danish and English whatever the console language', () => {
    const d = allClearDraft();
    expect(d.titleDa).toBe('Faren er drevet over');
    expect(d.titleEn).toBe('The danger is over');
    expect(validateMessage(d, true)).toMatchObject({ ok: true, input: { allClear: true, content: { da: { title: 'Faren er drevet over' }, en: { title: 'The danger is over' } } } });
  });
});

describe('validateMessage', () => {
  it('builds an update with the shared UpdateInputSchema and leaves the expiry alone when empty', () => {
    const result = validateMessage(draft(), false);
    expect(result).toEqual({ ok: true, input: { content: { da: { title: 'Ny overskrift', body: 'Ny tekst.' } }, allClear: false } });
  });

  it('sends a new expiry in minutes from now', () => {
    expect(validateMessage(draft({ expiresInMinutes: '30' }), false)).toMatchObject({ ok: true, input: { expiresInMinutes: 30 } });
  });

  it('rejects an expiry that is not a whole number of minutes within a week', () => {
    for (const text of ['0', '10081', 'snart', '1.5']) {
      const result = validateMessage(draft({ expiresInMinutes: text }), false);
      expect(result.ok ? undefined : result.errors.expiresInMinutes, text).toEqual({ key: 'field.range', params: { min: 1, max: 10080 } });
    }
  });

  it('needs the Danish text, and both English fields once one is filled in', () => {
    const empty = validateMessage(draft({ titleDa: ' ', bodyDa: '' }), false);
    expect(empty.ok ? undefined : empty.errors).toEqual({ titleDa: { key: 'field.required' }, bodyDa: { key: 'field.required' } });
    const half = validateMessage(draft({ titleEn: 'New title' }), false);
    expect(half.ok ? undefined : half.errors.bodyEn?.key).toBe('field.required');
  });

  it('never sends an expiry with an all-clear, which ends the thread anyway', () => {
    const result = validateMessage(draft({ expiresInMinutes: 'x' }), true);
    expect(result).toMatchObject({ ok: true, input: { allClear: true } });
    expect(result.ok && 'expiresInMinutes' in result.input).toBe(false);
  });
});

describe('messageErrorsOf', () => {
  it('maps the server’s issues to the form fields', () => {
    expect(
      messageErrorsOf([
        { code: 'too_big', origin: 'string', maximum: 120, path: ['content', 'da', 'title'] },
        { code: 'too_big', origin: 'number', maximum: 10080, path: ['expiresInMinutes'] },
        { code: 'unrecognized_keys', path: [] },
      ]),
    ).toEqual({ titleDa: { key: 'field.tooLong', params: { max: 120 } }, expiresInMinutes: { key: 'field.range', params: { min: 1, max: 10080 } }, other: { key: 'field.invalid' } });
  });
});

describe('cancelInput', () => {
  it('carries no text, so a false alarm is cancelled without typing', () => {
    expect(cancelInput()).toEqual({});
  });
});

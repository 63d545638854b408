import { CancelInputSchema, UpdateInputSchema } from '@varsel/shared';
import type { AlertView, CancelInput } from '@varsel/shared';
import { issueProblem, pathKey } from './field-errors.js';
import type { FieldProblem, IssueLike } from './field-errors.js';
import { translate } from './i18n.js';
import { EXPIRY_RANGE, parseMinutes } from './minutes.js';
import { newestMessage } from './thread.js';

/** What the update and all-clear forms hold. */
export interface MessageDraft {
  titleDa: string;
  bodyDa: string;
  titleEn: string;
  bodyEn: string;
  /** Minutes from now, as typed; empty leaves the expiry as it is. */
  expiresInMinutes: string;
}

export type MessageField = 'titleDa' | 'bodyDa' | 'titleEn' | 'bodyEn' | 'expiresInMinutes' | 'other';
export const MESSAGE_FIELDS: readonly MessageField[] = ['titleDa', 'bodyDa', 'titleEn', 'bodyEn', 'expiresInMinutes', 'other'];
export type MessageErrors = Partial<Record<MessageField, FieldProblem>>;

export type UpdateInputParsed = ReturnType<typeof UpdateInputSchema.parse>;
export type MessageResult = { ok: true; input: UpdateInputParsed } | { ok: false; errors: MessageErrors };

/**
 * An update starts from the text the devices show now (the newest update, or the original), so
 * that correcting one detail in a crisis is one edit. English is left out: it is optional, and a
 * stale English text beside a new Danish one would tell English readers something else.
 */
export function updateDraftOf(view: AlertView): MessageDraft {
  const { da } = newestMessage(view).content;
  return { titleDa: da.title, bodyDa: da.body, titleEn: '', bodyEn: '', expiresInMinutes: '' };
}

/**
 * An all-clear starts from a short standard text in both languages: the devices' own language
 * decides which one is read, whatever language the console is in.
 */
export function allClearDraft(): MessageDraft {
  return {
    titleDa: translate('da', 'allclear.defaultTitle'),
    bodyDa: translate('da', 'allclear.defaultBody'),
    titleEn: translate('en', 'allclear.defaultTitle'),
    bodyEn: translate('en', 'allclear.defaultBody'),
    expiresInMinutes: '',
  };
}

/** The request body of POST /api/alerts/:id/updates that the draft stands for, before validation. */
export function messageCandidate(draft: MessageDraft, allClear: boolean): Record<string, unknown> {
  const hasEnglish = draft.titleEn.trim() !== '' || draft.bodyEn.trim() !== '';
  const expires = allClear ? undefined : parseMinutes(draft.expiresInMinutes);
  return {
    content: {
      da: { title: draft.titleDa, body: draft.bodyDa },
      ...(hasEnglish ? { en: { title: draft.titleEn, body: draft.bodyEn } } : {}),
    },
    allClear,
    ...(expires !== undefined ? { expiresInMinutes: expires } : {}),
  };
}

const PATH_FIELDS: Record<string, MessageField> = {
  content: 'titleDa',
  'content.da': 'titleDa',
  'content.da.title': 'titleDa',
  'content.da.body': 'bodyDa',
  'content.en': 'titleEn',
  'content.en.title': 'titleEn',
  'content.en.body': 'bodyEn',
  expiresInMinutes: 'expiresInMinutes',
};

export function messageFieldOf(path: readonly PropertyKey[] | undefined): MessageField {
  return PATH_FIELDS[pathKey(path)] ?? 'other';
}

/** Maps issues (ours or the server's `details`) to the form's fields, first problem of each. */
export function messageErrorsOf(issues: readonly IssueLike[]): MessageErrors {
  const errors: MessageErrors = {};
  for (const issue of issues) {
    const field = messageFieldOf(issue.path);
    errors[field] ??= field === 'expiresInMinutes' ? { key: 'field.range', params: EXPIRY_RANGE } : issueProblem(issue);
  }
  return errors;
}

/** Validates an update or all-clear with the shared UpdateInputSchema, as the server will. */
export function validateMessage(draft: MessageDraft, allClear: boolean): MessageResult {
  const result = UpdateInputSchema.safeParse(messageCandidate(draft, allClear));
  if (result.success) return { ok: true, input: result.data };
  return { ok: false, errors: messageErrorsOf(result.error.issues) };
}

/**
 * The body of a cancellation. It carries no text: the server sends its standard "Annulleret / Der
 * er ingen fare" in both languages, so cancelling a false alarm needs no typing at all.
 */
export function cancelInput(): CancelInput {
  return CancelInputSchema.parse({});
}

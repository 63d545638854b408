import { AlertInputSchema, DEFAULT_EXPIRY_MINUTES, DEFAULT_REPEAT_MINUTES } from '@varsel/shared';
import type { AlertInputParsed, AlertKind, AlertStatus } from '@varsel/shared';
import { issueProblem, pathKey } from './field-errors.js';
import type { FieldProblem, IssueLike } from './field-errors.js';
import { EXPIRY_RANGE, parseMinutes, REPEAT_RANGE } from './minutes.js';

/** What the compose form holds. `kind` and `audience` start unset: the officer must choose them. */
export interface AlertDraft {
  kind: AlertKind | null;
  status: AlertStatus;
  titleDa: string;
  bodyDa: string;
  titleEn: string;
  bodyEn: string;
  audience: 'all' | 'units' | null;
  units: string[];
  link: string;
  /** Minutes as typed; empty means the default of the kind. */
  expiresInMinutes: string;
  /** Sirens only; empty means DEFAULT_REPEAT_MINUTES. */
  repeatMinutes: string;
}

export type DraftField = 'kind' | 'status' | 'titleDa' | 'bodyDa' | 'titleEn' | 'bodyEn' | 'audience' | 'units' | 'link' | 'expiresInMinutes' | 'repeatMinutes' | 'other';
export type DraftErrors = Partial<Record<DraftField, FieldProblem>>;
export type DraftResult = { ok: true; input: AlertInputParsed } | { ok: false; errors: DraftErrors };

/** Field order on the page, for focusing the first invalid one. */
export const DRAFT_FIELDS: readonly DraftField[] = ['kind', 'status', 'titleDa', 'bodyDa', 'titleEn', 'bodyEn', 'audience', 'units', 'link', 'expiresInMinutes', 'repeatMinutes', 'other'];

export function emptyDraft(): AlertDraft {
  return { kind: null, status: 'actual', titleDa: '', bodyDa: '', titleEn: '', bodyEn: '', audience: null, units: [], link: '', expiresInMinutes: '', repeatMinutes: '' };
}

/**
 * The request body the draft stands for, before validation. English is sent only when filled in.
 * An empty expiry or repeat is sent as the kind's default, so that what the confirmation shows is
 * exactly what the server gets; a notice never carries a repeat.
 */
export function draftToCandidate(draft: AlertDraft): Record<string, unknown> {
  const hasEnglish = draft.titleEn.trim() !== '' || draft.bodyEn.trim() !== '';
  return {
    kind: draft.kind ?? undefined,
    status: draft.status,
    content: {
      da: { title: draft.titleDa, body: draft.bodyDa },
      ...(hasEnglish ? { en: { title: draft.titleEn, body: draft.bodyEn } } : {}),
    },
    audience:
      draft.audience === 'all'
        ? { type: 'all' }
        : draft.audience === 'units'
          ? { type: 'units', units: draft.units }
          : undefined,
    ...(draft.link.trim() !== '' ? { link: draft.link.trim() } : {}),
    ...(draft.kind ? { expiresInMinutes: parseMinutes(draft.expiresInMinutes) ?? DEFAULT_EXPIRY_MINUTES[draft.kind] } : {}),
    ...(draft.kind === 'siren' ? { repeatMinutes: parseMinutes(draft.repeatMinutes) ?? DEFAULT_REPEAT_MINUTES } : {}),
  };
}

const PATH_FIELDS: Record<string, DraftField> = {
  kind: 'kind',
  status: 'status',
  content: 'titleDa',
  'content.da': 'titleDa',
  'content.da.title': 'titleDa',
  'content.da.body': 'bodyDa',
  'content.en': 'titleEn',
  'content.en.title': 'titleEn',
  'content.en.body': 'bodyEn',
  audience: 'audience',
  'audience.type': 'audience',
  'audience.units': 'units',
  link: 'link',
  expiresInMinutes: 'expiresInMinutes',
  repeatMinutes: 'repeatMinutes',
};

/** The form field an issue belongs to (`audience.units.3` belongs to `units`). */
export function fieldOfPath(path: readonly PropertyKey[] | undefined): DraftField {
  const key = pathKey(path);
  if (key.startsWith('audience.units')) return 'units';
  return PATH_FIELDS[key] ?? 'other';
}

/** The Danish (or English) reading of one issue in the compose form. */
export function draftProblem(field: DraftField, issue: IssueLike): FieldProblem {
  switch (field) {
    case 'kind':
      return { key: 'field.kind' };
    case 'audience':
      return { key: 'field.audience' };
    case 'units':
      return issue.code === 'too_big' ? { key: 'field.tooManyUnits', params: { max: Number(issue.maximum ?? 0) } } : issue.code === 'too_small' ? { key: 'field.units' } : { key: 'field.orgUnit' };
    case 'expiresInMinutes':
      return { key: 'field.range', params: EXPIRY_RANGE };
    case 'repeatMinutes':
      return { key: 'field.range', params: REPEAT_RANGE };
    case 'status':
    case 'titleDa':
    case 'bodyDa':
    case 'titleEn':
    case 'bodyEn':
    case 'link':
    case 'other':
      return issueProblem(issue);
  }
}

/** Maps issues to fields, keeping the first problem of each field. */
export function draftErrorsOf(issues: readonly IssueLike[]): DraftErrors {
  const errors: DraftErrors = {};
  for (const issue of issues) {
    const field = fieldOfPath(issue.path);
    errors[field] ??= draftProblem(field, issue);
  }
  return errors;
}

/** Validates the draft with the shared AlertInputSchema, the same one the server applies. */
export function validateDraft(draft: AlertDraft): DraftResult {
  const result = AlertInputSchema.safeParse(draftToCandidate(draft));
  if (result.success) return { ok: true, input: result.data };
  return { ok: false, errors: draftErrorsOf(result.error.issues) };
}

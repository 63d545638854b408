import type { MessageKey, Params } from './i18n.js';

/** A problem with one field, as an i18n key so that it follows the language toggle. */
export interface FieldProblem {
  key: MessageKey;
  params?: Params;
}

/** The parts of a zod issue the console reads; zod's own issues and the server's `details` fit it. */
export interface IssueLike {
  code?: string;
  path?: readonly PropertyKey[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  format?: string;
  message?: string;
}

export function pathKey(path: readonly PropertyKey[] | undefined): string {
  return (path ?? []).map((p) => String(p)).join('.');
}

/** The general reading of an issue; forms refine it for fields where they know better. */
export function issueProblem(issue: IssueLike): FieldProblem {
  switch (issue.code) {
    case 'too_small':
      return { key: 'field.required' };
    case 'too_big':
      return issue.origin === 'string' || issue.origin === undefined
        ? { key: 'field.tooLong', params: { max: Number(issue.maximum ?? 0) } }
        : { key: 'field.invalid' };
    case 'invalid_format':
      return issue.format === 'url' ? { key: 'field.url' } : { key: 'field.invalid' };
    case 'invalid_type':
      // A missing field arrives as undefined: to the officer, it is simply not filled in.
      return { key: 'field.required' };
    case undefined:
    default:
      return { key: 'field.invalid' };
  }
}

function isIssueLike(value: unknown): value is IssueLike {
  if (typeof value !== 'object' || value === null) return false;
  const path = (value as { path?: unknown }).path;
  return path === undefined || Array.isArray(path);
}

/**
 * The issues in an error's `details`: a zod issue array, or an object holding one under `issues`
 * (the server's exact shape is its own; both are accepted). Anything else gives none.
 */
export function issuesOf(details: unknown): IssueLike[] {
  const list: unknown =
    typeof details === 'object' && details !== null && !Array.isArray(details) ? (details as { issues?: unknown }).issues : details;
  return Array.isArray(list) ? list.filter(isIssueLike) : [];
}

import { errorNameOf } from '@varsel/shared';
import type { ErrorName } from '@varsel/shared';
import { ApiError, isErrorName } from './api-client.js';
import { issueProblem, issuesOf, pathKey } from './field-errors.js';
import type { FieldProblem } from './field-errors.js';
import { getLang, translate } from './i18n.js';
import type { Lang, MessageKey } from './i18n.js';

/** The i18n key of each catalogued error; `messages.ts` fails to compile if one has no text. */
export function errorKey(name: ErrorName): MessageKey {
  return `error.${name}`;
}

interface ErrorFacts {
  name: ErrorName | undefined;
  code: number | undefined;
  errorId: string | undefined;
  transport: 'network' | 'timeout' | undefined;
}

/** Reads an ApiError, a socket ack error `{ code, message }`, or anything else thrown. */
function factsOf(err: unknown): ErrorFacts {
  if (err instanceof ApiError) {
    return { name: err.errorName, code: err.code, errorId: err.errorId, transport: err.transport };
  }
  if (typeof err === 'object' && err !== null) {
    const record = err as { code?: unknown; name?: unknown };
    const code = typeof record.code === 'number' ? record.code : undefined;
    const name = isErrorName(record.name) ? record.name : code !== undefined ? errorNameOf(code) : undefined;
    return { name, code, errorId: undefined, transport: undefined };
  }
  return { name: undefined, code: undefined, errorId: undefined, transport: undefined };
}

/**
 * One line for the officer: what went wrong in plain Danish (or English), plus the stable code so
 * that KIT's support can look it up, and the errorId of an unexpected server error.
 */
export function errorMessage(err: unknown, lang: Lang = getLang()): string {
  const facts = factsOf(err);
  if (facts.transport) return translate(lang, facts.transport === 'timeout' ? 'error.timeout' : 'error.network');
  let message = translate(lang, facts.name ? errorKey(facts.name) : 'error.unknown');
  if (facts.code !== undefined) message = translate(lang, 'error.withCode', { message, code: facts.code });
  if (facts.errorId !== undefined) message = translate(lang, 'error.withId', { message, id: facts.errorId });
  return message;
}

export interface DetailLine {
  /** The field's path in the request body, such as `content.da.title`. */
  path: string;
  problem: FieldProblem;
}

/** Per-field lines of a VALIDATION_FAILED answer; none for other errors. */
export function errorDetails(err: unknown): DetailLine[] {
  if (!(err instanceof ApiError) || err.errorName !== 'VALIDATION_FAILED') return [];
  return issuesOf(err.details).map((issue) => ({ path: pathKey(issue.path), problem: issueProblem(issue) }));
}

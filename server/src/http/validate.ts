import type { z } from 'zod';
import { VarselError } from '@varsel/shared';

/** Parses input with a zod schema; failure is VALIDATION_FAILED with one entry per issue. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const details = res.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
  const first = details[0];
  throw new VarselError('VALIDATION_FAILED', first ? `${first.path || '(body)'}: ${first.message}` : undefined, details);
}

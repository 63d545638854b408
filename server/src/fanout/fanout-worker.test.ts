import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { failedAttemptResult } from './fanout-worker.js';

describe('failedAttemptResult', () => {
  // BullMQ has already counted the failed attempt in attemptsMade when it emits `failed`.
  const job = (attemptsMade: number, attempts: number) => ({ attemptsMade, opts: { attempts } });

  it('calls a failed attempt with attempts left "retried"', () => {
    expect(failedAttemptResult(job(1, 20), new Error('ECONNRESET'))).toBe('retried');
    expect(failedAttemptResult(job(19, 20), new Error('ECONNRESET'))).toBe('retried');
  });

  it('calls the last attempt, an unrecoverable error, or a job BullMQ already removed "failed"', () => {
    expect(failedAttemptResult(job(20, 20), new Error('ECONNRESET'))).toBe('failed');
    expect(failedAttemptResult(job(1, 20), new UnrecoverableError('alert x does not exist'))).toBe('failed');
    expect(failedAttemptResult(undefined, new Error('stalled too often'))).toBe('failed');
  });
});

import { describe, expect, it } from 'vitest';
import { ERRORS, VarselError, errorNameOf, type ErrorName } from './errors.js';
import { DISCONNECT_REASONS, policyOf } from './disconnect.js';

describe('the error catalogue', () => {
  const names = Object.keys(ERRORS) as ErrorName[];

  it('gives every error a unique code of HTTP status x 100 + n', () => {
    const codes = names.map((n) => ERRORS[n].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const n of names) expect(Math.floor(ERRORS[n].code / 100), n).toBe(ERRORS[n].http);
  });

  it('finds a name by its code', () => {
    expect(errorNameOf(40402)).toBe('ALERT_NOT_FOUND');
    expect(errorNameOf(12345)).toBeUndefined();
  });

  it('serializes an error without details as code, message and name only', () => {
    expect(new VarselError('FORBIDDEN').toBody()).toEqual({ code: 40301, error: ERRORS.FORBIDDEN.message, name: 'FORBIDDEN' });
  });
});

describe('the disconnect policy table', () => {
  it('stops on reasons a retry cannot fix and reconnects on transient ones', () => {
    expect(policyOf('DEVICE_REVOKED')).toBe('stop');
    expect(policyOf('DEVICE_AUTH_FAILED')).toBe('stop');
    expect(policyOf('SERVER_SHUTDOWN')).toBe('reconnect');
  });

  it('treats a reason it does not know (a newer server) as transient', () => {
    expect(policyOf('SOMETHING_NEW')).toBe('reconnect');
    expect(policyOf(undefined)).toBe('reconnect');
  });

  it('uses catalogue codes only', () => {
    const codes = new Set(Object.values(ERRORS).map((e) => e.code as number));
    for (const r of Object.values(DISCONNECT_REASONS)) expect(codes.has(r.code)).toBe(true);
  });
});

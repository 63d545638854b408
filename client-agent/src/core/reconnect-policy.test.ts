import { describe, expect, it } from 'vitest';
import { DISCONNECT_REASONS, ERRORS } from '@varsel/shared';
import type { DisconnectReason } from '@varsel/shared';
import { decide, handshakeRefusal } from './reconnect-policy.js';

describe('reconnect policy', () => {
  it.each(Object.keys(DISCONNECT_REASONS) as DisconnectReason[])('follows the shared table for %s', (reason) => {
    expect(decide(reason)).toEqual({ policy: DISCONNECT_REASONS[reason].policy, reason, code: DISCONNECT_REASONS[reason].code });
  });

  it('stops when the device is revoked or its credentials fail, and reconnects when the server is unavailable', () => {
    expect(decide('DEVICE_REVOKED').policy).toBe('stop');
    expect(decide('DEVICE_AUTH_FAILED').policy).toBe('stop');
    expect(decide('PROTOCOL_UNSUPPORTED').policy).toBe('stop');
    expect(decide('UNAVAILABLE').policy).toBe('reconnect');
    expect(decide('SLOW_CONSUMER').policy).toBe('reconnect');
  });

  it('treats a reason it does not know, or none, as transient', () => {
    expect(decide('SOMETHING_NEWER')).toEqual({ policy: 'reconnect', reason: 'SOMETHING_NEWER', code: undefined });
    expect(decide(undefined)).toEqual({ policy: 'reconnect', reason: undefined, code: undefined });
  });

  it("prefers the server's own code over the table's", () => {
    expect(decide('UNAVAILABLE', 50399).code).toBe(50399);
  });

  it('reads the reason and code of a refused handshake', () => {
    const err = Object.assign(new Error('refused'), { data: { code: ERRORS.DEVICE_REVOKED.code, reason: 'DEVICE_REVOKED' } });
    expect(handshakeRefusal(err)).toEqual({ reason: 'DEVICE_REVOKED', code: 40303 });
  });

  it('sees no refusal in a transport error, which carries no data', () => {
    expect(handshakeRefusal(new Error('websocket error'))).toBeUndefined();
    expect(handshakeRefusal(Object.assign(new Error('x'), { data: 'text' }))).toBeUndefined();
  });
});

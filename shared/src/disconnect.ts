import { ERRORS } from './errors.js';

/**
 * Why a server refuses or ends an agent's connection, and what the agent does then. The agent's
 * reconnect logic reads only this table (as in centrifuge): `reconnect` means back off and try
 * again; `stop` means a person must act (re-enroll, upgrade), so retrying would only add load.
 */
export type DisconnectPolicy = 'reconnect' | 'stop';

export const DISCONNECT_REASONS = {
  DEVICE_AUTH_FAILED: { policy: 'stop', code: ERRORS.DEVICE_AUTH_FAILED.code },
  DEVICE_REVOKED: { policy: 'stop', code: ERRORS.DEVICE_REVOKED.code },
  PROTOCOL_UNSUPPORTED: { policy: 'stop', code: ERRORS.PROTOCOL_UNSUPPORTED.code },
  BAD_HANDSHAKE: { policy: 'stop', code: ERRORS.VALIDATION_FAILED.code },
  UNAVAILABLE: { policy: 'reconnect', code: ERRORS.UNAVAILABLE.code },
  SERVER_SHUTDOWN: { policy: 'reconnect', code: ERRORS.UNAVAILABLE.code },
  SLOW_CONSUMER: { policy: 'reconnect', code: ERRORS.UNAVAILABLE.code },
} as const satisfies Record<string, { policy: DisconnectPolicy; code: number }>;

export type DisconnectReason = keyof typeof DISCONNECT_REASONS;

export function isDisconnectReason(value: unknown): value is DisconnectReason {
  return typeof value === 'string' && Object.hasOwn(DISCONNECT_REASONS, value);
}

/** The policy for a reason; an unknown reason (a newer server) is treated as transient. */
export function policyOf(reason: unknown): DisconnectPolicy {
  return isDisconnectReason(reason) ? DISCONNECT_REASONS[reason].policy : 'reconnect';
}

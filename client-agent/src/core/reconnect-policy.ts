import type { DisconnectPolicy } from '@varsel/shared';
import { DISCONNECT_REASONS, isDisconnectReason, policyOf } from '@varsel/shared';

/**
 * What the agent does after the server refused its handshake or ended its session. The decision
 * comes only from the shared DISCONNECT_REASONS table (as in centrifuge): the agent holds no list
 * of its own, so a reason added on the server needs no agent release, and an unknown reason (a
 * newer server) counts as transient.
 */
export interface ReconnectDecision {
  policy: DisconnectPolicy;
  /** The reason as the server sent it; undefined when it sent none. */
  reason: string | undefined;
  /** The error code of the server, or else the table's code for the reason. */
  code: number | undefined;
}

export function decide(reason: unknown, serverCode?: number): ReconnectDecision {
  return {
    policy: policyOf(reason),
    reason: typeof reason === 'string' ? reason : undefined,
    code: serverCode ?? (isDisconnectReason(reason) ? DISCONNECT_REASONS[reason].code : undefined),
  };
}

/** The `data` of a `connect_error` that the server raised in its handshake middleware. */
export interface HandshakeRefusal {
  reason: unknown;
  code: number | undefined;
}

/**
 * Reads a handshake refusal (`HandshakeErrorData`) off a `connect_error`. Undefined means the
 * error came from the transport (server down, network gone): socket.io-client's Manager retries
 * those by itself, whereas after a refusal it does not.
 */
export function handshakeRefusal(err: unknown): HandshakeRefusal | undefined {
  if (typeof err !== 'object' || err === null || !('data' in err)) return undefined;
  const data: unknown = err.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const reason = 'reason' in data ? data.reason : undefined;
  const code = 'code' in data && typeof data.code === 'number' ? data.code : undefined;
  return { reason, code };
}

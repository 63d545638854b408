import { z } from 'zod';
import type { AgentAlert, AlertCounts, AlertView } from './alert.js';
import { ReportedStateSchema } from './alert.js';
import { UuidSchema } from './ids.js';
import type { DisconnectReason } from './disconnect.js';
import type { PushChannel, PushConfig, PushRegistration } from './push.js';

/** Version of the agent protocol (docs/protocol.md). The handshake carries it. */
export const PROTOCOL_VERSION = 2;
/** Versions the server accepts: a version-1 agent gets no replay (it sends no cursor). */
export const SUPPORTED_PROTOCOLS: readonly number[] = [1, 2];

/** The socket.io namespace of consoles; agents use the main namespace "/". */
export const CONSOLE_NAMESPACE = '/console';

/** The one shape of every socket acknowledgement. */
export type AckResult<T> = { ok: true; data: T } | { ok: false; error: { code: number; message: string } };
export type AckCallback<T> = (result: AckResult<T>) => void;

/**
 * At most this many sequence numbers in the handshake's `seen`: far more than the messages of
 * the threads live at once (a few), and still a small CONNECT packet (about 500 bytes).
 */
export const HANDSHAKE_SEEN_MAX = 64;

/** `auth` of an agent's socket.io handshake. */
export const AgentHandshakeSchema = z
  .object({
    deviceId: UuidSchema,
    secret: z.string().min(16).max(200),
    protocol: z.number().int().positive(),
    agentVersion: z.string().max(40).optional(),
    /** The highest alert sequence number the agent has processed (protocol 2); 0 or absent: none. */
    cursor: z.number().int().nonnegative().optional(),
    /**
     * The sequence numbers of the newest messages the agent has processed (protocol 2, at most
     * HANDSHAKE_SEEN_MAX): the catch-up leaves them out, so a reconnect costs the server no check
     * per live message the agent already has.
     */
    seen: z.array(z.number().int().positive()).max(HANDSHAKE_SEEN_MAX).optional(),
  })
  .strict();
export type AgentHandshake = z.infer<typeof AgentHandshakeSchema>;

/** `data` of the Error an agent receives on `connect_error` when the server refuses the handshake. */
export interface HandshakeErrorData {
  code: number;
  reason: DisconnectReason;
}

/** alert:report — an agent tells the server how far it got with an alert. */
export const AlertReportSchema = z
  .object({
    alertId: UuidSchema,
    state: ReportedStateSchema,
  })
  .strict();
export type AlertReport = z.infer<typeof AlertReportSchema>;

export interface AgentServerToClient {
  /** A new alert for this device. Delivered at least once; dedupe by `id`. */
  'alert:created': (alert: AgentAlert) => void;
  /** The server is about to close this connection; the reason decides what the agent does next. */
  'session:ended': (payload: { reason: DisconnectReason }) => void;
  /**
   * Sent once after every connection, after the replay of what the agent missed (as
   * `alert:created` events, in sequence order): `replayed` messages, up to sequence `seq`.
   */
  'session:synced': (payload: { replayed: number; seq: number }) => void;
  /** Sound an unacknowledged siren again (sent to its whole audience; agents that acknowledged ignore it). */
  'alert:repeat': (payload: { alertId: string }) => void;
}
export interface AgentClientToServer {
  'alert:report': (report: AlertReport, ack: AckCallback<{ recorded: boolean }>) => void;
  /** Which push channels the server sends on (and the VAPID public key to subscribe with). */
  'push:config': (ack: AckCallback<PushConfig>) => void;
  /** Where to wake this device when it is not connected; replaces its earlier registration of the channel. */
  'push:register': (registration: PushRegistration, ack: AckCallback<{ registered: true }>) => void;
  /** Stop waking this device on a channel (the user turned notifications off). */
  'push:unregister': (payload: { channel: PushChannel }, ack: AckCallback<{ removed: boolean }>) => void;
}

/** console: watch one alert's counts. */
export const WatchAlertSchema = z.object({ alertId: UuidSchema }).strict();

export interface ConsoleServerToClient {
  /** Counts only ever grow; a client keeps the largest it has seen of each. */
  'alert:counts': (payload: { alertId: string; counts: AlertCounts }) => void;
  'alert:created': (alert: AlertView) => void;
}
export interface ConsoleClientToServer {
  'alert:watch': (payload: { alertId: string }, ack: AckCallback<AlertView>) => void;
  'alert:unwatch': (payload: { alertId: string }, ack: AckCallback<null>) => void;
}

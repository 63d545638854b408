import {
  AgentHandshakeSchema,
  AlertReportSchema,
  DISCONNECT_REASONS,
  ERRORS,
  SUPPORTED_PROTOCOLS,
  VarselError,
  type AckResult,
  type DisconnectReason,
  type HandshakeErrorData,
} from '@varsel/shared';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DeviceStore } from '../store/device-store.js';
import type { ReportBatcher } from './report-batcher.js';
import { toAgentAlert, type AgentServer } from './broadcaster.js';
import type { Replay } from './replay.js';
import { rooms } from './rooms.js';

/** The Error a refused handshake hands to socket.io; the agent reads `data`. */
export function handshakeError(reason: DisconnectReason): Error & { data: HandshakeErrorData } {
  const err = new Error(reason) as Error & { data: HandshakeErrorData };
  err.data = { code: DISCONNECT_REASONS[reason].code, reason };
  return err;
}

function failure(err: unknown): AckResult<never> {
  const e = err instanceof VarselError ? err : new VarselError('INTERNAL');
  return { ok: false, error: { code: e.code, message: e.message } };
}

// The two answers to a report written, made once: an edge sends tens of thousands a second.
const RECORDED: AckResult<{ recorded: boolean }> = Object.freeze({ ok: true, data: Object.freeze({ recorded: true }) });
const NOT_RECORDED: AckResult<{ recorded: boolean }> = Object.freeze({ ok: true, data: Object.freeze({ recorded: false }) });

/**
 * The agents' side of the main namespace: authenticates every handshake before the connection
 * is accepted (unknown, wrong-secret and revoked devices never join a room), puts the socket in
 * its audience rooms, and takes delivery reports.
 */
export function attachAgentGateway(
  io: AgentServer,
  deps: { devices: DeviceStore; batcher: ReportBatcher; replay: Replay; log: Logger; metrics: Metrics },
): void {
  const log = deps.log;

  io.use((socket, next) => {
    const refuse = (reason: DisconnectReason): void => {
      deps.metrics.handshakeRefused(reason);
      next(handshakeError(reason));
    };
    const parsed = AgentHandshakeSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      refuse('BAD_HANDSHAKE');
      return;
    }
    if (!SUPPORTED_PROTOCOLS.includes(parsed.data.protocol)) {
      refuse('PROTOCOL_UNSUPPORTED');
      return;
    }
    deps.devices
      .authenticate(parsed.data.deviceId, parsed.data.secret)
      .then((res) => {
        if (!res.ok) {
          log.info({ deviceId: parsed.data.deviceId, reason: res.reason, address: socket.handshake.address }, 'agent handshake refused');
          refuse(res.reason);
          return;
        }
        socket.data.deviceId = res.device.deviceId;
        socket.data.orgUnit = res.device.orgUnit;
        socket.data.cursor = parsed.data.cursor ?? 0;
        next();
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'agent handshake could not be checked');
        refuse('UNAVAILABLE');
      });
  });

  io.on('connection', (socket) => {
    const { deviceId, orgUnit, cursor } = socket.data;
    // Join before reading what was missed: a broadcast in between arrives live (and perhaps by
    // replay too, which the agent deduplicates), never not at all.
    void socket.join([rooms.allAgents, rooms.unit(orgUnit), rooms.device(deviceId)]);
    deps.replay
      .missed(deviceId, orgUnit, cursor)
      .then((missed) => {
        for (const m of missed) socket.emit('alert:created', toAgentAlert(m));
        deps.metrics.replayed(missed.length);
        socket.emit('session:synced', { replayed: missed.length, seq: missed.at(-1)?.seq ?? cursor });
      })
      .catch((err: unknown) => {
        // Without the replay the agent may lack an alert: let it reconnect and try again.
        log.warn({ err, deviceId }, 'replay failed; closing the connection so the agent retries');
        socket.emit('session:ended', { reason: 'UNAVAILABLE' });
        socket.disconnect(true);
      });

    socket.on('alert:report', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        log.debug({ deviceId }, 'alert:report without an ack callback ignored');
        return;
      }
      const reply = ack as (r: AckResult<{ recorded: boolean }>) => void;
      const parsed = AlertReportSchema.safeParse(raw);
      if (!parsed.success) {
        reply({ ok: false, error: { code: ERRORS.VALIDATION_FAILED.code, message: parsed.error.issues[0]?.message ?? 'invalid report' } });
        return;
      }
      deps.batcher.add({ alertId: parsed.data.alertId, deviceId, orgUnit, state: parsed.data.state }, (err, outcome) =>
        reply(err ? failure(err) : outcome === 'recorded' ? RECORDED : NOT_RECORDED),
      );
    });
  });
}

import {
  AgentHandshakeSchema,
  AlertReportSchema,
  DISCONNECT_REASONS,
  ERRORS,
  PushRegistrationSchema,
  PushUnregisterSchema,
  SUPPORTED_PROTOCOLS,
  VarselError,
  type AckResult,
  type Alert,
  type DisconnectReason,
  type HandshakeErrorData,
  type PushConfig,
} from '@varsel/shared';
import type { PushStore } from '../store/push-store.js';
import type { z } from 'zod';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DeviceStore } from '../store/device-store.js';
import type { ReportBatcher } from './report-batcher.js';
import { ReplayPackets, type AgentServer, type AgentSocket, type PacketEncoder } from './broadcaster.js';
import { BroadcastEpoch, type ApplyingAdapter } from './broadcast-epoch.js';
import type { Replay } from './replay.js';
import { rooms } from './rooms.js';
import { holdWritesUntilNextTurn } from './write-coalescing.js';

/** The Error a refused handshake hands to socket.io; the agent reads `data`. */
export function handshakeError(reason: DisconnectReason): Error & { data: HandshakeErrorData } {
  const err = new Error(reason) as Error & { data: HandshakeErrorData };
  err.data = { code: DISCONNECT_REASONS[reason].code, reason };
  return err;
}

/** The input as `schema` parses it, or undefined once the agent has been answered VALIDATION_FAILED. */
function parsedOrRefused<T>(schema: z.ZodType<T>, raw: unknown, reply: (r: AckResult<never>) => void, what: string): T | undefined {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  reply({ ok: false, error: { code: ERRORS.VALIDATION_FAILED.code, message: parsed.error.issues[0]?.message ?? `invalid ${what}` } });
  return undefined;
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
 * is accepted (unknown, wrong-secret and revoked devices never join a room), reads what the
 * device missed, puts the socket in its audience rooms, sends the replay, and takes delivery
 * reports.
 *
 * The replay is read during the handshake, so that the CONNECT answer, the missed alerts and
 * `session:synced` leave in one write (a reconnect storm is made of these). It is read before the
 * socket is in its rooms, though, and a broadcast in between would pass the socket by: when the
 * adapter applied any broadcast meanwhile, the replay is read again after the join, which is
 * exact (see Replay.missed).
 */
export function attachAgentGateway(
  io: AgentServer,
  deps: {
    devices: DeviceStore;
    batcher: ReportBatcher;
    replay: Replay;
    log: Logger;
    metrics: Metrics;
    push: { store: PushStore; config: PushConfig };
  },
): void {
  const log = deps.log;
  const broadcasts = new BroadcastEpoch(io.of('/').adapter as unknown as ApplyingAdapter);

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
        // An agent that gave up meanwhile (an overloaded edge, a connect timeout) costs no replay
        // read; socket.io drops a socket whose connection closed at next(), whatever it is told.
        if (socket.conn.readyState !== 'open') {
          next(handshakeError('UNAVAILABLE'));
          return;
        }
        socket.data.deviceId = res.device.deviceId;
        socket.data.orgUnit = res.device.orgUnit;
        socket.data.cursor = parsed.data.cursor ?? 0;
        socket.data.seen = parsed.data.seen?.length ? new Set(parsed.data.seen) : undefined;
        const epoch = broadcasts.value;
        return deps.replay.missed(res.device.deviceId, res.device.orgUnit, socket.data.cursor, socket.data.seen).then((missed) => {
          socket.data.replay = { missed, epoch };
          // socket.io writes the CONNECT answer a tick after next(); the replay follows it at once.
          holdWritesUntilNextTurn(socket.conn);
          next();
        });
      })
      .catch((err: unknown) => {
        // Without the replay the agent may lack an alert: it retries (policy reconnect).
        log.warn({ err, deviceId: parsed.data.deviceId }, 'agent handshake or replay could not be read');
        refuse('UNAVAILABLE');
      });
  });

  const replayPackets = new ReplayPackets(io.of('/').adapter as unknown as PacketEncoder);
  const sendReplay = (socket: AgentSocket, missed: readonly Alert[], cursor: number): void => {
    for (const m of missed) replayPackets.sendAlert(socket, m);
    deps.metrics.replayed(missed.length);
    socket.emit('session:synced', { replayed: missed.length, seq: missed.at(-1)?.seq ?? cursor });
  };

  /** The slow path, after a broadcast during the handshake: the join is done, so this read is exact. */
  const readAgainAfterJoin = (socket: AgentSocket, seen: ReadonlySet<number> | undefined): void => {
    const { deviceId, orgUnit, cursor } = socket.data;
    deps.replay
      .missed(deviceId, orgUnit, cursor, seen)
      .then((missed) => sendReplay(socket, missed, cursor))
      .catch((err: unknown) => {
        // Without the replay the agent may lack an alert: let it reconnect and try again.
        log.warn({ err, deviceId }, 'replay failed; closing the connection so the agent retries');
        socket.emit('session:ended', { reason: 'UNAVAILABLE' });
        socket.disconnect(true);
      });
  };

  io.on('connection', (socket) => {
    const { deviceId, orgUnit, cursor } = socket.data;
    // From the join on, every broadcast to the device's audience reaches this socket live.
    void socket.join([rooms.allAgents, rooms.unit(orgUnit), rooms.device(deviceId)]);
    const read = socket.data.replay;
    socket.data.replay = undefined;
    // Needed only by a replay read again right after the join.
    const seen = socket.data.seen;
    socket.data.seen = undefined;
    if (read && read.epoch === broadcasts.value) {
      // Nothing was broadcast between the read and the join: what was read is complete.
      sendReplay(socket, read.missed, cursor);
    } else {
      deps.metrics.replayReadAgain();
      readAgainAfterJoin(socket, seen);
    }

    socket.on('alert:report', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        log.debug({ deviceId }, 'alert:report without an ack callback ignored');
        return;
      }
      const reply = ack as (r: AckResult<{ recorded: boolean }>) => void;
      const report = parsedOrRefused(AlertReportSchema, raw, reply, 'report');
      if (!report) return;
      deps.batcher.add({ alertId: report.alertId, deviceId, orgUnit, state: report.state }, (err, outcome) =>
        reply(err ? failure(err) : outcome === 'recorded' ? RECORDED : NOT_RECORDED),
      );
    });

    /** Answers with what `work` gives once Redis has it, or UNAVAILABLE (the agent tries again later). */
    const answerOnceStored = <T>(work: Promise<T>, reply: (r: AckResult<T>) => void, what: string): void => {
      work.then(
        (data) => reply({ ok: true, data }),
        (err: unknown) => {
          log.warn({ err, deviceId }, `${what} failed`);
          reply(failure(new VarselError('UNAVAILABLE')));
        },
      );
    };

    socket.on('push:config', (ack: unknown) => {
      if (typeof ack === 'function') (ack as (r: AckResult<PushConfig>) => void)({ ok: true, data: deps.push.config });
    });

    socket.on('push:register', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (r: AckResult<{ registered: true }>) => void;
      const registration = parsedOrRefused(PushRegistrationSchema, raw, reply, 'registration');
      if (!registration) return;
      if (!(registration.channel === 'webpush' ? deps.push.config.webpush !== null : deps.push.config.fcm)) {
        reply(failure(new VarselError('PUSH_CHANNEL_DISABLED', `Push channel ${registration.channel} is not configured on this server.`)));
        return;
      }
      const work = deps.push.store.register(deviceId, registration).then(() => {
        log.info({ deviceId, channel: registration.channel }, 'push registration stored');
        return { registered: true as const };
      });
      answerOnceStored(work, reply, 'storing a push registration');
    });

    socket.on('push:unregister', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (r: AckResult<{ removed: boolean }>) => void;
      const input = parsedOrRefused(PushUnregisterSchema, raw, reply, 'channel');
      if (!input) return;
      answerOnceStored(deps.push.store.unregister(deviceId, input.channel).then((removed) => ({ removed })), reply, 'removing a push registration');
    });
  });
}

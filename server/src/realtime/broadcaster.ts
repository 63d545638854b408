import type { Namespace, Server, Socket } from 'socket.io';
import {
  CONSOLE_NAMESPACE,
  type AgentAlert,
  type AgentClientToServer,
  type AgentServerToClient,
  type Alert,
  type AlertCounts,
  type AlertView,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  type Role,
} from '@varsel/shared';
import { rooms } from './rooms.js';

export type AgentServer = Server<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
export type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
export interface AgentSocketData {
  deviceId: string;
  orgUnit: string;
  /** The sequence number the agent said it has processed up to. */
  cursor: number;
  /** The sequence numbers the agent listed as seen (left out of its replay); dropped on connect. */
  seen?: ReadonlySet<number> | undefined;
  /** The replay read during the handshake, and the broadcast count before it (see attachAgentGateway); dropped on connect. */
  replay?: { missed: Alert[]; epoch: number } | undefined;
}

export interface ConsoleSocketData {
  username: string;
  role: Role;
}
export type ConsoleNamespace = Namespace<ConsoleClientToServer, ConsoleServerToClient, Record<string, never>, ConsoleSocketData>;

/** The console namespace of a server whose type parameters are the agents'. */
export function consoleNamespace(io: AgentServer): ConsoleNamespace {
  return io.of(CONSOLE_NAMESPACE) as unknown as ConsoleNamespace;
}

export function toAgentAlert(a: Alert): AgentAlert {
  const { audience: _audience, createdBy: _createdBy, ...rest } = a;
  return rest;
}

/** socket.io-adapter's own one-time encoding of a packet for many sockets (what its broadcast uses). */
export interface PacketEncoder {
  _encode(packet: { type: number; nsp: string; data: unknown[] }, packetOpts: Record<string, unknown>): unknown[];
}

/**
 * The replayed `alert:created` packets, encoded once per message instead of once per agent: in a
 * reconnect storm every agent is replayed the same few messages. Encoded as the adapter encodes a
 * broadcast (the socket.io packet and, for websockets, the whole frame), and keyed by the Alert
 * objects of the replay snapshot, which every connection shares until a message is stored.
 */
export class ReplayPackets {
  private readonly encoded = new WeakMap<Alert, { packets: unknown[]; opts: Record<string, unknown> }>();

  constructor(private readonly encoder: PacketEncoder) {}

  sendAlert(socket: AgentSocket, alert: Alert): void {
    let e = this.encoded.get(alert);
    if (!e) {
      const opts: Record<string, unknown> = { preEncoded: true };
      // type 2: socket.io-parser's EVENT; '/': the agents' namespace.
      const packets = this.encoder._encode({ type: 2, nsp: '/', data: ['alert:created', toAgentAlert(alert)] }, opts);
      e = { packets, opts };
      this.encoded.set(alert, e);
    }
    socket.client._packet(e.packets as Parameters<AgentSocket['client']['_packet']>[0], e.opts);
  }
}

/**
 * Everything the server sends to many sockets goes through here, once per event: the adapter
 * encodes a broadcast once and carries it to every edge, each of which writes it to its own sockets.
 */
export class Broadcaster {
  private readonly consoles: ConsoleNamespace;

  constructor(private readonly io: AgentServer) {
    this.consoles = consoleNamespace(io);
  }

  alertToAgents(agentRooms: string[], alert: Alert): void {
    this.io.to(agentRooms).emit('alert:created', toAgentAlert(alert));
  }

  repeatToAgents(agentRooms: string[], alertId: string): void {
    this.io.to(agentRooms).emit('alert:repeat', { alertId });
  }

  /** One broadcast addressed to the given devices' rooms (on whichever edges they are). */
  repeatToDevices(deviceIds: readonly string[], alertId: string): void {
    // No rooms would mean every socket to socket.io.
    if (deviceIds.length === 0) return;
    this.io.to(deviceIds.map(rooms.device)).emit('alert:repeat', { alertId });
  }

  alertToConsoles(view: AlertView): void {
    this.consoles.to(rooms.alertReaders).emit('alert:created', view);
  }

  countsToConsoles(alertId: string, counts: AlertCounts): void {
    this.consoles.to(rooms.alertWatchers(alertId)).emit('alert:counts', { alertId, counts });
  }

  /** Ends a device's connections on every edge (after a revoke). */
  disconnectDevice(deviceId: string): void {
    this.io.to(rooms.device(deviceId)).emit('session:ended', { reason: 'DEVICE_REVOKED' });
    this.io.in(rooms.device(deviceId)).disconnectSockets(true);
  }
}

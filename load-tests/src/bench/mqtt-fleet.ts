import net from 'node:net';
import { MqttClient } from 'mqtt';
import { now, type ConnectMqttCommand, type ConnectResult, type WorkerStatus } from './agent-protocol.js';
import { AlertTracker } from './alert-tracker.js';

/**
 * MQTT subscribers of one harness process, for scenario c: each connects to Mosquitto from this
 * process's loopback source address, subscribes to the alert topic with QoS 1 (the client answers
 * every message with PUBACK, so the broker keeps it until then) and records when each message
 * arrived. The message is the alert as JSON, of the same size as Varsel's; its `id` identifies it.
 */
export class MqttFleet {
  readonly tracker: AlertTracker;
  private readonly clients: MqttClient[] = [];
  private connected = 0;
  private readonly disconnects: Record<string, number> = {};
  private closed = false;

  constructor(private readonly cmd: ConnectMqttCommand) {
    this.tracker = new AlertTracker(cmd.count);
  }

  async connectAll(): Promise<ConnectResult> {
    const failed: Record<string, number> = {};
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < this.cmd.count && !this.closed) {
        const i = next++;
        const outcome = await this.connectOne(i);
        if (outcome !== 'ok') failed[outcome] = (failed[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.cmd.concurrency, this.cmd.count)) }, lane));
    return { connected: this.connected, failed };
  }

  private connectOne(i: number): Promise<string> {
    const { host, port } = this.cmd;
    const localAddress = this.cmd.localAddresses[i % this.cmd.localAddresses.length] ?? '127.0.0.1';
    // mqtt.js's own TCP builder takes no localAddress; a stream builder can.
    const client = new MqttClient(() => net.createConnection({ host, port, localAddress }), {
      clientId: `${this.cmd.clientIdPrefix}-${i}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: this.cmd.connectTimeoutMs,
      resubscribe: false,
    });
    this.clients.push(client);
    let up = false;
    // A permanent listener: an 'error' event without one would throw.
    client.on('error', (err) => {
      if (up && !this.closed) this.disconnects[`error ${err.message}`] = (this.disconnects[`error ${err.message}`] ?? 0) + 1;
    });
    client.on('close', () => {
      if (!up) return;
      up = false;
      this.connected--;
      if (!this.closed) this.disconnects.close = (this.disconnects.close ?? 0) + 1;
    });
    client.on('message', (_topic, payload) => {
      const at = now();
      const id = alertIdOf(payload);
      if (id) this.tracker.receive(id, i, at);
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timeout'), this.cmd.connectTimeoutMs + 1000);
      let settled = false;
      const finish = (outcome: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.off('error', onError);
        client.off('close', onClose);
        if (outcome !== 'ok') client.end(true);
        resolve(outcome);
      };
      const onError = (err: Error): void => finish(err.message || 'error');
      const onClose = (): void => finish('closed before subscribing');
      client.once('error', onError);
      client.once('close', onClose);
      client.once('connect', () => {
        client.subscribe(this.cmd.topic, { qos: 1 }, (err, granted) => {
          if (err) return finish(`subscribe: ${err.message}`);
          if (granted?.[0]?.qos !== 1) return finish('subscribe: QoS 1 not granted');
          up = true;
          this.connected++;
          finish('ok');
        });
      });
    });
  }

  mark(): void {
    // Scenario c has no reconnect storm.
  }

  status(): Omit<WorkerStatus, 'rssKiB' | 'loopDelayMaxMs'> {
    const none = new Float64Array(0);
    return { agents: this.cmd.count, connected: this.connected, disconnects: { ...this.disconnects }, connectErrors: {}, disconnectedAt: none, reconnectedAt: none };
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients) c.end(true);
    this.connected = 0;
  }
}

function alertIdOf(payload: Buffer): string | undefined {
  try {
    const v = JSON.parse(payload.toString()) as unknown;
    return typeof v === 'object' && v !== null && 'id' in v && typeof v.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
}

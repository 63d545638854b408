import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { CONSOLE_NAMESPACE, ERRORS } from '@varsel/shared';
import type { AckResult, AlertCounts, AlertView, ConsoleClientToServer, ConsoleServerToClient } from '@varsel/shared';

export type LiveStatus = 'connecting' | 'connected' | 'disconnected';

export type ConsoleIo = Socket<ConsoleServerToClient, ConsoleClientToServer>;

export interface WatchHandlers {
  /** The alert as the server knows it: on watch, and again after every reconnect. */
  onView(view: AlertView): void;
  onCounts(counts: AlertCounts): void;
  onError(error: { code: number; message: string }): void;
}

export interface ConsoleSocketOptions {
  /** The handshake was refused for want of a session (code 40101): log in again. */
  onUnauthorized: () => void;
  /** For tests: builds the socket instead of `io('/console', …)`. */
  connect?: () => ConsoleIo;
}

/** 10 s for a watch ack; then it counts as failed and is tried again on the next connect. */
const ACK_TIMEOUT_MS = 10_000;
/** Retry delays after a refused handshake, which socket.io does not retry by itself. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

function handshakeCode(err: Error): number | undefined {
  const data = (err as Error & { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The console's live connection (namespace /console). Keeps the set of watched alerts and watches
 * them again after every reconnect, so a page never silently stops updating.
 */
export class ConsoleSocket {
  private readonly socket: ConsoleIo;
  private readonly watchers = new Map<string, Set<WatchHandlers>>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private readonly createdListeners = new Set<(alert: AlertView) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;
  private currentStatus: LiveStatus = 'connecting';

  constructor(private readonly options: ConsoleSocketOptions) {
    this.socket = options.connect ? options.connect() : io(CONSOLE_NAMESPACE, { transports: ['websocket'] });
    this.socket.on('connect', () => {
      this.retryDelay = RETRY_MIN_MS;
      this.setStatus('connected');
      for (const alertId of this.watchers.keys()) this.sendWatch(alertId);
    });
    this.socket.on('disconnect', (reason) => {
      this.setStatus('disconnected');
      // The server closed us on purpose (a restart, say): socket.io leaves reconnecting to us.
      if (reason === 'io server disconnect') this.scheduleRetry();
    });
    this.socket.on('connect_error', (err) => {
      if (handshakeCode(err) === ERRORS.UNAUTHENTICATED.code) {
        this.close();
        this.options.onUnauthorized();
        return;
      }
      this.setStatus('disconnected');
      if (!this.socket.active) this.scheduleRetry();
    });
    this.socket.on('alert:counts', ({ alertId, counts }) => {
      for (const handlers of this.watchers.get(alertId) ?? []) handlers.onCounts(counts);
    });
    this.socket.on('alert:created', (alert) => {
      for (const listener of this.createdListeners) listener(alert);
    });
  }

  get status(): LiveStatus {
    return this.currentStatus;
  }

  /** Follows an alert's counts until the returned function is called. */
  watch(alertId: string, handlers: WatchHandlers): () => void {
    let set = this.watchers.get(alertId);
    if (!set) {
      set = new Set();
      this.watchers.set(alertId, set);
    }
    set.add(handlers);
    // Not connected yet: the connect handler watches every alert in the map.
    if (this.socket.connected) this.sendWatch(alertId, handlers);
    return () => {
      const current = this.watchers.get(alertId);
      if (!current) return;
      current.delete(handlers);
      if (current.size > 0) return;
      this.watchers.delete(alertId);
      if (this.socket.connected) this.socket.emit('alert:unwatch', { alertId }, () => undefined);
    };
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onCreated(listener: (alert: AlertView) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.socket.disconnect();
    this.watchers.clear();
    this.statusListeners.clear();
    this.createdListeners.clear();
  }

  /** Watches `alertId` for the given handlers, or for all of its handlers. */
  private sendWatch(alertId: string, only?: WatchHandlers): void {
    this.socket.timeout(ACK_TIMEOUT_MS).emit('alert:watch', { alertId }, (err: Error | null, result: AckResult<AlertView>) => {
      const targets = only ? [only] : [...(this.watchers.get(alertId) ?? [])];
      for (const handlers of targets) {
        if (!this.watchers.get(alertId)?.has(handlers)) continue;
        if (err) handlers.onError({ code: ERRORS.UNAVAILABLE.code, message: err.message });
        else if (result.ok) handlers.onView(result.data);
        else handlers.onError(result.error);
      }
    });
  }

  private setStatus(status: LiveStatus): void {
    if (this.closed || status === this.currentStatus) return;
    this.currentStatus = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed && !this.socket.connected) {
        this.setStatus('connecting');
        this.socket.connect();
      }
    }, delay);
  }
}

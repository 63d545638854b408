import { ERRORS, VarselError, WatchAlertSchema, can, type AckResult, type AlertView } from '@varsel/shared';
import type { Logger } from '../log.js';
import type { SessionAuth } from '../auth/session-auth.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { ConsoleNamespace } from './broadcaster.js';
import { rooms } from './rooms.js';

function refuse(code: number, message: string): Error & { data: { code: number } } {
  const err = new Error(message) as Error & { data: { code: number } };
  err.data = { code };
  return err;
}

function fail(err: unknown): AckResult<never> {
  const e = err instanceof VarselError ? err : new VarselError('INTERNAL');
  return { ok: false, error: { code: e.code, message: e.message } };
}

/**
 * The consoles' namespace. The handshake is authenticated by the session cookie and must come
 * from the console's own origin (a cross-site page cannot ride the cookie into a websocket).
 */
export function attachConsoleGateway(nsp: ConsoleNamespace, deps: { auth: SessionAuth; alerts: AlertService; log: Logger }): void {
  nsp.use((socket, next) => {
    const origin = socket.handshake.headers.origin;
    const host = socket.handshake.headers.host;
    if (origin && host && new URL(origin).host !== host) {
      next(refuse(ERRORS.FORBIDDEN.code, 'cross-origin console connection refused'));
      return;
    }
    deps.auth
      .fromCookieHeader(socket.handshake.headers.cookie)
      .then((s) => {
        if (!s) {
          next(refuse(ERRORS.UNAUTHENTICATED.code, ERRORS.UNAUTHENTICATED.message));
          return;
        }
        socket.data.username = s.user.username;
        socket.data.role = s.user.role;
        next();
      })
      .catch((err: unknown) => {
        deps.log.warn({ err }, 'console handshake could not be checked');
        next(refuse(ERRORS.UNAVAILABLE.code, ERRORS.UNAVAILABLE.message));
      });
  });

  nsp.on('connection', (socket) => {
    const readable = can(socket.data.role, 'alert:read');
    if (readable) void socket.join(rooms.alertReaders);

    socket.on('alert:watch', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (r: AckResult<AlertView>) => void;
      if (!readable) {
        reply(fail(new VarselError('FORBIDDEN')));
        return;
      }
      const parsed = WatchAlertSchema.safeParse(raw);
      if (!parsed.success) {
        reply(fail(new VarselError('VALIDATION_FAILED')));
        return;
      }
      const alertId = parsed.data.alertId;
      // Join first, then read: a count change between the two still reaches this console.
      void socket.join(rooms.alertWatchers(alertId));
      deps.alerts
        .get(alertId)
        .then((view) => reply({ ok: true, data: view }))
        .catch((err: unknown) => {
          void socket.leave(rooms.alertWatchers(alertId));
          reply(fail(err));
        });
    });

    socket.on('alert:unwatch', (raw: unknown, ack: unknown) => {
      const parsed = WatchAlertSchema.safeParse(raw);
      if (parsed.success) void socket.leave(rooms.alertWatchers(parsed.data.alertId));
      if (typeof ack === 'function') (ack as (r: AckResult<null>) => void)(parsed.success ? { ok: true, data: null } : fail(new VarselError('VALIDATION_FAILED')));
    });
  });
}

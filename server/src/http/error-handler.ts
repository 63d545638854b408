import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { VarselError, type ErrorBody } from '@varsel/shared';
import type { Logger } from '../log.js';

/** Turns body-parser failures into catalogue errors. */
function fromBodyParser(err: unknown): VarselError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch (err.type) {
    case 'entity.parse.failed':
      return new VarselError('BAD_JSON');
    case 'entity.too.large':
      return new VarselError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new VarselError('UNSUPPORTED_MEDIA_TYPE');
    default:
      return undefined;
  }
}

/** Whether Redis (or another backing service) was the cause, so the answer is 503, not 500. */
function isUnavailable(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : '';
  return /Connection is closed|ECONNREFUSED|Reached the max retries per request|Stream isn't writeable|enableOfflineQueue/.test(msg);
}

/**
 * The one exit point for HTTP errors: known errors answer `{ code, error, name, details }`;
 * unknown ones are logged with an errorId that the response carries, never the internal message.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof VarselError ? err : fromBodyParser(err);
    if (known) {
      log.debug({ code: known.code, path: req.path, method: req.method }, known.message);
      res.status(known.http).json(known.toBody());
      return;
    }
    const errorId = randomUUID();
    const unavailable = isUnavailable(err);
    const e = new VarselError(unavailable ? 'UNAVAILABLE' : 'INTERNAL');
    log[unavailable ? 'warn' : 'error']({ err, errorId, path: req.path, method: req.method }, 'request failed');
    const body: ErrorBody = { ...e.toBody(), errorId };
    res.status(e.http).json(body);
  };
}

/** 404 for unknown /api routes, in the catalogue's shape. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new VarselError('NOT_FOUND', `No route ${req.method} ${req.path}.`));
};

/** Bodies of POST, PUT and PATCH must be JSON; anything else is 415 before it is parsed. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    next(new VarselError('UNSUPPORTED_MEDIA_TYPE'));
    return;
  }
  next();
};

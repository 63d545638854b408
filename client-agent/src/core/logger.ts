/** Structured context of a log line: alert, device and report ids, error codes. Never secrets. */
export type LogFields = Record<string, unknown>;

/** The agent logs through this seam: the Node shell writes one line per event to stderr, a PWA to the console. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ignore = (): void => undefined;

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

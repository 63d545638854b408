import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** The root logger (JSON lines on stdout); areas take a child: `log.child({ area: 'fanout' })`. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, base: Record<string, unknown> = {}): Logger {
  return pino({ level: config.LOG_LEVEL, base: { pid: process.pid, ...base } });
}

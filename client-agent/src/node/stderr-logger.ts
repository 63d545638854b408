import type { LogFields, Logger } from '../core/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go: process.stderr, or a test's buffer. */
export interface LineSink {
  write(chunk: string): unknown;
}

/**
 * One line per event on stderr: `2025-11-22T13:05:01.123Z WARN  message key=value …`. Plain text,
 * because the agent's log is read by a person at a PC or collected by the service manager
 * (journald, Windows event log), not parsed by a pipeline. stdout stays for the alerts.
 */
export function createStderrLogger(options: { level?: LogLevel; sink?: LineSink; now?: () => Date } = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const sink = options.sink ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const line = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const suffix = fields === undefined ? '' : formatFields(fields);
    sink.write(`${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${oneLine(message)}${suffix}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function formatFields(fields: LogFields): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+-]+$/u.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return oneLine(JSON.stringify(value) ?? typeof value);
  } catch {
    // A cycle: log the type rather than lose the line.
    return `[${typeof value}]`;
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

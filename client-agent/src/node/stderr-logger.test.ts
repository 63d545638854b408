import { describe, expect, it } from 'vitest';
import { createStderrLogger } from './stderr-logger.js';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const log = createStderrLogger({ ...(level ? { level } : {}), sink: { write: (chunk: string) => lines.push(chunk) }, now: () => new Date('2026-11-22T14:00:00.000Z') });
  return { log, lines };
}

describe('createStderrLogger', () => {
  it('writes one line per event with timestamp, level, message and fields', () => {
    const { log, lines } = capture();
    log.warn('report not confirmed; will resend', { alertId: 'a-1', state: 'delivered', attempt: 2, err: 'socket has been disconnected' });
    expect(lines).toEqual(['2026-11-22T14:00:00.000Z WARN  report not confirmed; will resend alertId=a-1 state=delivered attempt=2 err="socket has been disconnected"\n']);
  });

  it('leaves out debug lines unless asked for them', () => {
    const quiet = capture();
    quiet.log.debug('report sent');
    expect(quiet.lines).toEqual([]);
    const verbose = capture('debug');
    verbose.log.debug('report sent');
    expect(verbose.lines).toHaveLength(1);
  });

  it('keeps a multi-line message or value on one line', () => {
    const { log, lines } = capture();
    log.error('bad\nthing', { issues: ['a\nb'], cyclic: (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })() });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.trimEnd()).not.toContain('\n');
  });
});

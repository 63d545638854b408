import { describe, expect, it } from 'vitest';
import { UsageError, languageOf, parseCli } from './cli-args.js';

function usageError(argv: string[]): UsageError {
  try {
    parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`parseCli accepted ${argv.join(' ')}`);
}

describe('parseCli', () => {
  it('parses an enrollment and keeps only the origin of the server address', () => {
    const command = parseCli(['enroll', '--server', 'https://varsel.kk.dk/', '--token', 'enroll-token-123456', '--org-unit', 'KIT', '--location', 'raadhuset', '--state-dir', '/tmp/x']);
    expect(command).toEqual({
      command: 'enroll',
      server: 'https://varsel.kk.dk',
      token: 'enroll-token-123456',
      orgUnit: 'KIT',
      location: 'raadhuset',
      hostname: undefined,
      stateDir: '/tmp/x',
      lang: 'da',
      verbose: false,
    });
  });

  it('requires the server and the token for an enrollment', () => {
    expect(usageError(['enroll']).problems).toEqual([
      { kind: 'missing-option', flag: '--server' },
      { kind: 'missing-option', flag: '--token' },
    ]);
  });

  it('refuses a server address with a path, which socket.io would take for a namespace', () => {
    expect(usageError(['enroll', '--server', 'https://varsel.kk.dk/api', '--token', 'enroll-token-123456']).problems).toEqual([
      { kind: 'invalid-option', flag: '--server' },
    ]);
    expect(usageError(['enroll', '--server', 'ftp://varsel.kk.dk', '--token', 'enroll-token-123456']).problems).toEqual([
      { kind: 'invalid-option', flag: '--server' },
    ]);
  });

  it('checks org unit and location against the shared id formats', () => {
    const problems = usageError(['enroll', '--server', 'https://v.kk.dk', '--token', 'enroll-token-123456', '--org-unit', 'kit', '--location', 'Rådhuset']).problems;
    expect(problems).toEqual([
      { kind: 'invalid-option', flag: '--org-unit' },
      { kind: 'invalid-option', flag: '--location' },
    ]);
  });

  it('parses a run with auto-acknowledge and without sound', () => {
    expect(parseCli(['run', '--auto-ack', '--no-sound', '--lang', 'en', '-v'])).toEqual({
      command: 'run',
      autoAck: true,
      sound: false,
      lang: 'en',
      verbose: true,
      stateDir: undefined,
    });
    expect(parseCli(['run'])).toMatchObject({ autoAck: false, sound: true, lang: 'da' });
  });

  it("refuses an option that belongs to another command", () => {
    expect(usageError(['run', '--token', 'enroll-token-123456']).problems).toEqual([{ kind: 'option-not-for-command', flag: '--token', command: 'run' }]);
  });

  it('refuses unknown options, commands and stray arguments', () => {
    expect(usageError(['run', '--loud']).problems).toEqual([{ kind: 'unknown-option', flag: '--loud' }]);
    expect(usageError(['start']).problems).toEqual([{ kind: 'unknown-command', value: 'start' }]);
    expect(usageError(['status', 'now']).problems).toEqual([{ kind: 'unexpected-argument', value: 'now' }]);
    expect(usageError([]).problems).toEqual([{ kind: 'missing-command' }]);
  });

  it('says which option lacks its value', () => {
    expect(usageError(['enroll', '--token', 'enroll-token-123456', '--server']).problems).toEqual([{ kind: 'missing-value', flag: '--server' }]);
  });

  it('refuses a language other than Danish or English', () => {
    expect(usageError(['status', '--lang', 'de']).problems).toEqual([{ kind: 'invalid-option', flag: '--lang' }]);
  });

  it('shows help for --help, -h and help, with any command', () => {
    expect(parseCli(['--help']).command).toBe('help');
    expect(parseCli(['-h', '--lang', 'en'])).toMatchObject({ command: 'help', lang: 'en' });
    expect(parseCli(['help']).command).toBe('help');
    expect(parseCli(['enroll', '--help']).command).toBe('help');
  });

  it('complains in the language asked for, Danish by default', () => {
    expect(usageError(['bogus', '--lang=en']).lang).toBe('en');
    expect(usageError(['bogus']).lang).toBe('da');
    expect(languageOf(['run', '--lang', 'xx'])).toBe('da');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { ConfigError, envExample, loadConfig, parseRole } from './config.js';

describe('loadConfig', () => {
  it('gives every key a default, so an empty environment is a valid configuration', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.REDIS_PREFIX).toBe('varsel');
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('lists every problem at once, each naming its key', () => {
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', VARSEL_ADMIN_PASSWORD: 'short' });
      expect.unreachable('loadConfig accepted a bad environment');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const keys = (err as ConfigError).issues.map((i) => i.split(':')[0]);
      expect(keys.sort()).toEqual(['PORT', 'REDIS_URL', 'VARSEL_ADMIN_PASSWORD']);
    }
  });

  it('takes the line of upgrades from the environment, and refuses one that would admit none', () => {
    expect(loadConfig({}).UPGRADES_IN_PROGRESS_MAX).toBe(256);
    expect(loadConfig({ UPGRADES_IN_PROGRESS_MAX: '1000' }).UPGRADES_IN_PROGRESS_MAX).toBe(1000);
    for (const bad of ['0', '-5', '2.5', 'many']) {
      expect(() => loadConfig({ UPGRADES_IN_PROGRESS_MAX: bad }), bad).toThrow(/^[\s\S]*UPGRADES_IN_PROGRESS_MAX/);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('rejects a heartbeat timeout far longer than its interval', () => {
    expect(() => loadConfig({ SOCKET_PING_INTERVAL_MS: '1000', SOCKET_PING_TIMEOUT_MS: '60000' })).toThrow(ConfigError);
  });
});

describe('Web Push configuration', () => {
  const keys = webpush.generateVAPIDKeys();
  const vapid = { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'mailto:kit-drift@kk.dk' };

  it('takes a VAPID key pair with its subject', () => {
    expect(loadConfig(vapid).VAPID_PUBLIC_KEY).toBe(keys.publicKey);
  });

  it('refuses part of the three', () => {
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: keys.publicKey })).toThrow(/together, or none/);
  });

  it.each([
    ['a subject that is not mailto: or https:', { ...vapid, VAPID_SUBJECT: 'kit-drift@kk.dk' }, /subject/],
    ['a private key of another pair', { ...vapid, VAPID_PRIVATE_KEY: webpush.generateVAPIDKeys().privateKey }, /not the one of the private key/],
    ['a public key that is too short', { ...vapid, VAPID_PUBLIC_KEY: keys.publicKey.slice(0, 40) }, /VAPID/],
  ])('refuses %s', (_what, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('parseRole', () => {
  it.each([
    [[], 'all'],
    [['--role', 'edge'], 'edge'],
    [['--role=worker'], 'worker'],
  ] as const)('reads %j as %s', (argv, role) => {
    expect(parseRole(argv)).toBe(role);
  });

  it('refuses an unknown role', () => {
    expect(() => parseRole(['--role', 'boss'])).toThrow(ConfigError);
    expect(() => parseRole(['--role'])).toThrow(ConfigError);
  });
});

describe('.env.example', () => {
  it('is the file generated from the schema (run npm run env:example after changing config.ts)', () => {
    const file = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(file).toBe(envExample());
  });
});

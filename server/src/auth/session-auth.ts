import { randomBytes } from 'node:crypto';
import { VarselError, can, type Permission, type SessionUser } from '@varsel/shared';
import type { SessionStore, UserStore } from '../store/user-store.js';
import { sha256 } from '../store/device-store.js';
import { dummyHash, verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'varsel_sid';
/** 15 minutes: the window in which LOGIN_MAX_ATTEMPTS failed logins lock a username out. */
const FAILURE_WINDOW_S = 15 * 60;

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Logins, sessions and permission checks for the console (HTTP and the console socket). */
export class SessionAuth {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly opts: { ttlHours: number; maxAttempts: number; secureCookies: boolean },
  ) {}

  /** Checks the password; on success returns the session user and a new cookie value. */
  async login(username: string, password: string): Promise<{ user: SessionUser; token: string }> {
    const name = username.trim().toLowerCase();
    if ((await this.users.loginFailures(name)) >= this.opts.maxAttempts) throw new VarselError('RATE_LIMITED');
    const stored = await this.users.get(name);
    const ok = await verifyPassword(stored?.passwordHash ?? (await dummyHash()), password);
    if (!stored || !ok) {
      await this.users.noteLoginFailure(name, FAILURE_WINDOW_S);
      throw new VarselError('BAD_CREDENTIALS');
    }
    await this.users.clearLoginFailures(name);
    const user: SessionUser = { username: stored.username, role: stored.role, displayName: stored.displayName };
    const token = randomBytes(32).toString('base64url');
    await this.sessions.create(sha256(token), user, this.opts.ttlHours * 3600);
    return { user, token };
  }

  async logout(token: string): Promise<void> {
    await this.sessions.delete(sha256(token));
  }

  /** The session behind a Cookie header, or undefined. */
  async fromCookieHeader(header: string | undefined): Promise<{ user: SessionUser; token: string } | undefined> {
    const token = readCookie(header, SESSION_COOKIE);
    if (!token || token.length > 100) return undefined;
    const user = await this.sessions.get(sha256(token));
    return user ? { user, token } : undefined;
  }

  /** The Set-Cookie value for a new session (or, with token '', for clearing it). */
  cookie(token: string): string {
    const maxAge = token === '' ? 0 : this.opts.ttlHours * 3600;
    return [
      `${SESSION_COOKIE}=${encodeURIComponent(token)}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAge}`,
      ...(this.opts.secureCookies ? ['Secure'] : []),
    ].join('; ');
  }
}

/** Throws FORBIDDEN unless the user's role holds the permission. */
export function assertCan(user: SessionUser, permission: Permission): void {
  if (!can(user.role, permission)) throw new VarselError('FORBIDDEN', undefined, { permission });
}

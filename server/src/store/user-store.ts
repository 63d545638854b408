import type { Role, SessionUser, User } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';
import { throwOnMultiError } from './alert-store.js';

export interface StoredUser extends User {
  passwordHash: string;
}

/** Console accounts. Passwords arrive here already hashed (auth/passwords.ts). */
export class UserStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Creates the user unless the name is taken; false when it is. */
  async create(u: StoredUser): Promise<boolean> {
    const created = await this.redis.hsetnx(this.keys.user(u.username), 'username', u.username);
    if (created === 0) return false;
    await this.redis
      .multi()
      .hset(this.keys.user(u.username), {
        displayName: u.displayName,
        role: u.role,
        passwordHash: u.passwordHash,
        createdAt: u.createdAt,
      })
      .sadd(this.keys.users, u.username)
      .exec()
      .then(throwOnMultiError);
    return true;
  }

  async get(username: string): Promise<StoredUser | undefined> {
    const h = await this.redis.hgetall(this.keys.user(username));
    if (!h.username || !h.passwordHash) return undefined;
    return {
      username: h.username,
      displayName: h.displayName ?? h.username,
      role: h.role as Role,
      passwordHash: h.passwordHash,
      createdAt: h.createdAt ?? '',
    };
  }

  async count(): Promise<number> {
    return this.redis.scard(this.keys.users);
  }

  async list(): Promise<User[]> {
    const names = (await this.redis.smembers(this.keys.users)).sort();
    const users = await Promise.all(names.map((n) => this.get(n)));
    return users.flatMap((u) => (u ? [{ username: u.username, displayName: u.displayName, role: u.role, createdAt: u.createdAt }] : []));
  }

  /** Counts a failed login; returns the failures in the current window. */
  async noteLoginFailure(username: string, windowSeconds: number): Promise<number> {
    const key = this.keys.loginFailures(username);
    const res = throwOnMultiError(await this.redis.multi().incr(key).expire(key, windowSeconds, 'NX').exec());
    return res[0] as number;
  }

  async loginFailures(username: string): Promise<number> {
    return Number((await this.redis.get(this.keys.loginFailures(username))) ?? 0);
  }

  async clearLoginFailures(username: string): Promise<void> {
    await this.redis.del(this.keys.loginFailures(username));
  }
}

/** Console sessions, keyed by the SHA-256 of the cookie value, expiring on their own. */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async create(tokenHash: string, user: SessionUser, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.session(tokenHash), JSON.stringify(user), 'EX', ttlSeconds);
  }

  async get(tokenHash: string): Promise<SessionUser | undefined> {
    const json = await this.redis.get(this.keys.session(tokenHash));
    return json ? (JSON.parse(json) as SessionUser) : undefined;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.redis.del(this.keys.session(tokenHash));
  }
}

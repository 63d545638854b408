import { randomBytes } from 'node:crypto';
import type { UserStore } from '../store/user-store.js';
import { hashPassword } from './passwords.js';

export const FIRST_ADMIN = 'admin';

/**
 * On the very first start (no accounts at all) creates the admin account, with
 * VARSEL_ADMIN_PASSWORD or a generated password that the caller prints once. Several processes
 * starting at once are safe: only one creation wins.
 */
export async function bootstrapAdmin(
  users: UserStore,
  configured: string | undefined,
): Promise<{ username: string; generatedPassword?: string } | undefined> {
  if ((await users.count()) > 0) return undefined;
  const password = configured ?? randomBytes(18).toString('base64url');
  const created = await users.create({
    username: FIRST_ADMIN,
    displayName: 'Administrator',
    role: 'admin',
    passwordHash: await hashPassword(password),
    createdAt: new Date().toISOString(),
  });
  if (!created) return undefined;
  return configured ? { username: FIRST_ADMIN } : { username: FIRST_ADMIN, generatedPassword: password };
}

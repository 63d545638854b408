import { z } from 'zod';

/** Console roles. Every HTTP endpoint and console socket event names the roles it admits. */
export const RoleSchema = z
  .enum(['admin', 'duty_officer', 'manager', 'auditor'])
  .describe('admin: users, enrollment, devices; duty_officer: sends alerts; manager: follows acknowledgement; auditor: reads');
export type Role = z.infer<typeof RoleSchema>;
export const ROLES = RoleSchema.options;

/** Who may do what. One table, read by the HTTP routes and the console gateway. */
export const PERMISSIONS = {
  'alert:send': ['admin', 'duty_officer'],
  'alert:read': ['admin', 'duty_officer', 'manager', 'auditor'],
  'audience:preview': ['admin', 'duty_officer'],
  'enrollment:manage': ['admin'],
  'device:read': ['admin', 'manager', 'auditor'],
  'device:revoke': ['admin'],
  'user:manage': ['admin'],
  'directory:read': ['admin', 'duty_officer', 'manager', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

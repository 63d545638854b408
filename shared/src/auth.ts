import { z } from 'zod';
import { RoleSchema } from './roles.js';
import { UsernameSchema } from './ids.js';

/** POST /api/session */
export const LoginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }).strict();
export type Login = z.infer<typeof LoginSchema>;

export const SessionUserSchema = z.object({ username: UsernameSchema, role: RoleSchema, displayName: z.string() });
export type SessionUser = z.infer<typeof SessionUserSchema>;

/** POST /api/users (admin) */
export const UserInputSchema = z
  .object({
    username: UsernameSchema,
    displayName: z.string().trim().min(1).max(200).optional(),
    password: z.string().min(12, 'at least 12 characters').max(256),
    role: RoleSchema,
  })
  .strict();
export type UserInput = z.infer<typeof UserInputSchema>;

export const UserSchema = SessionUserSchema.extend({ createdAt: z.iso.datetime() });
export type User = z.infer<typeof UserSchema>;

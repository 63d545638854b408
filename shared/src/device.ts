import { z } from 'zod';
import { LocationIdSchema, OrgUnitIdSchema, UuidSchema } from './ids.js';

export const PlatformSchema = z.enum(['windows', 'macos', 'linux', 'android', 'ios', 'ipados', 'web']);
export type Platform = z.infer<typeof PlatformSchema>;

/** POST /api/enrollment-tokens (admin). Defaults: one day, 1,000 devices. */
export const EnrollmentTokenInputSchema = z
  .object({
    label: z.string().trim().min(1).max(200).default('enrollment'),
    orgUnit: OrgUnitIdSchema.optional().describe('devices enrolled with this token default to this org unit'),
    location: LocationIdSchema.optional(),
    maxUses: z.number().int().min(1).max(100_000).default(1000),
    expiresInHours: z.number().int().min(1).max(24 * 90).default(24),
  })
  .strict();
export type EnrollmentTokenInput = z.input<typeof EnrollmentTokenInputSchema>;

export const EnrollmentTokenSchema = z.object({
  id: UuidSchema,
  label: z.string(),
  orgUnit: OrgUnitIdSchema.optional(),
  location: LocationIdSchema.optional(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  expiresAt: z.iso.datetime(),
});
export type EnrollmentToken = z.infer<typeof EnrollmentTokenSchema>;
/** The token secret is returned once, at creation. */
export const CreatedEnrollmentTokenSchema = EnrollmentTokenSchema.extend({ token: z.string() });
export type CreatedEnrollmentToken = z.infer<typeof CreatedEnrollmentTokenSchema>;

/** POST /api/devices/enroll (no session; the enrollment token authorizes). */
export const EnrollRequestSchema = z
  .object({
    token: z.string().min(10).max(200),
    platform: PlatformSchema,
    hostname: z.string().trim().min(1).max(253),
    orgUnit: OrgUnitIdSchema.optional().describe("defaults to the token's org unit; one of the two is required"),
    location: LocationIdSchema.optional(),
    agentVersion: z.string().max(40).optional(),
  })
  .strict();
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

/** POST /api/devices/enroll-bulk (admin): many devices with one token, e.g. from an MDM export or a benchmark. */
export const BulkEnrollRequestSchema = z
  .object({
    token: z.string().min(10).max(200),
    devices: z
      .array(EnrollRequestSchema.omit({ token: true }))
      .min(1)
      .max(1000)
      .describe('at most 1,000 devices a call'),
  })
  .strict();
export type BulkEnrollRequest = z.infer<typeof BulkEnrollRequestSchema>;

export const EnrollResponseSchema = z.object({
  deviceId: UuidSchema,
  /** Shown once; the server keeps only its SHA-256. */
  deviceSecret: z.string(),
  orgUnit: OrgUnitIdSchema,
  location: LocationIdSchema.optional(),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

export const DeviceSchema = z.object({
  id: UuidSchema,
  platform: PlatformSchema,
  hostname: z.string(),
  orgUnit: OrgUnitIdSchema,
  location: LocationIdSchema.optional(),
  agentVersion: z.string().optional(),
  enrolledAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
});
export type Device = z.infer<typeof DeviceSchema>;

import { z } from 'zod';
import { LocationIdSchema, OrgUnitIdSchema } from './ids.js';

export const OrgUnitSchema = z.object({
  id: OrgUnitIdSchema,
  name: z.string().min(1).max(200),
  parent: OrgUnitIdSchema.optional(),
});
export type OrgUnit = z.infer<typeof OrgUnitSchema>;

export const LocationSchema = z.object({
  id: LocationIdSchema,
  name: z.string().min(1).max(200),
  address: z.string().max(200),
  administration: z.string().max(20),
});
export type Location = z.infer<typeof LocationSchema>;

/** POST /api/audience/preview: how many devices an audience reaches right now. */
export const AudiencePreviewSchema = z.object({ devices: z.number().int().nonnegative(), units: z.array(OrgUnitIdSchema) });
export type AudiencePreview = z.infer<typeof AudiencePreviewSchema>;

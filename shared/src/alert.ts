import { z } from 'zod';
import { OrgUnitIdSchema, UuidSchema } from './ids.js';

export const AlertKindSchema = z.enum(['siren', 'notice']).describe('siren: loud, full screen, must be acknowledged; notice: quiet, informative');
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const AlertStatusSchema = z.enum(['actual', 'exercise']).describe('CAP 1.2 status: exercise is a drill and is shown as one');
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

export const SeveritySchema = z.enum(['extreme', 'severe', 'moderate', 'minor']).describe('CAP 1.2 severity');
export type Severity = z.infer<typeof SeveritySchema>;

export const LocalizedTextSchema = z
  .object({
    title: z.string().trim().min(1).max(120),
    body: z.string().trim().min(1).max(2000),
  })
  .strict();
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

export const AlertContentSchema = z
  .object({
    da: LocalizedTextSchema.describe('Danish text, always present'),
    en: LocalizedTextSchema.optional().describe('English text, optional'),
  })
  .strict();
export type AlertContent = z.infer<typeof AlertContentSchema>;

/** Who an alert is for: everyone, or some org units (each with all units below it). */
export const AudienceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }).strict(),
  z
    .object({
      type: z.literal('units'),
      units: z.array(OrgUnitIdSchema).min(1).max(200),
    })
    .strict(),
]);
export type Audience = z.infer<typeof AudienceSchema>;

export const SIREN_CONFIRMATION = 'SIRENE';

/** What a duty officer (console or API) submits: POST /api/alerts. */
export const AlertInputSchema = z
  .object({
    kind: AlertKindSchema,
    status: AlertStatusSchema.default('actual'),
    severity: SeveritySchema.optional().describe('defaults to extreme for sirens, moderate for notices'),
    content: AlertContentSchema,
    audience: AudienceSchema,
    link: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional()
      .describe('link to an IT guide'),
    confirm: z
      .string()
      .optional()
      .describe(`a siren must carry confirm: "${SIREN_CONFIRMATION}", so that none is sent by accident`),
  })
  .strict();
export type AlertInput = z.input<typeof AlertInputSchema>;
export type AlertInputParsed = z.output<typeof AlertInputSchema>;

/** An alert as stored and returned. `seq` is strictly increasing across all alerts. */
export const AlertSchema = z.object({
  id: UuidSchema,
  seq: z.number().int().positive(),
  kind: AlertKindSchema,
  status: AlertStatusSchema,
  severity: SeveritySchema,
  content: AlertContentSchema,
  audience: AudienceSchema,
  link: z.string().optional(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  expiresAt: z.iso.datetime(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** Live acknowledgement figures of one alert. Each count is of devices, never of messages. */
export const AlertCountsSchema = z.object({
  targeted: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  displayed: z.number().int().nonnegative(),
  acknowledged: z.number().int().nonnegative(),
});
export type AlertCounts = z.infer<typeof AlertCountsSchema>;

export const FanoutStateSchema = z.enum(['queued', 'done']);

/** GET /api/alerts/:id */
export const AlertViewSchema = AlertSchema.extend({
  fanout: z.object({ state: FanoutStateSchema, doneAt: z.iso.datetime().optional() }),
  counts: AlertCountsSchema,
});
export type AlertView = z.infer<typeof AlertViewSchema>;

/** What an agent receives: the alert without server-side bookkeeping. */
export const AgentAlertSchema = AlertSchema.omit({ audience: true, createdBy: true });
export type AgentAlert = z.infer<typeof AgentAlertSchema>;

/** Per-device delivery states, in order; a device's state for an alert never goes backwards. */
export const DELIVERY_STATES = ['pending', 'sent', 'delivered', 'displayed', 'acknowledged'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
/** The states an agent reports. */
export const ReportedStateSchema = z.enum(['delivered', 'displayed', 'acknowledged']);
export type ReportedState = z.infer<typeof ReportedStateSchema>;

/** Default lifetime per kind, in minutes, when the input names none. */
export const DEFAULT_EXPIRY_MINUTES: Record<AlertKind, number> = { siren: 4 * 60, notice: 24 * 60 };

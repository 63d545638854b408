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

/**
 * CAP 1.2 msgType. An `update` replaces the text of the alert it references (an all-clear is an
 * update with `allClear: true`, which ends the alert); a `cancel` withdraws it (a false alarm).
 */
export const MsgTypeSchema = z.enum(['alert', 'update', 'cancel']);
export type MsgType = z.infer<typeof MsgTypeSchema>;

/** Lifetime bounds in minutes: at least 1 minute, at most 7 days. */
const ExpiresInMinutesSchema = z.number().int().min(1).max(7 * 24 * 60);
/** Repeat interval of an unacknowledged siren, in minutes. */
export const DEFAULT_REPEAT_MINUTES = 2;

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
    expiresInMinutes: ExpiresInMinutesSchema.optional().describe('lifetime; defaults to 4 hours for sirens, 24 hours for notices'),
    repeatMinutes: z
      .number()
      .int()
      .min(1)
      .max(60)
      .optional()
      .describe(`a siren sounds again this often until acknowledged, cancelled or expired (default ${DEFAULT_REPEAT_MINUTES}); notices never repeat`),
  })
  .strict();
export type AlertInput = z.input<typeof AlertInputSchema>;

/** POST /api/alerts/:id/updates — new text for an alert; `allClear` ends it (afblæsning). */
export const UpdateInputSchema = z
  .object({
    content: AlertContentSchema,
    severity: SeveritySchema.optional(),
    link: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    allClear: z.boolean().default(false),
    expiresInMinutes: ExpiresInMinutesSchema.optional().describe('new lifetime of the alert, from now; default: unchanged'),
  })
  .strict();
export type UpdateInput = z.input<typeof UpdateInputSchema>;

/** POST /api/alerts/:id/cancel — withdraw an alert (a false alarm); the text is optional. */
export const CancelInputSchema = z
  .object({ content: AlertContentSchema.optional() })
  .strict();
export type CancelInput = z.input<typeof CancelInputSchema>;
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
  msgType: MsgTypeSchema.default('alert'),
  /** For an update or cancel: the id of the original alert of the thread. */
  references: UuidSchema.optional(),
  /** An update that ends the alert: the danger is over. */
  allClear: z.boolean().optional(),
  /** Sirens: minutes between repeats until acknowledged. */
  repeatMinutes: z.number().int().positive().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** Where a thread (an original alert with its updates and cancellation) stands. */
export const ThreadStatusSchema = z.enum(['active', 'cancelled', 'allclear', 'expired']);
export type ThreadStatus = z.infer<typeof ThreadStatusSchema>;

/** Live acknowledgement figures of one alert. Each count is of devices, never of messages. */
export const AlertCountsSchema = z.object({
  targeted: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  displayed: z.number().int().nonnegative(),
  acknowledged: z.number().int().nonnegative(),
  /** Devices that had not acknowledged when the alert expired or was cancelled. */
  expired: z.number().int().nonnegative().default(0),
  cancelled: z.number().int().nonnegative().default(0),
});
export type AlertCounts = z.infer<typeof AlertCountsSchema>;

export const FanoutStateSchema = z.enum(['queued', 'done']);

/** GET /api/alerts/:id */
export const AlertViewSchema = AlertSchema.extend({
  fanout: z.object({
    state: FanoutStateSchema,
    /** When the message left for the agents (one broadcast to every edge). */
    broadcastAt: z.iso.datetime().optional(),
    /** When the fan-out finished: broadcast, and the audience fixed (shortly after the broadcast). */
    doneAt: z.iso.datetime().optional(),
  }),
  counts: AlertCountsSchema,
  /** Of the thread this alert starts (for an update or cancel: of the referenced alert). */
  threadStatus: ThreadStatusSchema,
  /** For an original alert: its updates and cancellation, oldest first. */
  thread: z.array(AlertSchema),
});
export type AlertView = z.infer<typeof AlertViewSchema>;

/** What an agent receives: the alert without server-side bookkeeping. */
export const AgentAlertSchema = AlertSchema.omit({ audience: true, createdBy: true });
export type AgentAlert = z.infer<typeof AgentAlertSchema>;

/**
 * Per-device delivery states, by rank. A device's state for an alert only moves to a higher rank
 * of the progress states, or from a non-final one to a final one (acknowledged, expired,
 * cancelled, failed); a final state never changes.
 */
export const DELIVERY_STATES = ['pending', 'sent', 'delivered', 'displayed', 'acknowledged', 'expired', 'cancelled', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export const DeliveryStateSchema = z.enum(DELIVERY_STATES);
export const FINAL_STATES: readonly DeliveryState[] = ['acknowledged', 'expired', 'cancelled', 'failed'];
/** The states an agent reports. */
export const ReportedStateSchema = z.enum(['delivered', 'displayed', 'acknowledged']);
export type ReportedState = z.infer<typeof ReportedStateSchema>;

/** GET /api/alerts/:id/devices — one device's state for an alert, with when it reached each state. */
export const DeviceDeliverySchema = z.object({
  deviceId: UuidSchema,
  state: DeliveryStateSchema,
  at: z.partialRecord(DeliveryStateSchema, z.iso.datetime()),
});
export type DeviceDelivery = z.infer<typeof DeviceDeliverySchema>;

/** Default lifetime per kind, in minutes, when the input names none. */
export const DEFAULT_EXPIRY_MINUTES: Record<AlertKind, number> = { siren: 4 * 60, notice: 24 * 60 };

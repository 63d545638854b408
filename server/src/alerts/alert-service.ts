import {
  AlertInputSchema,
  CancelInputSchema,
  SIREN_CONFIRMATION,
  UpdateInputSchema,
  VarselError,
  type Alert,
  type AlertContent,
  type Audience,
  type AudiencePreview,
  type AlertView,
  type SessionUser,
} from '@varsel/shared';
import type { AlertStore } from '../store/alert-store.js';
import type { AuditStore } from '../store/audit-store.js';
import type { DeviceStore } from '../store/device-store.js';
import type { Directory } from '../directory/directory.js';
import type { FanoutQueue } from '../fanout/fanout-queue.js';
import type { LifecycleQueue } from '../fanout/lifecycle-queue.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseInput } from '../http/validate.js';

export interface AlertServiceDeps {
  alerts: AlertStore;
  devices: DeviceStore;
  directory: Directory;
  audit: AuditStore;
  fanout: FanoutQueue;
  lifecycle: LifecycleQueue;
  broadcaster: Broadcaster;
  metrics: Metrics;
}

/** The text of a cancellation when the officer gives none. */
const DEFAULT_CANCEL_TEXT: AlertContent = {
  da: { title: 'Annulleret', body: 'Varslingen er annulleret. Der er ingen fare.' },
  en: { title: 'Cancelled', body: 'The alert has been cancelled. There is no danger.' },
};

/** Submitting alerts and their updates: validate, store (system of record), audit, enqueue. */
export class AlertService {
  constructor(private readonly d: AlertServiceDeps) {}

  /**
   * Accepts an alert. When this resolves the alert is stored in Redis and its fan-out and expiry
   * jobs are queued, so a 2xx built on it is never lost; a failure before that answers an error.
   */
  async submit(raw: unknown, actor: SessionUser): Promise<AlertView> {
    const input = parseInput(AlertInputSchema, raw);
    if (input.kind === 'siren' && input.confirm !== SIREN_CONFIRMATION) throw new VarselError('SIREN_NOT_CONFIRMED');
    const units = await this.d.directory.resolveAudience(input.audience);
    const alert = await this.d.alerts.create(input, actor.username, units);
    return this.accepted(alert, actor, 'alert.submit', { seq: alert.seq, kind: alert.kind, status: alert.status, audience: alert.audience });
  }

  /** A new text for an alert; with allClear the alert ends (the siren stops). */
  async update(originalId: string, raw: unknown, actor: SessionUser): Promise<AlertView> {
    const input = parseInput(UpdateInputSchema, raw);
    const { original, units } = await this.original(originalId);
    const msg = await this.d.alerts.addMessage(
      original,
      units,
      {
        msgType: 'update',
        content: input.content,
        severity: input.severity,
        link: input.link,
        allClear: input.allClear,
        expiresAtMs: input.expiresInMinutes === undefined ? undefined : Date.now() + input.expiresInMinutes * 60_000,
      },
      actor.username,
    );
    if (!msg) throw new VarselError('ALERT_CLOSED');
    return this.accepted(msg, actor, input.allClear ? 'alert.all-clear' : 'alert.update', { references: original.id, seq: msg.seq });
  }

  /** Withdraws an alert at once (a false alarm): agents stop the siren and show the cancellation. */
  async cancel(originalId: string, raw: unknown, actor: SessionUser): Promise<AlertView> {
    const input = parseInput(CancelInputSchema, raw ?? {});
    const { original, units } = await this.original(originalId);
    const msg = await this.d.alerts.addMessage(original, units, { msgType: 'cancel', content: input.content ?? DEFAULT_CANCEL_TEXT }, actor.username);
    if (!msg) throw new VarselError('ALERT_CLOSED');
    return this.accepted(msg, actor, 'alert.cancel', { references: original.id, seq: msg.seq });
  }

  private async original(id: string): Promise<{ original: Alert; units: string[] | 'all' }> {
    const original = await this.d.alerts.get(id);
    if (!original) throw new VarselError('ALERT_NOT_FOUND');
    if (original.msgType !== 'alert') throw new VarselError('NOT_AN_ORIGINAL', undefined, { original: original.references });
    const state = await this.d.alerts.threadState(id);
    if (state.status !== 'active') throw new VarselError('ALERT_CLOSED', undefined, { status: state.status });
    return { original, units: (await this.d.alerts.units(id)) ?? 'all' };
  }

  /**
   * After the message is stored: its fan-out job first (the siren's path starts here), then the
   * expiry job, the audit record and the view at once — each is a Redis write with its own fsync,
   * so doing them together saves their round trips from the answer's latency.
   */
  private async accepted(msg: Alert, actor: SessionUser, action: string, details: unknown): Promise<AlertView> {
    await this.d.fanout.enqueue(msg.id);
    const [, , view] = await Promise.all([
      this.d.lifecycle.scheduleExpiry(msg.references ?? msg.id, Date.parse(msg.expiresAt)),
      this.d.audit.append({ actor: actor.username, action, target: msg.id, details }),
      this.get(msg.id),
    ]);
    // Counted here: from now on the message is stored and queued, so it will be fanned out.
    this.d.metrics.alertAccepted(msg.kind, msg.msgType);
    this.d.broadcaster.alertToConsoles(view);
    return view;
  }

  async preview(audience: Audience): Promise<AudiencePreview> {
    const units = await this.d.directory.resolveAudience(audience);
    const devices = await this.d.devices.countAudience(units);
    return { devices, units: units === 'all' ? [] : units };
  }

  async get(id: string): Promise<AlertView> {
    const view = await this.d.alerts.view(id);
    if (!view) throw new VarselError('ALERT_NOT_FOUND');
    return view;
  }

  async list(limit: number): Promise<AlertView[]> {
    return this.d.alerts.list(limit);
  }
}

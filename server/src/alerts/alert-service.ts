import {
  AlertInputSchema,
  SIREN_CONFIRMATION,
  VarselError,
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
import type { Broadcaster } from '../realtime/broadcaster.js';
import { parseInput } from '../http/validate.js';

export interface AlertServiceDeps {
  alerts: AlertStore;
  devices: DeviceStore;
  directory: Directory;
  audit: AuditStore;
  fanout: FanoutQueue;
  broadcaster: Broadcaster;
}

/** Submitting alerts: validate, store (system of record), audit, enqueue one fan-out job. */
export class AlertService {
  constructor(private readonly d: AlertServiceDeps) {}

  /**
   * Accepts an alert. When this resolves the alert is stored in Redis and its fan-out job is
   * queued, so a 2xx built on it is never lost; any failure before that stores nothing visible
   * to agents and the caller answers an error.
   */
  async submit(raw: unknown, actor: SessionUser): Promise<AlertView> {
    const input = parseInput(AlertInputSchema, raw);
    if (input.kind === 'siren' && input.confirm !== SIREN_CONFIRMATION) throw new VarselError('SIREN_NOT_CONFIRMED');
    await this.d.directory.resolveAudience(input.audience);
    const alert = await this.d.alerts.create(input, actor.username);
    await this.d.fanout.enqueue(alert.id);
    await this.d.audit.append({
      actor: actor.username,
      action: 'alert.submit',
      target: alert.id,
      details: { seq: alert.seq, kind: alert.kind, status: alert.status, audience: alert.audience },
    });
    const view: AlertView = { ...alert, fanout: { state: 'queued' }, counts: { targeted: 0, delivered: 0, displayed: 0, acknowledged: 0 } };
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

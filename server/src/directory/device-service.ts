import {
  VarselError,
  type BulkEnrollRequest,
  type CreatedEnrollmentToken,
  type Device,
  type EnrollRequest,
  type EnrollResponse,
  type EnrollmentToken,
  type EnrollmentTokenInput,
  type SessionUser,
} from '@varsel/shared';
import type { DeviceStore } from '../store/device-store.js';
import type { AuditStore } from '../store/audit-store.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Directory } from './directory.js';

/** Enrollment tokens, enrollment, the device list and revocation. */
export class DeviceService {
  constructor(
    private readonly d: { devices: DeviceStore; directory: Directory; audit: AuditStore; broadcaster: Broadcaster },
  ) {}

  async createEnrollmentToken(input: EnrollmentTokenInput, actor: SessionUser): Promise<CreatedEnrollmentToken> {
    if (input.orgUnit) await this.d.directory.assertOrgUnit(input.orgUnit);
    if (input.location) await this.d.directory.assertLocation(input.location);
    const token = await this.d.devices.createEnrollmentToken(input, actor.username);
    await this.d.audit.append({ actor: actor.username, action: 'enrollment-token.create', target: token.id, details: { label: token.label, maxUses: token.maxUses } });
    return token;
  }

  listEnrollmentTokens(): Promise<EnrollmentToken[]> {
    return this.d.devices.listEnrollmentTokens();
  }

  /** Validates everything before a use of the token is spent, so bad input changes nothing. */
  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    if (req.orgUnit) await this.d.directory.assertOrgUnit(req.orgUnit);
    if (req.location) await this.d.directory.assertLocation(req.location);
    const token = await this.d.devices.consumeEnrollmentToken(req.token, req.orgUnit !== undefined);
    if (token === 'invalid') throw new VarselError('ENROLLMENT_TOKEN_INVALID');
    const orgUnit = token === 'no-org-unit' ? undefined : (req.orgUnit ?? token.orgUnit);
    if (token === 'no-org-unit' || !orgUnit) {
      throw new VarselError('VALIDATION_FAILED', 'orgUnit: the token names no org unit, so the device must', [
        { path: 'orgUnit', code: 'invalid_type', message: 'required' },
      ]);
    }
    const location = req.location ?? token.location;
    const { device, secret } = await this.d.devices.enroll({ platform: req.platform, hostname: req.hostname, orgUnit, location, agentVersion: req.agentVersion });
    await this.d.audit.append({ actor: `enrollment-token:${token.id}`, action: 'device.enroll', target: device.id, details: { hostname: device.hostname, orgUnit } });
    return { deviceId: device.id, deviceSecret: secret, orgUnit, ...(location ? { location } : {}) };
  }

  /**
   * Enrolls up to 1,000 devices with one token (an admin's bulk path, e.g. from an MDM export):
   * everything is validated first, then one use per device is taken, all or none.
   */
  async enrollBulk(req: BulkEnrollRequest, actor: SessionUser): Promise<EnrollResponse[]> {
    for (const unit of new Set(req.devices.flatMap((d) => (d.orgUnit ? [d.orgUnit] : [])))) await this.d.directory.assertOrgUnit(unit);
    for (const loc of new Set(req.devices.flatMap((d) => (d.location ? [d.location] : [])))) await this.d.directory.assertLocation(loc);
    const allNameUnit = req.devices.every((d) => d.orgUnit !== undefined);
    const token = await this.d.devices.consumeEnrollmentToken(req.token, allNameUnit, req.devices.length);
    if (token === 'invalid') throw new VarselError('ENROLLMENT_TOKEN_INVALID', 'The enrollment token is unknown, expired, or has fewer uses left than devices.');
    if (token === 'no-org-unit') {
      throw new VarselError('VALIDATION_FAILED', 'devices: the token names no org unit, so every device must', [
        { path: 'devices', code: 'invalid_type', message: 'orgUnit required' },
      ]);
    }
    const enrolled = await this.d.devices.enrollMany(
      req.devices.map((d) => ({
        platform: d.platform,
        hostname: d.hostname,
        orgUnit: (d.orgUnit ?? token.orgUnit)!,
        location: d.location ?? token.location,
        agentVersion: d.agentVersion,
      })),
    );
    await this.d.audit.append({ actor: actor.username, action: 'device.enroll-bulk', target: token.id, details: { devices: enrolled.length } });
    return enrolled.map(({ device, secret }) => ({
      deviceId: device.id,
      deviceSecret: secret,
      orgUnit: device.orgUnit,
      ...(device.location ? { location: device.location } : {}),
    }));
  }

  list(): Promise<Device[]> {
    return this.d.devices.list();
  }

  async revoke(id: string, actor: SessionUser): Promise<void> {
    if (!(await this.d.devices.revoke(id))) throw new VarselError('DEVICE_NOT_FOUND');
    this.d.broadcaster.disconnectDevice(id);
    await this.d.audit.append({ actor: actor.username, action: 'device.revoke', target: id });
  }
}

import { DELIVERY_STATES } from '@varsel/shared';
import type { DeliveryState, Device, DeviceDelivery } from '@varsel/shared';

/**
 * Every state but `acknowledged`. The brief's list is of devices still waiting (pending … displayed),
 * but once a thread is cancelled or expired those devices move to `cancelled` / `expired`: asking
 * for those too keeps the list of who never acknowledged after the alert has ended, which is when
 * a manager follows up. While the thread is active the final states hold only `failed` devices.
 */
export const NOT_ACKNOWLEDGED_STATES: readonly DeliveryState[] = DELIVERY_STATES.filter((s) => s !== 'acknowledged');

/** 500 rows: enough to follow up a unit, few enough for a page that stays responsive at 50,000 devices. */
export const UNACKED_MAX_ROWS = 500;

export interface UnackedRow {
  deviceId: string;
  /** From GET /api/devices, for roles that may read devices; absent otherwise. */
  hostname: string | undefined;
  state: DeliveryState;
  /** When the device reached its current state; absent for a device never reached (pending). */
  at: string | undefined;
}

const RANK = new Map<DeliveryState, number>(DELIVERY_STATES.map((s, i) => [s, i]));

/** When a device reached the state it is in, or the latest time it has when that one is missing. */
export function stateTime(delivery: DeviceDelivery): string | undefined {
  const own = delivery.at[delivery.state];
  if (own) return own;
  const times = Object.values(delivery.at).filter((v): v is string => typeof v === 'string');
  return times.sort().at(-1);
}

/** Host names by device id. */
export function hostnameIndex(devices: readonly Pick<Device, 'id' | 'hostname'>[]): Map<string, string> {
  return new Map(devices.map((d) => [d.id, d.hostname]));
}

/**
 * The rows to show: acknowledged devices left out (a report may have overtaken the list), the
 * least reached first (pending before delivered: those are the ones to call), then by name.
 */
export function unackedRows(list: readonly DeviceDelivery[], hostnames: ReadonlyMap<string, string>, max = UNACKED_MAX_ROWS): UnackedRow[] {
  return list
    .filter((d) => d.state !== 'acknowledged')
    .map((d) => ({ deviceId: d.deviceId, hostname: hostnames.get(d.deviceId), state: d.state, at: stateTime(d) }))
    .sort((a, b) => (RANK.get(a.state) ?? 0) - (RANK.get(b.state) ?? 0) || (a.hostname ?? a.deviceId).localeCompare(b.hostname ?? b.deviceId, 'da'))
    .slice(0, max);
}

import type { DeviceDelivery } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { hostnameIndex, NOT_ACKNOWLEDGED_STATES, stateTime, unackedRows } from './unacked.js';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (s: number): string => new Date(Date.UTC(2026, 10, 22, 14, 0, s)).toISOString();

describe('NOT_ACKNOWLEDGED_STATES', () => {
  it('is every delivery state except acknowledged, so the list outlives a cancellation or expiry', () => {
    expect(NOT_ACKNOWLEDGED_STATES).toEqual(['pending', 'sent', 'delivered', 'displayed', 'expired', 'cancelled', 'failed']);
  });
});

describe('stateTime', () => {
  it('is when the device reached its current state', () => {
    expect(stateTime({ deviceId: id(1), state: 'displayed', at: { delivered: at(1), displayed: at(2) } })).toBe(at(2));
  });

  it('falls back to the latest time known, and to nothing for a device never reached', () => {
    expect(stateTime({ deviceId: id(1), state: 'cancelled', at: { sent: at(1), delivered: at(3) } })).toBe(at(3));
    expect(stateTime({ deviceId: id(1), state: 'pending', at: {} })).toBeUndefined();
  });
});

describe('unackedRows', () => {
  const list: DeviceDelivery[] = [
    { deviceId: id(1), state: 'displayed', at: { displayed: at(5) } },
    { deviceId: id(2), state: 'pending', at: {} },
    { deviceId: id(3), state: 'acknowledged', at: { acknowledged: at(6) } },
    { deviceId: id(4), state: 'delivered', at: { delivered: at(4) } },
    { deviceId: id(5), state: 'pending', at: {} },
  ];
  const names = hostnameIndex([
    { id: id(1), hostname: 'pc-b' },
    { id: id(2), hostname: 'pc-z' },
    { id: id(5), hostname: 'pc-a' },
  ]);

  it('leaves out devices that acknowledged meanwhile and puts the least reached first, then by name', () => {
    const rows = unackedRows(list, names);
    expect(rows.map((r) => [r.hostname ?? r.deviceId, r.state])).toEqual([
      ['pc-a', 'pending'],
      ['pc-z', 'pending'],
      [id(4), 'delivered'],
      ['pc-b', 'displayed'],
    ]);
    expect(rows[3]).toEqual({ deviceId: id(1), hostname: 'pc-b', state: 'displayed', at: at(5) });
  });

  it('shows ids alone when host names are not known (a role without device:read)', () => {
    expect(unackedRows(list, new Map()).every((r) => r.hostname === undefined)).toBe(true);
  });

  it('keeps at most the given number of rows', () => {
    const many: DeviceDelivery[] = Array.from({ length: 700 }, (_, i) => ({ deviceId: id(i), state: 'pending', at: {} }));
    expect(unackedRows(many, new Map())).toHaveLength(500);
    expect(unackedRows(many, new Map(), 10)).toHaveLength(10);
  });
});

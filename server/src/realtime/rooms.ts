/** Every socket.io room name, built only here. */
export const rooms = {
  /** Every connected agent. */
  allAgents: 'agents',
  /** Agents whose own org unit is `unit`. */
  unit: (unit: string): string => `unit:${unit}`,
  /** The sockets of one device (to revoke or address it). */
  device: (deviceId: string): string => `device:${deviceId}`,
  /** Consoles watching one alert's counts. */
  alertWatchers: (alertId: string): string => `alert:${alertId}`,
  /** Consoles whose role may read alerts (for alert:created). */
  alertReaders: 'alert-readers',
} as const;

/** The agent rooms an audience resolves to. */
export function audienceRooms(units: readonly string[] | 'all'): string[] {
  return units === 'all' ? [rooms.allAgents] : units.map(rooms.unit);
}

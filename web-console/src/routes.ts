import { can } from '@varsel/shared';
import type { Permission, Role } from '@varsel/shared';
import type { MessageKey } from './i18n.js';

/** The console's pages. Routes live in the URL hash, so a reload keeps the page. */
export type Route =
  | { name: 'compose' }
  | { name: 'confirm' }
  | { name: 'alerts' }
  | { name: 'alert'; id: string }
  | { name: 'enrollment' }
  | { name: 'devices' };

export type RouteName = Route['name'];

export function parseRoute(hash: string): Route | undefined {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  const [first, second] = parts;
  if (first === 'compose') return second === 'confirm' ? { name: 'confirm' } : { name: 'compose' };
  if (first === 'alerts') return second ? { name: 'alert', id: decodeURIComponent(second) } : { name: 'alerts' };
  if (first === 'enrollment') return { name: 'enrollment' };
  if (first === 'devices') return { name: 'devices' };
  return undefined;
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'compose':
      return '#/compose';
    case 'confirm':
      return '#/compose/confirm';
    case 'alerts':
      return '#/alerts';
    case 'alert':
      return `#/alerts/${encodeURIComponent(route.id)}`;
    case 'enrollment':
      return '#/enrollment';
    case 'devices':
      return '#/devices';
  }
}

/** What a role must hold to open a page (PERMISSIONS in shared/src/roles.ts). */
export const ROUTE_PERMISSION: Record<RouteName, Permission> = {
  compose: 'alert:send',
  confirm: 'alert:send',
  alerts: 'alert:read',
  alert: 'alert:read',
  enrollment: 'enrollment:manage',
  devices: 'device:read',
};

export interface NavItem {
  route: Route;
  label: MessageKey;
  testId: string;
  /** Pages that highlight this item. */
  covers: readonly RouteName[];
}

export const NAV_ITEMS: readonly NavItem[] = [
  { route: { name: 'compose' }, label: 'nav.compose', testId: 'nav-compose', covers: ['compose', 'confirm'] },
  { route: { name: 'alerts' }, label: 'nav.alerts', testId: 'nav-alerts', covers: ['alerts', 'alert'] },
  { route: { name: 'enrollment' }, label: 'nav.enrollment', testId: 'nav-enrollment', covers: ['enrollment'] },
  { route: { name: 'devices' }, label: 'nav.devices', testId: 'nav-devices', covers: ['devices'] },
];

export function canOpen(role: Role, route: Route): boolean {
  return can(role, ROUTE_PERMISSION[route.name]);
}

/** The navigation a role sees: only pages it may open. */
export function navFor(role: Role): NavItem[] {
  return NAV_ITEMS.filter((item) => canOpen(role, item.route));
}

/** Where a role lands after login: composing for those who send, the alert list for the rest. */
export function homeRoute(role: Role): Route {
  return canOpen(role, { name: 'compose' }) ? { name: 'compose' } : { name: 'alerts' };
}

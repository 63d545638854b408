import { describe, expect, it } from 'vitest';
import { homeRoute, navFor, parseRoute, routeHash } from './routes.js';
import type { Route } from './routes.js';

describe('routes', () => {
  it('reads back every route it writes', () => {
    const routes: Route[] = [
      { name: 'compose' },
      { name: 'confirm' },
      { name: 'alerts' },
      { name: 'alert', id: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d' },
      { name: 'enrollment' },
      { name: 'devices' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });

  it('knows no route for an unknown hash', () => {
    expect(parseRoute('')).toBeUndefined();
    expect(parseRoute('#/nowhere')).toBeUndefined();
  });

  it('shows each role only the pages it may use', () => {
    const ids = (role: Parameters<typeof navFor>[0]): string[] => navFor(role).map((i) => i.testId);
    expect(ids('admin')).toEqual(['nav-compose', 'nav-alerts', 'nav-enrollment', 'nav-devices']);
    expect(ids('duty_officer')).toEqual(['nav-compose', 'nav-alerts']);
    expect(ids('manager')).toEqual(['nav-alerts', 'nav-devices']);
    expect(ids('auditor')).toEqual(['nav-alerts', 'nav-devices']);
  });

  it('lands those who send on the compose page and the others on the alert list', () => {
    expect(homeRoute('duty_officer')).toEqual({ name: 'compose' });
    expect(homeRoute('manager')).toEqual({ name: 'alerts' });
  });
});

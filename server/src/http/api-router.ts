import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  AudienceSchema,
  BulkEnrollRequestSchema,
  EnrollRequestSchema,
  EnrollmentTokenInputSchema,
  LoginSchema,
  UserInputSchema,
  DeliveryStateSchema,
  VarselError,
  type Permission,
  type SessionUser,
} from '@varsel/shared';
import type { AlertService } from '../alerts/alert-service.js';
import type { DeviceService } from '../directory/device-service.js';
import type { Directory } from '../directory/directory.js';
import { assertCan, type SessionAuth } from '../auth/session-auth.js';
import { hashPassword } from '../auth/passwords.js';
import type { UserStore } from '../store/user-store.js';
import type { AuditStore } from '../store/audit-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import { parseInput } from './validate.js';

export interface ApiDeps {
  auth: SessionAuth;
  alerts: AlertService;
  delivery: DeliveryStore;
  devices: DeviceService;
  directory: Directory;
  users: UserStore;
  audit: AuditStore;
}

type Handler = (req: Request, res: Response, user: SessionUser) => Promise<void>;

const LimitSchema = z.coerce.number().int().min(1).max(200).default(50);
const IdSchema = z.uuid();
const DeviceQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50_000).default(1000),
  state: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(DeliveryStateSchema).optional()),
});

function alertId(req: Request): string {
  const id = IdSchema.safeParse(req.params.id);
  if (!id.success) throw new VarselError('ALERT_NOT_FOUND');
  return id.data;
}

/** The JSON API under /api. Each route names the permission it needs (shared/src/roles.ts). */
export function apiRouter(d: ApiDeps): Router {
  const r = Router();

  /** Wraps a handler with session and permission checks; `null` means any logged-in user. */
  const authed = (permission: Permission | null, h: Handler): RequestHandler => async (req, res) => {
    const session = await d.auth.fromCookieHeader(req.headers.cookie);
    if (!session) throw new VarselError('UNAUTHENTICATED');
    if (permission) assertCan(session.user, permission);
    await h(req, res, session.user);
  };

  /**
   * For a read without side effects: the read starts together with the session check, so the
   * answer costs one Redis round trip instead of two (a console or monitor polling counts is
   * answered sooner by a busy edge). Its result, or its error, is used only once the session and
   * the permission are confirmed: an unauthenticated caller gets 401 whatever the read found.
   */
  const authedRead = (permission: Permission, read: (req: Request) => Promise<unknown>): RequestHandler => async (req, res, next) => {
    const result = Promise.resolve().then(() => read(req));
    result.catch(() => undefined);
    await authed(permission, async (_req, out) => void out.json(await result))(req, res, next);
  };

  r.post('/session', async (req, res) => {
    const { username, password } = parseInput(LoginSchema, req.body);
    const { user, token } = await d.auth.login(username, password);
    await d.audit.append({ actor: user.username, action: 'session.login' });
    res.setHeader('Set-Cookie', d.auth.cookie(token)).json(user);
  });
  r.get('/session', authed(null, (_req, res, user) => Promise.resolve(void res.json(user))));
  r.delete('/session', async (req, res) => {
    const session = await d.auth.fromCookieHeader(req.headers.cookie);
    if (session) await d.auth.logout(session.token);
    res.setHeader('Set-Cookie', d.auth.cookie('')).status(204).end();
  });

  r.get('/org-units', authed('directory:read', async (_req, res) => void res.json(await d.directory.orgUnits())));
  r.get('/locations', authed('directory:read', async (_req, res) => void res.json(await d.directory.locations())));

  r.post(
    '/audience/preview',
    authed('audience:preview', async (req, res) => {
      const { audience } = parseInput(z.object({ audience: AudienceSchema }).strict(), req.body);
      res.json(await d.alerts.preview(audience));
    }),
  );

  r.post('/alerts', authed('alert:send', async (req, res, user) => void res.status(201).json(await d.alerts.submit(req.body, user))));
  r.get('/alerts', authed('alert:read', async (req, res) => void res.json(await d.alerts.list(parseInput(LimitSchema, req.query.limit)))));
  r.get('/alerts/:id', authedRead('alert:read', (req) => d.alerts.get(alertId(req))));
  r.post('/alerts/:id/updates', authed('alert:send', async (req, res, user) => void res.status(201).json(await d.alerts.update(alertId(req), req.body, user))));
  r.post('/alerts/:id/cancel', authed('alert:send', async (req, res, user) => void res.status(201).json(await d.alerts.cancel(alertId(req), req.body, user))));
  r.get(
    '/alerts/:id/devices',
    authed('alert:read', async (req, res) => {
      const id = alertId(req);
      const q = parseInput(DeviceQuerySchema, req.query);
      await d.alerts.get(id);
      res.json(await d.delivery.devices(id, { limit: q.limit, ...(q.state ? { states: q.state } : {}) }));
    }),
  );

  r.post(
    '/enrollment-tokens',
    authed('enrollment:manage', async (req, res, user) => {
      const input = parseInput(EnrollmentTokenInputSchema, req.body);
      res.status(201).json(await d.devices.createEnrollmentToken(input, user));
    }),
  );
  r.get('/enrollment-tokens', authed('enrollment:manage', async (_req, res) => void res.json(await d.devices.listEnrollmentTokens())));

  r.post('/devices/enroll', async (req, res) => {
    res.status(201).json(await d.devices.enroll(parseInput(EnrollRequestSchema, req.body)));
  });
  r.post(
    '/devices/enroll-bulk',
    authed('enrollment:manage', async (req, res, user) => {
      res.status(201).json(await d.devices.enrollBulk(parseInput(BulkEnrollRequestSchema, req.body), user));
    }),
  );
  r.get('/devices', authed('device:read', async (_req, res) => void res.json(await d.devices.list())));
  r.delete(
    '/devices/:id',
    authed('device:revoke', async (req, res, user) => {
      const id = IdSchema.safeParse(req.params.id);
      if (!id.success) throw new VarselError('DEVICE_NOT_FOUND');
      await d.devices.revoke(id.data, user);
      res.status(204).end();
    }),
  );

  r.get('/users', authed('user:manage', async (_req, res) => void res.json(await d.users.list())));
  r.post(
    '/users',
    authed('user:manage', async (req, res, actor) => {
      const input = parseInput(UserInputSchema, req.body);
      const createdAt = new Date().toISOString();
      const displayName = input.displayName ?? input.username;
      const ok = await d.users.create({ username: input.username, displayName, role: input.role, passwordHash: await hashPassword(input.password), createdAt });
      if (!ok) throw new VarselError('USER_EXISTS');
      await d.audit.append({ actor: actor.username, action: 'user.create', target: input.username, details: { role: input.role } });
      res.status(201).json({ username: input.username, displayName, role: input.role, createdAt });
    }),
  );

  return r;
}

import { z } from 'zod';
import {
  AlertInputSchema,
  AlertViewSchema,
  AudiencePreviewSchema,
  AudienceSchema,
  BulkEnrollRequestSchema,
  CancelInputSchema,
  DeviceDeliverySchema,
  UpdateInputSchema,
  CreatedEnrollmentTokenSchema,
  DeviceSchema,
  ERRORS,
  EnrollRequestSchema,
  EnrollResponseSchema,
  EnrollmentTokenInputSchema,
  EnrollmentTokenSchema,
  LocationSchema,
  LoginSchema,
  OrgUnitSchema,
  PERMISSIONS,
  SessionUserSchema,
  UserInputSchema,
  UserSchema,
  type Permission,
} from '@varsel/shared';

const ErrorBodySchema = z.object({
  code: z.number().int().describe('stable numeric code: HTTP status x 100 + n'),
  error: z.string(),
  name: z.enum(Object.keys(ERRORS) as [string, ...string[]]),
  details: z.unknown().optional(),
  errorId: z.string().optional(),
});

interface Op {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  permission: Permission | 'session' | 'none' | 'enrollment token';
  body?: z.ZodType;
  ok: { status: number; schema?: z.ZodType };
  errors: (keyof typeof ERRORS)[];
}

const OPS: Op[] = [
  { method: 'post', path: '/api/session', summary: 'Log in', permission: 'none', body: LoginSchema, ok: { status: 200, schema: SessionUserSchema }, errors: ['BAD_CREDENTIALS', 'RATE_LIMITED', 'VALIDATION_FAILED'] },
  { method: 'get', path: '/api/session', summary: 'Who is logged in', permission: 'session', ok: { status: 200, schema: SessionUserSchema }, errors: [] },
  { method: 'delete', path: '/api/session', summary: 'Log out', permission: 'none', ok: { status: 204 }, errors: [] },
  { method: 'get', path: '/api/org-units', summary: 'Org units', permission: 'directory:read', ok: { status: 200, schema: z.array(OrgUnitSchema) }, errors: [] },
  { method: 'get', path: '/api/locations', summary: 'Locations', permission: 'directory:read', ok: { status: 200, schema: z.array(LocationSchema) }, errors: [] },
  { method: 'post', path: '/api/audience/preview', summary: 'How many devices an audience reaches now', permission: 'audience:preview', body: z.object({ audience: AudienceSchema }), ok: { status: 200, schema: AudiencePreviewSchema }, errors: ['UNKNOWN_ORG_UNIT', 'VALIDATION_FAILED'] },
  { method: 'post', path: '/api/alerts', summary: 'Send a siren or a notice', permission: 'alert:send', body: AlertInputSchema, ok: { status: 201, schema: AlertViewSchema }, errors: ['VALIDATION_FAILED', 'UNKNOWN_ORG_UNIT', 'SIREN_NOT_CONFIRMED', 'BAD_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] },
  { method: 'get', path: '/api/alerts', summary: 'Recent alerts, newest first (query limit, 1-200, default 50)', permission: 'alert:read', ok: { status: 200, schema: z.array(AlertViewSchema) }, errors: ['VALIDATION_FAILED'] },
  { method: 'get', path: '/api/alerts/{id}', summary: 'One alert with live counts', permission: 'alert:read', ok: { status: 200, schema: AlertViewSchema }, errors: ['ALERT_NOT_FOUND'] },
  { method: 'post', path: '/api/alerts/{id}/updates', summary: 'New text for an alert; allClear: true ends it', permission: 'alert:send', body: UpdateInputSchema, ok: { status: 201, schema: AlertViewSchema }, errors: ['VALIDATION_FAILED', 'ALERT_NOT_FOUND', 'NOT_AN_ORIGINAL', 'ALERT_CLOSED'] },
  { method: 'post', path: '/api/alerts/{id}/cancel', summary: 'Cancel an alert (false alarm): sirens stop at once', permission: 'alert:send', body: CancelInputSchema, ok: { status: 201, schema: AlertViewSchema }, errors: ['VALIDATION_FAILED', 'ALERT_NOT_FOUND', 'NOT_AN_ORIGINAL', 'ALERT_CLOSED'] },
  { method: 'get', path: '/api/alerts/{id}/devices', summary: 'Delivery state per device, with timestamps (query state=a,b and limit)', permission: 'alert:read', ok: { status: 200, schema: z.array(DeviceDeliverySchema) }, errors: ['ALERT_NOT_FOUND', 'VALIDATION_FAILED'] },
  { method: 'post', path: '/api/enrollment-tokens', summary: 'Create an enrollment token (shown once)', permission: 'enrollment:manage', body: EnrollmentTokenInputSchema, ok: { status: 201, schema: CreatedEnrollmentTokenSchema }, errors: ['VALIDATION_FAILED', 'UNKNOWN_ORG_UNIT', 'UNKNOWN_LOCATION'] },
  { method: 'get', path: '/api/enrollment-tokens', summary: 'Enrollment tokens', permission: 'enrollment:manage', ok: { status: 200, schema: z.array(EnrollmentTokenSchema) }, errors: [] },
  { method: 'post', path: '/api/devices/enroll', summary: 'Enroll a device with an enrollment token', permission: 'enrollment token', body: EnrollRequestSchema, ok: { status: 201, schema: EnrollResponseSchema }, errors: ['ENROLLMENT_TOKEN_INVALID', 'VALIDATION_FAILED', 'UNKNOWN_ORG_UNIT', 'UNKNOWN_LOCATION'] },
  { method: 'post', path: '/api/devices/enroll-bulk', summary: 'Enroll up to 1,000 devices with one token (all or none)', permission: 'enrollment:manage', body: BulkEnrollRequestSchema, ok: { status: 201, schema: z.array(EnrollResponseSchema) }, errors: ['ENROLLMENT_TOKEN_INVALID', 'VALIDATION_FAILED', 'UNKNOWN_ORG_UNIT', 'UNKNOWN_LOCATION'] },
  { method: 'get', path: '/api/devices', summary: 'Devices', permission: 'device:read', ok: { status: 200, schema: z.array(DeviceSchema) }, errors: [] },
  { method: 'delete', path: '/api/devices/{id}', summary: 'Revoke a device and end its connections', permission: 'device:revoke', ok: { status: 204 }, errors: ['DEVICE_NOT_FOUND'] },
  { method: 'get', path: '/api/users', summary: 'Console users', permission: 'user:manage', ok: { status: 200, schema: z.array(UserSchema) }, errors: [] },
  { method: 'post', path: '/api/users', summary: 'Create a console user', permission: 'user:manage', body: UserInputSchema, ok: { status: 201, schema: UserSchema }, errors: ['VALIDATION_FAILED', 'USER_EXISTS'] },
];

function json(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
}

function errorResponse(name: keyof typeof ERRORS): [string, unknown] {
  const e = ERRORS[name];
  return [String(e.http), { description: `${name} (${e.code}): ${e.message}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }];
}

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with. */
export function openApiDocument(version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) {
    const errors: (keyof typeof ERRORS)[] = [...op.errors];
    if (op.permission !== 'none' && op.permission !== 'enrollment token') errors.push('UNAUTHENTICATED');
    if (op.permission in PERMISSIONS) errors.push('FORBIDDEN');
    // Several errors can share a status; the document lists the first per status and names all in the description.
    const responses: Record<string, unknown> = {};
    for (const name of errors) {
      const [status, resp] = errorResponse(name);
      const existing = responses[status] as { description: string } | undefined;
      if (existing) existing.description += `; ${(resp as { description: string }).description}`;
      else responses[status] = resp;
    }
    responses[String(op.ok.status)] = op.ok.schema
      ? { description: 'OK', content: { 'application/json': { schema: json(op.ok.schema, 'output') } } }
      : { description: 'No content' };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      description: `Needs: ${op.permission in PERMISSIONS ? `permission ${op.permission} (roles: ${PERMISSIONS[op.permission as Permission].join(', ')})` : op.permission}.`,
      ...(op.path.includes('{id}') ? { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }] } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } } } : {}),
      responses,
      ...(op.permission !== 'none' && op.permission !== 'enrollment token' ? { security: [{ session: [] }] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Varsel API', version, description: 'Siren and push-notice system of Københavns Kommune (Koncern IT).' },
    paths,
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'varsel_sid' } },
      schemas: { Error: json(ErrorBodySchema, 'output') },
    },
  };
}

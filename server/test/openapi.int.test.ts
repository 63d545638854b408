import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startVarsel, testPrefix, type TestVarsel } from '../../test-support/varsel.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> }; responses: Record<string, unknown> }>>;
}

describe('the OpenAPI document', () => {
  let v: TestVarsel;
  let doc: OpenApi;
  beforeAll(async () => {
    v = await startVarsel({ redisUrl: inject('redisUrl'), prefix: testPrefix() });
    const res = await fetch(`${v.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApi;
  });
  afterAll(() => v.close());

  it('is served without a session as OpenAPI 3.1', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('derives request bodies from the zod schemas the routes validate with', () => {
    const alert = doc.paths['/api/alerts']?.post?.requestBody?.content['application/json']?.schema;
    expect(alert?.required).toEqual(expect.arrayContaining(['kind', 'content', 'audience']));
    expect(Object.keys(alert?.properties ?? {})).toEqual(expect.arrayContaining(['kind', 'status', 'severity', 'content', 'audience', 'link', 'confirm']));
  });

  it('documents every route the API answers, with its error statuses', async () => {
    const expected: [string, string][] = [
      ['/api/session', 'post'], ['/api/session', 'get'], ['/api/session', 'delete'],
      ['/api/org-units', 'get'], ['/api/locations', 'get'], ['/api/audience/preview', 'post'],
      ['/api/alerts', 'post'], ['/api/alerts', 'get'], ['/api/alerts/{id}', 'get'],
      ['/api/enrollment-tokens', 'post'], ['/api/enrollment-tokens', 'get'],
      ['/api/devices/enroll', 'post'], ['/api/devices/enroll-bulk', 'post'], ['/api/devices', 'get'], ['/api/devices/{id}', 'delete'],
      ['/api/users', 'get'], ['/api/users', 'post'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      // The route exists: it answers something other than the catalogue's 404 for unknown routes.
      const res = await fetch(v.url + path.replace('{id}', crypto.randomUUID()), { method: method.toUpperCase() });
      const body = (await res.json().catch(() => ({}))) as { code?: number };
      expect(body.code, `${method} ${path}`).not.toBe(40401);
    }
    expect(Object.keys(doc.paths['/api/alerts']?.post?.responses ?? {}).sort()).toEqual(['201', '400', '401', '403', '415']);
  });

  it('answers an unknown API route with 404 NOT_FOUND in the catalogue shape', async () => {
    const res = await fetch(`${v.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: number }).code).toBe(40401);
  });
});

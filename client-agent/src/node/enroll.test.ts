import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EnrollRequestSchema, ERRORS } from '@varsel/shared';
import type { EnrollRequest } from '@varsel/shared';
import { AgentStateSchema } from '../core/index.js';
import { EnrollError, enroll, platformOf, stateFromEnrollment } from './enroll.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The enrollment endpoint as a local HTTP server on port 0. */
async function startServer(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const request: EnrollRequest = { token: 'enroll-token-123456', platform: 'linux', hostname: 'kk-pc-0042', orgUnit: 'KIT', agentVersion: '0.1.0' };
const deviceId = randomUUID();

async function enrollError(promise: Promise<unknown>): Promise<EnrollError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnrollError);
  return error as EnrollError;
}

describe('enroll', () => {
  it("posts the enrollment request as JSON and returns the device's credentials", async () => {
    let received: unknown;
    const server = await startServer((req, body, res) => {
      received = { method: req.method, url: req.url, type: req.headers['content-type'], body: JSON.parse(body) as unknown };
      json(res, 201, { deviceId, deviceSecret: 's'.repeat(43), orgUnit: 'KIT', location: 'raadhuset' });
    });

    const response = await enroll(server, request);
    expect(response).toEqual({ deviceId, deviceSecret: 's'.repeat(43), orgUnit: 'KIT', location: 'raadhuset' });
    expect(received).toMatchObject({ method: 'POST', url: '/api/devices/enroll', type: 'application/json' });
    expect(EnrollRequestSchema.parse((received as { body: unknown }).body)).toEqual(request);
  });

  it("fails with ENROLL_REJECTED and the server's code when the token is refused", async () => {
    const server = await startServer((_req, _body, res) =>
      json(res, 403, { code: ERRORS.ENROLLMENT_TOKEN_INVALID.code, error: 'The enrollment token is unknown, used up or expired.', name: 'ENROLLMENT_TOKEN_INVALID' }),
    );
    const error = await enrollError(enroll(server, request));
    expect(error.code).toBe('ENROLL_REJECTED');
    expect(error.detail).toMatchObject({ status: 403, serverCode: 40302, serverName: 'ENROLLMENT_TOKEN_INVALID' });
  });

  it('fails with SERVER_UNREACHABLE and ECONNREFUSED when nothing listens', async () => {
    const server = await startServer(() => undefined);
    await cleanups.pop()!();
    const error = await enrollError(enroll(server, request));
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.detail.cause).toBe('ECONNREFUSED');
  });

  it('fails with SERVER_UNREACHABLE when the server does not answer in time', async () => {
    const server = await startServer(() => undefined);
    const error = await enrollError(enroll(server, request, { timeoutMs: 100 }));
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.detail.cause).toBe('TIMEOUT');
  });

  it('fails with BAD_RESPONSE when the answer is not a Varsel error', async () => {
    const server = await startServer((_req, _body, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    const error = await enrollError(enroll(server, request));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.detail.status).toBe(502);
  });

  it('fails with BAD_RESPONSE when a 201 lacks the credentials', async () => {
    const server = await startServer((_req, _body, res) => json(res, 201, { deviceId }));
    expect((await enrollError(enroll(server, request))).code).toBe('BAD_RESPONSE');
  });

  it('names the platform the way the server expects', () => {
    expect(platformOf('win32')).toBe('windows');
    expect(platformOf('darwin')).toBe('macos');
    expect(platformOf('linux')).toBe('linux');
    expect(platformOf('freebsd')).toBe('linux');
  });

  it('turns an enrollment into a valid agent state', () => {
    const state = stateFromEnrollment('https://varsel.example.org', { deviceId, deviceSecret: 'secret', orgUnit: 'KIT' }, 'kk-pc-0042');
    expect(AgentStateSchema.parse(state)).toMatchObject({ deviceId, secret: 'secret', orgUnit: 'KIT', hostname: 'kk-pc-0042', seenAlertIds: [] });
  });
});

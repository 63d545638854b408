import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { initializeApp, type App } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { TEST_TLS, readBody, waitForCount } from './fake-push-service.js';

/** The FCM v1 `message` of a send request, as it arrives on the wire. */
export interface FcmWireMessage {
  token: string;
  data?: Record<string, string>;
  notification?: Record<string, unknown>;
  android?: Record<string, unknown>;
  apns?: Record<string, unknown>;
  webpush?: Record<string, unknown>;
  fcm_options?: Record<string, unknown>;
}

/** One message the fake accepted (200). */
export interface ReceivedFcm {
  project: string;
  token: string;
  message: FcmWireMessage;
  /** Date.now() when it arrived. */
  receivedAt: number;
}

/** How the fake answers sends to a token; see FCM_ANSWERS. */
export type FcmAnswerKind = 'ok' | 'unregistered' | 'invalid' | 'quota' | 'unavailable' | 'internal' | 'sender-id-mismatch';

/**
 * The real FCM v1 errors (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode) and
 * the `FirebaseMessagingError.code` firebase-admin 13 makes of each (its
 * messaging-errors-internal.js reads the FcmError detail's errorCode first).
 */
export const FCM_ANSWERS = {
  unregistered: { http: 404, status: 'NOT_FOUND', errorCode: 'UNREGISTERED', message: 'Requested entity was not found.', sdkCode: 'messaging/registration-token-not-registered' },
  invalid: { http: 400, status: 'INVALID_ARGUMENT', errorCode: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token', sdkCode: 'messaging/invalid-argument' },
  quota: { http: 429, status: 'RESOURCE_EXHAUSTED', errorCode: 'QUOTA_EXCEEDED', message: 'Quota exceeded for the message rate of this project.', sdkCode: 'messaging/message-rate-exceeded' },
  unavailable: { http: 503, status: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'The service is currently unavailable.', sdkCode: 'messaging/server-unavailable' },
  internal: { http: 500, status: 'INTERNAL', errorCode: 'INTERNAL', message: 'Internal error encountered.', sdkCode: 'messaging/internal-error' },
  'sender-id-mismatch': { http: 403, status: 'PERMISSION_DENIED', errorCode: 'SENDER_ID_MISMATCH', message: 'SenderId mismatch', sdkCode: 'messaging/mismatched-credential' },
} as const satisfies Record<Exclude<FcmAnswerKind, 'ok'>, { http: number; status: string; errorCode: string; message: string; sdkCode: string }>;

/** A token of the shape shared's PushRegistrationSchema accepts (like `<instance id>:APA91b…`). */
export function fakeFcmToken(): string {
  return `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
}

type Req = http2.Http2ServerRequest;
type Res = http2.Http2ServerResponse;

/**
 * An in-test fake of the FCM HTTP v1 send API on https://127.0.0.1:<port> (the fixture
 * certificate, whose SAN includes fcm.googleapis.com), over HTTP/1.1 and h2.
 *
 * POST /v1/projects/<project>/messages:send with `Authorization: Bearer <accessToken>` and
 * `{ message: { token, data?, notification?, android?, apns?, webpush? }, validate_only? }`:
 * a missing or wrong bearer → 401 UNAUTHENTICATED; bad JSON, no token or non-string data values
 * → 400 INVALID_ARGUMENT (google.rpc.BadRequest); else the token's scripted answer (default 'ok':
 * 200 `{ name: 'projects/<project>/messages/<n>' }`, recorded unless validate_only). Errors have
 * the real shape `{ error: { code, message, status, details: [FcmError { errorCode }] } }`.
 *
 * firebase-admin reaches it through `fcmTestApp(fake)` (seam A of the stack notes §1.5).
 */
export class FakeFcm {
  /** Accepted messages, in arrival order. */
  readonly received: ReceivedFcm[] = [];
  /** Every POST, accepted or not (firebase-admin retries a 503 four times: five requests). */
  requests = 0;
  port = 0;
  readonly ca = TEST_TLS.cert;

  private readonly server: http2.Http2SecureServer;
  private readonly answers = new Map<string, { kind: FcmAnswerKind; retryAfterS: number | undefined }>();
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();

  /** `accessToken`: the bearer token to accept ('test', as fcmTestApp's credential gives). */
  constructor(private readonly opts: { accessToken?: string } = {}) {
    this.server = http2.createSecureServer({ cert: TEST_TLS.cert, key: TEST_TLS.key, allowHTTP1: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.error(res, 500, 'INTERNAL', `fake FCM failed: ${String(err)}`));
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** https://127.0.0.1:<port> */
  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** From now on answer sends to `token` as `kind` ('ok' accepts again); `retryAfterS` adds a Retry-After header to errors. */
  setAnswer(token: string, kind: FcmAnswerKind, opts: { retryAfterS?: number } = {}): void {
    this.answers.set(token, { kind, retryAfterS: opts.retryAfterS });
  }

  /** Resolves with the first `n` accepted messages once there are `n`. */
  waitFor(n: number, timeoutMs = 5_000): Promise<ReceivedFcm[]> {
    return waitForCount(this.received, this.waiters, n, timeoutMs, 'fake FCM');
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async handle(req: Req, res: Res): Promise<void> {
    if (req.method !== 'POST') return this.plain(res, 405, 'only POST');
    this.requests++;
    const body = await readBody(req, 1 << 20);
    const project = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url)?.[1];
    // Google answers unknown paths with an HTML 404, which firebase-admin reports as messaging/unknown-error.
    if (project === undefined) return this.plain(res, 404, `no such path ${req.url}`);
    if (req.headers.authorization !== `Bearer ${this.opts.accessToken ?? 'test'}`) {
      return this.error(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }

    let request: { message?: Partial<FcmWireMessage>; validate_only?: boolean };
    try {
      request = JSON.parse(body.toString('utf8')) as typeof request;
    } catch {
      return this.badRequest(res, '', 'Invalid JSON payload received.');
    }
    const message = request.message;
    if (!message || typeof message !== 'object') return this.badRequest(res, 'message', 'Message is not set.');
    if (typeof message.token !== 'string' || message.token === '') return this.badRequest(res, 'message.token', 'Recipient of the message is not set.');
    const badData = Object.entries(message.data ?? {}).find(([, v]) => typeof v !== 'string');
    if (badData) return this.badRequest(res, `message.data[${badData[0]}].value`, `Invalid value at 'message.data[${badData[0]}].value' (TYPE_STRING)`);

    const answer = this.answers.get(message.token) ?? { kind: 'ok', retryAfterS: undefined };
    if (answer.kind !== 'ok') {
      const a = FCM_ANSWERS[answer.kind];
      if (answer.retryAfterS !== undefined) res.setHeader('Retry-After', String(answer.retryAfterS));
      return this.error(res, a.http, a.status, a.message, [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: a.errorCode }]);
    }
    if (request.validate_only !== true) {
      this.received.push({ project, token: message.token, message: message as FcmWireMessage, receivedAt: Date.now() });
      for (const wake of this.waiters) wake();
    }
    this.json(res, 200, { name: `projects/${project}/messages/${request.validate_only === true ? 'fake_message_id' : this.received.length}` });
  }

  private badRequest(res: Res, field: string, description: string): void {
    this.error(res, 400, 'INVALID_ARGUMENT', description, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }] }]);
  }

  private error(res: Res, code: number, status: string, message: string, details: object[] = []): void {
    this.json(res, code, { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } });
  }

  private json(res: Res, status: number, body: unknown): void {
    if (res.headersSent) return void res.stream?.close();
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  }

  private plain(res: Res, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8' }).end(text);
  }
}

/** Starts a FakeFcm on 127.0.0.1, port 0. */
export function startFakeFcm(opts: { accessToken?: string } = {}): Promise<FakeFcm> {
  return new FakeFcm(opts).listen();
}

/**
 * Seam A: an https.Agent that connects every request (firebase-admin's host is hard-coded to
 * fcm.googleapis.com) to the fake instead, verifying the fixture certificate for that name.
 */
export class FakeFcmAgent extends https.Agent {
  constructor(private readonly fake: FakeFcm) {
    super({ keepAlive: false });
  }

  /** `options` (fcm.googleapis.com:443) is ignored: every connection goes to the fake. */
  override createConnection(_options: https.RequestOptions, _callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    // Returned synchronously, the socket is the request's (Node's Agent ignores the callback then).
    return tls.connect({ host: '127.0.0.1', port: this.fake.port, servername: 'fcm.googleapis.com', ca: this.fake.ca, ALPNProtocols: ['http/1.1'] });
  }
}

/**
 * A firebase-admin App whose messaging reaches `fake`: credential stub (access token 'test', no
 * OAuth traffic), projectId 'demo-test', `httpAgent` a FakeFcmAgent. Delete it with
 * `deleteApp(app)` from firebase-admin/app.
 *
 * `send()` always goes through `httpAgent`; `sendEach()`/`sendEachForMulticast()` only after
 * `getMessaging(app).enableLegacyHttpTransport()` (otherwise they open their own HTTP/2 session
 * to the real fcm.googleapis.com). This function calls it: `getMessaging(app)` is one Messaging
 * per app, so code given this app gets the HTTP/1.1 transport too.
 */
export function fcmTestApp(fake: FakeFcm, name = `fcm-test-${randomBytes(4).toString('hex')}`): App {
  const app = initializeApp(
    {
      credential: { getAccessToken: () => Promise.resolve({ access_token: 'test', expires_in: 3600 }) },
      projectId: 'demo-test',
      httpAgent: new FakeFcmAgent(fake),
    },
    name,
  );
  getMessaging(app).enableLegacyHttpTransport();
  return app;
}

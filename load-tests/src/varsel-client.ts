import { z } from 'zod';
import {
  AlertViewSchema,
  AudiencePreviewSchema,
  CreatedEnrollmentTokenSchema,
  EnrollResponseSchema,
  OrgUnitSchema,
  SessionUserSchema,
  errorNameOf,
  type AlertInput,
  type Audience,
  type BulkEnrollRequest,
  type EnrollRequest,
  type EnrollmentTokenInput,
  type SessionUser,
} from '@varsel/shared';

/** An HTTP answer other than the expected one, or no answer. `code` is Varsel's error code when the body had one. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** Network failures, timeouts, 429 and 5xx: worth one more try. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}

/**
 * The parts of each answer this tool reads, picked from the shared schemas. Picking, not the whole
 * schema: a field added to the contract (by a newer or older server than this build) must not
 * stop a load run that does not read it; a field the run does read is still checked.
 */
const SentAlertSchema = AlertViewSchema.pick({ id: true, seq: true, createdAt: true });
const AlertProgressSchema = AlertViewSchema.pick({ id: true, createdAt: true, fanout: true, counts: true });
const TokenSchema = CreatedEnrollmentTokenSchema.pick({ id: true, token: true, maxUses: true, expiresAt: true });
const PreviewSchema = AudiencePreviewSchema.pick({ devices: true });
export const EnrolledSchema = EnrollResponseSchema.pick({ deviceId: true, deviceSecret: true, orgUnit: true });
const EnrolledListSchema = z.array(EnrolledSchema);
const OrgUnitListSchema = z.array(OrgUnitSchema.pick({ id: true, parent: true }));
export type SentAlert = z.infer<typeof SentAlertSchema>;
export type AlertProgress = z.infer<typeof AlertProgressSchema>;
export type EnrollmentTokenSecret = z.infer<typeof TokenSchema>;
export type Enrolled = z.infer<typeof EnrolledSchema>;

// 10 s: far above the API's normal answer time, short enough that a hung server fails the run.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The HTTP side of Varsel that a load run needs: log in (keeping the `varsel_sid` cookie), create
 * an enrollment token, enroll devices, send alerts and read their counts. Every answer is checked
 * against the schemas of @varsel/shared, so a contract break shows up as a clear error here.
 */
export class VarselClient {
  private cookie = '';

  private constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  static async login(baseUrl: string, username: string, password: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ client: VarselClient; user: SessionUser }> {
    const client = new VarselClient(baseUrl, timeoutMs);
    const user = await client.request('POST', '/api/session', 200, SessionUserSchema, { username, password });
    if (!client.cookie) throw new HttpError('login answered 200 but set no varsel_sid cookie', 200, undefined);
    return { client, user };
  }

  createEnrollmentToken(input: EnrollmentTokenInput): Promise<EnrollmentTokenSecret> {
    return this.request('POST', '/api/enrollment-tokens', 201, TokenSchema, input);
  }

  /** Enrolls one device. Needs no session: the token authorizes. `signal` cuts it short (Ctrl-C). */
  enroll(req: EnrollRequest, signal?: AbortSignal): Promise<Enrolled> {
    return this.request('POST', '/api/devices/enroll', 201, EnrolledSchema, req, { session: false, signal });
  }

  /** Enrolls up to 1,000 devices in one call, all or none (needs the enrollment:manage permission). */
  enrollBulk(req: BulkEnrollRequest, signal?: AbortSignal): Promise<Enrolled[]> {
    return this.request('POST', '/api/devices/enroll-bulk', 201, EnrolledListSchema, req, { signal });
  }

  orgUnits(): Promise<{ id: string; parent?: string | undefined }[]> {
    return this.request('GET', '/api/org-units', 200, OrgUnitListSchema);
  }

  previewAudience(audience: Audience): Promise<{ devices: number }> {
    return this.request('POST', '/api/audience/preview', 200, PreviewSchema, { audience });
  }

  sendAlert(input: AlertInput): Promise<SentAlert> {
    return this.request('POST', '/api/alerts', 201, SentAlertSchema, input);
  }

  getAlert(id: string): Promise<AlertProgress> {
    return this.request('GET', `/api/alerts/${encodeURIComponent(id)}`, 200, AlertProgressSchema);
  }

  /** Ends the session; a failure here is not worth failing a run over, so it only reports. */
  async logout(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/api/session`, { method: 'DELETE', headers: { cookie: this.cookie }, signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer();
      return res.status === 204;
    } catch {
      return false;
    }
  }

  private async request<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    expected: number,
    schema: S,
    body?: unknown,
    opts: { session?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<z.output<S>> {
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.session !== false && this.cookie ? { cookie: this.cookie } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new HttpError(`${what}: no answer (${describeFetchError(err)})`, undefined, undefined);
    }
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('varsel_sid='));
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';

    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new HttpError(`${what}: answer cut off (${describeFetchError(err)})`, res.status, undefined);
    }
    const json = parseJson(text);
    if (res.status !== expected) {
      const code = errorCodeOf(json);
      const name = code === undefined ? undefined : errorNameOf(code);
      const detail = code === undefined ? text.slice(0, 200) : `${name ?? 'code'} ${code}`;
      throw new HttpError(`${what}: expected ${expected}, got ${res.status} (${detail})`, res.status, code);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(`${what}: the answer does not match the contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? '?'})`, res.status, undefined);
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorCodeOf(body: unknown): number | undefined {
  if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'number') return body.code;
  return undefined;
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    if (err.name === 'AbortError') return 'aborted';
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

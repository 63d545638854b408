import { ERRORS, errorNameOf } from '@varsel/shared';
import type {
  AlertInput,
  AlertView,
  Audience,
  AudiencePreview,
  CancelInput,
  CreatedEnrollmentToken,
  DeliveryState,
  Device,
  DeviceDelivery,
  EnrollmentToken,
  EnrollmentTokenInput,
  ErrorName,
  Location,
  Login,
  OrgUnit,
  SessionUser,
  UpdateInput,
} from '@varsel/shared';

/** 20 s: long enough for a loaded server, short enough that an officer is never left waiting blind. */
const REQUEST_TIMEOUT_MS = 20_000;

/** Why a request failed without an answer from the server. */
export type TransportFailure = 'network' | 'timeout';

/**
 * A failed API call. `errorName` and `code` come from the server's error body
 * (`{ code, error, name, details?, errorId? }`); `transport` is set when no answer arrived.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number | undefined;
  readonly errorName: ErrorName | undefined;
  readonly details: unknown;
  readonly errorId: string | undefined;
  readonly transport: TransportFailure | undefined;

  constructor(init: {
    message: string;
    status: number;
    code?: number | undefined;
    errorName?: ErrorName | undefined;
    details?: unknown;
    errorId?: string | undefined;
    transport?: TransportFailure | undefined;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.errorName = init.errorName;
    this.details = init.details;
    this.errorId = init.errorId;
    this.transport = init.transport;
  }

  /** True when the request may or may not have reached the server (so a retry could repeat it). */
  get unanswered(): boolean {
    return this.transport !== undefined;
  }
}

export function isErrorName(value: unknown): value is ErrorName {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** Builds an ApiError from a non-2xx answer whose body may or may not be our error body. */
export function apiErrorFromBody(status: number, body: unknown): ApiError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof record.code === 'number' ? record.code : undefined;
  const errorName = isErrorName(record.name) ? record.name : code !== undefined ? errorNameOf(code) : undefined;
  const message = typeof record.error === 'string' ? record.error : `HTTP ${status}`;
  return new ApiError({
    message,
    status,
    code: code ?? (errorName ? ERRORS[errorName].code : undefined),
    errorName,
    details: record.details,
    errorId: typeof record.errorId === 'string' ? record.errorId : undefined,
  });
}

export interface ApiClientOptions {
  /** Origin of the API; empty means the console's own origin (how the server serves it). */
  baseUrl?: string;
  /** Called on any 401 except a failed login, so the app can go back to the login page. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * The console's HTTP API (docs/http-api.md). Answers are not re-validated here: the server is the
 * same release and validates its own output, and a field the console does not read must never
 * stop an officer from sending a siren.
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  login(login: Login): Promise<SessionUser> {
    return this.request('POST', '/api/session', login);
  }
  session(): Promise<SessionUser> {
    return this.request('GET', '/api/session');
  }
  logout(): Promise<void> {
    return this.request('DELETE', '/api/session');
  }
  orgUnits(): Promise<OrgUnit[]> {
    return this.request('GET', '/api/org-units');
  }
  locations(): Promise<Location[]> {
    return this.request('GET', '/api/locations');
  }
  previewAudience(audience: Audience): Promise<AudiencePreview> {
    return this.request('POST', '/api/audience/preview', { audience });
  }
  sendAlert(input: AlertInput): Promise<AlertView> {
    return this.request('POST', '/api/alerts', input);
  }
  listAlerts(limit = 50): Promise<AlertView[]> {
    return this.request('GET', `/api/alerts?limit=${limit}`);
  }
  getAlert(id: string): Promise<AlertView> {
    return this.request('GET', `/api/alerts/${encodeURIComponent(id)}`);
  }
  /** A new text for an original alert; `allClear: true` ends it. Answers the update's view. */
  updateAlert(id: string, input: UpdateInput): Promise<AlertView> {
    return this.request('POST', `/api/alerts/${encodeURIComponent(id)}/updates`, input);
  }
  /** Withdraws an original alert (a false alarm). Answers the cancellation's view. */
  cancelAlert(id: string, input: CancelInput = {}): Promise<AlertView> {
    return this.request('POST', `/api/alerts/${encodeURIComponent(id)}/cancel`, input);
  }
  /** Each device's state for an alert, limited to `states` when given. */
  alertDevices(id: string, options: { states?: readonly DeliveryState[]; limit: number }): Promise<DeviceDelivery[]> {
    const query = new URLSearchParams({ limit: String(options.limit) });
    if (options.states) query.set('state', options.states.join(','));
    return this.request('GET', `/api/alerts/${encodeURIComponent(id)}/devices?${query.toString()}`);
  }
  createEnrollmentToken(input: EnrollmentTokenInput): Promise<CreatedEnrollmentToken> {
    return this.request('POST', '/api/enrollment-tokens', input);
  }
  listEnrollmentTokens(): Promise<EnrollmentToken[]> {
    return this.request('GET', '/api/enrollment-tokens');
  }
  listDevices(): Promise<Device[]> {
    return this.request('GET', '/api/devices');
  }
  revokeDevice(id: string): Promise<void> {
    return this.request('DELETE', `/api/devices/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchFn(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'same-origin',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const timeout = err instanceof DOMException && err.name === 'TimeoutError';
      throw new ApiError({
        message: err instanceof Error ? err.message : String(err),
        status: 0,
        transport: timeout ? 'timeout' : 'network',
      });
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A proxy's HTML error page, say: keep the status, drop the body.
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const error = apiErrorFromBody(response.status, parsed);
      const isLogin = method === 'POST' && path === '/api/session';
      if (response.status === 401 && !isLogin) this.options.onUnauthorized?.();
      throw error;
    }
    return parsed as T;
  }
}

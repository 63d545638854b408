import type { EnrollRequest, EnrollResponse, Platform } from '@varsel/shared';
import { EnrollResponseSchema } from '@varsel/shared';
import type { AgentState } from '../core/index.js';

/** 15 s: enrollment is one small request; past this the server or the path to it is not working. */
export const ENROLL_TIMEOUT_MS = 15_000;

export type EnrollErrorCode = 'ENROLL_REJECTED' | 'SERVER_UNREACHABLE' | 'BAD_RESPONSE';

/**
 * Why enrollment failed. `ENROLL_REJECTED` carries the server's catalogue code and name;
 * `SERVER_UNREACHABLE` the network cause (ECONNREFUSED, ENOTFOUND, TIMEOUT, …).
 */
export class EnrollError extends Error {
  constructor(
    readonly code: EnrollErrorCode,
    message: string,
    readonly detail: {
      status?: number;
      serverCode?: number;
      serverName?: string;
      serverMessage?: string;
      errorId?: string;
      cause?: string;
    } = {},
  ) {
    super(message);
    this.name = 'EnrollError';
  }
}

export function platformOf(platform: NodeJS.Platform): Platform {
  if (platform === 'win32') return 'windows';
  if (platform === 'darwin') return 'macos';
  return 'linux';
}

/** POSTs the request to `${server}/api/devices/enroll` and returns the 201 answer. */
export async function enroll(
  server: string,
  request: EnrollRequest,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<EnrollResponse> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(new URL('/api/devices/enroll', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(options.timeoutMs ?? ENROLL_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = networkCause(err);
    throw new EnrollError('SERVER_UNREACHABLE', `cannot reach ${server}: ${cause}`, { cause });
  }
  const body = await readJson(response);
  if (response.status === 201) {
    const parsed = EnrollResponseSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new EnrollError('BAD_RESPONSE', `unexpected enrollment answer from ${server}`, { status: response.status });
  }
  const error = errorBodyOf(body);
  if (error === undefined) {
    throw new EnrollError('BAD_RESPONSE', `HTTP ${response.status} without an error body from ${server}`, { status: response.status });
  }
  throw new EnrollError('ENROLL_REJECTED', `enrollment refused: ${error.code} ${error.name ?? ''}`.trim(), {
    status: response.status,
    serverCode: error.code,
    serverMessage: error.error,
    ...(error.name === undefined ? {} : { serverName: error.name }),
    ...(error.errorId === undefined ? {} : { errorId: error.errorId }),
  });
}

/** The state an enrollment leaves: the device's credentials and where to connect. */
export function stateFromEnrollment(serverUrl: string, response: EnrollResponse, hostname: string, now: Date = new Date()): AgentState {
  return {
    version: 1,
    serverUrl,
    deviceId: response.deviceId,
    secret: response.deviceSecret,
    orgUnit: response.orgUnit,
    ...(response.location === undefined ? {} : { location: response.location }),
    hostname,
    enrolledAt: now.toISOString(),
    seenAlertIds: [],
    cursor: 0,
    seenSeqs: [],
    closedThreadIds: [],
    openSirens: [],
    outbox: [],
  };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    // Not JSON (a proxy's HTML error page, say): the caller reports the status instead.
    return undefined;
  }
}

function errorBodyOf(body: unknown): { code: number; error: string; name?: string; errorId?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, error, name, errorId } = body as Record<string, unknown>;
  if (typeof code !== 'number' || typeof error !== 'string') return undefined;
  return {
    code,
    error,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof errorId === 'string' ? { errorId } : {}),
  };
}

/** fetch wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`. */
function networkCause(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'TIMEOUT';
  // The innermost cause says most: "fetch failed" → "connect ECONNREFUSED" or "bad port".
  let current: unknown = err;
  let innermost = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    innermost = current.message;
    current = current.cause;
  }
  return innermost;
}

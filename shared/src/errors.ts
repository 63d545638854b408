/**
 * The error catalogue. Every error Varsel returns (HTTP, socket acks, handshake refusals, config)
 * has a stable name and a stable numeric code: HTTP status x 100 + n, as in ntfy. Clients and tests
 * key on `code`, never on message text.
 */
export const ERRORS = {
  BAD_JSON: { http: 400, code: 40001, message: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { http: 400, code: 40002, message: 'The input failed validation.' },
  UNKNOWN_ORG_UNIT: { http: 400, code: 40003, message: 'An org unit in the input does not exist.' },
  UNKNOWN_LOCATION: { http: 400, code: 40004, message: 'The location does not exist.' },
  SIREN_NOT_CONFIRMED: { http: 400, code: 40005, message: 'A siren must carry confirm: "SIRENE".' },
  PROTOCOL_UNSUPPORTED: { http: 400, code: 40006, message: 'The agent protocol version is not supported.' },
  // 400, not 413: every kind of bad input to the API is one status for clients; the code tells which.
  PAYLOAD_TOO_LARGE: { http: 400, code: 40007, message: 'The request body is too large (at most 64 KiB).' },
  NOT_AN_ORIGINAL: { http: 400, code: 40008, message: 'Updates and cancellations refer to the original alert, not to an update.' },
  UNAUTHENTICATED: { http: 401, code: 40101, message: 'Log in first.' },
  BAD_CREDENTIALS: { http: 401, code: 40102, message: 'Wrong username or password.' },
  DEVICE_AUTH_FAILED: { http: 401, code: 40103, message: 'Unknown device or wrong device secret.' },
  FORBIDDEN: { http: 403, code: 40301, message: 'Your role does not allow this.' },
  ENROLLMENT_TOKEN_INVALID: { http: 403, code: 40302, message: 'The enrollment token is unknown, used up or expired.' },
  DEVICE_REVOKED: { http: 403, code: 40303, message: 'This device has been revoked.' },
  NOT_FOUND: { http: 404, code: 40401, message: 'No such route.' },
  ALERT_NOT_FOUND: { http: 404, code: 40402, message: 'No such alert.' },
  DEVICE_NOT_FOUND: { http: 404, code: 40403, message: 'No such device.' },
  USER_NOT_FOUND: { http: 404, code: 40404, message: 'No such user.' },
  USER_EXISTS: { http: 409, code: 40901, message: 'A user with that name exists.' },
  ALERT_CLOSED: { http: 409, code: 40902, message: 'The alert is already cancelled, all-cleared or expired.' },
  PUSH_CHANNEL_DISABLED: { http: 409, code: 40903, message: 'This push channel is not configured on the server.' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, code: 41501, message: 'Send application/json.' },
  RATE_LIMITED: { http: 429, code: 42901, message: 'Too many attempts; wait and try again.' },
  INTERNAL: { http: 500, code: 50001, message: 'Internal error.' },
  UNAVAILABLE: { http: 503, code: 50301, message: 'A backing service is unavailable; try again.' },
} as const satisfies Record<string, { http: number; code: number; message: string }>;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];

/** The body of every HTTP error response. */
export interface ErrorBody {
  code: number;
  error: string;
  name: ErrorName;
  details?: unknown;
  /** Present on unexpected (500) errors: the id under which the server logged the cause. */
  errorId?: string;
}

/** The one error class. Carries a catalogue entry and optional structured details. */
export class VarselError extends Error {
  readonly errorName: ErrorName;
  readonly code: number;
  readonly http: number;
  readonly details: unknown;

  constructor(name: ErrorName, message?: string, details?: unknown) {
    super(message ?? ERRORS[name].message);
    this.name = 'VarselError';
    this.errorName = name;
    this.code = ERRORS[name].code;
    this.http = ERRORS[name].http;
    this.details = details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, error: this.message, name: this.errorName };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

const byCode = new Map<number, ErrorName>(
  (Object.keys(ERRORS) as ErrorName[]).map((n) => [ERRORS[n].code, n]),
);

/** Looks up a catalogue name by numeric code (for clients that receive only the code). */
export function errorNameOf(code: number): ErrorName | undefined {
  return byCode.get(code);
}

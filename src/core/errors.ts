/**
 * The one error taxonomy of Rastro. Every HTTP error body is `{error: {code, message, details?}}`
 * with a stable `code` from ERROR_CODES; docs/errors.md documents each one.
 *
 * Destinations and gateways throw these (a lint rule forbids `new Error` there) so the delivery
 * engine can tell a retryable failure from a permanent one without parsing messages.
 */
export const ERROR_CODES = {
  validation_failed: 400,
  bad_json: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldProblem {
  field: string;
  problem: string;
}

export class RastroError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: FieldProblem[] | Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: FieldProblem[] | Record<string, unknown>) {
    super(message);
    this.name = 'RastroError';
    this.code = code;
    this.statusCode = ERROR_CODES[code];
    this.details = details;
  }

  toBody(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** How many problems the message spells out; `details` lists them all. */
const MESSAGE_PROBLEMS = 10;

/**
 * One `validation_failed` naming every bad field in `details` and the first few in its message (a
 * batch of 500 events with the same mistake would otherwise repeat it 500 times in one line).
 */
export function validationFailed(problems: FieldProblem[]): RastroError {
  const shown = problems.slice(0, MESSAGE_PROBLEMS).map((p) => `${p.field}: ${p.problem}`);
  const more = problems.length - shown.length;
  const message = shown.join('; ') + (more > 0 ? `; and ${more} more (see details)` : '');
  return new RastroError('validation_failed', message, problems);
}

export const notFound = (what: string): RastroError => new RastroError('not_found', `${what} not found`);

/** How a delivery attempt failed, as a destination classifies the platform's answer. */
export type DeliveryFailureKind = 'retryable' | 'permanent' | 'rate_limited' | 'auth_broken';

/** Thrown (or returned) by destinations; `kind` drives the delivery state machine. */
export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly info: {
      httpStatus?: number;
      platformCode?: number | string;
      traceId?: string;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

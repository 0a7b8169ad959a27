/**
 * Graph API error envelope and the codes / subcodes the emulator answers with.
 *
 * Which of these numbers are confirmed from public material and which are the emulator's own
 * choice is listed in ./README.md ("Codes and subcodes").
 */
import { randomBytes } from 'node:crypto';

/** Graph API error codes used by the emulator. */
export const GraphCode = {
  /** API Unknown: "possibly a temporary issue due to downtime". */
  UNKNOWN: 1,
  /** API Service: temporary issue, retry later. */
  SERVICE: 2,
  /** Application request limit reached. */
  APP_RATE_LIMIT: 4,
  /** User request limit reached. */
  USER_RATE_LIMIT: 17,
  /** Invalid parameter (all payload validation failures of the events edge). */
  INVALID_PARAMETER: 100,
  /** An access token is required to request this resource. */
  TOKEN_REQUIRED: 104,
  /** Invalid OAuth 2.0 access token. */
  INVALID_TOKEN: 190,
  /** Permission error. */
  PERMISSION: 200,
  /** Unknown path components (bad version or route). */
  UNKNOWN_PATH: 2500,
  /** Ads-management business-use-case rate limit. */
  ADS_RATE_LIMIT: 80003,
} as const;

/** Error subcodes used by the emulator (see README for provenance). */
export const GraphSubcode = {
  /** With code 100: the object does not exist or the token may not use it (pixel not allowed). */
  OBJECT_NOT_ACCESSIBLE: 33,
  /** With code 190: session has expired. */
  TOKEN_EXPIRED: 463,
  /** event_time older than the allowed window ("Event Timestamp Too Old"). Confirmed. */
  EVENT_TIME_TOO_OLD: 2804003,
  /** event_time more than one minute in the future. Emulator's choice. */
  EVENT_TIME_IN_FUTURE: 2804004,
  /** A required event parameter is missing. Emulator's choice. */
  MISSING_PARAMETER: 2804016,
  /** A parameter has an invalid value or format. Observed for several field-level refusals. */
  INVALID_PARAMETER_VALUE: 2804019,
  /** No customer information, or a combination too broad to match. Confirmed. */
  INSUFFICIENT_CUSTOMER_INFO: 2804050,
} as const;

export interface GraphErrorSpec {
  /** HTTP status to answer with. */
  status: number;
  code: number;
  subcode?: number;
  /** Defaults to OAuthException, which Graph uses for nearly every error of this edge. */
  type?: string;
  message: string;
  userTitle?: string;
  userMsg?: string;
  isTransient?: boolean;
  /** Extra machine-readable detail; the emulator puts the event index and field path here. */
  errorData?: Record<string, unknown>;
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    is_transient: boolean;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: Record<string, unknown>;
    fbtrace_id: string;
  };
}

/** A fbtrace_id-looking opaque id (Graph uses ~23 base64url characters). */
export const newTraceId = (): string => 'A' + randomBytes(17).toString('base64url').slice(0, 22);

export function graphErrorBody(spec: GraphErrorSpec, fbtraceId: string): GraphErrorBody {
  // Same key order as Graph: message, type, code, error_subcode, is_transient, user texts, trace id.
  const error = {
    message: spec.message,
    type: spec.type ?? 'OAuthException',
    code: spec.code,
  } as GraphErrorBody['error'];
  if (spec.subcode !== undefined) error.error_subcode = spec.subcode;
  error.is_transient = spec.isTransient ?? false;
  if (spec.userTitle !== undefined) error.error_user_title = spec.userTitle;
  if (spec.userMsg !== undefined) error.error_user_msg = spec.userMsg;
  if (spec.errorData !== undefined) error.error_data = spec.errorData;
  error.fbtrace_id = fbtraceId;
  return { error };
}

// ---- Canned errors -------------------------------------------------------------------------

export const tokenRequired = (): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.TOKEN_REQUIRED,
  message: 'An access token is required to request this resource.',
});

export const tokenInvalid = (): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.INVALID_TOKEN,
  message: 'Invalid OAuth access token - Cannot parse access token',
});

export const tokenExpired = (status = 400): GraphErrorSpec => ({
  status,
  code: GraphCode.INVALID_TOKEN,
  subcode: GraphSubcode.TOKEN_EXPIRED,
  message: `Error validating access token: Session has expired on ${new Date(Date.now() - 3_600_000).toUTCString()}.`,
});

export const objectNotAccessible = (pixelId: string): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.INVALID_PARAMETER,
  subcode: GraphSubcode.OBJECT_NOT_ACCESSIBLE,
  type: 'GraphMethodException',
  message:
    `Unsupported post request. Object with ID '${pixelId}' does not exist, cannot be loaded due to ` +
    'missing permissions, or does not support this operation.',
});

export const unknownPath = (path: string): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.UNKNOWN_PATH,
  message: `Unknown path components: ${path}`,
});

/** A code-100 "Invalid parameter" refusal, the shape of every payload validation failure. */
export const invalidParameter = (
  subcode: number | undefined,
  userTitle: string,
  userMsg: string,
  errorData?: Record<string, unknown>,
): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.INVALID_PARAMETER,
  subcode,
  message: 'Invalid parameter',
  userTitle,
  userMsg,
  errorData,
});

/** Graph's wording for a missing or unparsable top-level parameter: "(#100) ...". */
export const topLevelParameter = (text: string): GraphErrorSpec => ({
  status: 400,
  code: GraphCode.INVALID_PARAMETER,
  message: `(#100) ${text}`,
});

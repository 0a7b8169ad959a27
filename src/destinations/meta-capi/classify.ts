/**
 * Meta's answer to one /events request → SendResult, following the Graph API error codes Meta
 * documents for the Conversions API.
 */
import type { SendOutcome, SendResult } from '../types.ts';

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface MetaResponse {
  status: number;
  /** Parsed JSON when the body was JSON, else the raw text. */
  body: unknown;
  headers?: HeaderBag;
}

interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id?: string;
}

/** Code families, as data. */
export const AUTH_BROKEN_CODES: ReadonlySet<number> = new Set([190, 102, 10]);
/** Permission errors: 200–299. */
export const isPermissionCode = (code: number): boolean => code >= 200 && code <= 299;
/** Application, user, page and ads-management throttling; 80000–80099 are the business use case limits. */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613]);
export const isBusinessUseCaseLimit = (code: number): boolean => code >= 80000 && code <= 80099;
/** Unknown/service errors, app limit reached, temporary block: worth trying again later. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 341, 368]);
/** Invalid parameter (100) and Conversions API validation subcodes (2804xxx): the payload itself is wrong. */
export const isCapiValidationSubcode = (subcode: number): boolean => subcode >= 2804000 && subcode <= 2804999;

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const graphError = (body: unknown): GraphError | undefined => {
  const error = asRecord(asRecord(body)?.error);
  if (!error) return undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    message: str(error.message),
    type: str(error.type),
    code: num(error.code),
    error_subcode: num(error.error_subcode),
    is_transient: error.is_transient === true,
    error_user_title: str(error.error_user_title),
    error_user_msg: str(error.error_user_msg),
    fbtrace_id: str(error.fbtrace_id),
  };
};

const header = (headers: HeaderBag | undefined, name: string): string | undefined => {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * How long to wait before trying again, from `Retry-After` (seconds or HTTP date) or, failing that,
 * the largest `estimated_time_to_regain_access` (minutes) in Meta's usage headers.
 */
export const retryAfterMs = (headers: HeaderBag | undefined, now: number = Date.now()): number | undefined => {
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  let minutes = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'estimated_time_to_regain_access' && typeof inner === 'number') minutes = Math.max(minutes, inner);
        else visit(inner);
      }
    }
  };
  for (const name of ['x-business-use-case-usage', 'x-ad-account-usage', 'x-app-usage']) {
    const raw = header(headers, name);
    if (!raw) continue;
    try {
      visit(JSON.parse(raw));
    } catch {
      // Not JSON: ignore the header.
    }
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
};

const outcomeOf = (status: number, error: GraphError | undefined): SendOutcome => {
  const code = error?.code;
  if (code !== undefined && (AUTH_BROKEN_CODES.has(code) || isPermissionCode(code))) return 'auth_broken';
  if (status === 401) return 'auth_broken';
  if (status === 429 || (code !== undefined && (RATE_LIMIT_CODES.has(code) || isBusinessUseCaseLimit(code)))) {
    return 'rate_limited';
  }
  if (code !== undefined && RETRYABLE_CODES.has(code)) return 'retryable';
  if (error?.is_transient) return 'retryable';
  if (code === 100 || (error?.error_subcode !== undefined && isCapiValidationSubcode(error.error_subcode))) {
    return 'permanent';
  }
  if (status >= 500 || status === 408) return 'retryable';
  if (status >= 400) return 'permanent';
  // 1xx/3xx or a 2xx that is not Meta's acknowledgement: Meta dedups on event_id, so trying again is safe.
  return 'retryable';
};

const describe = (status: number, error: GraphError): string => {
  const codes = error.code === undefined ? '' : ` ${error.code}${error.error_subcode ? `/${error.error_subcode}` : ''}`;
  const detail = [error.error_user_title, error.error_user_msg ?? error.message].filter(Boolean).join(': ');
  return `Meta error${codes} (HTTP ${status})${detail ? `: ${detail}` : ''}`;
};

/** Classifies one response. Never throws. */
export const classifyMetaResponse = (response: MetaResponse, durationMs: number): SendResult => {
  const { status, body, headers } = response;
  const root = asRecord(body);
  const error = graphError(body);
  const traceId =
    error?.fbtrace_id ??
    (typeof root?.fbtrace_id === 'string' ? root.fbtrace_id : undefined) ??
    header(headers, 'x-fb-trace-id');
  const base = { httpStatus: status, response: body, durationMs, ...(traceId ? { traceId } : {}) };

  if (status >= 200 && status < 300 && !error && typeof root?.events_received === 'number') {
    return { ...base, outcome: 'delivered', message: `events_received: ${root.events_received}` };
  }

  const outcome = outcomeOf(status, error);
  const platformCode =
    error?.code === undefined ? undefined : `${error.code}${error.error_subcode ? `/${error.error_subcode}` : ''}`;
  const message = error
    ? describe(status, error)
    : status >= 200 && status < 300
      ? `HTTP ${status} without events_received`
      : `HTTP ${status} without a Graph API error body`;
  const wait = outcome === 'rate_limited' || outcome === 'retryable' ? retryAfterMs(headers) : undefined;
  return {
    ...base,
    outcome,
    message,
    ...(platformCode ? { platformCode } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
};

/** The dashboard's client of Rastro's public API. Keys live in sessionStorage: gone when the tab closes. */
const KEY = 'rastro.admin_key';
const OPERATOR = 'rastro.operator_token';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  setKey: (key: string) => sessionStorage.setItem(KEY, key),
  operator: (): string | null => sessionStorage.getItem(OPERATOR),
  setOperator: (token: string) => sessionStorage.setItem(OPERATOR, token),
  signOut: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(OPERATOR);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The API's `details`: for `validation_failed`, one `{field, problem}` per bad field. */
    readonly details?: unknown,
  ) {
    super(message);
  }
  /** The route itself does not exist on this server (a capability not shipped yet). */
  get missingRoute(): boolean {
    return this.status === 404 && this.message.startsWith('no route for');
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export const onUnauthorized = (fn: Listener): (() => void) => {
  unauthorizedListeners.add(fn);
  return () => {
    unauthorizedListeners.delete(fn);
  };
};

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Send this bearer instead of the admin key (the operator token). */
  token?: string | null;
  query?: Record<string, string | number | undefined | null>;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token === undefined ? session.key() : options.token;
  const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  const url = `/api/v1${path}${query.length ? `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)]))}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const error = new ApiError(res.status, err?.code ?? 'error', err?.message ?? res.statusText, err?.details);
    if (res.status === 401 && options.token === undefined) unauthorizedListeners.forEach((fn) => fn());
    throw error;
  }
  return data as T;
}

/** Like api(), but null when the route does not exist on this server (optional capabilities). */
export async function optional<T>(path: string, options: RequestOptions = {}): Promise<T | null> {
  try {
    return await api<T>(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

// ---- Shapes of the API answers the dashboard reads ------------------------------------------------

export interface Me {
  tenant_id: string;
  name: string;
  scope: string;
  /** The id of the key signed in with, when the server says it (older servers do not). */
  key_id?: string;
}

export interface Destination {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  status: string;
  status_reason: string | null;
  rate_per_second?: number;
  batch_size?: number;
  created_at: string;
}

export interface DeliverySummary {
  destination_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

export interface EventItem {
  id: string;
  event_id: string;
  event_name: string;
  event_time: string;
  received_at: string;
  source: string;
  consent_ads: boolean;
  is_test: boolean;
  deliveries: DeliverySummary[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Attempt {
  at: string;
  batch_id: string | null;
  outcome: string;
  status?: string;
  http_status: number | null;
  message: string;
  trace_id?: string;
  duration_ms?: number;
}

export interface DeliveryDetail {
  id: string;
  destination_id: string;
  destination_name: string | null;
  destination_type: string | null;
  status: string;
  attempts: number;
  replays: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  latency_ms: number | null;
  last_error: string | null;
  /** EMQ estimate of what was sent to this destination (after enrichment), when recorded. */
  match_quality?: number | null;
  sent_payload: Record<string, unknown> | null;
  attempts_log: Attempt[];
}

export interface EventDetail {
  id: string;
  event_id: string;
  event_name: string;
  event_time: string;
  received_at: string;
  source: string;
  consent_ads: boolean;
  is_test: boolean;
  received: Record<string, unknown>;
  match?: Record<string, unknown> | null;
  deliveries: DeliveryDetail[];
}

export interface QualityFigures {
  received: number;
  deliveries: number;
  delivered: number;
  failed: number;
  dead: number;
  deduplicated: number;
  skipped: number;
  pending: number;
  delivery_rate: number | null;
  dedup_rate: number | null;
  latency_ms: { p50: number; p95: number; p99: number } | null;
  emq: number | null;
  coverage: Record<'em' | 'ph' | 'fbc' | 'fbp' | 'ip_ua' | 'external_id', number> | null;
}

export interface QualityReport {
  bucket: 'hour' | 'day';
  from: string;
  to: string;
  totals: QualityFigures;
  series: (QualityFigures & { t: string })[];
  event_names: (QualityFigures & { event_name: string })[];
  destinations: (QualityFigures & { destination_id: string; name: string | null; type: string | null })[];
  errors: { message: string; count: number }[];
  computed_at: string | null;
  backfilling: number;
}

export interface LedgerEntry {
  seq: number;
  entry_id: string;
  at: string;
  actor: string;
  entity_type: string;
  entity_id: string;
  type: string;
  data: unknown;
  hash: string;
}

export interface Verify {
  ok: boolean;
  entries: number;
  broken_at?: number;
  problem?: string;
}

export interface GatewayConnection {
  id: string;
  gateway: string;
  name: string;
  webhook_url: string;
}

export interface Receipt {
  id: string;
  received_at: string;
  status: string;
  event_type: string | null;
  error: string | null;
}

export interface Link {
  id: string;
  slug: string;
  url: string;
  target_url: string;
  created_at: string;
}

export interface ApiKey {
  id: string;
  scope: string;
  name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/** A request the API refused (bad input, bad signature), kept for inspection. */
export interface Rejection {
  id: string;
  at: string;
  /** The route, e.g. `/api/v1/events`. */
  source: string;
  method: string;
  url: string;
  code: string;
  message: string;
  /** For `validation_failed`: `{field, problem}[]`; other codes may carry an object or null. */
  details: unknown;
}

export interface RejectionDetail extends Rejection {
  /** The body as received (kept sealed, opened for this answer), or null when there was none. */
  body: string | null;
}

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Every environment variable Rastro reads, with its schema. `loadConfig` validates them at start-up
 * and refuses to start with one line naming the variable and the problem.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8787, description: 'HTTP port' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'HTTP bind address' }),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL server; embedded PGlite when unset' }),
  ),
  RASTRO_DATABASE_POOL: Type.Integer({
    minimum: 2,
    maximum: 500,
    default: 10,
    description:
      'PostgreSQL connections per process (each locked delivery batch holds one while the platform answers); PGlite has one',
  }),
  RASTRO_DATA_DIR: Type.String({ minLength: 1, default: './.rastro', description: 'Embedded data folder' }),
  RASTRO_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'Operator token (creates tenants)' })),
  RASTRO_METRICS_TOKEN: Type.Optional(
    Type.String({ minLength: 16, description: 'Bearer token /metrics requires when set (open when unset)' }),
  ),
  RASTRO_SECRET_KEY: Type.Optional(
    Type.String({
      pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$',
      description: '32-byte key (64 hex or base64url) that encrypts secrets at rest',
    }),
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  RASTRO_REQUEST_LOG: Type.Union([Type.Literal('all'), Type.Literal('errors'), Type.Literal('off')], {
    default: 'all',
    description:
      'Which requests get a log line at info level: all, errors (answers of 400 and above), or off; a busy track API writes thousands a second',
  }),
  RASTRO_ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], { default: 'all' }),
  RASTRO_API_PROCESSES: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 1,
    description:
      'Processes serving HTTP on the one port (node:cluster), e.g. one per core; PostgreSQL only. The first also runs the workers of role all',
  }),
  RASTRO_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'Public base URL' })),
  RASTRO_META_GRAPH_URL: Type.String({ pattern: '^https?://', default: 'https://graph.facebook.com' }),
  RASTRO_TRUSTED_PROXIES: Type.String({
    default: '',
    description: 'Comma-separated proxy IPs/CIDRs for X-Forwarded-For',
  }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  RASTRO_INGEST_WINDOW_MS: Type.Number({
    minimum: 0,
    maximum: 100,
    default: 2,
    description: 'Group commit window of the track API: how long a request waits for others to share its transaction',
  }),
  RASTRO_INGEST_SESSIONS: Type.Optional(
    Type.Union([Type.Literal('queue'), Type.Literal('inline')], {
      description:
        "How the track API writes sessions: queue (folded by the worker after the commit; default on PostgreSQL) or inline (in the events' statement; default on PGlite)",
    }),
  ),
  RASTRO_REDIRECT_WINDOW_MS: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 100,
      description:
        'Group commit window of /go/:slug redirects; 0 (the default on PostgreSQL) commits a click on the next event-loop turn (a person waits on the redirect), and clicks still share transactions under load; 1 on PGlite, where each statement costs this process a fixed price in CPU',
    }),
  ),
  RASTRO_REDIRECT_SYNC_COMMIT: Type.Union([Type.Literal('off'), Type.Literal('on')], {
    default: 'off',
    description:
      "PostgreSQL: whether a /go/:slug redirect waits for its click's WAL flush (on) or only for its commit (off: the default; a Rastro crash loses no click, a database server crash may lose the last ~0.6 s of clicks, and a slow disk flush no longer delays visitors). PGlite always waits. Events always wait",
  }),
  RASTRO_DELIVERY_LEASE_MS: Type.Optional(
    Type.Integer({
      minimum: 2_000,
      maximum: 3_600_000,
      description:
        "How long a worker's claimed deliveries stay leased before another worker retries them (crash recovery; default 120000). Platform requests time out at half of it",
    }),
  ),
  RASTRO_DELIVERY_LOCKED_BATCHES: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 64,
      description:
        'PostgreSQL: batches per worker process sent while their deliveries stay row-locked in an open transaction (one pooled connection each; one row write per attempt instead of two). Further batches are leased. Default 4; 0 always leases. PGlite always leases',
    }),
  ),
});

/** Never echoed back in an error message. */
const SECRET_VARIABLES = new Set([
  'RASTRO_ADMIN_TOKEN',
  'RASTRO_METRICS_TOKEN',
  'RASTRO_SECRET_KEY',
  'DATABASE_URL',
  'REDIS_URL',
]);

export type Env = Static<typeof EnvSchema>;

export type RequestLogPolicy = Env['RASTRO_REQUEST_LOG'];

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePool: number;
  dataDir: string;
  adminToken: string | undefined;
  metricsToken?: string | undefined;
  secretKey: string | undefined;
  logLevel: string;
  /** Which requests get a log line (see RASTRO_REQUEST_LOG). */
  requestLog: RequestLogPolicy;
  role: 'all' | 'api' | 'worker';
  /** HTTP processes sharing the port (RASTRO_API_PROCESSES); 1 = this process alone. */
  apiProcesses: number;
  publicUrl: string | undefined;
  metaGraphUrl: string;
  trustedProxies: string[];
  redisUrl: string | undefined;
  ingestWindowMs: number;
  /** How the track API writes sessions (RASTRO_INGEST_SESSIONS); unset: by engine. */
  ingestSessions: 'queue' | 'inline' | undefined;
  /** RASTRO_REDIRECT_WINDOW_MS; unset: by engine (see redirectWindowMs in src/links/redirect.ts). */
  redirectWindowMs: number | undefined;
  /** PostgreSQL: redirects wait for their click's WAL flush (RASTRO_REDIRECT_SYNC_COMMIT). */
  redirectSyncCommit: boolean;
  deliveryLeaseMs?: number | undefined;
  deliveryLockedBatches?: number | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Reads only the variables the schema names; unrelated environment is ignored. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  const first = Value.Errors(EnvSchema, withDefaults).First();
  if (first) {
    const variable = first.path.replace(/^\//, '') || 'environment';
    const got = SECRET_VARIABLES.has(variable) ? undefined : raw[variable];
    const schema = (EnvSchema.properties as Record<string, { anyOf?: { const: unknown }[] }>)[variable];
    const message = schema?.anyOf ? `must be one of ${schema.anyOf.map((s) => s.const).join(', ')}` : first.message;
    throw new ConfigError(variable, `${message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`);
  }
  const e = withDefaults as Env;
  if (e.RASTRO_API_PROCESSES > 1 && !e.DATABASE_URL) {
    // PGlite is a database inside one process: a second process cannot open it.
    throw new ConfigError('RASTRO_API_PROCESSES', 'more than one process needs PostgreSQL (set DATABASE_URL)');
  }
  if (e.RASTRO_API_PROCESSES > 1 && e.RASTRO_ROLE === 'worker') {
    throw new ConfigError('RASTRO_API_PROCESSES', 'role worker serves no API: scale workers by running more of them');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePool: e.RASTRO_DATABASE_POOL,
    dataDir: e.RASTRO_DATA_DIR,
    adminToken: e.RASTRO_ADMIN_TOKEN,
    metricsToken: e.RASTRO_METRICS_TOKEN,
    secretKey: e.RASTRO_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    requestLog: e.RASTRO_REQUEST_LOG,
    role: e.RASTRO_ROLE,
    apiProcesses: e.RASTRO_API_PROCESSES,
    publicUrl: e.RASTRO_PUBLIC_URL,
    metaGraphUrl: e.RASTRO_META_GRAPH_URL.replace(/\/+$/, ''),
    trustedProxies: e.RASTRO_TRUSTED_PROXIES.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    redisUrl: e.REDIS_URL,
    ingestWindowMs: e.RASTRO_INGEST_WINDOW_MS,
    ingestSessions: e.RASTRO_INGEST_SESSIONS,
    redirectWindowMs: e.RASTRO_REDIRECT_WINDOW_MS,
    redirectSyncCommit: e.RASTRO_REDIRECT_SYNC_COMMIT === 'on',
    deliveryLeaseMs: e.RASTRO_DELIVERY_LEASE_MS,
    deliveryLockedBatches: e.RASTRO_DELIVERY_LOCKED_BATCHES,
  };
}

export const ENV_DOCS = Object.entries(EnvSchema.properties).map(([name, schema]) => ({
  name,
  description: (schema as { description?: string }).description ?? '',
  default: (schema as { default?: unknown }).default,
}));

/**
 * Fault injection: a list of fault rules consulted, in order, for every request to the events edge.
 *
 * A rule with `count` fires on the next `count` matching requests and is then dropped; a rule with
 * `probability` fires on that fraction of matching requests (until cleared, or until its `count`
 * runs out when both are given). A rule with neither fires once.
 */
import { GraphCode, type GraphErrorSpec, tokenExpired } from './graph-errors.ts';

export const FAULT_TYPES = [
  '5xx',
  '429',
  'token_expired',
  'permission',
  'transient',
  'throttle',
  'malformed',
  'hang',
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultSpec {
  type: FaultType;
  /** Fire on this many matching requests, then drop the rule. */
  count?: number;
  /** Fire on this fraction (0..1) of matching requests. */
  probability?: number;
  /** `hang`: answer normally after this delay instead of never answering. */
  delayMs?: number;
  /** Only requests to this pixel match. */
  pixelId?: string;
  /** Override the HTTP status of the faulted answer. */
  status?: number;
  /** `throttle`: which rate-limit code (4, 17 or 80003; default 4). `permission`: override code 200. */
  code?: number;
  /** `429` and `throttle`: also send a Retry-After header with this many seconds. */
  retryAfterSec?: number;
}

export interface FaultConfig {
  faults?: FaultSpec[];
  /** Added to every answer of the events edge. */
  latencyMs?: number;
  /** Replace the current rules instead of appending to them. */
  replace?: boolean;
}

export type FaultInput = FaultSpec | FaultSpec[] | FaultConfig;

interface Rule {
  spec: FaultSpec;
  remaining: number;
  fired: number;
}

/** What the server should do for a faulted request. */
export type FaultAction =
  | { kind: 'error'; type: FaultType; error: GraphErrorSpec; headers?: Record<string, string> }
  | { kind: 'malformed'; type: 'malformed' }
  | { kind: 'hang'; type: 'hang'; delayMs?: number };

export class FaultInjector {
  private rules: Rule[] = [];
  latencyMs = 0;
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Accepts one spec, a list, or a `{faults, latencyMs, replace}` config. Throws on a bad spec. */
  add(input: FaultInput): void {
    let specs: FaultSpec[];
    if (Array.isArray(input)) specs = input;
    else if ('type' in input) specs = [input];
    else {
      const config = input as FaultConfig;
      if (config.replace) this.rules = [];
      if (config.latencyMs !== undefined) {
        if (typeof config.latencyMs !== 'number' || config.latencyMs < 0) throw new TypeError('latencyMs must be >= 0');
        this.latencyMs = config.latencyMs;
      }
      specs = config.faults ?? [];
    }
    const rules = specs.map(checkSpec);
    this.rules.push(...rules);
  }

  clear(): void {
    this.rules = [];
    this.latencyMs = 0;
  }

  /** Rules still armed, with how many times each has fired. */
  list(): Array<FaultSpec & { remaining: number | null; fired: number }> {
    return this.rules.map((r) => ({
      ...r.spec,
      remaining: Number.isFinite(r.remaining) ? r.remaining : null,
      fired: r.fired,
    }));
  }

  get size(): number {
    return this.rules.length;
  }

  /** Picks the fault for a request to `pixelId`, if any, consuming one use of it. */
  next(pixelId: string): FaultAction | undefined {
    if (this.rules.length === 0) return undefined;
    for (let k = 0; k < this.rules.length; k++) {
      const rule = this.rules[k]!;
      if (rule.spec.pixelId !== undefined && rule.spec.pixelId !== pixelId) continue;
      if (rule.spec.probability !== undefined && this.random() >= rule.spec.probability) continue;
      rule.fired++;
      rule.remaining--;
      if (rule.remaining <= 0) this.rules.splice(k, 1);
      return actionFor(rule.spec);
    }
    return undefined;
  }
}

function checkSpec(spec: FaultSpec): Rule {
  if (!spec || typeof spec !== 'object' || !(FAULT_TYPES as readonly string[]).includes(spec.type)) {
    throw new TypeError(`fault type must be one of ${FAULT_TYPES.join(', ')}`);
  }
  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1)) {
    throw new TypeError('fault count must be a positive integer');
  }
  if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
    throw new TypeError('fault probability must be between 0 and 1');
  }
  if (spec.delayMs !== undefined && !(spec.delayMs >= 0)) throw new TypeError('fault delayMs must be >= 0');
  if (spec.type === 'throttle' && spec.code !== undefined && ![4, 17, 80003].includes(spec.code)) {
    throw new TypeError('throttle code must be 4, 17 or 80003');
  }
  const remaining = spec.count ?? (spec.probability !== undefined ? Infinity : 1);
  return { spec: { ...spec }, remaining, fired: 0 };
}

const THROTTLE_MESSAGES: Record<number, string> = {
  [GraphCode.APP_RATE_LIMIT]: '(#4) Application request limit reached',
  [GraphCode.USER_RATE_LIMIT]: '(#17) User request limit reached',
  [GraphCode.ADS_RATE_LIMIT]: '(#80003) There have been too many calls to this ad account. Wait a bit and try again.',
};

function retryAfter(spec: FaultSpec): Record<string, string> | undefined {
  return spec.retryAfterSec !== undefined ? { 'retry-after': String(spec.retryAfterSec) } : undefined;
}

export function actionFor(spec: FaultSpec): FaultAction {
  switch (spec.type) {
    case '5xx':
      return {
        kind: 'error',
        type: spec.type,
        error: {
          status: spec.status ?? 500,
          code: GraphCode.UNKNOWN,
          message: 'An unknown error has occurred.',
          isTransient: true,
        },
      };
    case '429':
      return {
        kind: 'error',
        type: spec.type,
        error: {
          status: spec.status ?? 429,
          code: GraphCode.APP_RATE_LIMIT,
          message: THROTTLE_MESSAGES[GraphCode.APP_RATE_LIMIT]!,
          isTransient: true,
        },
        headers: retryAfter(spec),
      };
    case 'token_expired':
      return { kind: 'error', type: spec.type, error: tokenExpired(spec.status ?? 400) };
    case 'permission':
      return {
        kind: 'error',
        type: spec.type,
        error: {
          status: spec.status ?? 403,
          code: spec.code ?? GraphCode.PERMISSION,
          message: '(#200) Permissions error',
          userTitle: 'Missing permission',
          userMsg: 'The access token does not have permission to send events to this dataset.',
        },
      };
    case 'transient':
      return {
        kind: 'error',
        type: spec.type,
        error: {
          status: spec.status ?? 503,
          code: GraphCode.SERVICE,
          message: 'An unexpected error has occurred. Please retry your request later.',
          isTransient: true,
        },
      };
    case 'throttle': {
      const code = spec.code ?? GraphCode.APP_RATE_LIMIT;
      return {
        kind: 'error',
        type: spec.type,
        error: { status: spec.status ?? 400, code, message: THROTTLE_MESSAGES[code]!, isTransient: true },
        headers: retryAfter(spec),
      };
    }
    case 'malformed':
      return { kind: 'malformed', type: 'malformed' };
    case 'hang':
      return { kind: 'hang', type: 'hang', delayMs: spec.delayMs };
  }
}

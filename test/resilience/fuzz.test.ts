import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.ts';
import { signWebhook } from '../../src/gateways/sign.ts';
import { OPERATOR_TOKEN, startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination } from '../support/meta.ts';

/**
 * Bad input at every public route (read from /openapi.json): malformed, oversized, wrongly typed,
 * deeply nested and hostile payloads, bad credentials and bad or valid signatures over garbage.
 * Every answer is a 2xx (the input happened to be valid) or a 4xx with `{error: {code, message}}`;
 * never a 5xx, never a crash; memory stays bounded; valid traffic sent alongside is all accepted.
 */
v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * The suite replays fixed seeds so that CI is repeatable; `FUZZ_SEED=random` explores a new seed
 * (printed on failure) and `FUZZ_SEED=n` replays one.
 */
const FUZZ_SEED =
  process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20_261_123);

const GATEWAYS = ['generic', 'hotmart', 'stripe', 'kiwify', 'shopify', 'woocommerce', 'perfectpay', 'braip', 'appmax'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Route {
  method: string;
  path: string;
  hasBody: boolean;
}

/** Values that have broken parsers and databases before. */
const HOSTILE = [
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%0d%0aX-Injected: 1',
  '\r\nX-Injected: 1',
  '💥'.repeat(2_000),
  'A'.repeat(70_000),
  '__proto__',
  'constructor',
  'prototype',
  '1e309',
  '-1',
  '9007199254740993',
  'NaN',
  'null',
  'true',
  '2024-02-30T25:61:61Z',
  'fb.1.1.',
  '0195d8f4-0000-7000-8000-000000000000',
];
const hostileValue = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 1.5, Number.MAX_SAFE_INTEGER, true, false, null),
  fc.constantFrom(
    [],
    {},
    [[[[[]]]]],
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as unknown,
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Valid bodies to mutate, so fuzzing reaches past the first schema check. */
const validEvent = (id: string) => ({
  event_name: 'purchase',
  event_id: id,
  url: 'https://shop.example.com/obrigado',
  user: { email: 'maria@example.com', phone: '+5511987654321' },
  value: 10,
  currency: 'BRL',
  contents: [{ id: 'sku', quantity: 1, price: 10 }],
});
const TEMPLATES: Record<string, () => Record<string, unknown>> = {
  'POST /api/v1/track': () => ({ events: [validEvent('tpl-1')] }),
  'POST /api/v1/track/{event}': () => {
    const { event_name: _n, ...rest } = validEvent('tpl-2');
    return rest;
  },
  'POST /api/v1/events': () => ({ events: [validEvent('tpl-3')] }),
  'POST /api/v1/destinations': () => ({
    type: 'meta_capi',
    name: 'fuzz',
    config: { pixel_id: '123456789012345', access_token: 'EAAfuzztoken12345' },
  }),
  'POST /api/v1/gateway-connections': () => ({ gateway: 'generic', name: 'fuzz', secret: 'whsec_fuzz' }),
  'POST /api/v1/links': () => ({ slug: 'fuzz-link', target_url: 'https://shop.example.com/', utm: { source: 'x' } }),
  'PUT /api/v1/settings/matching': () => ({ grace_seconds: 30, window_days: 7 }),
  'PATCH /api/v1/ingest/settings': () => ({ allowed_origins: ['https://shop.example.com'] }),
  'POST /api/v1/replay': () => ({ statuses: ['dead'], limit: 10 }),
  'POST /api/v1/tenants': () => ({ name: 'fuzz' }),
  'POST /api/v1/keys': () => ({ scope: 'ingest', name: 'fuzz' }),
};

/** Sets `value` at a random path of `target` (an existing key, or a new one). */
function mutate(target: unknown, picks: number[], key: string, value: unknown): unknown {
  if (typeof target !== 'object' || target === null || picks.length === 0) return value;
  const keys = Object.keys(target);
  const [pick, ...rest] = picks;
  const chosen = keys.length > 0 && pick! % 4 !== 0 ? keys[pick! % keys.length]! : key;
  // An array's `length` can be neither deleted nor set to a non-number: such a pick mutates a plain-object copy.
  const asArray = Array.isArray(target) && chosen !== 'length';
  const copy: Record<string, unknown> = asArray ? ([...(target as unknown[])] as never) : { ...target };
  if (pick! % 7 === 0 && chosen in copy) delete copy[chosen];
  else copy[chosen] = mutate(copy[chosen], rest, key, value);
  return copy;
}

const nested = (depth: number, kind: 'array' | 'object') =>
  kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

type Auth = 'none' | 'bogus' | 'ingest' | 'admin' | 'operator';

interface Case {
  route: Route;
  auth: Auth;
  params: string[];
  query: [string, string][];
  contentType: string | undefined;
  body: { kind: 'json' | 'mutated' | 'raw' | 'nested' | 'none'; value: unknown };
}

describe('bad input at every public route', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let routes: Route[];
  const connections: Record<string, { id: string; path: string; secret: string }> = {};
  const answers: { status: number; route: string; body: string }[] = [];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => void crashes.push(error);

  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('fuzz');
    await addMetaDestination(t, tenant);
    const spec = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, hasBody: !!op.requestBody })),
    );
    for (const gateway of GATEWAYS) {
      const secret = `secret-${gateway}-0123456789`;
      const res = await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
        gateway,
        name: gateway,
        secret,
      });
      const view = res.json() as { id: string; webhook_url: string };
      const url = new URL(view.webhook_url);
      connections[gateway] = { id: view.id, path: `${url.pathname}${url.search}`, secret };
    }
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await t?.close();
  });

  const keyFor = (auth: Auth): string | undefined =>
    ({
      none: undefined,
      bogus: 'rk_bogus_0123456789abcdef',
      ingest: tenant.keys.ingest,
      admin: tenant.keys.admin,
      operator: OPERATOR_TOKEN,
    })[auth];

  /** One request; records and checks the answer's shape. */
  async function send(options: InjectOptions, label: string) {
    const res = await t.inject(options);
    // A slice would keep the whole response string alive (V8 sliced strings): copy the few bytes kept.
    answers.push({ status: res.statusCode, route: label, body: Buffer.from(res.body.slice(0, 300)).toString() });
    expect(res.statusCode, `${label} -> ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
    if (res.statusCode >= 400) {
      const body = res.json() as { error?: { code?: unknown; message?: unknown } };
      expect(Object.keys(ERROR_CODES), `${label}: ${res.body.slice(0, 300)}`).toContain(body.error?.code);
      expect(typeof body.error?.message === 'string' && body.error.message.length > 0, label).toBe(true);
    }
    return res;
  }

  /** Valid traffic interleaved with the fuzz: every request must be accepted and stored. */
  const validIds: string[] = [];
  let validSeq = 0;
  const sendValid = async () => {
    const id = `valid-${++validSeq}`;
    validIds.push(id);
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/track',
      headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': 'Mozilla/5.0 (X11) Chrome/126' },
      payload: { events: [validEvent(id)] },
    });
    expect(res.statusCode, res.body).toBe(202);
  };

  const caseArb = (): fc.Arbitrary<Case> =>
    fc.record({
      route: fc.constantFrom(...routes),
      auth: fc.constantFrom<Auth>('none', 'bogus', 'ingest', 'ingest', 'admin', 'admin', 'admin', 'operator'),
      params: fc.array(
        fc.oneof(
          fc.uuid(),
          fc.constantFrom(...GATEWAYS, 'purchase', 'page_view', '%00', '..', 'a'.repeat(300), '%F0%9F%92%A5', '%'),
          fc.string({ maxLength: 20 }),
        ),
        { minLength: 3, maxLength: 3 },
      ),
      query: fc.array(
        fc.tuple(
          fc.constantFrom('limit', 'cursor', 'from', 'to', 'status', 'key', 'rst', 'event_name', 'destination_id', 'x'),
          fc.oneof(
            fc.constantFrom('-1', '0', '1e9', 'abc', '2024-13-45', '', '%00', 'null'),
            fc.string({ maxLength: 30 }),
          ),
        ),
        { maxLength: 3 },
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=utf-16',
        undefined,
      ),
      body: fc.oneof(
        fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 5 }) }),
        fc.record({
          kind: fc.constant('mutated' as const),
          value: fc.tuple(
            fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
            fc.string({ maxLength: 12 }),
            hostileValue,
          ),
        }),
        fc.record({
          kind: fc.constant('raw' as const),
          value: fc.oneof(
            fc.constantFrom(
              '{',
              '{"events":[',
              '{"a":1,}',
              "{'a':1}",
              'NaN',
              '\u0000',
              '[1,2',
              '{"__proto__":{"x":1}}',
            ),
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          ),
        }),
        fc.record({
          kind: fc.constant('nested' as const),
          value: fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')),
        }),
        fc.record({ kind: fc.constant('none' as const), value: fc.constant(undefined) }),
      ),
    });

  function build(c: Case): { options: InjectOptions; label: string } {
    let i = 0;
    let path = c.route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(c.params[i++] ?? 'x'));
    // Half the webhook cases go to a real connection, so the signature checks and parsers run.
    if (c.route.path.includes('/webhooks/') && c.params[0] && GATEWAYS.includes(c.params[0])) {
      path = connections[c.params[0]]!.path.split('?')[0]!;
    }
    const query = new URLSearchParams(c.query).toString();
    const url = `${path}${query ? (path.includes('?') ? '&' : '?') + query : ''}`;
    const headers: Record<string, string> = {};
    const key = keyFor(c.auth);
    if (key) headers.authorization = `Bearer ${key}`;
    if (c.contentType) headers['content-type'] = c.contentType;
    let payload: string | Buffer | undefined;
    const b = c.body;
    if (b.kind === 'json') payload = JSON.stringify(b.value);
    else if (b.kind === 'mutated') {
      const [picks, newKey, value] = b.value as [number[], string, unknown];
      const template = TEMPLATES[`${c.route.method} ${c.route.path}`]?.() ?? { events: [validEvent('m')] };
      payload = JSON.stringify(mutate(template, picks, newKey, value));
    } else if (b.kind === 'raw') payload = b.value as string | Buffer;
    else if (b.kind === 'nested') {
      const [depth, kind] = b.value as [number, 'array' | 'object'];
      payload = nested(depth, kind);
    }
    if (payload === undefined) delete headers['content-type'];
    return {
      options: {
        method: c.route.method as InjectOptions['method'],
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      },
      label: `${c.route.method} ${url.slice(0, 120)} [${c.auth}, ${c.contentType}, ${b.kind}]`,
    };
  }

  it('answers every malformed, hostile or unauthorized request with a 4xx error body, never a 5xx', async () => {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb(), async (c) => {
        const { options, label } = build(c);
        // Every tenth case, valid traffic goes alongside, concurrently.
        const [res] = await Promise.all([send(options, label), ++n % 10 === 0 ? sendValid() : Promise.resolve()]);
        const malformed =
          c.route.hasBody &&
          // An empty body is an absent one (a beacon with no properties), not malformed JSON.
          options.payload !== undefined &&
          String(options.payload).length > 0 &&
          (c.body.kind === 'raw' || c.body.kind === 'nested') &&
          (c.contentType === 'application/json' || c.contentType === 'text/plain');
        if (malformed && res.statusCode < 400) {
          // Only syntactically valid JSON may get through the parser.
          expect(() => JSON.parse(String(options.payload)), label).not.toThrow();
        }
      }),
      { numRuns: 1_500, seed: FUZZ_SEED, verbose: 1 },
    );
    gc();
    // Reported only: what random cases allocate depends on the seed. The bound on memory is the
    // deterministic test below.
    const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(crashes).toEqual([]);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    console.log(
      `fuzz: ${answers.length} requests, by status ${JSON.stringify(countBy(answers.map((a) => String(a.status))))}, ` +
        `heap growth ${heapGrowthMiB.toFixed(1)} MiB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 240_000);

  /** A valid generic order with one field made hostile: reaches the mapper and the receipt insert. */
  const genericOrder = fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 12 }), hostileValue)
    .map(([picks, key, value]) =>
      mutate(
        {
          event_type: 'order.paid',
          order_id: 'fuzz-order',
          status: 'approved',
          amount: 10,
          currency: 'BRL',
          occurred_at: new Date().toISOString(),
          buyer: { email: 'a@example.com', first_name: 'Ana' },
          products: [{ id: 'p', quantity: 1, name: 'x' }],
          tracking: { utm_source: 'fb', landing_url: 'https://shop.example.com/', client_ip: '203.0.113.7' },
        },
        picks,
        key,
        value,
      ),
    );

  it('refuses signed garbage and bad signatures at every gateway with a 4xx (or ignores it with a 200)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GATEWAYS, 'generic', 'generic', 'generic'),
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.dictionary(fc.string({ maxLength: 10 }), hostileValue),
          genericOrder,
        ),
        fc.boolean(),
        async (gateway, payload, rightSecret) => {
          const connection = connections[gateway]!;
          const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
          let signed;
          try {
            signed = signWebhook(gateway, body, rightSecret ? connection.secret : 'wrong-secret-0123456789');
          } catch {
            return; // the helper refuses a body it cannot put a token in; nothing to send
          }
          const query = new URLSearchParams(
            Object.entries(signed.query).filter((e): e is [string, string] => e[1] !== undefined),
          );
          const rst = new URL(connection.path, 'http://x').searchParams.get('rst');
          if (rst && rightSecret) query.set('rst', rst);
          const url = `${connection.path.split('?')[0]}${query.size ? `?${query}` : ''}`;
          const headers = Object.fromEntries(
            Object.entries(signed.headers).filter((e): e is [string, string] => e[1] !== undefined),
          );
          const [res] = await Promise.all([
            send({ method: 'POST', url, headers, payload: signed.rawBody }, `webhook ${gateway} ${body.slice(0, 80)}`),
            ++n % 10 === 0 ? sendValid() : Promise.resolve(),
          ]);
          if (!rightSecret && gateway !== 'appmax') expect(res.statusCode, `${gateway}: ${res.body}`).toBe(401);
        },
      ),
      { numRuns: 600, seed: FUZZ_SEED },
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  }, 120_000);

  it('refuses oversized bodies with 413 and survives pathological nesting', async () => {
    const big = JSON.stringify({ events: [{ event_name: 'x', custom: { pad: 'A'.repeat(6 * 2 ** 20) } }] });
    for (const url of ['/api/v1/track', '/api/v1/events', connections.generic!.path]) {
      const res = await send(
        {
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': 'application/json' },
          payload: big,
        },
        `oversized ${url}`,
      );
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toMatchObject({
        code: 'payload_too_large',
        message: expect.stringContaining('at most 5 MiB'),
        details: { limit_bytes: 5 * 2 ** 20 },
      });
    }
    for (const depth of [100_000, 1_000_000]) {
      for (const kind of ['array', 'object'] as const) {
        const res = await send(
          {
            method: 'POST',
            url: '/api/v1/track',
            headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'content-type': 'application/json' },
            payload: nested(depth, kind),
          },
          `nested ${kind} ${depth}`,
        );
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
      }
    }
    // A body of 200,000 tiny events: refused by the schema, quickly.
    const many = JSON.stringify({ events: Array.from({ length: 200_000 }, () => ({})) });
    const started = performance.now();
    const res = await send(
      {
        method: 'POST',
        url: '/api/v1/track',
        headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'content-type': 'application/json' },
        payload: many,
      },
      'many events',
    );
    expect(res.statusCode).toBe(400);
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 120_000);

  it('keeps no request body: memory stays flat over 160 MiB of large hostile requests', async () => {
    const pad = 'A'.repeat(2 ** 20);
    const bodies = [
      JSON.stringify({ events: [{ event_name: 'lead', content_name: pad }] }), // too long a field
      `{"events":[{"event_name":"lead","custom":{"x":"${pad}"}}`, // truncated JSON
      JSON.stringify({ event_type: 'order.paid', order_id: pad }), // unsigned webhook
      JSON.stringify({ name: pad }), // tenant name too long
    ];
    const targets = [
      { url: '/api/v1/track', key: tenant.keys.ingest },
      { url: '/api/v1/events', key: tenant.keys.admin },
      { url: connections.generic!.path, key: undefined },
      { url: '/api/v1/tenants', key: OPERATOR_TOKEN },
    ];
    const round = async () => {
      for (const body of bodies) {
        for (const { url, key } of targets) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (key) headers.authorization = `Bearer ${key}`;
          const res = await send({ method: 'POST', url, headers, payload: body }, `large ${url}`);
          expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        }
      }
    };
    await round(); // warm-up: caches, compiled schemas, the rejection store's first pages
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 10; i++) await round();
    gc();
    const after = process.memoryUsage();
    const growthMiB = (after.heapUsed - before.heapUsed) / 2 ** 20;
    // External memory is reported, not bounded: PGlite's WASM memory grows with the 64 KiB of each
    // body that the rejection store keeps (sealed) for inspection.
    const externalMiB = (after.external - before.external) / 2 ** 20;
    console.log(
      `large bodies: 160 requests of ~1 MiB, heap growth ${growthMiB.toFixed(1)} MiB, external ${externalMiB.toFixed(1)} MiB`,
    );
    // Keeping even one parsed body in ten would add 16 MiB.
    expect(growthMiB).toBeLessThan(8);
  }, 120_000);

  it('keeps the fixes for what fuzzing found', async () => {
    const json = (url: string, key: string, payload: string) =>
      send(
        {
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload,
        },
        url,
      );
    // A lone surrogate is stored as U+FFFD; NUL is refused; neither is a 500.
    const tenantRes = await json('/api/v1/tenants', OPERATOR_TOKEN, '{"name":"caf\\ud83d"}');
    expect(tenantRes.statusCode).toBe(201);
    expect((tenantRes.json() as { name: string }).name).toBe('caf\uFFFD');
    const nul = await json(
      '/api/v1/events',
      tenant.keys.admin,
      '{"events":[{"event_name":"lead","content_name":"a\\u0000"}]}',
    );
    expect(nul.statusCode).toBe(400);
    // An inherited property name is not a destination type (`constructor` was looked up on the prototype).
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await json(
        '/api/v1/destinations',
        tenant.keys.admin,
        JSON.stringify({ type, name: 'x', config: { pixel_id: '123456789012345', access_token: 'EAAx12345' } }),
      );
      expect(res.statusCode, type).toBe(400);
      expect(res.body, type).toContain('body.type');
    }
    // Deep nesting inside `custom` is refused before it reaches the database.
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const deepRes = await json(
      '/api/v1/events',
      tenant.keys.admin,
      `{"events":[{"event_name":"lead","custom":{"x":${deep}}}]}`,
    );
    expect(deepRes.statusCode).toBe(400);
    // Router refusals (a segment over the router's length limit, a broken %-escape) carry Rastro's error body.
    for (const url of [`/api/v1/events/${'a'.repeat(150)}`, '/api/v1/events/%E0%A4%A']) {
      const res = await send({ method: 'GET', url, headers: { authorization: `Bearer ${tenant.keys.admin}` } }, url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect((res.json() as { error: { code: string } }).error.code, url).toMatch(/^(validation_failed|not_found)$/);
    }
    // A signed webhook whose order id holds NUL and a lone surrogate is received, not refused.
    const order = JSON.stringify({
      event_type: 'order.paid',
      order_id: 'ord\u0000\ud800',
      status: 'approved',
      amount: 10,
      currency: 'BRL',
      occurred_at: new Date().toISOString(),
      buyer: { email: 'a@example.com' },
      products: [{ id: 'p\u0000', quantity: 1 }],
    });
    const signed = signWebhook('generic', order, connections.generic!.secret);
    const webhook = await send(
      {
        method: 'POST',
        url: connections.generic!.path,
        headers: signed.headers as Record<string, string>,
        payload: signed.rawBody,
      },
      'webhook with NUL',
    );
    expect(webhook.statusCode).toBe(200);
  });

  it('accepted and stored every valid request sent alongside', async () => {
    expect(validIds.length).toBeGreaterThan(100);
    const stored = await t.rastro.ctx.db
      .selectFrom('events')
      .select('event_id')
      .where('tenant_id', '=', tenant.id)
      .where('event_id', 'like', 'valid-%')
      .execute();
    expect(new Set(stored.map((r) => r.event_id))).toEqual(new Set(validIds));
    const health = await t.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(UUID_RE.test(tenant.id)).toBe(true);
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

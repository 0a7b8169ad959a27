import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
const pgCpu = () => { let t = 0; for (const d of readdirSync('/proc')) { if (!/^\d+$/.test(d)) continue; try { if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue; const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' '); t += Number(f[11]) + Number(f[12]); } catch {} } return t * 10; };
const nodeCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
import { startRastro } from '../src/runtime/start.ts';
import { commitTrackGroup } from '../src/ingest/committer.ts';
import { canonicalizeEvents } from '../src/events/accept.ts';
import { enabledDestinations } from '../src/destinations/store.ts';
import { benchConfig, createBenchDatabase, OPERATOR_TOKEN, BENCH_PIXEL, BENCH_TOKEN } from '../bench/support.ts';
const engine = (process.argv[2] ?? 'postgres') as 'postgres' | 'pglite';
const db = await createBenchDatabase(engine, engine === 'postgres' ? 'postgres://postgres@127.0.0.1:55432/postgres' : undefined);
const rastro = await startRastro({ config: benchConfig(db, { RASTRO_ROLE: 'api' }), logger: false });
const call = async (m: string, url: string, key: string, payload?: object) => (await rastro.app.inject({ method: m as 'POST', url, headers: { authorization: `Bearer ${key}` }, payload })).json();
const tenant = await call('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name: 'b' });
await call('POST', '/api/v1/destinations', tenant.keys.admin, { type: 'meta_capi', name: 'm', config: { pixel_id: BENCH_PIXEL, access_token: BENCH_TOKEN } });
const rnd = () => Math.random().toString(36).slice(2, 12);
const pv = (i: number) => ({ event_name: 'page_view', url: 'https://shop.example.com/produto/curso-' + (i % 50) + '?utm_source=facebook', referrer: 'https://l.facebook.com/', session_id: 'rs' + rnd() + rnd(), fbp: 'fb.1.1700000000000.' + (1000000000 + i), fbc: 'fb.1.1700000000000.IwAR' + rnd(), utm_source: 'facebook', utm_campaign: 'bf' });
const ctx = rastro.ctx;
const tenantId = tenant.tenant?.id ?? tenant.id;
const N = 500;
for (let round = 0; round < 6; round++) {
  const inputs = Array.from({ length: N }, (_, i) => (i % 10 === 9 ? { ...pv(i), event_name: 'lead', user: { email: `b${i}${round}@example.com`, phone: '+55119' + (10000000 + i) } } : pv(i)));
  const t0 = performance.now();
  const targets = await enabledDestinations(ctx.db, ctx.secrets, tenantId);
  const t1 = performance.now();
  canonicalizeEvents(inputs as never, 'track', targets, { clientIp: '1.2.3.4', userAgent: 'Mozilla/5.0' }, (i) => `e.${i}`);
  const t2 = performance.now();
  const items = Array.from({ length: 5 }, (_, k) => ({ tenantId, inputs: inputs.slice(k * 100, k * 100 + 100) as never, clientIp: '1.2.3.4', userAgent: 'Mozilla/5.0', field: (i: number) => `e.${i}` }));
  await commitTrackGroup(ctx, items);
  const t3 = performance.now();
  console.log(`targets ${(t1 - t0).toFixed(1)} ms, canonicalize ${N}: ${(t2 - t1).toFixed(1)} ms, commitTrackGroup ${N}: ${(t3 - t2).toFixed(1)} ms`);
}

const { writeToOutbox } = await import('../src/delivery/outbox.ts');
const { recordSessionTouches, sessionTouchOf } = await import('../src/sessions/record.ts');

const phase = { outbox: [0, 0], sessions: [0, 0] };
for (let round = 0; round < 10; round++) {
  const inputs = Array.from({ length: N }, (_, i) => pv(i));
  const targets = await enabledDestinations(ctx.db, ctx.secrets, tenantId);
  const outbox = canonicalizeEvents(inputs as never, 'track', targets, { clientIp: '1.2.3.4', userAgent: 'Mozilla/5.0' }, (i) => `e.${i}`);
  const touches = outbox.map((o) => sessionTouchOf(o.event, {}, new Date())!).filter(Boolean);
  await ctx.db.transaction().execute(async (trx) => {
    let p0 = pgCpu(), n0 = nodeCpu();
    await writeToOutbox(trx, tenantId, outbox, targets);
    phase.outbox[0] += pgCpu() - p0; phase.outbox[1] += nodeCpu() - n0;
    p0 = pgCpu(); n0 = nodeCpu();
    await recordSessionTouches(trx, tenantId, touches);
    phase.sessions[0] += pgCpu() - p0; phase.sessions[1] += nodeCpu() - n0;
  });
}
console.log('per event µs [pg, node]', JSON.stringify(Object.fromEntries(Object.entries(phase).map(([k, v]) => [k, v.map((x) => Math.round((x * 1000) / (10 * N)))]))));
await rastro.close?.();
await db.drop();
process.exit(0);

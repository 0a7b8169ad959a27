import { signWebhook } from '../src/gateways/sign.ts';
import { startRastro } from '../src/runtime/start.ts';
import { benchConfig, createBenchDatabase, OPERATOR_TOKEN } from '../bench/support.ts';
const db = await createBenchDatabase(process.argv[2] === 'pg' ? 'postgres' : 'pglite', 'postgres://postgres@127.0.0.1:55432/postgres');
const rastro = await startRastro({ config: benchConfig(db, { RASTRO_ROLE: 'api' }), logger: false, listen: false });
const tenant = (await rastro.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, payload: { name: 'b' } })).json();
const conn = (await rastro.app.inject({ method: 'POST', url: '/api/v1/gateway-connections', headers: { authorization: `Bearer ${tenant.keys.admin}` }, payload: { gateway: 'generic', name: 'b', secret: 'secret-123' } })).json();
const url = new URL(conn.webhook_url).pathname;
const reqs = Array.from({ length: 300 }, (_, i) => signWebhook('generic', { event_type: 'order.paid', order_id: `o${i}`, status: 'approved', amount: 1, currency: 'BRL', occurred_at: new Date().toISOString(), buyer: { email: 'a@b.com', phone: '+5511987654321' }, products: [], tracking: {} }, 'secret-123'));
let t = performance.now();
for (const r of reqs.slice(0, 100)) { const res = await rastro.app.inject({ method: 'POST', url, headers: { ...(r.headers as any), 'content-type': 'application/json' }, payload: r.rawBody }); if (res.statusCode !== 200) console.log(res.body); }
console.log('sequential ms/req', (performance.now() - t) / 100);
t = performance.now();
await Promise.all(reqs.slice(100).map((r) => rastro.app.inject({ method: 'POST', url, headers: { ...(r.headers as any), 'content-type': 'application/json' }, payload: r.rawBody })));
console.log('concurrent 200 total ms', performance.now() - t);
t = performance.now();
for (let i = 0; i < 100; i++) await rastro.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${tenant.keys.ingest}` } });
console.log('me ms/req', (performance.now() - t) / 100);
await rastro.stop(); await db.drop();

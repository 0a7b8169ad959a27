import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/database.ts';
import { freePort, spawned } from '../support/processes.ts';

/**
 * RASTRO_API_PROCESSES: several `rastro serve` members behind one port (node:cluster). On
 * PostgreSQL (CI's second pass) a real cluster serves, counts, survives a killed member and stops
 * gracefully; on the embedded store the setting is refused before anything starts.
 */
const { serve, rastro } = spawned();
const OPERATOR = 'cluster-operator-token-0123456789';

describe('RASTRO_API_PROCESSES on the embedded store', () => {
  it('is refused in one line naming the variable: PGlite lives in one process', async () => {
    const run = await rastro(['serve'], { RASTRO_API_PROCESSES: '2', PORT: String(await freePort()) }, 30_000);
    // `serve --processes` is the same setting.
    const flag = await rastro(['serve', '--processes', '3', '--port', String(await freePort())], {}, 30_000);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toContain('RASTRO_API_PROCESSES: more than one process needs PostgreSQL');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('RASTRO_API_PROCESSES: more than one process needs PostgreSQL');
    expect(run.stderr).not.toContain('    at ');
  });
});

describe.skipIf(!process.env.DATABASE_URL)('RASTRO_API_PROCESSES=2 on PostgreSQL', () => {
  it('spreads requests over both members, sums their metrics, replaces a killed member and stops on SIGTERM', async () => {
    const database = await openTestDatabase();
    try {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const server = await serve({
        DATABASE_URL: database.url!,
        PORT: String(port),
        RASTRO_API_PROCESSES: '2',
        RASTRO_ADMIN_TOKEN: OPERATOR,
        RASTRO_SECRET_KEY: 'ab'.repeat(32),
      });
      const until = async (text: string, count = 1) => {
        const deadline = Date.now() + 60_000;
        while (server.output().split(text).length - 1 < count && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(server.output().split(text).length - 1, server.output()).toBeGreaterThanOrEqual(count);
      };
      await until('rastro cluster serving');
      // The primary was started without the server's V8 flags; its members run with them.
      expect(server.output()).not.toContain('started without');

      const post = (path: string, key: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const tenant = (await (await post('/api/v1/tenants', OPERATOR, { name: 'cluster' })).json()) as {
        keys: { admin: string; ingest: string };
      };
      const track = async (n: number) => {
        const answers = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            post('/api/v1/track/page_view', tenant.keys.ingest, { url: `https://shop.example/${i}` }),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual(Array.from({ length: n }, () => 202));
      };
      await track(20);

      // Both members answered track requests (each log line names its member). A member's lines reach
      // the primary's output through its own pipe, so they are waited for, not read at once.
      const members = () =>
        new Set(
          server
            .output()
            .split('\n')
            .filter((l) => l.includes('"route":"/api/v1/track/:event"'))
            .map((l) => (JSON.parse(l) as { member: number }).member),
        );
      const seen = Date.now() + 10_000;
      while (members().size < 2 && Date.now() < seen) await new Promise((r) => setTimeout(r, 100));
      expect([...members()].sort()).toEqual([0, 1]);

      // Whichever member takes the scrape, the counters are the whole cluster's.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const tracked = metrics
        .split('\n')
        .find((l) => l.startsWith('rastro_http_requests_total{') && l.includes('route="/api/v1/track/:event"'));
      expect(tracked, metrics.slice(0, 2000)).toMatch(/ 20$/);

      // A member killed outright is replaced, and the cluster keeps answering meanwhile.
      const listening = server.output().split('rastro listening').length - 1;
      process.kill(memberOf(server.output(), 1), 'SIGKILL');
      await until('api process exited; starting another');
      await until('rastro listening', listening + 1);
      await track(10);

      const count = (await (
        await fetch(`${base}/api/v1/events/count`, { headers: { authorization: `Bearer ${tenant.keys.admin}` } })
      ).json()) as { count: number };
      expect(count.count).toBe(30);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output().split('rastro stopped').length - 1).toBe(2);
    } finally {
      await database.close();
    }
  }, 180_000);
});

/** The pid of a member, from its latest "rastro listening" line (a member's lines carry its pid). */
function memberOf(output: string, member: number): number {
  const lines = output.split('\n').filter((l) => l.includes('"msg":"rastro listening"'));
  const line = lines.reverse().find((l) => (JSON.parse(l) as { member?: number }).member === member);
  return (JSON.parse(line!) as { pid: number }).pid;
}

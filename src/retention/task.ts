import { sql } from 'kysely';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { DEDUP_WINDOW_HOURS } from '../delivery/outbox.ts';

/** How often retention runs; each run is a few indexed deletes. */
const EVERY_MS = 10 * 60_000;
const DEFAULT_RAW_DAYS = 30;
const REJECTED_DAYS = 30;

/**
 * Retention (C11): raw webhook bodies are purged after their connection's retention period (the
 * mapped, hashed conversion stays); dedup keys leave after the 48 h window; rejected requests
 * after 30 days.
 */
export async function runRetention(ctx: AppContext): Promise<number> {
  const raw = await sql`
    update webhook_receipts r set body_sealed = null
    from gateway_connections c
    where r.tenant_id = c.tenant_id and r.connection_id = c.connection_id and r.body_sealed is not null
      and r.received_at < now() - make_interval(days => coalesce((c.settings->>'raw_retention_days')::int, ${DEFAULT_RAW_DAYS}))
  `.execute(ctx.db);
  const dedup = await sql`
    delete from dedup_keys where created_at < now() - make_interval(hours => ${DEDUP_WINDOW_HOURS})
  `.execute(ctx.db);
  const rejected = await sql`
    delete from rejected_requests where at < now() - make_interval(days => ${REJECTED_DAYS})
  `.execute(ctx.db);
  return [raw, dedup, rejected].reduce((n, r) => n + Number(r.numAffectedRows ?? 0), 0);
}

export function retentionTask(ctx: AppContext): WorkerTask {
  let last = 0;
  return {
    name: 'retention',
    idleMs: 60_000,
    run: async () => {
      if (Date.now() - last < EVERY_MS) return 0;
      last = Date.now();
      await runRetention(ctx);
      return 0;
    },
  };
}

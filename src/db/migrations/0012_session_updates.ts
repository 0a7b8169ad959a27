import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * Sessions are updated by every event that names them (last seen, count, last touch). With
 * `last_seen` in an index, each of those updates wrote a new row version elsewhere and an entry in
 * every index of the table (primary key, IP, fbclid, click id). Indexed on (tenant, IP) alone, and
 * with room left on each page, an update that keeps the IP and click ids is a heap-only tuple: the
 * new version goes next to the old one and no index is touched.
 *
 * The IP rule of matching (a sale's IP and user agent seen in a session) reads the sessions of that
 * IP and keeps those seen in its window: a shared IP (a carrier's NAT) costs more rows read, once
 * per sale to match, against three index entries saved on every tracked event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    alter table sessions set (fillfactor = 80);
    drop index sessions_ip;
    create index sessions_ip on sessions (tenant_id, ip);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    alter table sessions reset (fillfactor);
    drop index sessions_ip;
    create index sessions_ip on sessions (tenant_id, ip, last_seen);
  `,
  );
}

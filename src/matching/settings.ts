import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Per-tenant matching knobs, kept in `tenants.settings.matching`. */
export interface MatchingSettings {
  /** Click-through attribution window. */
  window_days: number;
  /** At or above: matched automatically. */
  auto_threshold: number;
  /** At or above (and below auto): matched and flagged for review. Below: unmatched. */
  review_threshold: number;
  /** How long a conversion without a confident match waits for late click data before it goes out. */
  grace_seconds: number;
}

export const DEFAULT_MATCHING: MatchingSettings = {
  window_days: 7,
  auto_threshold: 0.85,
  review_threshold: 0.6,
  grace_seconds: 30,
};

export async function matchingSettings(db: Kysely<Database>, tenantId: string): Promise<MatchingSettings> {
  const row = await db.selectFrom('tenants').select('settings').where('tenant_id', '=', tenantId).executeTakeFirst();
  const stored = (row?.settings as { matching?: Partial<MatchingSettings> } | undefined)?.matching ?? {};
  return { ...DEFAULT_MATCHING, ...stored };
}

import type { ConversionTables } from './tables/conversions.ts';
import type { DeliveryTables } from './tables/delivery.ts';
import type { FoundationTables } from './tables/foundation.ts';
import type { IngestTables } from './tables/ingest.ts';
import type { QualityTables } from './tables/quality.ts';

/**
 * The Kysely view of every table. Each capability declares its tables in `tables/<capability>.ts`
 * and is added here. Every table leads with `tenant_id` (Citus distribution column).
 */
export interface Database extends FoundationTables, DeliveryTables, ConversionTables, IngestTables, QualityTables {}

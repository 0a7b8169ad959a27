import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_delivery.ts';
import * as m0004 from './0004_conversions.ts';
import * as m0003 from './0003_ingest.ts';
import * as m0006 from './0006_delivery_match_quality.ts';
import * as m0005 from './0005_quality.ts';
import * as m0007 from './0007_drop_sessions_fbp.ts';
import * as m0008 from './0008_batch_payloads.ts';
import * as m0009 from './0009_event_id_mask.ts';
import * as m0010 from './0010_delivery_writes.ts';
import * as m0011 from './0011_lean_indexes.ts';
import * as m0012 from './0012_session_updates.ts';
import * as m0013 from './0013_delivery_key.ts';
import * as m0014 from './0014_quality_deltas.ts';
import * as m0015 from './0015_event_payload_json.ts';
import * as m0016 from './0016_session_touch_json.ts';
import * as m0017 from './0017_session_touch_queue.ts';
import * as m0018 from './0018_session_functions.ts';

/**
 * Numbered, immutable migrations: never edit a released one, add the next number.
 * Listed explicitly (no directory scanning) so the bundle and tests see the same set.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_delivery': m0002,
  '0003_ingest': m0003,
  '0004_conversions': m0004,
  '0005_quality': m0005,
  '0006_delivery_match_quality': m0006,
  '0007_drop_sessions_fbp': m0007,
  '0008_batch_payloads': m0008,
  '0009_event_id_mask': m0009,
  '0010_delivery_writes': m0010,
  '0011_lean_indexes': m0011,
  '0012_session_updates': m0012,
  '0013_delivery_key': m0013,
  '0014_quality_deltas': m0014,
  '0015_event_payload_json': m0015,
  '0016_session_touch_json': m0016,
  '0017_session_touch_queue': m0017,
  '0018_session_functions': m0018,
};

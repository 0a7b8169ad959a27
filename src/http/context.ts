import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.ts';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import type { Database } from '../db/schema.ts';
import type { Engine } from '../db/database.ts';
import type { DeliveryPolicy } from '../delivery/policy.ts';

/** What every route module receives: explicit dependencies instead of globals. */
export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  engine: Engine;
  secrets: SecretBox;
  metrics: Registry;
  /** Present when this process runs workers (role `all` or `worker`); /readyz checks it. */
  worker?: { isAlive(): boolean };
  /** Overrides of the delivery state machine's knobs (tests, benchmarks). */
  deliveryPolicy?: Partial<DeliveryPolicy>;
  /** Called with teardown work (Redis connections…) when the process stops. */
  onClose: (fn: () => Promise<void>) => void;
}

import { randomBytes, randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// Entropy is drawn 4 KiB at a time: one crypto.getRandomValues per id cost ~10 % of the ingest
// path's CPU (node:crypto's own randomUUID pools the same way).
const ENTROPY = Buffer.allocUnsafe(16 * 256);
let entropyAt = ENTROPY.length;

/**
 * `n` (at most 256) random bytes from the pool. A view, valid until the next call: read it at once.
 */
export function pooledRandom(n: number): Uint8Array {
  if (n > 256) throw new RangeError('pooledRandom: at most 256 bytes at a time');
  if (entropyAt + n > ENTROPY.length) {
    randomFillSync(ENTROPY);
    entropyAt = 0;
  }
  entropyAt += n;
  return ENTROPY.subarray(entropyAt - n, entropyAt);
}

// Passing our own random bytes bypasses uuid's internal monotonic state, so it is kept here, as
// RFC 9562 §6.2 method 1 (and uuid itself) does: a 32-bit counter seeded randomly each new
// millisecond and incremented within one, so ids of one process sort in creation order.
let lastMs = -Infinity;
let seq = 0;

/** Time-ordered ids (UUIDv7) keep b-tree inserts append-only and sort by creation. */
export function newId(): string {
  const random = pooledRandom(16);
  const now = Date.now();
  if (now > lastMs) {
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return uuidv7({ random, msecs: lastMs, seq });
}

/** URL-safe random token of `bytes` bytes of entropy. */
/** The textual form of a UUID (any version), as PostgreSQL and the API's `format: 'uuid'` take it. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

import { randomBytes, randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// Entropy is drawn 4 KiB at a time: one crypto.getRandomValues per id cost ~10 % of the ingest
// path's CPU (node:crypto's own randomUUID pools the same way).
const ENTROPY = Buffer.allocUnsafe(16 * 256);
let entropyAt = ENTROPY.length;
function random16(): Uint8Array {
  if (entropyAt === ENTROPY.length) {
    randomFillSync(ENTROPY);
    entropyAt = 0;
  }
  entropyAt += 16;
  return ENTROPY.subarray(entropyAt - 16, entropyAt);
}

// Passing our own random bytes bypasses uuid's internal monotonic state, so it is kept here, as
// RFC 9562 §6.2 method 1 (and uuid itself) does: a 32-bit counter seeded randomly each new
// millisecond and incremented within one, so ids of one process sort in creation order.
let lastMs = -Infinity;
let seq = 0;

/** Time-ordered ids (UUIDv7) keep b-tree inserts append-only and sort by creation. */
export function newId(): string {
  const random = random16();
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
export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

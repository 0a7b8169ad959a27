import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids (UUIDv7) keep b-tree inserts append-only and sort by creation. */
export const newId = (): string => uuidv7();

/** URL-safe random token of `bytes` bytes of entropy. */
export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

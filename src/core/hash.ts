import { hash } from 'node:crypto';

/** SHA-256 in hex. The one-shot `crypto.hash` (Node 20.12+) is 2.5× a `createHash` object for short values. */
export const sha256Hex = (value: string | Buffer): string => hash('sha256', value, 'hex');

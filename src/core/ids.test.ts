import { describe, expect, it } from 'vitest';
import { newId, pooledRandom } from './ids.ts';

describe('newId', () => {
  it('is a UUIDv7 (RFC 9562 version and variant bits)', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('never repeats and sorts in creation order, within one millisecond and across the entropy pool refills', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the creation time in its first 48 bits', () => {
    const before = Date.now();
    const id = newId();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});

describe('pooledRandom', () => {
  it('hands out fresh bytes of the size asked for, across refills, and refuses more than 256', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const n = 1 + (i % 40);
      const bytes = pooledRandom(n);
      expect(bytes.length).toBe(n);
      if (n >= 8) seen.add(Buffer.from(bytes).toString('hex'));
    }
    // 8 or more random bytes never repeat by chance: a repeat would mean the pool handed a slice out twice.
    expect(seen.size).toBe([...Array(2_000).keys()].filter((i) => 1 + (i % 40) >= 8).length);
    expect(() => pooledRandom(257)).toThrow(RangeError);
  });
});

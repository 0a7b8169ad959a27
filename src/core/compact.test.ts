import { describe, expect, it } from 'vitest';
import { compact } from './compact.ts';

describe('compact', () => {
  it('drops undefined, null and empty strings, keeps false, 0 and nested objects as they are', () => {
    const nested = { a: undefined };
    expect(compact({ a: undefined, b: null, c: '', d: false, e: 0, f: 'x', g: nested })).toEqual({
      d: false,
      e: 0,
      f: 'x',
      g: nested,
    });
  });

  it('returns a new object and leaves its argument alone', () => {
    const input = { a: 1, b: undefined };
    const out = compact(input);
    expect(out).not.toBe(input);
    expect(input).toHaveProperty('b');
  });
});

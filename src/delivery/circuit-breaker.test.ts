import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_POLICY, retryDelayMs } from './policy.ts';

describe('circuit breaker', () => {
  const make = () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 1000, 8000, () => now);
    return { breaker, tick: (ms: number) => (now += ms) };
  };

  it('opens after consecutive failures, probes with one event, closes on success', () => {
    const { breaker, tick } = make();
    for (let i = 0; i < 3; i++) {
      expect(breaker.allow()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    expect(breaker.waitMs()).toBe(1000);
    tick(1000);
    expect(breaker.state).toBe('half_open');
    expect(breaker.probeLimit(500)).toBe(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.probeLimit(500)).toBe(500);
  });

  it('re-opens for twice as long when the probe fails, up to the cap', () => {
    const { breaker, tick } = make();
    for (let i = 0; i < 3; i++) breaker.failure();
    const openFor: number[] = [];
    for (let i = 0; i < 5; i++) {
      openFor.push(breaker.waitMs());
      tick(breaker.waitMs());
      expect(breaker.allow()).toBe(true);
      breaker.failure();
    }
    expect(openFor).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('a success resets the failure count', () => {
    const { breaker } = make();
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('honours a platform pause without counting it as a failure', () => {
    const { breaker, tick } = make();
    breaker.pause(500);
    expect(breaker.allow()).toBe(false);
    tick(500);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('closed');
  });
});

describe('retry delay (exponential, full jitter)', () => {
  it('stays within the exponential ceiling and the cap', () => {
    const p = { ...DEFAULT_POLICY, baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect(retryDelayMs(1, p, () => 0.999)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(4, p, () => 0.999)).toBeLessThanOrEqual(8000);
    expect(retryDelayMs(4, p, () => 0.999)).toBeGreaterThan(7000);
    expect(retryDelayMs(20, p, () => 0.999)).toBeLessThanOrEqual(60_000);
    expect(retryDelayMs(3, p, () => 0)).toBe(250);
  });
});

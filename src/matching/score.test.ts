import { describe, expect, it } from 'vitest';
import { combine, decidingRule, ipUaWeight, recencyFactor, RULE_WEIGHTS, score, statusFor } from './score.ts';

const DAY = 86_400_000;

describe('match scoring', () => {
  it('a carried click id alone is an automatic match', () => {
    const s = score([{ rule: 'click_id', weight: RULE_WEIGHTS.click_id, detail: '' }], 10 * 60_000, 7 * DAY);
    expect(s).toBeGreaterThanOrEqual(0.85);
    expect(statusFor(s, 0.85, 0.6)).toBe('matched');
  });

  it('combines independent evidence as a noisy-OR', () => {
    expect(
      combine([
        { rule: 'ip_ua', weight: 0.5, detail: '' },
        { rule: 'phone', weight: 0.5, detail: '' },
      ]),
    ).toBe(0.75);
    expect(combine([])).toBe(0);
  });

  it('IP+UA alone is never automatic, and weakens with age and lookalikes', () => {
    const fresh = ipUaWeight(5 * 60_000, 1);
    expect(fresh).toBeLessThan(0.85);
    expect(fresh).toBeGreaterThanOrEqual(0.6);
    expect(statusFor(fresh, 0.85, 0.6)).toBe('review');
    expect(ipUaWeight(6 * 3600_000, 1)).toBeLessThan(0.1);
    expect(ipUaWeight(5 * 60_000, 3)).toBeLessThan(0.6);
  });

  it('IP+UA plus an email seen in the session is strong', () => {
    const s = score(
      [
        { rule: 'email', weight: RULE_WEIGHTS.email, detail: '' },
        { rule: 'ip_ua', weight: ipUaWeight(60_000, 1), detail: '' },
      ],
      60_000,
      7 * DAY,
    );
    expect(s).toBeGreaterThan(0.97);
  });

  it('decays deterministic evidence mildly across the window', () => {
    expect(recencyFactor(30 * 60_000, 7 * DAY)).toBe(1);
    expect(recencyFactor(7 * DAY, 7 * DAY)).toBeCloseTo(0.9);
    const old = score([{ rule: 'phone', weight: RULE_WEIGHTS.phone, detail: '' }], 7 * DAY, 7 * DAY);
    expect(old).toBeLessThan(0.85);
    expect(statusFor(old, 0.85, 0.6)).toBe('review');
  });

  it('names the strongest rule', () => {
    expect(
      decidingRule([
        { rule: 'ip_ua', weight: 1, detail: '' },
        { rule: 'email', weight: 1, detail: '' },
      ]),
    ).toBe('email');
  });
});

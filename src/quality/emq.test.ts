import { describe, expect, it } from 'vitest';
import {
  coverageOfHistogram,
  emqBand,
  emqOfHistogram,
  estimateEmq,
  identifiersOf,
  identifiersOfMask,
  IDENTIFIERS,
  isMatchable,
  maskOf,
  type Identifier,
} from './emq.ts';

const h = 'a'.repeat(64);

describe('EMQ estimate', () => {
  it('scores nothing and broad-only sets 0, as Meta refuses them (2804050)', () => {
    expect(estimateEmq([])).toBe(0);
    expect(estimateEmq(['user_agent'])).toBe(0);
    expect(estimateEmq(['client_ip'])).toBe(0);
    expect(estimateEmq(['ct', 'st', 'country', 'ge', 'db'])).toBe(0);
    expect(estimateEmq(['fn', 'ln'])).toBe(0);
    expect(isMatchable(['fn', 'ln', 'zp'])).toBe(true);
    expect(estimateEmq(['fn', 'ln', 'zp'])).toBeGreaterThan(0);
  });

  it('orders the keys as Meta prioritises them: contact info and click id, then ids, then broad keys', () => {
    const alone = (id: Identifier) => estimateEmq([id]);
    expect(alone('em')).toBeGreaterThan(alone('ph'));
    expect(alone('ph')).toBeGreaterThanOrEqual(alone('fbc'));
    expect(alone('fbc')).toBeGreaterThan(alone('fbp'));
    expect(estimateEmq(['client_ip', 'user_agent'])).toBeGreaterThan(alone('external_id'));
    expect(alone('fbp')).toBeGreaterThan(estimateEmq(['fn', 'ln', 'ct']));
  });

  it('lands typical integrations in the bands Events Manager shows', () => {
    const pageview = estimateEmq(['fbp', 'client_ip', 'user_agent']);
    expect(emqBand(pageview)).toBe('ok');
    const lead = estimateEmq(['em', 'fbp', 'client_ip', 'user_agent']);
    expect(emqBand(lead)).toBe('good');
    const purchase = estimateEmq(['em', 'ph', 'fbp', 'client_ip', 'user_agent']);
    expect(emqBand(purchase)).toBe('great');
    const everything = estimateEmq(IDENTIFIERS);
    expect(everything).toBeGreaterThanOrEqual(9.5);
    expect(everything).toBeLessThanOrEqual(10);
  });

  it('never decreases when a key is added (monotone), and stays within 0–10', () => {
    for (let mask = 0; mask < 1 << IDENTIFIERS.length; mask += 7) {
      const score = estimateEmq(mask);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(10);
      for (let bit = 0; bit < IDENTIFIERS.length; bit++) {
        expect(estimateEmq(mask | (1 << bit))).toBeGreaterThanOrEqual(score);
      }
    }
  });

  it('reads the keys of a canonical event', () => {
    const ids = identifiersOf({
      user: { em: [h], ph: [], external_id: [h], fn: [h] },
      click_ids: { fbc: 'fb.1.1700000000000.abc', fbp: '' },
      client_ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
    });
    expect(ids).toEqual(['em', 'fbc', 'client_ip', 'user_agent', 'external_id', 'fn']);
    expect(identifiersOfMask(maskOf(ids))).toEqual(ids);
    expect(identifiersOf({})).toEqual([]);
  });

  it('aggregates a mask histogram into a mean score and coverage shares', () => {
    const strong = maskOf(['em', 'ph', 'client_ip', 'user_agent', 'fbp']);
    const weak = maskOf(['fbp']);
    const hist = { [strong]: 3, [weak]: 1 };
    const mean = emqOfHistogram(hist);
    expect(mean).toBeCloseTo((3 * estimateEmq(strong) + estimateEmq(weak)) / 4, 1);
    expect(coverageOfHistogram(hist)).toEqual({ em: 0.75, ph: 0.75, fbc: 0, fbp: 1, ip_ua: 0.75, external_id: 0 });
    expect(emqOfHistogram({})).toBeNull();
    expect(coverageOfHistogram({})).toBeNull();
  });
});

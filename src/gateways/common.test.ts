import { describe, expect, it } from 'vitest';
import {
  buildTracking,
  centsToMajor,
  currencyCode,
  joinPhone,
  minorToMajor,
  num,
  parseDate,
  parseForm,
  paymentMethodFrom,
  queryOf,
  splitName,
} from './common.ts';

describe('number and money readers', () => {
  it('reads numbers in the formats gateways send', () => {
    expect(num(197)).toBe(197);
    expect(num('197.00')).toBe(197);
    expect(num('197,90')).toBe(197.9);
    expect(num('1.234,56')).toBe(1234.56);
    expect(num('1,234.56')).toBe(1234.56);
    expect(num('abc')).toBeUndefined();
    expect(num('')).toBeUndefined();
    expect(num(Number.NaN)).toBeUndefined();
    expect(num(null)).toBeUndefined();
  });

  it('converts minor units', () => {
    expect(centsToMajor(19790)).toBe(197.9);
    expect(centsToMajor(5073)).toBe(50.73);
    expect(minorToMajor(4500, 'jpy')).toBe(4500);
    expect(minorToMajor(4500, 'KRW')).toBe(4500);
    expect(minorToMajor(12345, 'KWD')).toBe(12.345);
    expect(minorToMajor(19700, 'BRL')).toBe(197);
  });

  it('normalizes currency codes', () => {
    expect(currencyCode('brl')).toBe('BRL');
    expect(currencyCode('R$', 'BRL')).toBe('BRL');
    expect(currencyCode(undefined)).toBeUndefined();
  });
});

describe('people', () => {
  it('splits full names', () => {
    expect(splitName('Maria da Silva Souza')).toEqual({ first_name: 'Maria', last_name: 'da Silva Souza' });
    expect(splitName('  Prince ')).toEqual({ first_name: 'Prince' });
    expect(splitName(undefined)).toEqual({});
  });

  it('joins phone parts with the country code', () => {
    expect(joinPhone('55', '11', '987654321')).toBe('+5511987654321');
    expect(joinPhone('55', '11', '11987654321')).toBe('+5511987654321');
    expect(joinPhone(undefined, '11', '987654321')).toBe('11987654321');
    expect(joinPhone('55', undefined, '5511987654321')).toBe('+5511987654321');
    expect(joinPhone('55', '11', undefined)).toBeUndefined();
  });
});

describe('dates', () => {
  it('reads epoch ms/s, ISO and naive local times', () => {
    expect(parseDate(1735822920000)?.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(parseDate(1735822920)?.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(parseDate('2025-01-02T10:02:00-03:00')?.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(parseDate('2025-01-02 10:02', '-03:00')?.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(parseDate('2025-01-02 10:02:30', '-03:00')?.toISOString()).toBe('2025-01-02T13:02:30.000Z');
    expect(parseDate('02/01/2025 10:02', '-03:00')?.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(parseDate('not a date')).toBeUndefined();
    expect(parseDate(null)).toBeUndefined();
  });
});

describe('bodies and tracking', () => {
  it('parses form bodies with one level of brackets', () => {
    expect(parseForm('a=1&meta%5Butm_source%5D=fb&meta%5Bsck%5D=x')).toEqual({
      a: '1',
      meta: { utm_source: 'fb', sck: 'x' },
    });
  });

  it('reads query strings of relative and absolute URLs', () => {
    expect(queryOf('/p?utm_source=fb&x=&fbclid=1#top')).toEqual({ utm_source: 'fb', fbclid: '1' });
    expect(queryOf('https://a.example/?gclid=g')).toEqual({ gclid: 'g' });
    expect(queryOf('/no-query')).toEqual({});
  });

  it('builds tracking from aliases, keeping raw fields', () => {
    const tracking = buildTracking({
      raw: { sck: 'rst_1', UTM_SOURCE: 'fb', _fbp: 'fb.1.2.3', src: 'ads' },
      rastroIdKeys: ['rastro_id', 'sck'],
      known: { client_ip: '10.0.0.1' },
    });
    expect(tracking).toEqual({
      rastro_id: 'rst_1',
      utm_source: 'fb',
      fbp: 'fb.1.2.3',
      client_ip: '10.0.0.1',
      raw: { sck: 'rst_1', UTM_SOURCE: 'fb', _fbp: 'fb.1.2.3', src: 'ads' },
    });
  });

  it('maps payment method labels', () => {
    expect(paymentMethodFrom('credit_card')).toBe('card');
    expect(paymentMethodFrom('Boleto Bancário')).toBe('boleto');
    expect(paymentMethodFrom('pix')).toBe('pix');
    expect(paymentMethodFrom('ppcp-gateway paypal')).toBe('paypal');
    expect(paymentMethodFrom('bacs')).toBe('bank_transfer');
    expect(paymentMethodFrom('direct_debit')).toBe('bank_transfer');
    expect(paymentMethodFrom('cod')).toBe('other');
    expect(paymentMethodFrom(undefined)).toBeUndefined();
  });
});

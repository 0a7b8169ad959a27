import { describe, expect, it } from 'vitest';
import {
  normalizeCity,
  normalizeCountry,
  normalizeDateOfBirth,
  normalizeDocument,
  normalizeEmail,
  normalizeEmailForGoogle,
  normalizeExternalId,
  normalizeGender,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  phoneDigits,
} from './normalize.ts';
import { ISO_COUNTRY_CODES } from './regions.ts';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  John_Smith@Gmail.com ')).toBe('john_smith@gmail.com');
  });
  it.each(['', 'john', 'john@', '@gmail.com', 'john@gmail', 'john smith@gmail.com', 'a@b.', 'a@@b.com'])(
    'rejects %j',
    (value) => {
      expect(normalizeEmail(value)).toBeUndefined();
    },
  );
});

describe('normalizeEmailForGoogle', () => {
  it('removes dots and +tags in gmail.com and googlemail.com local parts', () => {
    expect(normalizeEmailForGoogle('John.Smith+ads@Gmail.com')).toBe('johnsmith@gmail.com');
    expect(normalizeEmailForGoogle('j.o.h.n@googlemail.com')).toBe('john@googlemail.com');
  });
  it('leaves other domains as Meta normalizes them', () => {
    expect(normalizeEmailForGoogle(' John.Smith+ads@Example.com')).toBe('john.smith+ads@example.com');
  });
  it('rejects what normalizeEmail rejects', () => {
    expect(normalizeEmailForGoogle('not-an-email')).toBeUndefined();
    expect(normalizeEmailForGoogle('+tag@gmail.com')).toBeUndefined();
  });
});

describe('normalizePhone', () => {
  it.each([
    ['(650)555-1212', 'US', '+16505551212'],
    ['+1 650 555 1212', 'BR', '+16505551212'],
    ['(11) 98765-4321', 'BR', '+5511987654321'],
    ['11987654321', 'BR', '+5511987654321'],
    ['+55 11 98765-4321', 'BR', '+5511987654321'],
    ['+55 (11) 98765-4321', undefined, '+5511987654321'],
    ['5511987654321', 'BR', '+5511987654321'],
    ['55 (11) 98765-4321', 'BR', '+5511987654321'],
    ['5511987654321', 'US', '+5511987654321'],
    ['011 98765-4321', 'BR', '+5511987654321'],
    ['0 21 11 98765-4321', 'BR', '+5511987654321'],
    ['00 55 11 98765 4321', 'BR', '+5511987654321'],
    ['(11) 3456-7890', 'br', '+551134567890'],
  ])('%s in %s → %s', (value, region, expected) => {
    expect(normalizePhone(value, region)).toBe(expected);
  });
  it.each([
    ['', 'BR'],
    ['abc', 'US'],
    ['123', 'BR'],
    ['+55 11 1234', 'BR'],
    ['55119876543210', 'BR'],
    ['(650)555-1212', undefined],
  ])('rejects %j in %s', (value, region) => {
    expect(normalizePhone(value, region)).toBeUndefined();
  });
  it('gives Meta the digits without +', () => {
    expect(phoneDigits('+5511987654321')).toBe('5511987654321');
  });
});

describe('normalizeName', () => {
  it.each([
    ['Mary', 'mary'],
    ['João', 'joão'],
    ['Ñúñez', 'ñúñez'],
    ['Valéry', 'valéry'],
    ['정', '정'],
    ["O'Brien", 'obrien'],
    ['  Mary-Ann  ', 'maryann'],
    ['da Silva', 'dasilva'],
  ])('%s → %s', (value, expected) => {
    expect(normalizeName(value)).toBe(expected);
  });
  it('composes decomposed accents (NFC)', () => {
    expect(normalizeName('Joa\u0303o')).toBe('jo\u00e3o');
  });
  it('drops values with nothing left', () => {
    expect(normalizeName(' .- ')).toBeUndefined();
  });
});

describe('normalizeCity', () => {
  it.each([
    ['São Paulo', 'sãopaulo'],
    ['New York', 'newyork'],
    ['Rio de Janeiro!', 'riodejaneiro'],
    ['Winston-Salem', 'winstonsalem'],
  ])('%s → %s', (value, expected) => {
    expect(normalizeCity(value)).toBe(expected);
  });
  it('drops empty values', () => {
    expect(normalizeCity(' - ')).toBeUndefined();
  });
});

describe('normalizeState', () => {
  it.each([
    ['CA', undefined, 'ca'],
    ['California', undefined, 'ca'],
    ['new york', 'us', 'ny'],
    ['São Paulo', undefined, 'sp'],
    ['sao paulo', 'br', 'sp'],
    ['Pará', 'BR', 'pa'],
    ['Rio Grande do Sul', undefined, 'rs'],
    ['SP', 'br', 'sp'],
    ['Ontario', 'ca', 'on'],
    ['Bavaria', 'de', 'bavaria'],
    ['Île-de-France', 'fr', 'îledefrance'],
  ])('%s (%s) → %s', (value, country, expected) => {
    expect(normalizeState(value, country)).toBe(expected);
  });
  it('drops empty values', () => {
    expect(normalizeState('--')).toBeUndefined();
  });
});

describe('normalizeZip', () => {
  it.each([
    ['94025-1234', 'us', '94025'],
    ['94025', 'us', '94025'],
    ['940251234', 'us', '94025'],
    ['94025-1234', undefined, '94025'],
    ['01310-100', 'br', '01310100'],
    ['01310100', 'br', '01310100'],
    ['01310-100', undefined, '01310100'],
    ['SW1A 1AA', 'gb', 'sw1a1'],
    ['10117', 'de', '10117'],
    ['K1A 0B1', 'ca', 'k1a0b1'],
  ])('%s (%s) → %s', (value, country, expected) => {
    expect(normalizeZip(value, country)).toBe(expected);
  });
  it.each([
    ['9402', 'us'],
    ['0131010', 'br'],
    ['', undefined],
    ['94#25', undefined],
  ])('rejects %j (%s)', (value, country) => {
    expect(normalizeZip(value, country)).toBeUndefined();
  });
});

describe('normalizeCountry', () => {
  it('knows all 249 ISO-3166-1 alpha-2 codes', () => {
    expect(ISO_COUNTRY_CODES.size).toBe(249);
  });
  it.each([
    ['BR', 'br'],
    [' us ', 'us'],
    ['Brazil', 'br'],
    ['Brasil', 'br'],
    ['United States', 'us'],
    ['United States of America', 'us'],
    ['USA', 'us'],
    ['Estados Unidos', 'us'],
    ['UK', 'gb'],
    ['United Kingdom', 'gb'],
    ['Alemanha', 'de'],
    ['México', 'mx'],
    ['Portugal', 'pt'],
  ])('%s → %s', (value, expected) => {
    expect(normalizeCountry(value)).toBe(expected);
  });
  it.each(['XX', 'Atlantis', '', 'B'])('rejects %j', (value) => {
    expect(normalizeCountry(value)).toBeUndefined();
  });
});

describe('normalizeGender', () => {
  it.each([
    ['F', 'f'],
    ['female', 'f'],
    ['Feminino', 'f'],
    ['M', 'm'],
    ['Male', 'm'],
    ['masculino', 'm'],
  ])('%s → %s', (value, expected) => {
    expect(normalizeGender(value)).toBe(expected);
  });
  it.each(['x', 'other', ''])('rejects %j', (value) => {
    expect(normalizeGender(value)).toBeUndefined();
  });
});

describe('normalizeDateOfBirth', () => {
  it.each([
    ['1990-05-17', '19900517'],
    ['19900517', '19900517'],
    ['17/05/1990', '19900517'],
    ['17-05-1990', '19900517'],
    ['7/5/1990', '19900507'],
    ['1990-05-17T23:30:00-03:00', '19900517'],
    ['1990-05-17T00:00:00.000Z', '19900517'],
    ['05/31/1990', '19900531'],
    ['29/02/2000', '20000229'],
  ])('%s → %s', (value, expected) => {
    expect(normalizeDateOfBirth(value)).toBe(expected);
  });
  it.each(['1990-13-01', '31/02/1990', '29/02/1999', '1850-01-01', '3000-01-01', 'yesterday', '', '1990-5-17x'])(
    'rejects %j',
    (value) => {
      expect(normalizeDateOfBirth(value)).toBeUndefined();
    },
  );
});

describe('normalizeExternalId and normalizeDocument', () => {
  it('trims external ids and keeps their case', () => {
    expect(normalizeExternalId('  ABC-123 ')).toBe('ABC-123');
    expect(normalizeExternalId('   ')).toBeUndefined();
  });
  it('keeps only the digits of CPF/CNPJ', () => {
    expect(normalizeDocument('123.456.789-09')).toBe('12345678909');
    expect(normalizeDocument('12.345.678/0001-95')).toBe('12345678000195');
    expect(normalizeDocument('n/a')).toBeUndefined();
  });
});

import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { apiVersionOf, MetaCapiConfigSchema } from './config.ts';
import { META_API_VERSION } from './version.ts';

describe('MetaCapiConfigSchema', () => {
  const valid = { pixel_id: '123456789012345', access_token: 'EAAB-secret-token' };

  it('accepts a minimal and a full config', () => {
    expect(Value.Check(MetaCapiConfigSchema, valid)).toBe(true);
    expect(
      Value.Check(MetaCapiConfigSchema, {
        ...valid,
        test_event_code: 'TEST123',
        default_phone_region: 'BR',
        api_version: 'v24.0',
      }),
    ).toBe(true);
  });

  it.each([
    ['a non-digit pixel id', { ...valid, pixel_id: 'px-123456' }],
    ['a missing token', { pixel_id: valid.pixel_id }],
    ['a 3-letter region', { ...valid, default_phone_region: 'BRA' }],
    ['a malformed api version', { ...valid, api_version: '25' }],
    ['an unknown field', { ...valid, app_secret: 'x' }],
  ])('rejects %s', (_, config) => {
    expect(Value.Check(MetaCapiConfigSchema, config)).toBe(false);
  });

  it('defaults the api version', () => {
    expect(apiVersionOf(valid)).toBe(META_API_VERSION);
    expect(Value.Default(MetaCapiConfigSchema, { ...valid })).toMatchObject({ api_version: 'v25.0' });
  });
});

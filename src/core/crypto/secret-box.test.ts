import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.ts';

describe('SecretBox (AES-256-GCM)', () => {
  const box = SecretBox.fromString(SecretBox.generateKey());

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal('EAAB-token');
    expect(a).toMatch(/^v1\./);
    expect(a).not.toContain('EAAB');
    expect(box.seal('EAAB-token')).not.toBe(a);
    expect(box.open(a)).toBe('EAAB-token');
  });

  it('detects tampering and a wrong key', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => SecretBox.fromString(SecretBox.generateKey()).open(sealed)).toThrow();
  });

  it('binds associated data (the tenant id)', () => {
    const sealed = box.seal('secret', 'tenant-a');
    expect(box.open(sealed, 'tenant-a')).toBe('secret');
    expect(() => box.open(sealed, 'tenant-b')).toThrow();
  });

  it('accepts hex keys and refuses short ones', () => {
    expect(() => SecretBox.fromString('ab'.repeat(32))).not.toThrow();
    expect(() => SecretBox.fromString('abcd')).toThrow(RangeError);
  });
});

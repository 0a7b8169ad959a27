import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption for secrets at rest (platform tokens, webhook secrets, raw payloads).
 * Sealed format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`; the version prefix lets a
 * future key rotation or algorithm change read old rows.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError('SecretBox needs a 32-byte key');
    this.key = key;
  }

  /** Accepts 64 hex chars or base64/base64url of 32 bytes. */
  static fromString(text: string): SecretBox {
    const trimmed = text.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64url');
    return new SecretBox(key);
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64url');
  }

  seal(plain: string | Buffer, associatedData?: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    if (associatedData) cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
  }

  openBuffer(sealed: string, associatedData?: string): Buffer {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new TypeError('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    if (associatedData) decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  open(sealed: string, associatedData?: string): string {
    return this.openBuffer(sealed, associatedData).toString('utf8');
  }
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/env.ts';
import { ConfigError } from '../config/env.ts';
import { SecretBox } from '../core/crypto/secret-box.ts';

/**
 * The key that encrypts secrets at rest. RASTRO_SECRET_KEY wins; in embedded mode a key is
 * generated once into the data folder (mode 0600). A server database needs the variable, because
 * every process sharing it must hold the same key.
 */
export function loadSecretBox(config: Config): SecretBox {
  if (config.secretKey) return SecretBox.fromString(config.secretKey);
  if (config.databaseUrl) {
    throw new ConfigError('RASTRO_SECRET_KEY', 'is required with DATABASE_URL (generate one: rastro secret-key)');
  }
  const file = join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${SecretBox.generateKey()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return SecretBox.fromString(readFileSync(file, 'utf8'));
}

/** Embedded mode also gets an operator token in the data folder when none is configured. */
export function loadOrCreateAdminToken(config: Config): { token: string; file?: string } | undefined {
  if (config.adminToken) return { token: config.adminToken };
  if (config.databaseUrl) return undefined;
  const file = join(config.dataDir, 'admin.token');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${SecretBox.generateKey()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { token: readFileSync(file, 'utf8').trim(), file };
}

#!/usr/bin/env node
// Builds the dashboard (web/) into web/dist with Vite. `--if-stale` skips the build when web/dist was
// built from the same sources (a hash of web/src, index.html, the Vite config and the dependency
// versions). Run by `npm start` (prestart), `npm test` (pretest) and the dashboard tests; never fails
// the caller when Vite is not installed (a production install without dev dependencies): the server
// then serves a page that says how to build the dashboard.
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { filesUnder, ROOT_DIR, sourceHashOf } from '../scripts/lib/source-hash.mjs';

const webDir = join(ROOT_DIR, 'web');
const distDir = join(webDir, 'dist');
const stampFile = join(distDir, '.build-hash');

export function sourceHash() {
  return sourceHashOf([...filesUnder(join(webDir, 'src')), join(webDir, 'index.html'), join(webDir, 'vite.config.ts')]);
}

export function isFresh() {
  return (
    existsSync(join(distDir, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceHash()
  );
}

/**
 * One build of this checkout at a time, across processes: parallel test files each ask for a fresh
 * dashboard, and two Vite builds into the same web/dist delete each other's files. A lock left by a
 * killed build is taken over after two minutes.
 */
async function withBuildLock(fn) {
  const lock = join(tmpdir(), `rastro-web-build-${createHash('sha256').update(webDir).digest('hex').slice(0, 12)}`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error?.code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`rastro: another dashboard build holds ${lock}`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function buildWeb({ ifStale = false, quiet = false } = {}) {
  if (ifStale && isFresh()) return 'fresh';
  // Another process may have built it while this one waited for the lock.
  return withBuildLock(() => (ifStale && isFresh() ? 'fresh' : build(quiet)));
}

async function build(quiet) {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.error(
      'rastro: vite is not installed; the dashboard is not built (run `npm install` then `npm run build:web`)',
    );
    return 'skipped';
  }
  const hash = sourceHash();
  await vite.build({ configFile: join(webDir, 'vite.config.ts'), logLevel: quiet ? 'error' : 'warn' });
  // Pre-compressed copies, served by @fastify/static to clients that accept them.
  for (const path of filesUnder(join(distDir, 'assets'))) {
    if (!/\.(js|css|svg|json)$/.test(path)) continue;
    const body = readFileSync(path);
    writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
  writeFileSync(stampFile, hash);
  if (!quiet) console.error(`rastro: dashboard built into ${relative(process.cwd(), distDir) || distDir}`);
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb({ ifStale: process.argv.includes('--if-stale'), quiet: process.argv.includes('--quiet') });
}

#!/usr/bin/env node
// Bundles the server's TypeScript sources (src/cli/main.ts and what it imports; packages stay
// external) into dist/server/rastro.mjs with esbuild, so `npm start` runs plain JavaScript instead
// of transforming every module through tsx's loader at each start (about a second of start-up).
// `--if-stale` skips the build when the bundle was made from the same sources (a hash of src/ and
// of the dependency versions); `bin/rastro.js` runs the bundle only while it is fresh and the
// sources otherwise, so an edited checkout never runs old code.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, ROOT_DIR, sourceHashOf } from './lib/source-hash.mjs';

const outDir = join(ROOT_DIR, 'dist', 'server');
export const SERVER_BUNDLE = join(outDir, 'rastro.mjs');
const stampFile = join(outDir, '.build-hash');
const thisFile = fileURLToPath(import.meta.url);

function sourceHash() {
  const sources = filesUnder(join(ROOT_DIR, 'src')).filter((path) => !/\.test\.ts$/.test(path));
  return sourceHashOf([...sources, thisFile]);
}

/** The bundle's path when it was built from the current sources, else null. */
export function freshServerBundle() {
  if (!existsSync(SERVER_BUNDLE) || !existsSync(stampFile)) return null;
  return readFileSync(stampFile, 'utf8') === sourceHash() ? SERVER_BUNDLE : null;
}

export async function buildServer({ ifStale = false, quiet = false } = {}) {
  if (ifStale && freshServerBundle()) return 'fresh';
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (!quiet) console.error('rastro: esbuild is not installed; the server runs from its sources (tsx)');
    return 'skipped';
  }
  const hash = sourceHash();
  mkdirSync(outDir, { recursive: true });
  const built = await esbuild.build({
    entryPoints: [join(ROOT_DIR, 'src', 'cli', 'main.ts')],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Stack traces and logged errors point at src/ (bin/rastro.js enables source maps).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: quiet ? 'error' : 'warning',
    write: false,
  });
  // Each file replaced whole (written aside, then renamed): a process starting meanwhile reads the old
  // bundle or the new one, never half of one. The stamp goes last.
  for (const file of built.outputFiles) {
    writeFileSync(`${file.path}.tmp`, file.contents);
    renameSync(`${file.path}.tmp`, file.path);
  }
  writeFileSync(stampFile, hash);
  if (!quiet) console.error(`rastro: server bundled into ${relative(process.cwd(), SERVER_BUNDLE) || SERVER_BUNDLE}`);
  return 'built';
}

if (process.argv[1] && thisFile === process.argv[1]) {
  await buildServer({ ifStale: process.argv.includes('--if-stale'), quiet: process.argv.includes('--quiet') });
}

#!/usr/bin/env node
// Entry point. Runs the server bundle (dist/server/rastro.mjs, made by scripts/build-server.mjs,
// which `npm start` runs first) when it was built from the current sources; otherwise loads the
// TypeScript sources through tsx's loader, so a checkout without a build, or with edited sources,
// still runs and runs what is on disk.
import { freshServerBundle } from '../scripts/build-server.mjs';

const bundle = process.env.RASTRO_FROM_SOURCES ? null : freshServerBundle();
if (bundle) {
  process.setSourceMapsEnabled(true);
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

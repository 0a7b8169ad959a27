#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx's loader so `npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

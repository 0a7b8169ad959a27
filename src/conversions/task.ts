import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { createMatcher } from '../matching/matcher.ts';
import { processEmissions, processReceipts } from './process.ts';

export function conversionTasks(ctx: AppContext): WorkerTask[] {
  const matcher = createMatcher();
  return [
    { name: 'webhook-receipts', run: () => processReceipts(ctx.db), idleMs: 50 },
    { name: 'conversion-emissions', run: () => processEmissions(ctx.db, ctx.secrets, matcher), idleMs: 50 },
  ];
}

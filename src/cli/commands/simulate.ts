import type { Command } from 'commander';
import { runSimulation } from '../../simulate/run.ts';
import { integerArgument } from '../arguments.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Drive synthetic visitors and sales through a fresh Rastro and grade matching against ground truth')
    .option('--visitors <n>', 'visitors to simulate', '10000')
    .option('--seed <n>', 'random seed (same seed, same population)', '42')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { visitors: string; seed: string; json?: boolean }) => {
      const visitors = integerArgument('--visitors', opts.visitors, { min: 1 });
      const seed = integerArgument('--seed', opts.seed);
      let lastStage = '';
      const report = await runSimulation({
        visitors,
        seed,
        databaseUrl: process.env.DATABASE_URL || undefined,
        onProgress: (done, total, stage) => {
          if (!process.stderr.isTTY && done !== total && stage === lastStage) return;
          lastStage = stage;
          process.stderr.write(`\r${stage}: ${done}/${total}${done === total ? '\n' : ''}`);
        },
      });
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(
        `visitors ${report.visitors} (seed ${report.seed}), sales ${report.sales}, matchable ${report.matchable}`,
      );
      console.log(
        `precision ${pct(report.precision)}  recall ${pct(report.recall)}  flagged ${pct(report.flaggedShare)}`,
      );
      console.log(
        `last-click accuracy ${pct(report.lastClickAccuracy)}  (${report.requests} requests, ${report.failedRequests} failed, ${report.seconds} s)`,
      );
      console.table(
        Object.entries(report.byArchetype).map(([archetype, f]) => ({
          archetype,
          sales: f.sales,
          matched: f.matched,
          review: f.review,
          correct: f.correct,
        })),
      );
    });
}

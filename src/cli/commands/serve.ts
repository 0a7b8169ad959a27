import closeWithGrace from 'close-with-grace';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/env.ts';
import { Demo } from '../../demo/run.ts';
import { clusterRank, joinCluster, memberRole, runPrimary, runsAsPrimary } from '../../runtime/cluster.ts';
import { missingServerFlags } from '../../runtime/node-flags.ts';
import { createLogger, startRastro } from '../../runtime/start.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API and/or the delivery workers')
    .option('--role <role>', 'all | api | worker (default: RASTRO_ROLE or all)')
    .option('--port <port>', 'HTTP port (default: PORT or 8787)')
    .option('--processes <n>', 'HTTP processes on the port, PostgreSQL only (default: RASTRO_API_PROCESSES or 1)')
    .option(
      '--demo',
      'Demo mode: a built-in Meta emulator and a demo tenant filled with live traffic (data in .rastro/demo)',
    )
    .action(async (opts: { role?: string; port?: string; processes?: string; demo?: boolean }) => {
      const env = { ...process.env };
      if (opts.role) env.RASTRO_ROLE = opts.role;
      if (opts.port) env.PORT = opts.port;
      if (opts.processes) env.RASTRO_API_PROCESSES = opts.processes;
      const demo = opts.demo ? new Demo() : undefined;
      await demo?.prepare(env);
      let config = loadConfig(env);
      if (demo && config.apiProcesses > 1) {
        throw new ConfigError('RASTRO_API_PROCESSES', 'the demo runs in one process (its database is embedded)');
      }
      if (runsAsPrimary(config)) {
        // A supervisor has nothing to close once its members have exited.
        process.exit(await runPrimary(config.apiProcesses, createLogger(config.logLevel)));
      }
      const rank = clusterRank();
      if (rank !== undefined) config = loadConfig({ ...env, RASTRO_ROLE: memberRole(config.role, rank) });
      const rastro = await startRastro({ config, ...(demo ? { deliveryPolicy: demo.deliveryPolicy } : {}) });
      const missing = missingServerFlags();
      if (missing.length > 0) {
        rastro.app.log.warn(
          { missing },
          `started without ${missing.join(' ')}: run \`node ${missing.join(' ')} bin/rastro.js serve\` (npm start does) ` +
            'to spare requests the pauses V8 takes to shrink the heap after a burst (docs/operations.md)',
        );
      }
      if (demo) {
        const info = await demo.start(rastro);
        console.log(
          `\nRastro demo ${info.reused ? 'continues' : 'is ready'}: open ${info.url}/ and sign in with the admin key\n\n` +
            `    ${info.adminKey}\n\nLive traffic goes through POST /api/v1/events to a Meta emulator at ${info.emulatorUrl}` +
            `${info.historyDays ? `; ${info.historyDays} days of history for the charts are being written` : ''}. Ctrl+C stops it.\n`,
        );
      }
      const grace = closeWithGrace(
        { delay: 30_000, skip: rank === undefined ? [] : ['SIGINT'] },
        async ({ signal, err }) => {
          if (err) rastro.app.log.error({ err }, 'fatal error, shutting down');
          else rastro.app.log.info({ signal }, 'shutting down');
          await demo?.stop();
          await rastro.stop();
        },
      );
      if (rank !== undefined) joinCluster(rastro.ctx.metrics, () => void grace.close());
    });
}

import closeWithGrace from 'close-with-grace';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.ts';
import { Demo } from '../../demo/run.ts';
import { startRastro } from '../../runtime/start.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API and/or the delivery workers')
    .option('--role <role>', 'all | api | worker (default: RASTRO_ROLE or all)')
    .option('--port <port>', 'HTTP port (default: PORT or 8787)')
    .option(
      '--demo',
      'Demo mode: a built-in Meta emulator and a demo tenant filled with live traffic (data in .rastro/demo)',
    )
    .action(async (opts: { role?: string; port?: string; demo?: boolean }) => {
      const env = { ...process.env };
      if (opts.role) env.RASTRO_ROLE = opts.role;
      if (opts.port) env.PORT = opts.port;
      const demo = opts.demo ? new Demo() : undefined;
      await demo?.prepare(env);
      const config = loadConfig(env);
      const rastro = await startRastro({ config, ...(demo ? { deliveryPolicy: demo.deliveryPolicy } : {}) });
      if (demo) {
        const info = await demo.start(rastro);
        console.log(
          `\nRastro demo ${info.reused ? 'continues' : 'is ready'}: open ${info.url}/ and sign in with the admin key\n\n` +
            `    ${info.adminKey}\n\nLive traffic goes through POST /api/v1/events to a Meta emulator at ${info.emulatorUrl}` +
            `${info.historyDays ? `; ${info.historyDays} days of history for the charts are being written` : ''}. Ctrl+C stops it.\n`,
        );
      }
      closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
        if (err) rastro.app.log.error({ err }, 'fatal error, shutting down');
        else rastro.app.log.info({ signal }, 'shutting down');
        await demo?.stop();
        await rastro.stop();
      });
    });
}

import closeWithGrace from 'close-with-grace';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.ts';
import { startRastro } from '../../runtime/start.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API and/or the delivery workers')
    .option('--role <role>', 'all | api | worker (default: RASTRO_ROLE or all)')
    .option('--port <port>', 'HTTP port (default: PORT or 8787)')
    .action(async (opts: { role?: string; port?: string }) => {
      const env = { ...process.env };
      if (opts.role) env.RASTRO_ROLE = opts.role;
      if (opts.port) env.PORT = opts.port;
      const config = loadConfig(env);
      const rastro = await startRastro({ config });
      closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
        if (err) rastro.app.log.error({ err }, 'fatal error, shutting down');
        else rastro.app.log.info({ signal }, 'shutting down');
        await rastro.stop();
      });
    });
}

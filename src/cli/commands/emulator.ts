import type { Command } from 'commander';
import { integerArgument } from '../arguments.ts';

export function registerEmulatorCommands(program: Command): void {
  const emulator = program.command('emulator').description('Local emulators of the ad platform APIs');
  emulator
    .command('meta')
    .description('Run the Meta Graph API (Conversions API) emulator')
    .option('--port <port>', 'port', '8788')
    .option('--host <host>', 'host', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const port = integerArgument('--port', opts.port, { min: 0, max: 65535 });
      const { runMetaEmulatorCli } = await import('../../emulators/meta/server.ts');
      await runMetaEmulatorCli(port, opts.host);
    });
}

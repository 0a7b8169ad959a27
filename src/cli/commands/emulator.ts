import type { Command } from 'commander';

export function registerEmulatorCommands(program: Command): void {
  const emulator = program.command('emulator').description('Local emulators of the ad platform APIs');
  emulator
    .command('meta')
    .description('Run the Meta Graph API (Conversions API) emulator')
    .option('--port <port>', 'port', '8788')
    .option('--host <host>', 'host', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const { runMetaEmulatorCli } = await import('../../emulators/meta/server.ts');
      await runMetaEmulatorCli(Number(opts.port), opts.host);
    });
}

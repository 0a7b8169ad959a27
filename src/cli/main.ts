import { Command } from 'commander';
import { ConfigError } from '../config/env.ts';
import { DataFolderInUseError } from '../db/folder-lock.ts';
import { registerDbCommands } from './commands/db.ts';
import { registerEmulatorCommands } from './commands/emulator.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerTenantCommands } from './commands/tenants.ts';

const program = new Command()
  .name('rastro')
  .description('Server-side conversion tracking and ad-operations hub')
  .version('0.1.0')
  .showHelpAfterError();

// A reader that stops early (`rastro tenants list | head`) is not an error: finish quietly, as Unix
// tools do, instead of an unhandled EPIPE with its stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

registerServeCommand(program);
registerDbCommands(program);
registerTenantCommands(program);
registerEmulatorCommands(program);
registerSimulateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Configuration errors are one line naming the variable; anything else keeps its stack for the operator.
  if (error instanceof ConfigError) console.error(`rastro: invalid configuration: ${error.message}`);
  else if (error instanceof DataFolderInUseError) console.error(`rastro: ${error.message}`);
  else console.error(`rastro: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}

import { Command, Help } from 'commander';
import { registerDbCommands } from './commands/db.ts';
import { registerEmulatorCommands } from './commands/emulator.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { explainError } from './errors.ts';

const help = new Help();
const program = new Command()
  .name('rastro')
  .description('Server-side conversion tracking and ad-operations hub')
  .version('0.1.0')
  // Set before the commands are added: each subcommand inherits both.
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'rastro: ')) })
  .configureHelp({
    // Commander lists a mandatory option like any other: say so.
    optionDescription: (option) => `${help.optionDescription(option)}${option.mandatory ? ' (required)' : ''}`,
  });

// A reader that stops early (`rastro tenants list | head`) is not an error: finish quietly, as Unix
// tools do, instead of an unhandled EPIPE with its stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

registerServeCommand(program);
registerDbCommands(program);
registerTenantCommands(program);
registerKeyCommands(program);
registerEmulatorCommands(program);
registerSimulateCommand(program);

// After a usage error (unknown command or option, missing argument), point at the command's own help
// rather than printing all of it under the error.
const pointToHelp = (command: Command, path: string): void => {
  command.showHelpAfterError(`See '${path} --help'.`);
  for (const sub of command.commands) pointToHelp(sub, `${path} ${sub.name()}`);
};

/**
 * `rastro help [command...]` at every level with subcommands: describes a nested command
 * (`rastro help keys create`) and calls an unknown name a usage error, where Commander's own help
 * command takes one name and answers an unknown one with the whole help.
 */
const strictHelp = (command: Command): void => {
  if (command.commands.length === 0) return;
  for (const sub of command.commands) strictHelp(sub);
  command.helpCommand(false);
  command
    .command('help')
    .description('Describe a command')
    .argument('[command...]', 'the command, and its subcommands if it has any')
    .action((names: string[]) => {
      let target = command;
      for (const name of names) {
        const next = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!next) return target.error(`error: unknown command '${name}'`, { code: 'commander.unknownCommand' });
        target = next;
      }
      target.help();
    });
};
strictHelp(program);
pointToHelp(program, program.name());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // An expected error (configuration, a bad argument, what the database or the server refused) is one
  // line a person can act on; anything else is a bug and keeps its stack for the report.
  const explained = explainError(error);
  console.error(`rastro: ${explained ?? (error as Error).stack ?? String(error)}`);
  process.exit(1);
}

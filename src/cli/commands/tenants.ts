import type { Command } from 'commander';
import { createApiKey, KEY_SCOPES, listApiKeys, revokeApiKey } from '../../tenants/api-keys.ts';
import { createTenant, listTenants } from '../../tenants/tenants.ts';
import type { KeyScope } from '../../db/tables/foundation.ts';
import { withDatabase, withDatabaseOrServer } from '../with-database.ts';

const print = (value: unknown, json: boolean | undefined): void => {
  if (json) console.log(JSON.stringify(value, null, 2));
  else if (Array.isArray(value)) console.table(value);
  else console.log(value);
};

export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('Manage tenants');
  tenants
    .command('create <name>')
    .description('Create a tenant with an admin and an ingest key (shown once)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) =>
      print(
        await withDatabaseOrServer((db) => createTenant(db, name, 'cli'), {
          method: 'POST',
          path: '/tenants',
          body: { name },
        }),
        opts.json,
      ),
    );
  tenants
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      print(
        (
          await withDatabaseOrServer(async (db) => ({ items: await listTenants(db) }), {
            method: 'GET',
            path: '/tenants',
          })
        ).items,
        opts.json,
      ),
    );

  const keys = program.command('keys').description("Manage a tenant's API keys");
  keys
    .command('create')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--scope <scope>', KEY_SCOPES.join(' | '))
    .option('--name <name>', 'label', '')
    .option('--json', 'print JSON')
    .action((opts: { tenant: string; scope: string; name: string; json?: boolean }) => {
      if (!KEY_SCOPES.includes(opts.scope as KeyScope))
        throw new Error(`--scope must be one of ${KEY_SCOPES.join(', ')}`);
      return withDatabase(async (db) =>
        print(
          await db
            .transaction()
            .execute((trx) => createApiKey(trx, opts.tenant, opts.scope as KeyScope, opts.name, 'cli')),
          opts.json,
        ),
      );
    });
  keys
    .command('list')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action((opts: { tenant: string; json?: boolean }) =>
      withDatabase(async (db) => print(await listApiKeys(db, opts.tenant), opts.json)),
    );
  keys
    .command('revoke <keyId>')
    .requiredOption('--tenant <id>', 'tenant id')
    .action((keyId: string, opts: { tenant: string }) =>
      withDatabase(async (db) => {
        await revokeApiKey(db, opts.tenant, keyId, 'cli');
        console.log(`revoked ${keyId}`);
      }),
    );
}

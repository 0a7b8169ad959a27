import type { Command } from 'commander';
import { createApiKey, KEY_SCOPES, listApiKeys, revokeApiKey } from '../../tenants/api-keys.ts';
import { createTenant, listTenants } from '../../tenants/tenants.ts';
import type { KeyScope } from '../../db/tables/foundation.ts';
import { withDatabaseOrServer } from '../with-database.ts';

const print = (value: unknown, json: boolean | undefined): void => {
  if (json) console.log(JSON.stringify(value, null, 2));
  else if (Array.isArray(value)) console.table(value);
  else console.log(value);
};

/** A new tenant for a person: its keys (shown this once) and what each is for. */
const printCreated = (tenant: { id: string; name: string; keys: { admin: string; ingest: string } }): void => {
  console.log(`Created tenant ${JSON.stringify(tenant.name)} (${tenant.id})`);
  console.log(`  admin key   ${tenant.keys.admin}`);
  console.log(`  ingest key  ${tenant.keys.ingest}`);
  console.log(
    'The keys are shown this once. Sign in to the dashboard and call the API with the admin key; ' +
      'the browser snippet, /api/v1/track and bots use the ingest key.',
  );
};

export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('Manage tenants');
  tenants
    .command('create <name>')
    .description('Create a tenant with an admin and an ingest key (shown once)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const tenant = await withDatabaseOrServer(
        (db) => createTenant(db, name, 'cli'),
        (api) => api<Awaited<ReturnType<typeof createTenant>>>('POST', '/tenants', { name }),
      );
      if (opts.json) print(tenant, true);
      else printCreated(tenant);
    });
  tenants
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      print(
        (
          await withDatabaseOrServer(
            async (db) => ({ items: await listTenants(db) }),
            (api) => api<{ items: Awaited<ReturnType<typeof listTenants>> }>('GET', '/tenants'),
          )
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
    .action(async (opts: { tenant: string; scope: string; name: string; json?: boolean }) => {
      if (!KEY_SCOPES.includes(opts.scope as KeyScope))
        throw new Error(`--scope must be one of ${KEY_SCOPES.join(', ')}`);
      print(
        await withDatabaseOrServer(
          (db) =>
            db.transaction().execute((trx) => createApiKey(trx, opts.tenant, opts.scope as KeyScope, opts.name, 'cli')),
          (api) => api('POST', keysPath(opts.tenant), { scope: opts.scope, name: opts.name }),
        ),
        opts.json,
      );
    });
  keys
    .command('list')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; json?: boolean }) =>
      print(
        (
          await withDatabaseOrServer(
            async (db) => ({ items: await listApiKeys(db, opts.tenant) }),
            (api) => api<{ items: Awaited<ReturnType<typeof listApiKeys>> }>('GET', keysPath(opts.tenant)),
          )
        ).items,
        opts.json,
      ),
    );
  keys
    .command('revoke <keyId>')
    .requiredOption('--tenant <id>', 'tenant id')
    .action(async (keyId: string, opts: { tenant: string }) => {
      await withDatabaseOrServer(
        (db) => revokeApiKey(db, opts.tenant, keyId, 'cli'),
        (api) => api('DELETE', `${keysPath(opts.tenant)}/${encodeURIComponent(keyId)}`),
      );
      console.log(`revoked ${keyId}`);
    });
}

/** The operator's route to a tenant's keys, for the CLI beside a running server. */
const keysPath = (tenantId: string): string => `/tenants/${encodeURIComponent(tenantId)}/keys`;
